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
  const outcome = native.resume(id);
  if (outcome > 1) startIdleDecay();
  return (outcome & 1) === 1;
}

// The fiber backend keeps the stacks (and V8 threads) of finished green threads as they are, so
// that the next spawn burst or wave of connections takes them back warm; they are trimmed or
// given back only once they have sat idle for a whole period, a bounded batch per period
// (native/engine/engine-fiber.cc, Engine::DecayIdle). The engine asks for this through
// resume()'s result; the timer stops when nothing idle is left to age. Unref'd: it never keeps
// a process alive. A period is long against a burst's gap (a server's next wave, a benchmark's
// next round) and short against a user watching RSS fall; a batch of this size costs at most a
// few tens of milliseconds on a slow virtual machine (an munmap or a V8 thread's teardown each).
// GREENTHREAD_IDLE_DECAY_MS sets another period; 0 turns decay off (idle stacks are then kept
// until the process or Worker ends), anything else that is not a whole number keeps 500.
const IDLE_DECAY_PERIOD_MS = idleDecayPeriod(process.env.GREENTHREAD_IDLE_DECAY_MS);
const IDLE_DECAY_BATCH = 1024;
let idleDecay: NodeJS.Timeout | null = null;

/** @internal The decay period a GREENTHREAD_IDLE_DECAY_MS value asks for (ms; 0: never). */
export function idleDecayPeriod(value: string | undefined): number {
  if (value === undefined || !/^\d{1,9}$/.test(value.trim())) return 500;
  return Number(value.trim());
}

function startIdleDecay(): void {
  if (idleDecay !== null || IDLE_DECAY_PERIOD_MS === 0) return;
  idleDecay = setInterval(() => {
    if (native.decayIdle(IDLE_DECAY_BATCH)) return;
    clearInterval(idleDecay!);
    idleDecay = null;
  }, IDLE_DECAY_PERIOD_MS);
  idleDecay.unref();
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
