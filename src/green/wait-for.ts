// waitFor(): the bridge from blocking style to every promise API (fetch, database clients,
// fs/promises). The green thread parks; the promise's reaction wakes it on the hub.
import { NotInGreenThreadError } from '../errors';
import { theHub } from '../hub/hub';
import { describe } from '../validate';

/**
 * Blocks the calling green thread until `promise` settles; returns its value or throws its
 * rejection reason. The event loop and every other green thread keep running meanwhile.
 * @throws NotInGreenThreadError from plain JavaScript.
 * @throws TypeError if `promise` is not a promise or thenable.
 */
export function waitFor<T>(promise: PromiseLike<T> | T): T {
  if (promise === null || (typeof promise !== 'object' && typeof promise !== 'function') ||
      typeof (promise as PromiseLike<T>).then !== 'function') {
    throw new TypeError(`waitFor(): expected a promise or thenable, got ${describe(promise)}`);
  }
  const thread = theHub.current;
  if (thread === null) throw new NotInGreenThreadError('waitFor()');
  const epoch = thread.epoch;
  Promise.resolve(promise).then(
    (value) => { theHub.wake(thread, epoch, value); },
    (reason) => { theHub.wake(thread, epoch, reason, true); },
  );
  return theHub.suspend('waitFor()') as T;
}
