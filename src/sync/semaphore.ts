// Semaphore and BoundedSemaphore (eventlet.semaphore): a counter of units that green threads
// acquire and release, blocking while none is left. A release hands its unit straight to the
// longest-waiting thread instead of raising the counter, so waiters are served strictly in
// arrival order: a thread that calls acquire() between the release and the waiter's wake-up
// finds the counter still at 0 and queues behind it (eventlet instead raises the counter and
// lets whoever runs first take it).
import { NotInGreenThreadError, rangeError, typeError } from '../errors';
import { theHub } from '../hub/hub';
import { readWaitOptions, TIMED_OUT, waitOn } from './timed-wait';
import { signalOption, type SignalOptions } from '../hub/abort-watch';
import { describe, validateCount, validateSeconds } from '../validate';
import { WaitList } from '../hub/wait-list';

/**
 * @internal Checks acquire()/release()'s `blocking` and `timeout`; returns the timeout in
 * seconds, or null for none. As in eventlet (and Python's threading), -1 means no timeout; any
 * other negative timeout is an error.
 */
export function validateBlocking(blocking: unknown, timeout: unknown, call: string): number | null {
  if (typeof blocking !== 'boolean') throw typeError(`${call}: blocking must be a boolean, got ${describe(blocking)}`);
  if (timeout === undefined || timeout === null || timeout === -1) return null;
  if (typeof timeout === 'number' && timeout < 0) {
    throw rangeError(`${call}: timeout must be >= 0 (or -1, null or undefined for none), got ${timeout}`);
  }
  const seconds = validateSeconds(timeout, call, 'timeout');
  if (!blocking) throw typeError(`${call}: a timeout cannot be given for a non-blocking call (blocking is false)`);
  return seconds;
}

/** Options of a semaphore's `acquire()` (and CappedSemaphore's `release()`), the positional arguments' alternative. */
export interface AcquireOptions extends SignalOptions {
  /** Whether to wait (default true); false: return false at once. */
  blocking?: boolean;
  /** Seconds to wait at most; `null`, `undefined` or -1: no limit. */
  timeout?: number | null;
}

/** @internal The blocking call's arguments, read from positional ones or an options object. */
export interface BlockingArgs {
  blocking: boolean;
  /** Timeout in seconds, null for none. */
  seconds: number | null;
  signal: AbortSignal | undefined;
}

const ACQUIRE_KEYS = ['blocking', 'timeout', 'signal'] as const;

/**
 * @internal Checks acquire()/release()'s arguments, `(blocking, timeout)` or `(options)` (see
 * {@link AcquireOptions}), as {@link validateBlocking} does; a signal that has already aborted
 * throws its reason.
 */
export function readBlockingArgs(blocking: unknown, timeout: unknown, call: string): BlockingArgs {
  let signal: AbortSignal | undefined;
  if (typeof blocking === 'object' && blocking !== null) {
    const options = readWaitOptions(blocking, timeout, call, ACQUIRE_KEYS);
    blocking = options.blocking;
    timeout = options.timeout;
    signal = options.signal;
  }
  const seconds = validateBlocking(blocking, timeout, call);
  return { blocking: blocking as boolean, seconds, signal };
}

/**
 * @internal What a semaphore does when a call must wait: from plain JavaScript it cannot, so a
 * zero timeout gives up at once and anything else throws.
 */
export function cannotWait(call: string, seconds: number | null): false {
  if (seconds === 0) return false;
  throw new NotInGreenThreadError(call);
}

/**
 * @internal A semaphore's `hold()`: acquires (blocking as its `acquire()` does) and returns a
 * handle whose disposal calls its `release()` (the subclass's, if overridden), once however often
 * it is disposed.
 */
export function holdUnit(semaphore: { acquire(options?: AcquireOptions): boolean; release(): unknown }, options: SignalOptions | undefined, call: string): Disposable {
  const signal = signalOption(options, call);
  if (signal === undefined) semaphore.acquire();
  else semaphore.acquire({ signal });
  let held = true;
  return {
    [Symbol.dispose]: () => {
      if (!held) return;
      held = false;
      semaphore.release();
    },
  };
}

/**
 * A counting semaphore: {@link acquire} takes a unit, blocking the calling green thread while
 * none is left; {@link release} puts one back. Waiters get units in the order they arrived.
 *
 * ```ts
 * const slots = new Semaphore(2);       // at most two downloads at once
 * function download(url: string) {
 *   using _ = slots.hold();             // acquire; released when the block is left
 *   return waitFor(fetch(url));
 * }
 * ```
 *
 * Non-blocking calls (`release()`, `acquire(false)`, an acquire that finds a unit) work from
 * plain JavaScript too.
 */
export class Semaphore {
  #counter: number;
  readonly #waiters = new WaitList<true>();

  /**
   * @param value The initial number of units (default 1: a lock).
   * @throws TypeError if `value` is not an integer; RangeError if it is negative.
   */
  constructor(value = 1) {
    this.#counter = validateCount(value, `new ${new.target.name}()`, 'value');
  }

  /** Units available now. It never goes below 0: waiters are counted by {@link balance}. */
  get counter(): number {
    return this.#counter;
  }

