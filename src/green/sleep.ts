// sleep(): suspend the calling green thread for a while, or (sleep(0)) let every other ready
// green thread run once.
import { theHub } from '../hub/hub';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { validateSeconds } from '../validate';
import { startTimer, stopTimer } from '../hub/timers';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';

function wakeSleeper(waiter: Waiter<undefined>): void {
  waiter.wake(undefined);
}

/**
 * Suspends the calling green thread for `seconds` (a float; timers have millisecond
 * resolution). `sleep(0)` puts it at the back of the run queue, so every other ready green
 * thread runs once first; timers and I/O are never starved by a thread looping on sleep(0).
 * @throws NotInGreenThreadError from plain JavaScript.
 * @param options `signal`: aborting it ends the sleep early by throwing its reason; one that
 *   has already aborted throws at once.
 * @throws TypeError if `seconds` is not a number (or is NaN), or `options.signal` is not an
 *   AbortSignal.
 */
export function sleep(seconds = 0, options?: SignalOptions): void {
  const delay = validateSeconds(seconds, 'sleep()');
  const thread = requireGreenThread('sleep()');
  if (options !== undefined) {
    const signal = signalOption(options, 'sleep()');
    if (signal !== undefined) return underSignal(signal, () => sleep(delay));
  }
  if (delay === 0) {
    theHub.reschedule('sleep()');
    return;
  }
  // Starting the timer runs async_hooks init callbacks, which may even suspend this thread:
  // the Waiter is armed only in wait(), after them, so a timer that fired meanwhile still counts.
  const waiter = new Waiter<undefined>(thread);
  const timer = startTimer(wakeSleeper, delay * 1000, waiter, undefined);
  try {
    waiter.wait('sleep()', undefined, false);
  } finally {
    stopTimer(timer);
  }
}
