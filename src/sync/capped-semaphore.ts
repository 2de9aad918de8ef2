// CappedSemaphore (eventlet.semaphore.CappedSemaphore): a semaphore bounded on both sides.
// acquire() blocks while the count is 0 and release() blocks while it is at the limit, so it
// works like a buffer of `limit` units between releasers (producers) and acquirers
// (consumers); with a limit of 0 every release waits for an acquire to take its unit directly.
//
// eventlet builds it from two semaphores; here one counter and two wait lists (acquirers,
// releasers) do the same, with each side served in arrival order. Whenever the count changes,
// settle() lets waiters through that the new count admits.
import { rangeError } from '../errors';
import { theHub } from '../hub/hub';
import { cannotWait, holdUnit, readBlockingArgs, type AcquireOptions } from './semaphore';
import type { SignalOptions } from '../hub/abort-watch';
import { validateCount } from '../validate';
import { TIMED_OUT, waitOn } from './timed-wait';
import { WaitList } from '../hub/wait-list';

/**
 * A semaphore whose count stays between 0 and `limit`: {@link acquire} blocks while it is 0,
 * {@link release} blocks while it is at `limit`. Unlike {@link BoundedSemaphore}, releasing
 * at the limit waits (for an acquire) instead of throwing.
 *
 * ```ts
 * const sem = new CappedSemaphore(0, 1);
 * spawn(() => { sem.release(); sem.release(); });  // the second release waits...
 * sem.acquire();                                   // ...until this acquire makes room
 * ```
 *
 * Calls that do not have to wait work from plain JavaScript too.
 */
export class CappedSemaphore {
  #count: number;
  readonly #limit: number;
  readonly #acquirers = new WaitList<true>();
  readonly #releasers = new WaitList<true>();

  /**
   * @param count The initial count.
   * @param limit The largest count; `release` blocks while the count is there.
   * @throws TypeError if either is not an integer; RangeError if either is negative or
   *   `count` is above `limit`.
   */
  constructor(count: number, limit: number) {
    this.#count = validateCount(count, 'new CappedSemaphore()', 'count');
    this.#limit = validateCount(limit, 'new CappedSemaphore()', 'limit');
    if (count > limit) throw rangeError(`new CappedSemaphore(): count (${count}) cannot be more than limit (${limit})`);
  }

  /**
   * The count now: units that acquires can take without waiting. It stays within
   * 0..{@link limit}, except briefly after a thread that had already been let through is
   * killed and undoes its call (then it may pass a bound by the units in flight; the next
   * calls bring it back, as eventlet's does).
   */
  get counter(): number {
    return this.#count;
  }

  /** The largest count. */
  get limit(): number {
    return this.#limit;
  }

