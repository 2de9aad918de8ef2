// Timeout (eventlet.timeout): an exception that arms itself against the green thread that
// created it and, when its time is up, is thrown at that thread's current or next suspension
// point. withTimeout() turns only its own Timeout into a value. Every blocking call suspends
// through the hub, so a Timeout interrupts all of them (sleep, wait, queues, semaphores,
// waitFor) without any of them knowing about timeouts.
import { brand, GreenthreadError, InvalidStateError, NotInGreenThreadError, typeError } from '../errors';
import { theHub } from '../hub/hub';
import type { HubThread } from '../hub/hub-thread';
import { ThreadState } from '../hub/thread-state';
import { describe, validateGreenFunction, validateOptions, validateSeconds } from '../validate';
import { startTimer, stopTimer, type Timer } from '../hub/timers';

/** What a Timeout throws when it fires: an error instance, an error class, or itself. */
export type TimeoutError = Error | (new () => Error) | boolean | undefined;

function fire(timeout: Timeout): void {
  timeout.fired();
}

const NOT_THROWN = Symbol('not thrown');

// An instance of the Timeout's error class, made in the timer callback: whatever its
// constructor throws is delivered instead (the owner must learn that its Timeout fired), and
// it may not suspend (with fake timers it runs inside the owner).
function construct(errorClass: new () => Error): unknown {
  try {
    return theHub.forbidSuspension('inside a Timeout\'s error class constructor', () => new errorClass());
  } catch (error) {
    return error;
  }
}

// Whether `new fn()` is allowed (arrow functions, methods and async functions are not), found
// without calling fn: Reflect.construct refuses a new.target that is not a constructor.
function isConstructor(fn: object): boolean {
  try {
    Reflect.construct(Object, [], fn as new () => unknown);
    return true;
  } catch {
    return false;
  }
}

/**
 * Raises an error in the green thread that created it once `seconds` have passed, at the
 * point where that thread is blocked (or next blocks). Use it with `using` for eventlet's
 * `with Timeout(s):`:
 *
 * ```ts
 * using t = new Timeout(2);
 * const line = sock.readline();   // throws t if it takes longer than 2 s
 * ```
 *
 * The thrown error is the Timeout itself (it extends Error) unless another error (instance or
 * class) was given. `null`/`undefined` seconds make a Timeout that never fires.
 *
 * An armed Timeout keeps the event loop alive like any timer while its green thread lives; it
 * is disarmed when that thread ends. Cancel it (or declare it with `using`) when the guarded
 * code is done.
 */
export class Timeout extends GreenthreadError {
  // `instanceof Timeout` recognises Timeouts of any loaded copy of greenthread (see errors.ts).
  static { brand(this, 'Timeout'); }

  /** True when `error` is a Timeout (from any loaded copy of greenthread). */
  static isTimeout(error: unknown): error is Timeout {
    return error instanceof Timeout;
  }

  readonly code = 'ERR_GREENTHREAD_TIMEOUT';
  readonly #seconds: number | null;
  #error: TimeoutError;
  #owner: HubThread;
  #timer: Timer | null = null;
  // What it threw when it fired, while that waits for the owner's next suspension point.
  #thrown: unknown = NOT_THROWN;

  /**
   * Arms the timeout against the calling green thread.
   * @param seconds When to fire; `null`/`undefined`: never.
   * @param error What to throw: omitted or `true`/`false`: this Timeout; an Error instance:
   *   that error; an Error class: a new instance of it, made when the timeout fires.
   * @throws NotInGreenThreadError outside a green thread.
   * @throws TypeError for a non-numeric `seconds` or an `error` that is neither an Error nor a
   *   class (a function that cannot be called with `new`, such as an arrow function, included).
   *   If the class's constructor throws when the Timeout fires, the owner gets that error.
   */
  constructor(seconds?: number | null, error?: TimeoutError) {
    const delay = seconds === null || seconds === undefined ? null : validateSeconds(seconds, 'new Timeout()');
    if (error !== undefined && typeof error !== 'boolean' && typeof error !== 'function' && !(error instanceof Error)) {
      throw typeError(`new Timeout(): error must be an Error, an Error class or a boolean, got ${describe(error)}`);
    }
    // Checked now: a class that cannot be constructed would only fail when the timer fires.
    if (typeof error === 'function' && !isConstructor(error)) {
      throw typeError(`new Timeout(): error must be an Error class (a constructor), got ${describe(error)}, which cannot be called with new`);
    }
    super(delay === null ? 'timed out' : `timed out after ${delay} second${delay === 1 ? '' : 's'}`);
    const owner = theHub.current;
    if (owner === null) throw new NotInGreenThreadError('new Timeout()', 'arms itself against the calling green thread');
    this.#seconds = delay;
    this.#error = error;
    this.#owner = owner;
    this.start();
  }

