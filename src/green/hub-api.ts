// `hub`: the public face of the scheduler, for error reporting and diagnostics.
import type { GreenThread } from './green-thread';
import { theHub } from '../hub/hub';
import type { HubStats } from '../hub/hub';
import { blockingDetectionThreshold, setBlockingDetection } from '../hub/blocking-detection';
import { rangeError, typeError } from '../errors';
import { describe, validateFunction } from '../validate';

// Below this, the watchdog's sampling (a few per threshold, at least 1 ms apart) cannot keep up.
const MIN_BLOCKING_SECONDS = 0.01;

/**
 * A live green thread as {@link hub.threads} describes it. `console.log` prints it as the
 * thread's own line (`GreenThread#3 (fetchPage) suspended in Queue.get()`), followed by the
 * stack when one was captured.
 */
export interface GreenThreadInfo {
  /** The green thread itself. */
  thread: GreenThread;
  /** 'unstarted', 'running', 'suspended' or 'ready'. */
  state: string;
  /** The blocking call it is suspended in ('sleep()', 'waitFor()', ...), or null. */
  suspendedIn: string | null;
  /**
   * Its JavaScript stack where it is suspended (greenthread's own frames left out), under a
   * `suspended in <call>` line; for the thread that calls hub.threads(), its stack at that call.
   * Absent for a thread that has not started.
   */
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

  /**
   * Live green threads (spawned and not yet ended): each one's state, the call it is suspended
   * in, and its JavaScript stack there. Nothing is recorded at suspension: this call resumes
   * each parked thread for a moment to take its stack (two switches per thread, a few
   * microseconds each), without waking it or changing its place in any queue.
   */
  threads(): GreenThreadInfo[] {
    return theHub.threads(true) as unknown as GreenThreadInfo[];
  },

  /**
   * Turns stack capture at every suspension and every spawn on (`true`) or off.
   * @deprecated Not needed for {@link hub.threads}, which always shows stacks now. While on,
   * the stack is taken at every suspension instead of when hub.threads() asks (10–20 µs more
   * per suspension, measured on a 12-frame stack), and every spawn records where it happened (shown by a
   * ThreadLimitError). Kept for those spawn sites; off by default.
   */
  captureStacks(on: boolean): void {
    theHub.setCaptureStacks(Boolean(on));
  },

  /**
   * eventlet's `debug.hub_blocking_detection`: while on, whenever a green thread — or plain
   * JavaScript between two event-loop turns — runs longer than `seconds` without suspending,
   * a warning with the stack of the code running at that moment is written to stderr (once
   * per blocking stretch) and published on the 'greenthread:blocking' diagnostics channel.
   * The event loop waiting for I/O or timers is not blocking. `false` turns it off (the
   * default). Works per JavaScript thread: the main thread and each Worker have their own.
   * @throws TypeError unless `seconds` is a number or false; RangeError below 0.01 or not finite.
   */
  blockingDetection(seconds: number | false): void {
    if (seconds === false) {
      setBlockingDetection(false);
      return;
    }
    if (typeof seconds !== 'number' || Number.isNaN(seconds)) {
      throw typeError(`hub.blockingDetection(): seconds must be a number of seconds or false, got ${describe(seconds)}`);
    }
    if (!Number.isFinite(seconds) || seconds < MIN_BLOCKING_SECONDS) {
      throw rangeError(`hub.blockingDetection(): seconds must be finite and at least ${MIN_BLOCKING_SECONDS}, got ${seconds}`);
    }
    setBlockingDetection(seconds);
  },

  /** The blocking-detection threshold in seconds, or false while it is off. */
  get blockingDetectionThreshold(): number | false {
    return blockingDetectionThreshold();
  },

  /**
   * Which engine backend runs, and engine and scheduler counters: `backend` ('fibers' or
   * 'threads') and `fallbackReason` (why threads run where fibers were asked for or are the
   * default, else null); `liveGreenThreads` (spawned, not ended), `readyThreads` (queued to
   * run), `liveCoroutines` (started or about to be, in the engine); on threads,
   * `liveThreads` / `idleThreads` / `threadsStarted` (the OS thread pool: alive, idle, ever
   * started); on fibers, `fiberStacks` / `fiberStacksPooled` (stacks in use, idle for reuse)
   * and `fiberThreadIds` (V8 thread ids ever taken; finished fibers' ids are reused).
   */
  stats(): HubStats {
    return theHub.stats();
  },
};
