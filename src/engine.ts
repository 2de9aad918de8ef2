// The engine as the hub sees it: create a coroutine, resume it with a value or an error, and
// (on the coroutine's own stack) yield back to the hub. The native side moves only the baton;
// values cross in the mailbox below, which is safe because exactly one thread runs JavaScript
// at any instant and every handoff writes the mailbox right before it and reads it right after.
import { native } from './native';
import { ThreadLimitError } from './errors';

let mailbox: unknown;

/**
 * Registers a coroutine that will run `entry()` on its own OS thread when first started (the
 * thread is taken then, from the engine's pool).
 */
export function createCoroutine(entry: () => void): number {
  return native.create(entry);
}

// The engine's "the OS refused a thread" becomes the public ThreadLimitError.
function translated(error: unknown): unknown {
  if ((error as { code?: string } | null)?.code === 'ERR_GREENTHREAD_THREAD_LIMIT') {
    return new ThreadLimitError((error as { errno?: number }).errno, native.stats().liveCoroutines);
  }
  return error;
}

/**
 * Runs coroutine `id` until the baton comes back to the hub; its pending park returns `value`,
 * or throws it when `throwIt`. Returns true if the coroutine that handed the baton back (`id`
 * or one it switched to) has finished. Hub thread only. Throws ThreadLimitError, having run
 * nothing, when `id` could not get an OS thread for its start.
 */
export function resumeCoroutine(id: number, value: unknown, throwIt: boolean): boolean {
  mailbox = value;
  try {
    return native.resume(id, throwIt);
  } catch (error) {
    mailbox = undefined;
    throw translated(error);
  }
}

/**
 * From a coroutine: hands the baton straight to coroutine `id` (whose pending park returns
 * `value`, or throws it when `throwIt`) and parks until resumed. Returns like
 * {@link parkOnHub}. Throws ThreadLimitError, without switching, when `id` could not get an OS
 * thread for its start.
 */
export function switchToCoroutine(id: number, value: unknown, throwIt: boolean, expectSoon: boolean): boolean {
  mailbox = value;
  try {
    return native.switchTo(id, throwIt, expectSoon);
  } catch (error) {
    mailbox = undefined;
    throw translated(error);
  }
}

/**
 * Gives the baton back to the hub and parks until resumed. Returns true when the hub resumed
 * us to throw; the value (or error) is then taken with {@link takeMailbox}. An exception from
 * this call itself (a stack overflow on the way in) means we never parked.
 */
export function parkOnHub(expectSoon: boolean): boolean {
  return native.yield(expectSoon);
}

/** Leaves `value` in the mailbox as a handoff would (a park that resumed without switching). */
export function fillMailbox(value: unknown): void {
  mailbox = value;
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
