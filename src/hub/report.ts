// Where exceptions nobody else will see go (spawnN bodies, link callbacks): the error handler
// set with hub.onError, or the default one that prints to stderr. Reporting must never throw,
// whatever was thrown and whatever the handler does.
import type { HubThread } from './hub-thread';

/** Receives exceptions nobody else will see: from spawnN threads and link callbacks. */
export type ErrorHandler = (error: unknown, thread: HubThread | null) => void;

export function defaultErrorHandler(error: unknown, thread: HubThread | null): void {
  const where = thread === null ? 'the hub' : String(thread);
  const text = error instanceof Error && error.stack ? error.stack : String(error);
  process.stderr.write(`greenthread: uncaught exception in ${where}:\n${text}\n`);
}

export class ErrorReporter {
  private handler: ErrorHandler = defaultErrorHandler;

  /** Reports `error`, thrown in `thread` (null: the hub itself). */
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
