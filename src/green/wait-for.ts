// waitFor(): the bridge from blocking style to every promise API (fetch, database clients,
// fs/promises). The green thread waits on a Waiter; the promise's reaction fills it. Given a
// function instead of a promise, waitFor calls it with an AbortSignal that aborts if the wait
// is interrupted, so the operation is cancelled with the wait.
import { typeError } from '../errors';
import type { HubThread } from '../hub/hub-thread';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';
import { requireGreenThread, Waiter, waitsForItself } from '../hub/waiter';
import { describe } from '../validate';

const CALL = 'waitFor()';

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as PromiseLike<unknown>).then === 'function';
}

// Set by the promise's reaction: whether it settled (for a factory's signal).
interface Settlement {
  settled: boolean;
}

// Blocks `thread` (the caller) until `promise` settles.
function waitSettled<T>(thread: HubThread, promise: PromiseLike<T>, settlement?: Settlement): T {
  if ((promise as unknown) === thread) waitsForItself(CALL);
  // Promise.resolve and then() run user code (a `then` or `constructor` getter) that may even
  // suspend this thread: the Waiter keeps a settlement that comes meanwhile, and is armed only
  // in wait(), after that code has run.
  const waiter = new Waiter<T>(thread);
  Promise.resolve(promise).then(
    (value) => {
      if (settlement !== undefined) settlement.settled = true;
      waiter.wake(value);
    },
    (reason) => {
      if (settlement !== undefined) settlement.settled = true;
      waiter.throw(reason);
    },
  );
  return waiter.wait(CALL);
}

// waitFor(factory): the factory's signal aborts, with the error waitFor throws, whenever
// waitFor ends before the promise settled (interrupted, or the factory failed).
function waitForFactory<T>(factory: (signal: AbortSignal) => PromiseLike<T>, options: SignalOptions | undefined): T {
  const thread = requireGreenThread(CALL);
  const signal = signalOption(options, CALL);
  const controller = new AbortController();
  const settlement: Settlement = { settled: false };
  const run = (): T => {
    const promise: unknown = factory(controller.signal);
    if (!isThenable(promise)) {
      throw typeError(`${CALL}: the function must return a promise or thenable, got ${describe(promise)}`);
    }
    return waitSettled(thread, promise as PromiseLike<T>, settlement);
  };
  try {
    return signal === undefined ? run() : underSignal(signal, run);
  } catch (error) {
    if (!settlement.settled) controller.abort(error);
    throw error;
  }
}

/**
 * Blocks the calling green thread until `promise` settles; returns its value or throws its
 * rejection reason. The event loop and every other green thread keep running meanwhile. A
 * rejection reason that is an object gets the calling thread's stack appended to its `stack`
 * (once), so the error shows where it was waited for.
 *
 * Given a function instead, waitFor calls it at once, on the calling green thread, with an
 * AbortSignal, and waits for the promise it returns. The signal aborts if waitFor ends before
 * that promise settles — the thread was killed, a Timeout fired, `options.signal` aborted, or
 * the function threw — with the error waitFor throws as its reason; so the operation is
 * cancelled with the wait:
 *
 * ```ts
 * using t = new Timeout(5);
 * const res = waitFor((signal) => fetch(url, { signal }));   // the request is cancelled after 5 s
 * ```
 *
 * Once the promise has settled, the signal never aborts.
 * @param options `signal`: aborting it interrupts the wait, throwing its reason (an
 *   already-aborted one throws at once; a function is then not called).
 * @throws NotInGreenThreadError from plain JavaScript (a function is then not called).
 * @throws DeadlockError if `promise` is the calling green thread itself.
 * @throws TypeError if `promise` is not a promise, thenable or function, if the function
 *   returns something else, or `options.signal` is not an AbortSignal.
 */
export function waitFor<T>(factory: (signal: AbortSignal) => PromiseLike<T>, options?: SignalOptions): T;
export function waitFor<T>(promise: PromiseLike<T> | T, options?: SignalOptions): T;
export function waitFor<T>(promise: PromiseLike<T> | T | ((signal: AbortSignal) => PromiseLike<T>), options?: SignalOptions): T {
  if (!isThenable(promise)) {
    if (typeof promise === 'function') return waitForFactory(promise as (signal: AbortSignal) => PromiseLike<T>, options);
    throw typeError(`${CALL}: expected a promise, a thenable or a function returning one, got ${describe(promise)}`);
  }
  const thread = requireGreenThread(CALL);
  if (options !== undefined) {
    const signal = signalOption(options, CALL);
    if (signal !== undefined) return underSignal(signal, () => waitSettled(thread, promise as PromiseLike<T>));
  }
  return waitSettled(thread, promise as PromiseLike<T>);
}
