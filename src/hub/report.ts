// Where exceptions nobody else will see go (spawnN bodies, link callbacks): the error handler
// set with hub.onError, or the default one that prints to stderr. Reporting must never throw,
// whatever was thrown (a null-prototype object, a throwing `stack` getter or `toString`, a
// revoked Proxy) and whatever the handler does: every step that touches the value is guarded.
// A burst of ThreadLimitErrors (hundreds of threads refused in one go) is reported once: the
// first at once, the rest as one summary with their count once a hub turn has passed
// without a new refusal.
import * as timers from 'node:timers';
import { inspect } from 'node:util';
import { isThreadLimit } from '../engine/engine';
import { ThreadLimitError } from '../errors';
import type { HubThread } from './hub-thread';

// Captured at load: fake timers installed later must not hold the summary back.
const scheduleCheck = timers.setImmediate;

/** Receives exceptions nobody else will see: from spawnN threads and link callbacks. */
export type ErrorHandler = (error: unknown, thread: HubThread | null) => void;

/**
 * `value` as text, never throwing: an Error's stack, else util.inspect (as Node prints an
 * uncaught non-Error), else String(), else a fixed text naming its type.
 */
export function describeThrown(value: unknown): string {
  try {
    if (value instanceof Error) {
      const stack = value.stack;
      if (typeof stack === 'string' && stack !== '') return stack;
    }
  } catch { /* a throwing getter or Proxy trap: try the next way */ }
  try {
    return inspect(value);
  } catch { /* as above */ }
  try {
    return String(value);
  } catch { /* as above */ }
  return `[a value that cannot be printed (typeof ${typeof value})]`;
}

/** The name of `thread` for a report, never throwing. */
function describeThread(thread: HubThread | null): string {
  if (thread === null) return 'the hub';
  try {
    return String(thread);
  } catch {
    return 'a green thread';
  }
}

export function defaultErrorHandler(error: unknown, thread: HubThread | null): void {
  const text = `greenthread: uncaught exception in ${describeThread(thread)}:\n${describeThrown(error)}\n`;
  try {
    process.stderr.write(text);
  } catch { /* stderr closed or replaced by something that throws: nowhere left to report */ }
}

// isThreadLimit that cannot throw (a revoked Proxy throws from any property read).
function isThreadLimitSafe(error: unknown): boolean {
  try {
    return isThreadLimit(error);
  } catch {
    return false;
  }
}

export class ErrorReporter {
  private handler: ErrorHandler = defaultErrorHandler;
  // The ThreadLimitError burst in progress: refusals after the first, and whether one came
  // since the last check.
  private burst: { more: number; fresh: boolean; errno: number | undefined } | null = null;

  /** Reports `error`, thrown in `thread` (null: the hub itself). Never throws. */
  report(error: unknown, thread: HubThread | null): void {
    if (isThreadLimitSafe(error)) {
      if (this.burst !== null) {
        this.burst.more++;
        this.burst.fresh = true;
        return;
      }
      // fresh from the start: the first check may come before the hub's next turn (both are
      // immediates), and the burst may go on in that turn.
      this.burst = { more: 0, fresh: true, errno: (error as ThreadLimitError).errno };
      scheduleCheck(this.checkBurst);
    }
    this.deliver(error, thread);
  }

  private readonly checkBurst = (): void => {
    const burst = this.burst as { more: number; fresh: boolean; errno: number | undefined };
    if (burst.fresh) {
      burst.fresh = false;
      scheduleCheck(this.checkBurst);
      return;
    }
    this.burst = null;
    if (burst.more === 0) return;
    const summary = new ThreadLimitError(burst.errno, undefined, burst.more);
    summary.stack = `${summary.name}: ${summary.message}`;  // the frames would be this callback's
    this.deliver(summary, null);
  };

  private deliver(error: unknown, thread: HubThread | null): void {
    try {
      this.handler(error, thread);
    } catch (handlerError) {
      defaultErrorHandler(error, thread);
      defaultErrorHandler(handlerError, null);
    }
  }

  setHandler(handler: ErrorHandler | null): void {
    this.handler = handler ?? defaultErrorHandler;
  }
}
