// waitFor(): the bridge from blocking style to every promise API (fetch, database clients,
// fs/promises). The green thread waits on a Waiter; the promise's reaction fills it.
import { typeError } from '../errors';
import { requireGreenThread, Waiter, waitsForItself } from '../hub/waiter';
import { describe } from '../validate';

/**
 * Blocks the calling green thread until `promise` settles; returns its value or throws its
 * rejection reason. The event loop and every other green thread keep running meanwhile. A
 * rejection reason that is an object gets the calling thread's stack appended to its `stack`
 * (once), so the error shows where it was waited for.
 * @throws NotInGreenThreadError from plain JavaScript.
 * @throws DeadlockError if `promise` is the calling green thread itself.
 * @throws TypeError if `promise` is not a promise or thenable.
 */
export function waitFor<T>(promise: PromiseLike<T> | T): T {
  if (promise === null || (typeof promise !== 'object' && typeof promise !== 'function') ||
      typeof (promise as PromiseLike<T>).then !== 'function') {
    throw typeError(`waitFor(): expected a promise or thenable, got ${describe(promise)}`);
  }
  const thread = requireGreenThread('waitFor()');
  if ((promise as unknown) === thread) waitsForItself('waitFor()');
  // Promise.resolve and then() run user code (a `then` or `constructor` getter) that may even
  // suspend this thread: the Waiter keeps a settlement that comes meanwhile, and is armed only
  // in wait(), after that code has run.
  const waiter = new Waiter<T>(thread);
  Promise.resolve(promise).then(
    (value) => { waiter.wake(value); },
    (reason) => { waiter.throw(reason); },
  );
  return waiter.wait('waitFor()');
}
