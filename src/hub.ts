// The hub: greenthread's scheduler, living on Node's event loop. It is the only code that
// resumes green threads. Everything that blocks is built on three operations it offers a green
// thread — suspend (park until woken), reschedule (park, already queued: sleep(0)) and the
// wake-ups others call (wake, throwInto) — and on one rule: a wake names the epoch it saw, so a
// late or duplicate wake can never resume a thread that has moved on.
//
// A hub turn is one setImmediate callback. It resumes the ready threads in FIFO order, round
// after round, while threads keep becoming ready, but for at most TURN_BUDGET_MS: then it
// yields to the event loop so timers and I/O are never starved by threads looping on sleep(0).
// Microtasks (promise reactions, waitFor) run when a turn returns to the loop.
import { performance } from 'node:perf_hooks';
// From node:timers, not the global: fake timers (jest, sinon) replace the global one, and the
// scheduler must keep running under them.
import { setImmediate as scheduleTurn } from 'node:timers';
import { createCoroutine, discardCoroutine, engineStats, parkOnHub, prodCoroutine, resumeCoroutine, takeMailbox } from './engine';
import { HubThread } from './hub-thread';
import { canTransition, isResumable, stateName, ThreadState } from './thread-state';
import { restoreNestedScopes, setAsideNestedScopes } from './async-scope-stack';

const TURN_BUDGET_MS = 1;
// GREENTHREAD_DEBUG=1 checks every lifecycle transition against the table in thread-state.ts.
const DEBUG = process.env.GREENTHREAD_DEBUG === '1';
// A thread that suspends spins (rather than sleeping in the kernel) while it waits to be woken
// only when this few threads are ready: then the hub has little else to do and whatever it
// waits for is likely to come soon.
const SPIN_QUEUE_LIMIT = 2;

/** Receives exceptions nobody else will see: from spawnN threads and link callbacks. */
export type ErrorHandler = (error: unknown, thread: HubThread | null) => void;

/** One entry of {@link Hub.threads}. */
export interface ThreadInfo {
  thread: HubThread;
  state: string;
  /** The blocking call the thread is suspended in, or null. */
  suspendedIn: string | null;
  /** Stack at the suspension, when captured (hub.captureStacks(true)). */
  stack?: string;
}

/** Moves `thread` to `to`; in debug mode, refuses a transition the lifecycle does not allow. */
function transition(thread: HubThread, to: ThreadState): void {
  if (DEBUG && !canTransition(thread.state, to)) {
    throw new Error(`greenthread internal error: ${String(thread)} cannot go from ${stateName(thread.state)} to ${stateName(to)}`);
  }
  thread.state = to;
}

function defaultErrorHandler(error: unknown, thread: HubThread | null): void {
  const where = thread === null ? 'the hub' : String(thread);
  const text = error instanceof Error && error.stack ? error.stack : String(error);
  process.stderr.write(`greenthread: uncaught exception in ${where}:\n${text}\n`);
}

export class Hub {
  /** The green thread running now; null when plain JavaScript runs. */
  current: HubThread | null = null;

  // Run queue: threads and the queueSeq each had when queued, consumed from `head`.
  private readonly queue: (HubThread | undefined)[] = [];
  private readonly seqs: number[] = [];
  private head = 0;
  private turnScheduled = false;
  private inTurn = false;
  private readonly live = new Set<HubThread>();
  private errorHandler: ErrorHandler = defaultErrorHandler;
  private captureStacks = false;

  /**
   * Registers `thread`, reserves its coroutine (throws ThreadLimitError if the OS refuses a
   * thread) and queues it to start at the hub's next turn.
   */
  start(thread: HubThread): void {
    thread.coroutine = createCoroutine(runCurrentBody);
    this.live.add(thread);
    this.enqueue(thread);
  }