  /** The delay it was made with, in seconds; null for a Timeout that never fires. */
  get seconds(): number | null {
    return this.#seconds;
  }

  /** True while armed: started, not cancelled, not yet fired. */
  get pending(): boolean {
    return this.#timer !== null;
  }

  /**
   * Arms the timeout again (it is armed at construction; this is for one that was cancelled
   * or has fired). Returns the Timeout.
   * @throws InvalidStateError if it is already pending.
   */
  start(): this {
    if (this.#timer !== null) throw new InvalidStateError('Timeout.start(): this Timeout is already pending; cancel() it first');
    if (this.#seconds !== null) {
      this.#timer = startTimer(fire, this.#seconds * 1000, this, undefined);
      // Disarmed when its thread ends, so a forgotten Timeout does not keep the process alive.
      (this.#owner.bound ??= new Set()).add(this);
    }
    return this;
  }

  /**
   * Disarms the timeout. It no longer holds an error instance it was given (so that error can
   * be garbage-collected); restarted after that, it throws itself. Safe to call at any time.
   */
  cancel(): void {
    if (this.#timer !== null) {
      stopTimer(this.#timer);
      this.#timer = null;
      this.#owner.bound?.delete(this);
    }
    // Fired but not yet thrown (deferred to the owner's next suspension point): withdrawn too.
    if (this.#thrown !== NOT_THROWN) {
      theHub.withdrawThrow(this.#owner, this.#thrown);
      this.#thrown = NOT_THROWN;
    }
    if (typeof this.#error === 'object') this.#error = undefined;
  }

  /** Cancels: `using t = new Timeout(s)` disarms it when the block is left. */
  [Symbol.dispose](): void {
    this.cancel();
  }

  /** @internal Its green thread has ended: nothing left to interrupt. */
  ownerEnded(): void {
    this.cancel();
  }

  /** @internal The timer callback. Never throws. */
  fired(): void {
    this.#timer = null;
    const owner = this.#owner;
    owner.bound?.delete(this);
    if (owner.state === ThreadState.Dead) return;
    const error = this.#error;
    const thrown = error === undefined || typeof error === 'boolean' ? this
      : typeof error === 'function' ? construct(error) : error;
    // Suspended: thrown at its suspension point now. Ready: thrown instead of what it was woken
    // with (a primitive that had handed it something takes that back, see WaitList). Running
    // (fake timers fired it inside its owner) or already due to throw something else: thrown
    // at its next suspension point, unless cancelled before then.
    if (theHub.throwInto(owner, thrown) && owner.deferredThrows?.includes(thrown)) this.#thrown = thrown;
  }

  override toString(): string {
    return this.#seconds === null ? 'Timeout (never fires)' : `Timeout(${this.#seconds})`;
  }
}

/** Options of {@link withTimeout}. */
export interface WithTimeoutOptions<V> {
  /** Returned instead of throwing when this call's own Timeout fires. */
  timeoutValue?: V;
}

/**
 * Runs `fn()` in the calling green thread under a Timeout of `seconds`. When that Timeout
 * fires, returns `options.timeoutValue` if the option is present, else throws the Timeout.
 * Any other error, an outer Timeout included, propagates unchanged.
 * @throws NotInGreenThreadError outside a green thread.
 */
export function withTimeout<T, V = never>(seconds: number | null, fn: () => T, options?: WithTimeoutOptions<V>): T | V {
  validateGreenFunction(fn, 'withTimeout()');
  validateOptions(options, 'withTimeout()', ['timeoutValue']);
  const thread = theHub.current;
  if (thread === null) throw new NotInGreenThreadError('withTimeout()');
  const timeout = new Timeout(seconds);
  try {
    return fn();
  } catch (error) {
    if (error === timeout && options !== undefined && 'timeoutValue' in options) {
      // A kill that came while the Timeout was already due waits for the next suspension
      // point; returning a value here could mean there is none. It is thrown now instead.
      timeout.cancel();
      const deferred = theHub.takeDeferredThrow(thread);
      if (deferred !== null) throw deferred.error;
      return options.timeoutValue as V;
    }
    throw error;
  } finally {
    timeout.cancel();
  }
}
