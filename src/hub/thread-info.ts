// One entry of hub.threads(): a plain record of a live green thread that prints as one short
// line (`GreenThread#3 (fetchPage) suspended in Queue.get()`), with its stack when captured.
import { inspect } from 'node:util';
import type { HubThread } from './hub-thread';

/** One entry of {@link Hub.threads}. */
export class ThreadInfo {
  /** Stack at the suspension, when captured (hub.captureStacks(true)). */
  stack?: string;

  constructor(
    readonly thread: HubThread,
    readonly state: string,
    /** The blocking call the thread is suspended in, or null. */
    readonly suspendedIn: string | null,
  ) {}

  /** The thread's own line (its inspect shows where it is), then the stack if captured. */
  [inspect.custom](depth: number, options: object): string {
    const line = inspect(this.thread, options);
    return this.stack === undefined ? line : `${line}\n${this.stack.replace(/^/gm, '    ')}`;
  }
}