  /** Forgets an unstarted thread that will never run (killed or cancelled before start). */
  discard(thread: HubThread): void {
    if (thread.coroutine >= 0) {
      discardCoroutine(thread.coroutine);
      thread.coroutine = -1;
    }
    thread.queueSeq++;
    transition(thread, ThreadState.Dead);
    this.live.delete(thread);
    thread.resource.emitDestroy();
  }

  /**
   * Parks the running green thread until somebody calls wake/throwInto with the epoch it has
   * now. Returns the wake value, or throws the wake error. Green threads only.
   */
  suspend(call: string, expectSoon = this.queue.length - this.head <= SPIN_QUEUE_LIMIT): unknown {
    return this.park(this.current as HubThread, call, false, expectSoon);
  }

  /** Parks the running green thread at the back of the run queue (sleep(0)). */
  reschedule(call: string): unknown {
    // It runs again within this turn, so it waits on the CPU; its baton's adaptive budget stops
    // the spinning when the queue ahead is long enough to make the wait outlast it.
    return this.park(this.current as HubThread, call, true, true);
  }

  private park(thread: HubThread, call: string, requeue: boolean, expectSoon: boolean): unknown {
    let nested = null;
    let throwIt: boolean;
    try {
      // Anything here may throw before the thread is handed over: the async stack cannot be
      // set aside (AsyncScopeSuspendError), or the JS stack overflows on the way in. Then the
      // thread simply keeps running, as if it had never tried to suspend.
      nested = setAsideNestedScopes(thread.asyncId, call);
      if (requeue) {
        thread.epoch++;
        transition(thread, ThreadState.Ready);
        this.enqueue(thread);
      } else {
        transition(thread, ThreadState.Suspended);
      }
      thread.suspendedIn = call;
      if (this.captureStacks) thread.suspendedStack = new Error(`suspended in ${call}`).stack;
      throwIt = parkOnHub(expectSoon);
    } catch (error) {
      this.unpark(thread);
      if (nested !== null) restoreNestedScopes(nested);
      throw error;
    } finally {
      thread.suspendedIn = null;
      thread.suspendedStack = undefined;
    }
    if (nested !== null) restoreNestedScopes(nested);
    const value = takeMailbox();
    if (throwIt) throw value;
    return value;
  }

  // Undo a suspend/reschedule that was refused before the thread parked: the one move the
  // lifecycle table does not list, since the thread never actually left Running.
  private unpark(thread: HubThread): void {
    thread.epoch++;
    thread.queueSeq++;
    thread.state = ThreadState.Running;
  }

  /**
   * Wakes `thread` if it is still in the suspension that had `epoch`: it is queued and its
   * suspend returns `value` (or throws it when `throwIt`). Returns whether it woke.
   */
  wake(thread: HubThread, epoch: number, value: unknown, throwIt = false): boolean {
    if (thread.state !== ThreadState.Suspended || thread.epoch !== epoch) return false;
    thread.epoch++;
    transition(thread, ThreadState.Ready);
    thread.resumeValue = value;
    thread.resumeThrow = throwIt;
    this.enqueue(thread);
    return true;
  }

  /**
   * Makes a suspended or queued thread throw `error` at its suspension point when it next
   * runs, replacing whatever it was woken with. Returns false if the thread cannot take it.
   */
  throwInto(thread: HubThread, error: unknown): boolean {
    if (thread.state === ThreadState.Suspended) return this.wake(thread, thread.epoch, error, true);
    if (thread.state !== ThreadState.Ready) return false;
    thread.resumeValue = error;
    thread.resumeThrow = true;
    return true;
  }

  /** From plain JavaScript: resumes a queued thread right now instead of at its turn. */
  runNow(thread: HubThread): void {
    if (this.current !== null || !isResumable(thread.state)) return;
    thread.queueSeq++;  // its queue entry is stale now
    this.switchTo(thread);
  }

