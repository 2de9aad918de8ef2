// The engine as the hub sees it: create a coroutine, resume it from the hub, hand the baton
// from one coroutine straight to another, and (on a coroutine's own stack) park on the hub.
// The native side moves only the baton. What a resumed thread is to return or throw travels in
// its own HubThread fields, read by the thread itself once it holds the baton (see hub.ts).
// The binding's errors carry the `code` of a class in errors.ts; the ones a user can meet become
// that class here (thread limits in the hub, which knows the counts), only on the error path.
import { native } from './binding';
import type { EngineCounters } from './binding';
import { ShuttingDownError, ThreadLimitError } from '../errors';

/**
 * Registers a coroutine that will run `entry(id)` on its own OS thread when first started (the
 * thread is taken then, from the engine's pool). `entry` returns where the baton goes when it
 * ends: a coroutine id to hand it straight to that coroutine, -1 for the hub.
 * @throws ShuttingDownError once this JavaScript thread's engine has been torn down.
 */
export function createCoroutine(entry: (id: number) => number): number {
  let id: number;
  try {
    id = native.create(entry);
  } catch (error) {
    throw asPublicError(error);
  }
  // The first create fixes the backend; only threads have anything to prod.
  if (prodWanted === undefined) prodWanted = native.backend().backend === 'threads';
  return id;
}

// Whether prodCoroutine reaches the engine: undefined until the backend is fixed.
let prodWanted: boolean | undefined;

/**
 * @internal The public class for an error of the binding's create(): ShuttingDownError for its
 * refusal during teardown, anything else (a stack overflow on the way in) as it is.
 */
export function asPublicError(error: unknown): unknown {
  return (error as { code?: unknown }).code === 'ERR_GREENTHREAD_SHUTTING_DOWN' ? new ShuttingDownError() : error;
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
 * handed it back has finished. Hub thread only. Throws the engine's thread-limit error, having
 * run nothing, when `id` could not get an OS thread for its start.
 */
export function resumeCoroutine(id: number): boolean {
  return native.resume(id) === 1;
}

/**
 * From a coroutine: hands the baton straight to coroutine `id` and parks until resumed, like
 * {@link parkOnHub}. Throws the engine's thread-limit error, without switching, when `id`
 * could not get an OS thread for its start.
 */
export function switchToCoroutine(id: number, expectSoon: boolean): void {
  native.switchTo(id, expectSoon);
}

/**
 * Gives the baton back to the hub and parks until resumed (by the hub or another coroutine).
 * What to return or throw then is in the thread's own fields. An exception from this call
 * itself (a stack overflow on the way in) means we never parked.
 */
export function parkOnHub(expectSoon: boolean): void {
  native.yield(expectSoon);
}

/** Hint that coroutine `id` will be resumed shortly: a sleeping thread starts spinning. */
export function prodCoroutine(id: number): void {
  // On fibers nothing sleeps in the kernel: skip the call into the addon.
  if (prodWanted !== false) native.prod(id);
}

/** Releases a coroutine that never ran. */
export function discardCoroutine(id: number): void {
  native.discard(id);
}

/** The engine's counters and which backend runs (hub.stats() adds the scheduler's). */
export interface EngineStats extends EngineCounters {
  /** The backend green threads run on in this JavaScript thread. */
  backend: 'fibers' | 'threads';
  /**
   * Why threads run although fibers were asked for or are the default (the self-check or
   * canary step that failed, or an unknown GREENTHREAD_BACKEND); null when nothing fell back.
   */
  fallbackReason: string | null;
}

export function engineStats(): EngineStats {
  const { backend, fallbackReason } = native.backend();
  return { ...native.stats(), backend, fallbackReason };
}
