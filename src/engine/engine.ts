// The engine as the hub sees it: create a coroutine, resume it from the hub, hand the baton
// from one coroutine straight to another, and (on a coroutine's own stack) park on the hub.
// The native side moves only the baton. What a resumed thread is to return or throw travels in
// its own HubThread fields, read by the thread itself once it holds the baton (see hub.ts).
import { native } from './binding';
import { ThreadLimitError } from '../errors';

/**
 * Registers a coroutine that will run `entry(id)` on its own OS thread when first started (the
 * thread is taken then, from the engine's pool). `entry` returns where the baton goes when it
 * ends: (coroutine id << 1) to hand it to that coroutine, -1 for the hub.
 */
export function createCoroutine(entry: (id: number) => number): number {
  return native.create(entry);
}

/** True for the engine's "the OS refused a thread" error (a property read: no call). */
export function isThreadLimit(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_GREENTHREAD_THREAD_LIMIT';
}

/** The public ThreadLimitError for an engine "the OS refused a thread" error. */
export function threadLimitError(error: unknown): ThreadLimitError {
  return new ThreadLimitError((error as { errno?: number }).errno, native.stats().liveCoroutines);
}

/**
 * Runs coroutine `id` until the baton comes back to the hub, which may be from another
 * coroutine: whichever `id` (or its successors) switched to. Returns true if the one that
 * handed it back has finished. `throwIt` makes the pending park of `id` return true (the hub
 * itself never uses it: a thread reads what to throw from its own fields). Hub thread only.
 * Throws the engine's thread-limit error, having
 * run nothing, when `id` could not get an OS thread for its start.
 */
export function resumeCoroutine(id: number, throwIt = false): boolean {
  return native.resume(id, throwIt) === 1;
}

/**
 * From a coroutine: hands the baton straight to coroutine `id` and parks until resumed; returns
 * like {@link parkOnHub}. Throws
 * the engine's thread-limit error, without switching, when `id` could not get an OS thread for
 * its start.
 */
export function switchToCoroutine(id: number, expectSoon: boolean): boolean {
  return native.switchTo(id, false, expectSoon);
}

/**
 * Gives the baton back to the hub and parks until resumed (by the hub or another coroutine).
 * Returns true if it was resumed with throwIt. An exception from this call itself (a stack
 * overflow on the way in) means we never parked.
 */
export function parkOnHub(expectSoon: boolean): boolean {
  return native.yield(expectSoon);
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
