// Stacks that say who was waiting. An error handed to a green thread by a blocking call (a
// rejection through waitFor, another thread's exception through wait()) carries the stack of
// wherever it was made; this appends the waiting thread's own stack at the call, once, and
// only on that error path. greenthread's own frames are left out of it, as Node leaves out its
// internals.
import { isOwnFrame } from '../errors';

// Extra frames captured beyond Error.stackTraceLimit, so the ones of ours filtered out do not
// leave the user with fewer than the limit of their own.
const OWN_FRAMES_MAX = 16;

const appended = new WeakSet<object>();

/**
 * The calling stack's frames ("    at ..." lines), without greenthread's, at most
 * Error.stackTraceLimit of them; empty when stack traces are off.
 */
function callerFrames(): string[] {
  const limit = Error.stackTraceLimit;
  if (typeof limit !== 'number' || !(limit > 0)) return [];
  let stack: string | undefined;
  try {
    Error.stackTraceLimit = limit + OWN_FRAMES_MAX;
    stack = new Error().stack;
  } catch {
    return [];
  } finally {
    Error.stackTraceLimit = limit;
  }
  if (typeof stack !== 'string') return [];
  const lines = stack.split('\n');
  const out: string[] = [];
  for (let i = 1; i < lines.length && out.length < limit; i++) {
    if (!isOwnFrame(lines[i])) out.push(lines[i]);
  }
  return out;
}

/**
 * Appends the calling green thread's stack to `error.stack`, under a line naming the call and
 * the thread (`    at <waitFor() in GreenThread#3>`), and returns `error` (so callers can
 * `throw appendCallSite(...)`). Call it on the waiting thread's own stack, after it resumed:
 * that stack is the call site. Each error object gets at most one such section (an Event's
 * exception thrown to many waiters carries the first one's); non-objects, frozen errors and
 * errors whose stack is not a writable string are left alone, and nothing here ever throws.
 */
export function appendCallSite<E>(error: E, call: string, thread: object | null): E {
  if (thread === null || typeof error !== 'object' || error === null) return error;
  try {
    if (appended.has(error) || Object.isFrozen(error)) return error;
    appended.add(error);
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== 'string') return error;
    const frames = callerFrames();
    if (frames.length === 0) return error;
    const section = `\n    at <${call} in ${String(thread)}>\n${frames.join('\n')}`;
    (error as unknown as { stack: string }).stack = stack + section;
  } catch {
    // A revoked Proxy, a throwing stack getter, a non-writable stack: keep the error as it is.
  }
  return error;
}

/**
 * Replaces the frames of `error.stack` with the calling green thread's own (greenthread's left
 * out), keeping its header lines, and returns `error`. For an error made by an operation that
 * ran elsewhere (a libuv callback's, with no user frames) that stands in for one a synchronous
 * call would have thrown here: the stack then points at the caller, as the synchronous one's
 * would. Like appendCallSite, it leaves alone what it cannot change and never throws.
 */
export function restackAtCaller<E>(error: E): E {
  if (typeof error !== 'object' || error === null) return error;
  try {
    if (Object.isFrozen(error)) return error;
    const stack = (error as { stack?: unknown }).stack;
    if (typeof stack !== 'string') return error;
    const at = stack.indexOf('\n    at ');
    const header = at === -1 ? stack : stack.slice(0, at);
    const frames = callerFrames();
    (error as unknown as { stack: string }).stack = frames.length === 0 ? header : `${header}\n${frames.join('\n')}`;
  } catch {
    // A revoked Proxy, a throwing stack getter, a non-writable stack: keep the error as it is.
  }
  return error;
}
