// Event (eventlet.event.Event): a one-shot result that any number of green threads can wait
// for. send() never blocks, so plain JavaScript (a callback, a promise reaction) can complete
// an Event that green threads wait on; that makes it the simplest bridge from callbacks into
// blocking-style code.
import { types } from 'node:util';
import { GreenletExit, InvalidStateError, NotInGreenThreadError, typeError } from '../errors';
import { theHub } from '../hub/hub';
import { readWaitOptions, TIMED_OUT, waitOn } from './timed-wait';
import type { SignalOptions } from '../hub/abort-watch';
import { describe, validateSeconds } from '../validate';
import { WaitList } from '../hub/wait-list';
import { appendCallSite } from '../hub/call-site';

// What send()/sendException() stored. Waiters are handed this object rather than reading the
// Event when they resume, so a reset() and a new send() before they run cannot change what
// they see: each gets the outcome that woke it.
interface Outcome {
  readonly threw: boolean;
  readonly value: unknown;
}

/** Options of {@link Event.wait}, the alternative to a positional timeout. */
export interface EventWaitOptions extends SignalOptions {
  /** Seconds to wait at most (`null`/omitted: no limit); when it runs out, wait returns undefined. */
  timeout?: number | null;
}

const WAIT_KEYS = ['timeout', 'signal'] as const;

/** The argument of {@link Event.sendException}: an error, or an error class to instantiate. */
export type EventError = Error | (new () => Error);

function isError(value: unknown): value is Error {
  // isNativeError also accepts errors made in another realm (vm contexts), which fail instanceof.
  return value instanceof Error || types.isNativeError(value);
}

/**
 * A one-shot result for any number of waiters: one side calls {@link Event.send} (or
 * {@link Event.sendException}) once, every green thread blocked in {@link Event.wait} wakes
 * with it, and later `wait()` calls return it at once.
 *
 * ```ts
 * const done = new Event<number>();
 * spawn(() => { sleep(0.1); done.send(42); });
 * done.wait();        // 42, after 0.1 s
 * ```
 *
 * Unlike a queue, `send` never blocks and delivers to all waiters; sending twice without
 * {@link Event.reset} is a bug and throws.
 */
export class Event<T = unknown> {
  #outcome: Outcome | null = null;
  readonly #waiters = new WaitList<Outcome>();

  /**
   * Sets the Event's value and wakes every waiting green thread with it. Never blocks, so it
   * works from plain JavaScript as well; the waiters run at the hub's next turn.
   * @throws InvalidStateError if the Event was already sent and not {@link reset} since.
   */
  send(value?: T): void {
    this.#checkNotSent('Event.send()');
    this.#settle({ threw: false, value });
  }

  /**
   * Like {@link send}, but every waiter (and every later `wait()`) throws `error`.
   * @param error An Error, thrown as is; or an Error class, instantiated once here, so every
   *   waiter throws the same instance. Omitted: a {@link GreenletExit}, as eventlet's
   *   `send_exception()` with no argument makes its waiters raise `GreenletExit` — waiters that
   *   do not catch it end quietly, as if killed.
   * @throws InvalidStateError if the Event was already sent and not reset since.
   * @throws TypeError if `error` is neither an Error nor a class.
   */
  sendException(error?: EventError): void {
    if (error !== undefined && typeof error !== 'function' && !isError(error)) {
      throw typeError(`Event.sendException(): error must be an Error or an Error class, got ${describe(error)}`);
    }
    this.#checkNotSent('Event.sendException()');
    // Made before the Event changes: if the class's constructor throws, it stays unsent.
    const thrown = error === undefined ? new GreenletExit() : typeof error === 'function' ? new error() : error;
    this.#settle({ threw: true, value: thrown });
  }

