// Deadlocks are not silent. When the event loop runs dry while a green thread started by run()
// (the CLI's script thread is one) is still blocked, nothing is left that could ever wake it.
// Like gevent's LoopExit, a DeadlockError is then thrown into that thread at its blocking call,
// carrying the thread's own stack there: run() rejects with it, and the CLI prints it and exits
// 13 as Node does for an unsettled top-level await. Threads from spawn() stay silent (eventlet).
import * as path from 'node:path';
// From node:timers, not the global: fake timers must not keep the second look from coming.
import { setImmediate as realSetImmediate } from 'node:timers';
import { DeadlockError } from '../errors';
import { theHub } from '../hub/hub';
import { ThreadState } from '../hub/thread-state';
import type { GreenThread } from './green-thread';

// Threads started by run() and not yet ended, in start order (the CLI's script thread first).
const watched = new Set<GreenThread<unknown>>();
// The watched threads blocked when the loop last ran dry, with the epoch each had then.
let suspects = new Map<GreenThread<unknown>, number>();
let listening = false;
// Errors this module threw, for the CLI to tell a deadlock from another DeadlockError.
const raised = new WeakSet<object>();

// Every file of the package lives under this folder (dist/, or src/ under ts-jest).
const OWN_ROOT = path.resolve(__dirname, '..') + path.sep;
// Frames captured beyond Error.stackTraceLimit, so dropping the package's own leaves the limit.
const OWN_FRAMES_MAX = 16;

/** One green thread a deadlock report names. */
export interface BlockedThread {
  /** `GreenThread#1 (main)`. */
  readonly thread: string;
  /** The blocking call it was suspended in, e.g. `Queue.get()`. */
  readonly call: string;
  /** Whether it was started by run() (then a DeadlockError was thrown into it). */
  readonly watched: boolean;
}

let lastReport: BlockedThread[] = [];

/** @internal Watches a thread started by run() until it ends (see the file comment). */
export function watchForDeadlock(thread: GreenThread<unknown>): void {
  watched.add(thread);
  if (!listening) {
    listening = true;
    process.on('beforeExit', onLoopDry);
  }
}

/** @internal The thread has ended: nothing to watch any more. */
export function unwatch(thread: GreenThread<unknown>): void {
  watched.delete(thread);
}

/** @internal True for a DeadlockError thrown because the event loop ran dry. */
export function isLoopDryDeadlock(error: unknown): boolean {
  return typeof error === 'object' && error !== null && raised.has(error);
}

/**
 * @internal Every green thread that was blocked when the last deadlock was found: the watched
 * ones (each got a DeadlockError) first, then the others (left as they are).
 */
export function lastDeadlock(): readonly BlockedThread[] {
  return lastReport;
}

// 'beforeExit': the loop has nothing left to do. A watched thread blocked now may still be
// woken by what the other beforeExit listeners start (a promise they resolve, a timer), so it
// counts as deadlocked only if it is still in the same suspension (same epoch) the next time
// the loop runs dry; one immediate keeps the loop going until then.
function onLoopDry(): void {
  const deadlocked: GreenThread<unknown>[] = [];
  const next = new Map<GreenThread<unknown>, number>();
  for (const thread of watched) {
    if (thread.state !== ThreadState.Suspended) continue;
    if (suspects.get(thread) === thread.epoch) deadlocked.push(thread);
    else next.set(thread, thread.epoch);
  }
  suspects = next;
  if (next.size > 0) realSetImmediate(() => {});
  if (deadlocked.length > 0) raise(deadlocked);
}

function raise(deadlocked: GreenThread<unknown>[]): void {
  const report: BlockedThread[] = [];
  const others: BlockedThread[] = [];
  for (const { thread, suspendedIn } of theHub.threads()) {
    if (thread.state !== ThreadState.Suspended) continue;
    const entry = { thread: describe(thread), call: suspendedIn ?? 'an unknown call', watched: deadlocked.includes(thread as GreenThread<unknown>) };
    (entry.watched ? report : others).push(entry);
  }
  lastReport = [...report, ...others];
  for (const thread of deadlocked) {
    const error = new DeadlockError(`${describe(thread)} was blocked in ${thread.suspendedIn ?? 'a blocking call'} ` +
      'when the event loop ran dry: nothing was left that could wake it');
    raised.add(error);
    theHub.throwIntoAndRun(thread, error, () => captureOwnStack(error));
  }
}

function describe(thread: object): string {
  try {
    return String(thread);
  } catch {
    return 'a green thread';
  }
}

// On the blocked thread, at its suspension point: the error's stack becomes that thread's,
// without greenthread's own frames (Node hides its internals the same way).
function captureOwnStack(error: Error): void {
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number' || !(limit > 0)) return;
  try {
    Error.stackTraceLimit = limit + OWN_FRAMES_MAX;
    Error.captureStackTrace(error);
  } finally {
    Error.stackTraceLimit = limit;
  }
  const stack = error.stack;
  if (typeof stack !== 'string') return;
  const lines = stack.split('\n');
  const frames = lines.filter((line) => line.startsWith('    at ') && !line.includes(OWN_ROOT)).slice(0, limit);
  error.stack = [...lines.filter((line) => !line.startsWith('    at ')), ...frames].join('\n');
}
