// WaitList: the FIFO of green threads blocked on one condition of a primitive (an Event, a
// Semaphore, a Queue's getters or putters, a GreenPool's slots). Every primitive blocks and
// wakes through it, so the one hard rule lives in one place: a waiter that is handed something
// (an item, a semaphore unit) and then killed or timed out before it runs gives it back, so
// nothing is ever swallowed.
//
// A waiter is woken through the hub with the epoch it had when it blocked. If that wake is
// stale (the thread was meanwhile woken some other way: killed, timed out), the hand-over did
// not happen and the giver tries the next waiter.
import { NotInGreenThreadError } from '../errors';
import { theHub } from './hub';
import type { HubThread } from './hub-thread';

/** One green thread blocked in a WaitList, and what it was handed when woken. */
export class Waiter<V = unknown> {
  /** True once a giver handed this waiter its value (and woke it). */
  handed = false;
  /** Taken off the list: handed, or gave up (killed, timed out). */
  removed = false;
  value: V | undefined = undefined;
  constructor(readonly thread: HubThread, public epoch: number, readonly payload: unknown) {}
}

export class WaitList<V = unknown> {
  // Waiters in arrival order, consumed from `head`; removed waiters are skipped lazily.
  private items: Array<Waiter<V> | undefined> = [];
  private head = 0;
  private live = 0;

  /** Number of threads waiting. */
  get size(): number {
    return this.live;
  }

  /** The longest-waiting thread's waiter, without removing it. */
  peek(): Waiter<V> | undefined {
    this.skipRemoved();
    return this.items[this.head];
  }

  /**
   * Hands `value` to the longest-waiting thread and wakes it. Returns that waiter, or
   * undefined when nobody (still) waits.
   */
  handOne(value: V): Waiter<V> | undefined {
    for (;;) {
      const waiter = this.shift();
      if (waiter === undefined) return undefined;
      if (theHub.wake(waiter.thread, waiter.epoch, undefined)) {
        waiter.handed = true;
        waiter.value = value;
        return waiter;
      }
    }
  }

  /** Hands `value` to every waiting thread; returns how many there were. */
  handAll(value: V): number {
    let count = 0;
    while (this.handOne(value) !== undefined) count++;
    return count;
  }

  /** The waiting threads, longest-waiting first. */
  threads(): HubThread[] {
    const out: HubThread[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const waiter = this.items[i];
      if (waiter !== undefined && !waiter.removed) out.push(waiter.thread);
    }
    return out;
  }

  /**
   * Blocks the calling green thread at the back of the list until a giver hands it a value,
   * and returns that value. `payload` travels with the waiter (a putter's item). If the thread
   * is killed or timed out instead, it leaves the list; if it had already been handed a value,
   * `giveBack(value)` returns it to the primitive before the error propagates.
   */
  wait(call: string, payload?: unknown, giveBack?: (value: V) => void): V {
    const thread = theHub.current;
    if (thread === null) throw new NotInGreenThreadError(call);
    const waiter = new Waiter<V>(thread, thread.epoch, payload);
    this.items.push(waiter);
    this.live++;
    try {
      // A wake without a hand-over did not come from this list: keep waiting, under the
      // thread's new epoch so the next giver's wake is not taken for a stale one.
      for (;;) {
        theHub.suspend(call);
        if (waiter.handed) break;
        waiter.epoch = thread.epoch;
        // A giver that found the stale epoch has taken the waiter off the list: back on it.
        if (waiter.removed) {
          waiter.removed = false;
          this.items.push(waiter);
          this.live++;
        }
      }
    } catch (error) {
      if (waiter.handed) {
        if (giveBack !== undefined) giveBack(waiter.value as V);
      } else {
        this.remove(waiter);
      }
      throw error;
    }
    return waiter.value as V;
  }

  private remove(waiter: Waiter<V>): void {
    if (waiter.removed) return;
    waiter.removed = true;
    this.live--;
    // Compact once removed waiters dominate, so a list whose waiters keep timing out stays
    // small even if nobody ever hands anything out.
    if (this.items.length - this.head > 32 && this.live * 2 < this.items.length - this.head) {
      this.items = this.items.slice(this.head).filter((w) => w !== undefined && !w.removed);
      this.head = 0;
    }
  }

  private shift(): Waiter<V> | undefined {
    this.skipRemoved();
    if (this.head >= this.items.length) return undefined;
    const waiter = this.items[this.head] as Waiter<V>;
    this.items[this.head++] = undefined;
    waiter.removed = true;
    this.live--;
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    }
    return waiter;
  }

  private skipRemoved(): void {
    while (this.head < this.items.length && (this.items[this.head] as Waiter<V>).removed) {
      this.items[this.head++] = undefined;
    }
    if (this.head === this.items.length && this.head > 0) {
      this.items.length = 0;
      this.head = 0;
    }
  }
}
