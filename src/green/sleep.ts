// sleep(): suspend the calling green thread for a while, or (sleep(0)) let every other ready
// green thread run once.
import { NotInGreenThreadError } from '../errors';
import { theHub } from '../hub/hub';
import type { HubThread } from '../hub/hub-thread';
import { validateSeconds } from '../validate';
import { startTimer, stopTimer } from '../hub/timers';

function wakeSleeper(thread: HubThread, epoch: number): void {
  theHub.wake(thread, epoch, undefined);
}

/**
 * Suspends the calling green thread for `seconds` (a float; timers have millisecond
 * resolution). `sleep(0)` puts it at the back of the run queue, so every other ready green
 * thread runs once first; timers and I/O are never starved by a thread looping on sleep(0).
 * @throws NotInGreenThreadError from plain JavaScript.
 * @throws TypeError if `seconds` is not a number (or is NaN).
 */
export function sleep(seconds = 0): void {
  const delay = validateSeconds(seconds, 'sleep()');
  const thread = theHub.current;
  if (thread === null) throw new NotInGreenThreadError('sleep()');
  if (delay === 0) {
    theHub.reschedule('sleep()');
    return;
  }
  const timer = startTimer(wakeSleeper, delay * 1000, thread, thread.epoch);
  try {
    theHub.suspend('sleep()', false);
  } finally {
    stopTimer(timer);
  }
}
