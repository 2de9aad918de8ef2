// `hub`: the public face of the scheduler, for error reporting and diagnostics.
import type { GreenThread } from './green-thread';
import { theHub } from '../hub/hub';
import { validateFunction } from '../validate';

/**
 * A live green thread as {@link hub.threads} describes it. `console.log` prints it as the
 * thread's own line (`GreenThread#3 (fetchPage) suspended in Queue.get()`), followed by the
 * stack when one was captured.
 */
export interface GreenThreadInfo {
  thread: GreenThread;
  /** 'unstarted', 'running', 'suspended' or 'ready'. */
  state: string;
  /** The blocking call it is suspended in ('sleep()', 'waitFor()', ...), or null. */
  suspendedIn: string | null;
  /** Stack at the suspension, present only while {@link hub.captureStacks} is on. */
  stack?: string;
}

/** The scheduler of this JavaScript thread (the main thread and each Worker have one). */
export const hub = {
  /**
   * Sets the receiver of exceptions nobody else will see: uncaught exceptions of spawn and
   * spawnN threads (GreenletExit excepted) and of link callbacks. `null` restores the default,
   * which prints the stack to stderr. The process keeps running either way.
   */
  onError(handler: ((error: unknown, thread: GreenThread | null) => void) | null): void {
    if (handler !== null) validateFunction(handler, 'hub.onError()', 'handler');
    theHub.setErrorHandler(handler as ((error: unknown, thread: unknown) => void) | null);
  },

  /** Live green threads (spawned and not yet ended), with where each is suspended. */
  threads(): GreenThreadInfo[] {
    return theHub.threads() as unknown as GreenThreadInfo[];
  },

  /**
   * Records the stack at every suspension so {@link hub.threads} can show it. Costs a few
   * microseconds per suspension: for debugging, off by default.
   */
  captureStacks(on: boolean): void {
    theHub.setCaptureStacks(Boolean(on));
  },

  /**
   * Engine and scheduler counters: `liveGreenThreads` (spawned, not ended), `liveCoroutines`
   * (holding an OS thread), `liveThreads` / `idleThreads` / `threadsStarted` (the OS thread
   * pool: alive, idle in the pool, ever started), `readyThreads` (queued to run).
   */
  stats(): { liveGreenThreads: number; liveCoroutines: number; idleThreads: number; liveThreads: number; threadsStarted: number; readyThreads: number } {
    return theHub.stats();
  },
};