  /**
   * As in eventlet, the acquire side's balance minus the release side's: (count − threads
   * blocked in acquire) − ((limit − count) − threads blocked in release). With nobody
   * waiting it is `2 × count − limit`, so it is negative whenever the count is below half
   * the limit.
   */
  get balance(): number {
    return (this.#count - this.#acquirers.size) - ((this.#limit - this.#count) - this.#releasers.size);
  }

  /** True if {@link acquire} would block: the count is 0 and no release is waiting. */
  locked(): boolean {
    return this.#count <= 0 && this.#releasers.size === 0;
  }

  /** True if {@link release} would block: the count is at the limit and no acquire is waiting. */
  bounded(): boolean {
    return this.#count >= this.#limit && this.#acquirers.size === 0;
  }

  /**
   * Takes a unit, waiting while the count is 0. A waiting release's unit is taken directly.
   * @param options `blocking` (false: return false at once instead of waiting), `timeout`
   *   (seconds to wait at most; `null`, `undefined` or -1: no limit; false when it runs out) and
   *   `signal`, as for {@link Semaphore.acquire}.
   * @returns Whether a unit was taken.
   * @throws TypeError if a timeout is given with `blocking` false, or an argument has the wrong
   *   type; RangeError for a negative timeout (other than -1).
   * @throws NotInGreenThreadError from plain JavaScript when it would have to wait (with a
   *   timeout of 0 it returns false instead).
   */
  acquire(options?: AcquireOptions): boolean;
  /**
   * The form above with positional arguments: `acquire(false)`, `acquire(true, 5)`.
   * @param blocking false: return false at once instead of waiting.
   * @param timeout Seconds to wait at most (`null`, `undefined` or -1: no limit); false when
   *   it runs out.
   * @returns Whether a unit was taken.
   * @throws TypeError / RangeError / NotInGreenThreadError as the form above.
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean;
  acquire(blockingOrOptions: boolean | AcquireOptions = true, timeout?: number | null): boolean {
    const { blocking, seconds, signal } = readBlockingArgs(blockingOrOptions, timeout, 'CappedSemaphore.acquire()');
    if (this.#count > 0) {
      this.#count--;
      this.#settle();
      return true;
    }
    // Count 0 with releasers waiting means the limit is 0: take a releaser's unit directly.
    if (this.#releasers.handOne(true) !== undefined) return true;
    if (!blocking) return false;
    if (theHub.current === null) return cannotWait('CappedSemaphore.acquire()', seconds);
    return waitOn(this.#acquirers, 'CappedSemaphore.acquire()', seconds, this.#unitBack, undefined, signal) !== TIMED_OUT;
  }

  /**
   * Puts a unit back, waiting while the count is at the limit. A waiting acquire is handed
   * the unit directly.
   * @param options `blocking`, `timeout` and `signal`, as for {@link acquire}; a releaser
   *   interrupted by its signal after its unit was taken returns true.
   * @returns Whether the unit was put back.
   * @throws TypeError / RangeError as {@link acquire}.
   * @throws NotInGreenThreadError from plain JavaScript when it would have to wait (with a
   *   timeout of 0 it returns false instead).
   */
  release(options?: AcquireOptions): boolean;
  /**
   * The form above with positional arguments: `release(false)`, `release(true, 5)`.
   * @param blocking false: return false at once instead of waiting.
   * @param timeout Seconds to wait at most (`null`, `undefined` or -1: no limit); false when
   *   it runs out.
   * @returns Whether the unit was put back.
   * @throws TypeError / RangeError / NotInGreenThreadError as the form above.
   */
  release(blocking?: boolean, timeout?: number | null): boolean;
  release(blockingOrOptions: boolean | AcquireOptions = true, timeout?: number | null): boolean {
    const { blocking, seconds, signal } = readBlockingArgs(blockingOrOptions, timeout, 'CappedSemaphore.release()');
    // A count below 0 (see counter) is a debt: the unit pays it before anyone is served.
    if (this.#count >= 0 && this.#acquirers.handOne(true) !== undefined) return true;
    if (this.#count < this.#limit) {
      this.#count++;
      this.#settle();
      return true;
    }
    if (!blocking) return false;
    if (theHub.current === null) return cannotWait('CappedSemaphore.release()', seconds);
    return waitOn(this.#releasers, 'CappedSemaphore.release()', seconds, this.#unitTaken, undefined, signal) !== TIMED_OUT;
  }

  /**
   * Acquires (blocking as {@link acquire} does) and returns a handle whose disposal releases,
   * so `using _ = sem.hold();` is eventlet's `with sem:`. The release at disposal may block
   * while the count is at the limit. Disposing more than once releases only once.
   */
  hold(options?: SignalOptions): Disposable {
    return holdUnit(this, options, 'CappedSemaphore.hold()');
  }

  // Lets through the waiters the count now admits: acquirers while it is above 0, releasers
  // while it is below the limit. One side's progress can admit the other, hence the loop.
  #settle(): void {
    for (;;) {
      if (this.#count > 0 && this.#acquirers.handOne(true) !== undefined) {
        this.#count--;
      } else if (this.#count < this.#limit && this.#releasers.handOne(true) !== undefined) {
        this.#count++;
      } else {
        return;
      }
    }
  }

  // An acquirer that was handed a unit was killed before it ran: the unit comes back, to the
  // next acquirer or to the count (which may pass the limit if releases filled it meanwhile).
  readonly #unitBack = (): void => {
    if (this.#count >= 0 && this.#acquirers.handOne(true) !== undefined) return;
    this.#count++;
    this.#settle();
  };

  // A releaser whose unit was taken was killed before it ran: its release is undone, so the
  // error it throws does not hide a release that happened. The unit may already be in an
  // acquirer's hands, so the count can go below 0 (a debt the next release pays).
  readonly #unitTaken = (): void => {
    this.#count--;
    this.#settle();
  };

  /** Describes the semaphore for diagnostics: count, limit and waiters on each side. */
  toString(): string {
    return `CappedSemaphore(counter=${this.#count}, limit=${this.#limit}, acquiring=${this.#acquirers.size}, releasing=${this.#releasers.size})`;
  }
}