  #checkNotSent(call: string): void {
    if (this.#outcome !== null) {
      throw new InvalidStateError(`${call}: this Event has already been sent; call reset() before sending it again, or use a new Event`);
    }
  }

  #settle(outcome: Outcome): void {
    this.#outcome = outcome;
    this.#waiters.handAll(outcome);
  }

  /**
   * Blocks the calling green thread until the Event is sent, then returns the value sent (or
   * throws the exception sent). Returns at once if it has been sent already. The other forms
   * add a timeout, a signal or both.
   * @throws NotInGreenThreadError from plain JavaScript while the Event is not sent.
   */
  wait(): T;
  /**
   * Like `wait()`, interruptible: aborting `options.signal` throws its reason in the waiting
   * thread (a send that reached it first wins). A signal that has already aborted throws its
   * reason at once, even when the Event is sent.
   * @param options `{ signal }`; with a `timeout` too, see the next form.
   * @throws NotInGreenThreadError from plain JavaScript while the Event is not sent.
   */
  wait(options: EventWaitOptions & { timeout?: undefined }): T;
  /**
   * Like `wait()`, giving up after `timeout` seconds.
   * @param timeout Seconds to wait at most (`null`/`undefined`: no limit). When it runs out,
   *   `wait` returns `undefined`. A send that reached the thread before its timeout fired
   *   wins, even if the thread had not run yet. Or an options object `{ timeout, signal }`,
   *   the signal working as in the form above.
   * @throws NotInGreenThreadError from plain JavaScript while the Event is not sent (with a
   *   timeout of 0 it returns `undefined` instead: waiting zero seconds needs no blocking).
   * @throws TypeError if `timeout` is not a number (negative counts as 0).
   */
  wait(timeout: number | null | undefined | EventWaitOptions): T | undefined;
  wait(timeoutOrOptions?: number | null | EventWaitOptions): T | undefined {
    let timeout: unknown = timeoutOrOptions;
    let signal: AbortSignal | undefined;
    if (typeof timeout === 'object' && timeout !== null) {
      const options = readWaitOptions(timeout, undefined, 'Event.wait()', WAIT_KEYS);
      timeout = options.timeout;
      signal = options.signal;
    }
    const seconds = timeout === undefined || timeout === null ? null : validateSeconds(timeout, 'Event.wait()', 'timeout');
    let outcome = this.#outcome;
    if (outcome === null) {
      if (theHub.current === null) {
        if (seconds === 0) return undefined;
        throw new NotInGreenThreadError('Event.wait()');
      }
      const handed = waitOn(this.#waiters, 'Event.wait()', seconds, undefined, undefined, signal);
      if (handed === TIMED_OUT) return undefined;
      outcome = handed;
    }
    if (outcome.threw) throw appendCallSite(outcome.value, 'Event.wait()', theHub.current);
    return outcome.value as T;
  }

  /** True once the Event has been sent (a value or an exception): `wait()` would not block. */
  ready(): boolean {
    return this.#outcome !== null;
  }

  /** True if the Event was sent a value (not an exception). */
  hasResult(): boolean {
    return this.#outcome !== null && !this.#outcome.threw;
  }

  /** True if the Event was sent an exception. */
  hasException(): boolean {
    return this.#outcome !== null && this.#outcome.threw;
  }

  /**
   * Never blocks: returns the value if the Event has been sent, else `notReady`. Like
   * eventlet's `poll`, it is `wait()` once ready, so an exception that was sent is thrown.
   */
  poll(): T | undefined;
  poll<U>(notReady: U): T | U;
  poll<U>(notReady?: U): T | U | undefined {
    const outcome = this.#outcome;
    if (outcome === null) return notReady;
    if (outcome.threw) throw outcome.value;
    return outcome.value as T;
  }

  /**
   * Makes a sent Event unsent again, so it can be sent a new value. Threads woken by the
   * previous send still get that send's outcome. (eventlet discourages this; a new Event is
   * usually clearer.)
   * @throws InvalidStateError if the Event has not been sent since it was made or last reset.
   */
  reset(): void {
    if (this.#outcome === null) {
      throw new InvalidStateError('Event.reset(): this Event has not been sent, so there is nothing to reset');
    }
    this.#outcome = null;
  }

  /** Describes the Event for diagnostics: whether it was sent and how many threads wait. */
  toString(): string {
    const state = this.#outcome === null ? 'not sent' : this.#outcome.threw ? 'sent an exception' : 'sent';
    return `Event(${state}, ${this.#waiters.size} waiting)`;
  }
}
