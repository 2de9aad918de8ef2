// Waiter: the one switching primitive every blocking call is built on (gevent's _waiter.py).
// A single slot that one green thread waits on and anyone can fill; the epoch bookkeeping of
// the hub stays inside it. requireGreenThread, the one "must be in a green thread" check, is
// here too.
//
// Contract:
// - Who may wake it: anyone, any number of times — plain JavaScript, a timer, a promise
//   reaction, another green thread. Exactly one wake counts (wake or throw, the first one that
//   reaches it); the others return false and change nothing.
// - Who may wait: only the green thread that created it, once. wait() from any other thread,
//   or a second wait(), is an InvalidStateError.
// - A wake that comes first (before wait(), e.g. while code run between the Waiter's creation
//   and wait() suspended the thread on something else) is kept: wait() then returns the value,
//   or throws the error, at once without suspending. The Waiter is armed — the thread's epoch
//   read — only inside wait(), after all such code has run, so no wake is ever taken for stale.
// - A kill or Timeout thrown into the thread while it waits: wait() throws it and the Waiter is
//   done; a later wake returns false. A wake that had been counted just before (the thread was
//   queued with the value, then the error replaced it) is reported to wait()'s giveBack, so a
//   handed item or unit can be returned to whoever gave it.
import { DeadlockError, InvalidStateError, NotInGreenThreadError } from '../errors';
import { appendCallSite } from './call-site';
import { theHub } from './hub';
import type { HubThread } from './hub-thread';

/**
 * Returns the running green thread, or throws NotInGreenThreadError naming `call` (and why it
 * needs a green thread, `reason`, default "blocks"), with greenthread's own frames left out of
 * its stack. Every blocking call starts with it.
 */
export function requireGreenThread(call: string, reason?: string): HubThread {
  const thread = theHub.current;
  if (thread === null) throw new NotInGreenThreadError(call, reason);
  return thread;
}

/** Throws DeadlockError: `call` was made by the very thread it would wait for. */
export function waitsForItself(call: string): never {
  throw new DeadlockError(`${call}: a green thread cannot wait for itself; it would never return`);
}

const enum Slot {
  /** Created; nothing arrived, nobody waits yet. */
  Empty,
  /** Its thread is suspended in wait(), in the suspension that had `epoch`. */
  Armed,
  /** A wake counted; wait() has not delivered it yet. */
  Filled,
  /** wait() has returned or thrown: every wake is refused from now on. */
  Done,
}

/** A single-slot wake-up for one green thread; see the contract in this file's header. */
export class Waiter<V = unknown> {
  /** The green thread that may wait. */
  readonly thread: HubThread;
  #slot = Slot.Empty;
  #epoch = 0;
  #value: unknown = undefined;
  #threw = false;

  /** @param thread The waiting thread: normally `requireGreenThread(call)`. */
  constructor(thread: HubThread) {
    this.thread = thread;
  }

  /** Fills the slot with `value`; the waiting thread's wait() returns it. Returns whether it counted. */
  wake(value: V): boolean {
    return this.#fill(value, false);
  }

  /** Fills the slot with `error`; the waiting thread's wait() throws it. Returns whether it counted. */
  throw(error: unknown): boolean {
    return this.#fill(error, true);
  }

  #fill(value: unknown, threw: boolean): boolean {
    const slot = this.#slot;
    if (slot === Slot.Armed) {
      // Queues the thread. False: it has been woken some other way meanwhile (killed, timed
      // out) and its wait() is about to throw that; this wake does not count.
      if (!theHub.wake(this.thread, this.#epoch, undefined)) return false;
    } else if (slot !== Slot.Empty) {
      return false;
    }
    this.#slot = Slot.Filled;
    this.#value = value;
    this.#threw = threw;
    return true;
  }

  /**
   * Gives up without waiting (the owner's code failed between creating the Waiter and waiting
   * on it): every later wake is refused, and a value that had already been handed over goes to
   * `giveBack`.
   */
  abandon(giveBack?: (value: V) => void): void {
    const handed = this.#slot === Slot.Filled && !this.#threw;
    const value = this.#value;
    this.#slot = Slot.Done;
    this.#value = undefined;
    if (handed && giveBack !== undefined) giveBack(value as V);
  }

  /**
   * Makes a Waiter whose wait() has returned or thrown ready to be waited on again, by the same
   * thread, and returns true; false (nothing changed) if it is still in use. For a primitive
   * that waits in a loop (a socket's reader): it keeps its Waiter instead of allocating one per
   * wait. Only the primitive that made the Waiter may do this, and only once nothing else holds
   * it, so no wake meant for the previous wait can reach the next one.
   */
  recycle(): boolean {
    if (this.#slot !== Slot.Done) return false;
    this.#slot = Slot.Empty;
    this.#threw = false;
    return true;
  }

  /**
   * Blocks the owning green thread until the slot is filled, then returns the value or throws
   * the error (with the thread's stack at `call` appended, see call-site.ts). Returns at once
   * if it is filled already.
   * @param call The public call, for diagnostics (`waitFor()`).
   * @param giveBack Told of a value that was handed over but cut short by a kill or Timeout.
   * @param expectSoon Hint for the engine: the wake is likely to come within microseconds.
   */
  wait(call: string, giveBack?: (value: V) => void, expectSoon?: boolean): V {
    const thread = this.thread;
    if (theHub.current !== thread || this.#slot === Slot.Armed || this.#slot === Slot.Done) {
      throw new InvalidStateError(`${call}: a Waiter can be waited on once, by the green thread that made it`);
    }
    if (this.#slot === Slot.Empty) {
      this.#slot = Slot.Armed;
      try {
        // A return without the slot filled is a wake that did not come through this Waiter:
        // not ours, so wait on, re-armed under the thread's new epoch.
        do {
          this.#epoch = thread.epoch;
          theHub.suspend(call, expectSoon);
        } while (this.#slot === Slot.Armed);
      } catch (error) {
        // Killed or timed out. If a wake had counted just before, it was cut short.
        const cutShort = (this.#slot as Slot) === Slot.Filled && !this.#threw;
        const value = this.#value;
        this.#slot = Slot.Done;
        this.#value = undefined;
        if (cutShort && giveBack !== undefined) giveBack(value as V);
        throw error;
      }
    }
    const value = this.#value;
    this.#slot = Slot.Done;
    this.#value = undefined;
    if (this.#threw) throw appendCallSite(value, call, thread);
    return value as V;
  }
}
