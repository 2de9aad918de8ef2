// Where am I: the running green thread, if any, and kill() as a free function.
import { typeError } from '../errors';
import type { GreenThread } from './green-thread';
import { theHub } from '../hub/hub';

/** The running green thread, or null in plain JavaScript. */
export function getCurrent(): GreenThread | null {
  return theHub.current as GreenThread | null;
}

/** True when called inside a green thread (where blocking calls are allowed). */
export function inGreenThread(): boolean {
  return theHub.current !== null;
}

/** Same as `thread.kill(error)`. */
export function kill(thread: GreenThread, error?: unknown): void {
  if (thread === null || typeof thread !== 'object' || typeof (thread as GreenThread).kill !== 'function') {
    throw typeError('kill(): thread must be a GreenThread');
  }
  if (arguments.length < 2) thread.kill();
  else thread.kill(error);
}
