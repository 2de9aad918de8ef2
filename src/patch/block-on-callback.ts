// blockOnCallback(): the bridge from Node's callback APIs to a blocking call. The operation is
// started on the calling green thread with a Node-style callback; the thread waits on a Waiter
// until the callback fills it. What the patched *Sync functions are built on.
import { restackAtCaller } from '../hub/call-site';
import { requireGreenThread, Waiter } from '../hub/waiter';

/** A Node-style completion callback: an error (null/undefined for success), then the results. */
export type NodeCallback = (error: unknown, ...results: unknown[]) => void;

/**
 * Calls `start` with a Node-style callback and suspends the calling green thread until that
 * callback is called; returns the results after the error argument, or throws the error with
 * its frames replaced by the caller's (as the synchronous form's stack would show). `start`
 * runs synchronously first: what it throws (argument validation) propagates unchanged, with
 * nothing started. A kill or Timeout while waiting is thrown at once; the operation itself
 * still completes in the background and its result is dropped.
 * @throws NotInGreenThreadError from plain JavaScript.
 */
export function blockOnCallback(call: string, start: (callback: NodeCallback) => void): unknown[] {
  const waiter = new Waiter<unknown[]>(requireGreenThread(call));
  let failure: unknown = waiter;  // the operation's own error, once there is one
  start((error, ...results) => {
    if (error === null || error === undefined) {
      waiter.wake(results);
    } else {
      failure = error;
      waiter.throw(error);
    }
  });
  try {
    return waiter.wait(call);
  } catch (error) {
    // Restacked here, on the caller's own stack; a kill or Timeout is left as it is.
    throw error === failure ? restackAtCaller(error) : error;
  }
}
