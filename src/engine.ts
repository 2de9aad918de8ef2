// The engine as the hub sees it: create a coroutine, resume it with a value or an error, and
// (on the coroutine's own stack) yield back to the hub. The native side moves only the baton;
// values cross in the mailbox below, which is safe because exactly one thread runs JavaScript
// at any instant and every handoff writes the mailbox right before it and reads it right after.
import { native } from './native';
import { ThreadLimitError } from './errors';

let mailbox: unknown;

/** Reserves an OS thread for a coroutine that will run `entry()` at its first resume. */
export function createCoroutine(entry: () => void): number {
  try {
    return native.create(entry);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_GREENTHREAD_THREAD_LIMIT') {
      throw new ThreadLimitError((error as { errno?: number }).errno, native.stats().liveCoroutines);
    }
    throw error;
  }
}

/**
 * Runs coroutine `id` until it yields or finishes; its pending `yieldToHub` returns `value`,
 * or throws it when `throwIt`. Returns true once the coroutine has finished. Hub thread only.
 */
export function resumeCoroutine(id: number, value: unknown, throwIt: boolean): boolean {
  mailbox = value;
  return native.resume(id, throwIt);
}

/**
 * Gives the baton back to the hub and parks until resumed. Returns true when the hub resumed
 * us to throw; the value (or error) is then taken with {@link takeMailbox}. An exception from
 * this call itself (a stack overflow on the way in) means we never parked.
 */
export function parkOnHub(expectSoon: boolean): boolean {
  return native.yield(expectSoon);
}

/** Takes the value the last handoff left in the mailbox (a coroutine's start value too). */
export function takeMailbox(): unknown {
  const value = mailbox;
  mailbox = undefined;
  return value;
}

/** parkOnHub + takeMailbox: returns (or throws) what the hub resumes us with. */
export function yieldToHub(expectSoon: boolean): unknown {
  const throwIt = parkOnHub(expectSoon);
  const value = takeMailbox();
  if (throwIt) throw value;
  return value;
}

/** Hint that coroutine `id` will be resumed shortly: a sleeping thread starts spinning. */
export function prodCoroutine(id: number): void {
  native.prod(id);
}

/** Releases a coroutine that never ran. */
export function discardCoroutine(id: number): void {
  native.discard(id);
}

export function engineStats() {
  return native.stats();
}
