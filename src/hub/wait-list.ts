// WaitList: the FIFO of green threads blocked on one condition of a primitive (an Event, a
// Semaphore, a Queue's getters or putters, a GreenPool's slots, a GreenThread's end). Each
// entry is a Waiter (waiter.ts), so the one hard rule lives in one place: an entry that is
// handed something (an item, a semaphore unit) and then killed or timed out before it runs
// gives it back, so nothing is ever swallowed. A hand-over to an entry whose thread has
// meanwhile been woken some other way does not count, and the giver tries the next entry.
import { requireGreenThread, Waiter } from './waiter';
import type { HubThread } from './hub-thread';

/** One green thread blocked in a WaitList, with what it brought (a putter's item). */
export class WaitListEntry<V = unknown> extends Waiter<V> {
  /** Taken off the list: handed something, or gave up (killed, timed out). */
  removed = false;
  constructor(thread: HubThread, readonly payload: unknown) {
    super(thread);
  }
}

export class WaitList<V = unknown> {
  // Entries in arrival order, consumed from `head`; removed entries are skipped lazily.
  private items: Array<WaitListEntry<V> | undefined> = [];
  private head = 0;
  private live = 0;

  /** Number of threads waiting. */
  get size(): number {
    return this.live;
  }

  /**
   * Hands `value` to the longest-waiting thread and wakes it. Returns that entry, or
   * undefined when nobody (still) waits.
   */
  handOne(value: V): WaitListEntry<V> | undefined {
    for (;;) {
      const entry = this.shift();
      if (entry === undefined) return undefined;
      if (entry.wake(value)) return entry;
    }
  }

  /** Hands `value` to every waiting thread; returns how many there were. */
  handAll(value: V): number {
    let count = 0;
    while (this.handOne(value) !== undefined) count++;
    return count;
  }

  /**
   * Blocks the calling green thread at the back of the list until a giver hands it a value,
   * and returns that value. `payload` travels with the entry (a putter's item). If the thread
   * is killed or timed out instead, it leaves the list; if it had already been handed a value,
   * `giveBack(value)` returns it to the primitive before the error propagates.
   *
   * `beforeSuspend` runs once the thread is in line and before it suspends (a timed wait arms
   * its Timeout there): whatever it runs, even code that suspends, cannot make the thread miss
   * a hand-over, which would wait in its slot.
   * @throws NotInGreenThreadError (naming `call`) from plain JavaScript.
   */
  wait(call: string, payload?: unknown, giveBack?: (value: V) => void, beforeSuspend?: () => void): V {
    const entry = new WaitListEntry<V>(requireGreenThread(call), payload);
    this.items.push(entry);
    this.live++;
    if (beforeSuspend !== undefined) {
      try {
        beforeSuspend();
      } catch (error) {
        this.remove(entry);
        entry.abandon(giveBack);
        throw error;
      }
    }
    try {
      return entry.wait(call, giveBack);
    } catch (error) {
      // Still in line (not handed anything): leave it. The Waiter has given back a hand-over.
      this.remove(entry);
      throw error;
    }
  }

  private remove(entry: WaitListEntry<V>): void {
    if (entry.removed) return;
    entry.removed = true;
    this.live--;
    // Compact once removed entries dominate, so a list whose waiters keep timing out stays
    // small even if nobody ever hands anything out.
    if (this.items.length - this.head > 32 && this.live * 2 < this.items.length - this.head) {
      this.items = this.items.slice(this.head).filter((e) => e !== undefined && !e.removed);
      this.head = 0;
    }
  }

  private shift(): WaitListEntry<V> | undefined {
    while (this.head < this.items.length) {
      const entry = this.items[this.head] as WaitListEntry<V>;
      this.items[this.head++] = undefined;
      if (entry.removed) continue;
      entry.removed = true;
      this.live--;
      if (this.head === this.items.length) {
        this.items.length = 0;
        this.head = 0;
      }
      return entry;
    }
    if (this.head > 0) {
      this.items.length = 0;
      this.head = 0;
    }
    return undefined;
  }
}
