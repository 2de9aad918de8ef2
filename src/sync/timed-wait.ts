// Blocking on a WaitList with an optional timeout, shared by Event and the semaphores. The
// timeout is an ordinary Timeout armed against the waiting thread and recognised by identity,
// so an outer Timeout or a kill that arrives meanwhile is never mistaken for it and propagates.
import { Timeout } from '../green/timeout';
import type { WaitList } from '../hub/wait-list';

/** What {@link waitOn} returns when its own timeout fired before anything was handed over. */
export const TIMED_OUT: unique symbol = Symbol('greenthread.timedOut');

/**
 * Blocks the calling green thread in `list` until it is handed a value, for at most `seconds`
 * (`null`: no limit). Returns the value, or {@link TIMED_OUT}. The caller checks first that it
 * runs in a green thread, so that NotInGreenThreadError names the public call.
 *
 * When the thread was handed a value and is then interrupted before it runs again:
 * - by this call's own timeout: the hand-over came first, so it wins and its value is returned
 *   (as in eventlet, where whichever of the two wake-ups is scheduled first resumes the thread);
 * - by anything else (a kill, an outer Timeout): `giveBack(value)` returns the value to the
 *   primitive and the error propagates, so nothing is swallowed.
 */
export function waitOn<V>(list: WaitList<V>, call: string, seconds: number | null, giveBack?: (value: V) => void): V | typeof TIMED_OUT {
  if (seconds === null) return list.wait(call, undefined, giveBack);
  // The WaitList reports a hand-over cut short through its giveBack; we decide what to do with
  // it once we know which error cut it short.
  const handed: { value?: V; got: boolean } = { got: false };
  const timeout = new Timeout(seconds);
  try {
    return list.wait(call, undefined, (value) => { handed.value = value; handed.got = true; });
  } catch (error) {
    if (handed.got) {
      if (error === timeout) return handed.value as V;
      giveBack?.(handed.value as V);
    }
    if (error === timeout) return TIMED_OUT;
    throw error;
  } finally {
    // Cancelled on every path: a Timeout left armed would fire later, somewhere unrelated.
    timeout.cancel();
  }
}