  /**
   * `counter` minus the number of green threads blocked in {@link acquire}: when positive, how
   * many acquires would succeed without blocking; when negative, how many releases it takes
   * until nobody waits.
   */
  get balance(): number {
    return this.#counter - this.#waiters.size;
  }

  /** True if {@link acquire} would block (no unit left). */
  locked(): boolean {
    return this.#counter <= 0;
  }

  /**
   * True if {@link release} would block: never, for this class. It exists, as in eventlet, so
   * code can treat every semaphore like a {@link CappedSemaphore}.
   */
  bounded(): boolean {
    return false;
  }

  /**
   * Takes a unit. If none is left: with `blocking` false, returns false at once; otherwise
   * blocks the calling green thread until a release hands it one (true), or until `timeout`
   * seconds have passed (false). A unit handed over before the timeout fired is kept (true),
   * even if the thread had not run yet.
   * @param options `blocking` (default true), `timeout` (seconds; `null`, `undefined` or -1: no
   *   limit) and `signal`: aborting it throws its reason in the waiting thread (a unit handed to
   *   it just before is kept: acquire returns true). A signal that has already aborted throws its
   *   reason at once, even when a unit is free.
   * @returns Whether a unit was taken.
   * @throws TypeError if a timeout is given with `blocking` false, or an argument has the wrong
   *   type; RangeError for a negative timeout (other than -1).
   * @throws NotInGreenThreadError from plain JavaScript when it would have to wait (with a
   *   timeout of 0 it returns false instead).
   */
  acquire(options?: AcquireOptions): boolean;
  /**
   * The form above with positional arguments, as in eventlet: `acquire(false)`,
   * `acquire(true, 5)`.
   * @param blocking Whether to wait for a unit (default true).
   * @param timeout Seconds to wait at most; `null`, `undefined` or -1: no limit.
   * @returns Whether a unit was taken.
   * @throws TypeError if a timeout is given with `blocking` false, or an argument has the wrong
   *   type; RangeError for a negative timeout (other than -1).
   * @throws NotInGreenThreadError from plain JavaScript when it would have to wait (with a
   *   timeout of 0 it returns false instead).
   */
  acquire(blocking?: boolean, timeout?: number | null): boolean;
  acquire(blockingOrOptions: boolean | AcquireOptions = true, timeout?: number | null): boolean {
    const { blocking, seconds, signal } = readBlockingArgs(blockingOrOptions, timeout, 'Semaphore.acquire()');
    // While threads wait the counter is 0 (release hands units to them), so a unit on the
    // counter is free for anyone: taking it cannot jump the queue.
    if (this.#counter > 0) {
      this.#counter--;
      return true;
    }
    if (!blocking) return false;
    if (theHub.current === null) return cannotWait('Semaphore.acquire()', seconds);
    return waitOn(this.#waiters, 'Semaphore.acquire()', seconds, this.#giveBack, undefined, signal) !== TIMED_OUT;
  }

  /**
   * Puts a unit back: the longest-waiting green thread gets it (it runs at the hub's next
   * turn), or, if none waits, the counter goes up. Never blocks.
   */
  release(): void {
    this.#put();
  }

  /**
   * Acquires a unit (blocking as {@link acquire} does) and returns a handle whose disposal
   * releases it, so `using _ = sem.hold();` is eventlet's `with sem:`. Disposing the handle
   * more than once releases only once. `options.signal` interrupts the wait as in {@link acquire}.
   */
  hold(options?: SignalOptions): Disposable {
    return holdUnit(this, options, `${this.constructor.name}.hold()`);
  }

  // The one way a unit comes back, for release() and for a waiter that was handed a unit but
  // was killed before it could use it. The latter bypasses BoundedSemaphore's check on
  // purpose: that unit was really held, so returning it cannot overshoot the initial value.
  #put(): void {
    if (this.#waiters.handOne(true) === undefined) this.#counter++;
  }

  readonly #giveBack = (): void => {
    this.#put();
  };

  /** Describes the semaphore for diagnostics: its counter and how many threads wait. */
  toString(): string {
    return `${this.constructor.name}(counter=${this.#counter}, waiting=${this.#waiters.size})`;
  }
}

/**
 * A {@link Semaphore} that refuses to be released more often than acquired: a release that
 * would raise the counter above its initial value throws, which catches unbalanced
 * acquire/release pairs early.
 */
export class BoundedSemaphore extends Semaphore {
  readonly #initial: number;

  /**
   * @param value The initial and largest number of units (default 1).
   * @throws TypeError if `value` is not an integer; RangeError if it is negative.
   */
  constructor(value = 1) {
    super(value);
    this.#initial = value;
  }

  /** The initial value: the counter never goes above it. */
  get initial(): number {
    return this.#initial;
  }

  /**
   * Like {@link Semaphore.release}.
   * @throws RangeError if the counter is already at its initial value (released too often).
   */
  override release(): void {
    if (this.counter >= this.#initial) {
      throw rangeError(`BoundedSemaphore.release(): released too many times (the counter is already at its initial value ${this.#initial})`);
    }
    super.release();
  }
}
