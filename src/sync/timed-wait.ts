// Blocking on a WaitList with an optional timeout, shared by Event, the semaphores and the
// queues. The timeout is an ordinary Timeout armed against the waiting thread and recognised by
// identity, so an outer Timeout or a kill that arrives meanwhile is never mistaken for it and
// propagates.
import { stackless } from '../errors';
import { Timeout } from '../green/timeout';
import type { WaitList } from '../hub/wait-list';

/** What {@link waitOn} returns when its own timeout fired before anything was handed over. */
export const TIMED_OUT: unique symbol = Symbol('greenthread.timedOut');

/**
 * Blocks the calling green thread in `list` until it is handed a value, for at most `seconds`
 * (`null`: no limit). Returns the value, or {@link TIMED_OUT}. `payload` travels with the
 * thread's entry (a putter's item). Throws NotInGreenThreadError naming `call` from plain
 * JavaScript.
 *
 * When the thread was handed a value and is then interrupted before it runs again:
 * - by this call's own timeout: the hand-over came first, so it wins and its value is returned
 *   (as in eventlet, where whichever of the two wake-ups is scheduled first resumes the thread);
 * - by anything else (a kill, an outer Timeout): `giveBack(value)` returns the value to the
 *   primitive and the error propagates, so nothing is swallowed.
 *
 * The thread joins the list before the Timeout is armed (which runs async_hooks callbacks,
 * user code that may suspend): a hand-over made meanwhile is kept, never missed.
 */
export function waitOn<V>(list: WaitList<V>, call: string, seconds: number | null, giveBack?: (value: V) => void, payload?: unknown): V | typeof TIMED_OUT {
  if (seconds === null) return list.wait(call, payload, giveBack);
  // The WaitList reports a hand-over cut short through its giveBack; we decide what to do with
  // it once we know which error cut it short.
  let handed = false;
  let value: V | undefined;
  let timeout: Timeout | null = null;
  try {
    return list.wait(call, payload, (v) => { handed = true; value = v; }, () => { timeout = stackless(() => new Timeout(seconds)); });
  } catch (error) {
    const own = timeout !== null && error === timeout;
    if (handed) {
      if (own) return value as V;
      giveBack?.(value as V);
    }
    if (own) return TIMED_OUT;
    throw error;
  } finally {
    // Cancelled on every path: a Timeout left armed would fire later, somewhere unrelated.
    (timeout as Timeout | null)?.cancel();
  }
}