  private enqueue(thread: HubThread): void {
    this.queue.push(thread);
    this.seqs.push(++thread.queueSeq);
    // First in line: if its OS thread sleeps in the kernel, wake it now so the wake-up latency
    // (tens of microseconds on a VM) overlaps the way to its turn. Threads further back are
    // woken one ahead by the turn itself; prodding a crowd would have them all spinning.
    if (this.queue.length - this.head === 1 && thread !== this.current && thread.coroutine >= 0) {
      prodCoroutine(thread.coroutine);
    }
    if (!this.inTurn && !this.turnScheduled) {
      this.turnScheduled = true;
      scheduleTurn(this.turn);
    }
  }

  private readonly turn = (): void => {
    this.turnScheduled = false;
    this.inTurn = true;
    const started = performance.now();
    try {
      do {
        // One round: the threads that were ready when it began. Threads readied during the
        // round (sleep(0) included) run in the next one, so each ready thread runs once.
        const end = this.queue.length;
        while (this.head < end) {
          const thread = this.queue[this.head] as HubThread;
          const seq = this.seqs[this.head];
          this.queue[this.head] = undefined;
          this.head++;
          if (thread.queueSeq !== seq || !isResumable(thread.state)) continue;
          // The next thread in line is woken now (if it sleeps in the kernel) so its wake-up
          // overlaps this one's run; waking more than one ahead just crowds two vCPUs.
          const next = this.queue[this.head];
          if (next !== undefined && next.coroutine >= 0) prodCoroutine(next.coroutine);
          this.switchTo(thread);
        }
        if (this.head === this.queue.length) {
          this.queue.length = 0;
          this.seqs.length = 0;
          this.head = 0;
        }
      } while (this.head < this.queue.length && performance.now() - started < TURN_BUDGET_MS);
    } finally {
      this.inTurn = false;
      if (this.head > 4096 && this.head * 2 > this.queue.length) {
        this.queue.splice(0, this.head);
        this.seqs.splice(0, this.head);
        this.head = 0;
      }
      if (this.head < this.queue.length && !this.turnScheduled) {
        this.turnScheduled = true;
        scheduleTurn(this.turn);
      }
    }
  };

  private switchTo(thread: HubThread): void {
    const value = thread.resumeValue;
    const throwIt = thread.resumeThrow;
    thread.resumeValue = undefined;
    thread.resumeThrow = false;
    transition(thread, ThreadState.Running);
    this.current = thread;
    let finished: boolean;
    try {
      finished = thread.resource.runInAsyncScope(resumeCoroutine, null, thread.coroutine, value, throwIt);
    } finally {
      this.current = null;
    }
    if (finished) {
      thread.coroutine = -1;
      transition(thread, ThreadState.Dead);
      this.live.delete(thread);
      thread.resource.emitDestroy();
    }
  }

  /** Reports an exception nobody else will see (spawnN bodies, link callbacks). */
  report(error: unknown, thread: HubThread | null): void {
    try {
      this.errorHandler(error, thread);
    } catch (handlerError) {
      defaultErrorHandler(error, thread);
      defaultErrorHandler(handlerError, null);
    }
  }

  setErrorHandler(handler: ErrorHandler | null): void {
    this.errorHandler = handler ?? defaultErrorHandler;
  }

  setCaptureStacks(on: boolean): void {
    this.captureStacks = on;
  }

  threads(): ThreadInfo[] {
    const out: ThreadInfo[] = [];
    for (const thread of this.live) {
      const info: ThreadInfo = { thread, state: stateName(thread.state), suspendedIn: thread.suspendedIn };
      if (thread.suspendedStack !== undefined) info.stack = thread.suspendedStack;
      out.push(info);
    }
    return out;
  }

  stats() {
    return { ...engineStats(), readyThreads: this.queue.length - this.head, liveGreenThreads: this.live.size };
  }
}

// The one entry function every coroutine starts in: the hub made its thread current first.
function runCurrentBody(): void {
  (theHub.current as HubThread).runBody();
}

// One hub per JavaScript thread: module state is per isolate, so the main thread and each
// Worker get their own, and ESM importers share the CommonJS module (src/index.ts).
export const theHub = new Hub();
