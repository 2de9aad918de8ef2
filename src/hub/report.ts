// Where exceptions nobody else will see go (spawnN bodies, link callbacks): the error handler
// set with hub.onError, or the default one that prints to stderr. Reporting must never throw,
// whatever was thrown (a null-prototype object, a throwing `stack` getter or `toString`, a
// revoked Proxy) and whatever the handler does: every step that touches the value is guarded.
import { inspect } from 'node:util';
import type { HubThread } from './hub-thread';

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

export class ErrorReporter {
  private handler: ErrorHandler = defaultErrorHandler;

  /** Reports `error`, thrown in `thread` (null: the hub itself). Never throws. */
  report(error: unknown, thread: HubThread | null): void {
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
