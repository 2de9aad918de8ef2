// One entry of hub.threads(): a plain record of a live green thread that prints as one short
// line (`GreenThread#3 (fetchPage) suspended in Queue.get()`), with its stack when captured.
import { inspect } from 'node:util';
import type { HubThread } from './hub-thread';

/** One entry of {@link Hub.threads}. */
export class ThreadInfo {
  /**
   * The thread's JavaScript stack where it is suspended (greenthread's own frames left out),
   * under a line saying where it is; for the thread calling hub.threads(), its stack there.
   * Absent for a thread that has not started.
   */
  stack?: string;

  constructor(
    readonly thread: HubThread,
    readonly state: string,
    /** The blocking call the thread is suspended in, or null. */
    readonly suspendedIn: string | null,
  ) {}

  /**
   * The thread's own line (its inspect shows where it is), then the stack's frames if known
   * (its first line would only repeat where it is).
   */
  [inspect.custom](depth: number, options: object): string {
    const line = inspect(this.thread, options);
    if (this.stack === undefined) return line;
    const newline = this.stack.indexOf('\n');
    return newline < 0 ? line : `${line}\n${this.stack.slice(newline + 1)}`;
  }
}
