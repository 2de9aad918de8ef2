// The hub: greenthread's scheduler, living on Node's event loop. It is the only code that
// resumes green threads. Everything that blocks is built on three operations it offers a green
// thread — suspend (park until woken), reschedule (park, already queued: sleep(0)) and the
// wake-ups others call (wake, throwInto) — and on one rule: a wake names the epoch it saw, so a
// late or duplicate wake can never resume a thread that has moved on. Blocking calls use
// suspend and wake only through a Waiter (waiter.ts), which keeps that epoch for them.
//
// A hub turn is one setImmediate callback. It resumes the ready threads in FIFO order while
// threads keep becoming ready, but for at most TURN_BUDGET_MS: then it yields to the event loop
// so timers and I/O are never starved by threads looping on sleep(0). Microtasks (promise
// reactions, waitFor) run when a turn returns to the loop.
//
// Within a turn, a green thread that suspends hands the baton straight to the next ready one
// (a direct switch) instead of going back to the hub, which would then resume that one: one
// OS-thread handoff per switch instead of two. The hub's resume call simply stays pending until
// some thread gives the baton back (nothing ready, budget spent, or a thread finished). The
// async-context stack follows: the thread taking the baton swaps the stack's top entry for its
// own AsyncResource where Node lets us; see async-scope-stack.ts for Nodes that do not, and
// for when every switch goes through the hub.
//
// Beside it: run-queue.ts (the ready threads), live-threads.ts (the registry behind
// hub.threads() and the engine's entry calls), report.ts (where uncaught errors go).
import * as perfHooks from 'node:perf_hooks';
import * as timers from 'node:timers';
import {
  createCoroutine, discardCoroutine, engineStats, isThreadLimit, parkOnHub, prodCoroutine, resumeCoroutine, switchToCoroutine,
  threadLimitError,
} from '../engine/engine';
import type { EngineStats } from '../engine/engine';
import { InternalError, SuspendNotAllowedError } from '../errors';
import { HUB_INTROSPECTS, HubThread, NOT_INTROSPECTED } from './hub-thread';
import { captureRawStack } from './thread-stack';
import { ErrorReporter, type ErrorHandler } from './report';
import { RunQueue } from './run-queue';
import type { ThreadInfo } from './thread-info';
import { LiveThreads } from './live-threads';
import { canTransition, isResumable, stateName, ThreadState } from './thread-state';
import { canSwitchDirect, restoreNestedScopes, retargetScope, scopeTop, setAsideNestedScopes } from './async-scope-stack';

// The real setImmediate and clock, captured once at load. Fake-timer libraries (sinon and
// @sinonjs/fake-timers, node:test's mock.timers) replace the globals and also the properties of
// the node:timers and node:perf_hooks modules, which a live `timers.setImmediate` read would
// pick up: the hub's turns would then wait on a fake clock (and stay wedged after uninstall
// dropped the pending one), and a frozen performance.now() would make a turn's budget endless.
// sleep() and Timeout use the global setTimeout on purpose (timers.ts): fake timers control them.
const scheduleTurn = timers.setImmediate;
const realPerformance = perfHooks.performance;
const now: () => number = realPerformance.now.bind(realPerformance);

/** @internal The real setImmediate, whatever fake timers have since replaced (see hubTurn). */
export const realSetImmediate: typeof setImmediate = scheduleTurn;

const TURN_BUDGET_MS = 1;
// GREENTHREAD_DEBUG=1 checks every lifecycle transition against the table in thread-state.ts.
const DEBUG = process.env.GREENTHREAD_DEBUG === '1';
// A thread that suspends spins (rather than sleeping in the kernel) while it waits to be woken
// only when this few threads are ready: then the hub has little else to do and whatever it
// waits for is likely to come soon.
const SPIN_QUEUE_LIMIT = 2;
// How far ahead in the run queue a thread taking the baton wakes another (see adopted()).
const PROD_AHEAD = 3;

export type { ErrorHandler } from './report';

// A type export only: a value re-export compiles to an accessor replacing a data property,
// which turns this module's exports object into a dictionary, and every `theHub` read in
// other modules (several per switch) into a generic property lookup.
export type { ThreadInfo } from './thread-info';

/** Moves `thread` to `to`; in debug mode, refuses a transition the lifecycle does not allow. */
function transition(thread: HubThread, to: ThreadState): void {
  if (DEBUG && !canTransition(thread.state, to)) {
    throw new InternalError(`${String(thread)} cannot go from ${stateName(thread.state)} to ${stateName(to)}`);
  }
  thread.state = to;
}

/** hub.stats(): the engine's counters and backend, and the scheduler's. */
export interface HubStats extends EngineStats {
  /** Green threads spawned and not yet ended. */
  liveGreenThreads: number;
  /** Green threads queued to run. */
  readyThreads: number;
}

export class Hub {
  /** The green thread running now; null when plain JavaScript runs. */
  current: HubThread | null = null;

  private readonly queue = new RunQueue();
  private turnScheduled = false;
  private inTurn = false;
  private turnStarted = 0;
  // The thread whose AsyncResource scope the hub entered for the resume in progress: whoever
  // hands the baton back, the scope's top entry must be this one's again when it is left.
  private scopeThread: HubThread | null = null;
  // True from the moment the hub enters a thread's scope to resume it until it has left it:
  // async_hooks before/after callbacks run on the hub thread inside that window.
  private switching = false;
  // The thread that handed the baton back to the hub's resume (set as it returns).
  private backFromResume: HubThread | null = null;
  private readonly live = new LiveThreads();
  private readonly reporter = new ErrorReporter();
  private captureStacks = false;
  // Callbacks of throwIntoAndRun, by the error they go with.
  private readonly atThrow = new WeakMap<object, () => void>();
  private threadLimitSeen = false;

  /**
   * Registers `thread` and queues it to start at the hub's next turn. It gets its OS thread
   * when it starts; if the OS refuses one then, it ends with ThreadLimitError.
   */
  start(thread: HubThread): void {
    const id = createCoroutine(this.entry);
    thread.coroutine = id;
    this.live.add(thread, id);
    this.enqueue(thread);
  }

  /** Forgets an unstarted thread that will never run (killed or cancelled before start). */
  discard(thread: HubThread): void {
    if (thread.coroutine >= 0) {
      discardCoroutine(thread.coroutine);
      this.live.releaseId(thread);
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
  suspend(call: string, expectSoon = this.queue.length <= SPIN_QUEUE_LIMIT): unknown {
    return this.park(this.current as HubThread, call, false, expectSoon);
  }

  /**
   * Runs `fn` with suspension of the calling green thread refused (SuspendNotAllowedError naming
   * `where`, e.g. "inside a PriorityQueue compare function"), for code run on the thread's
   * behalf that must not be interleaved with other threads. From plain JavaScript it just
   * runs `fn`. Nests: the outermost `where` is kept.
   */
  forbidSuspension<T>(where: string, fn: () => T): T {
    const thread = this.current;
    if (thread === null || thread.suspendForbidden !== null) return fn();
    thread.suspendForbidden = where;
    try {
      return fn();
    } finally {
      thread.suspendForbidden = null;
    }
  }

  /** Parks the running green thread at the back of the run queue (sleep(0)). */
  reschedule(call: string): unknown {
    // It runs again within this turn, so it waits on the CPU; its baton's adaptive budget stops
    // the spinning when the queue ahead is long enough to make the wait outlast it.
    return this.park(this.current as HubThread, call, true, true);
  }

  private park(thread: HubThread, call: string, requeue: boolean, expectSoon: boolean): unknown {
    if (thread.suspendForbidden !== null) throw new SuspendNotAllowedError(call, thread.suspendForbidden);
    // An error that arrived while another was already due (see throwInto) is thrown here, at
    // the first suspension point after the first one.
    const deferred = thread.deferredThrows;
    if (deferred !== null) {
      const error = deferred.shift();
      if (deferred.length === 0) thread.deferredThrows = null;
      throw error;
    }
    let nested = null;
    let before = ThreadState.Running;
    try {
      // Anything here may throw before the thread is handed over: the async stack cannot be
      // set aside (AsyncScopeSuspendError), or the JS stack overflows on the way in. Then the
      // thread simply keeps running, as if it had never tried to suspend. Nothing here changes
      // another thread's state: the thread that gets the baton does its own bookkeeping
      // (adopt), so an overflow can never leave it half switched.
      // The top entry of the async-context stack is this thread's own, or, where direct
      // switches leave it alone (async-scope-stack.ts), that of the thread the hub resumed.
      const base = scopeTop === null && this.scopeThread !== null ? this.scopeThread.asyncId : thread.asyncId;
      nested = setAsideNestedScopes(base, call);
      if (requeue) {
        thread.epoch++;
        transition(thread, ThreadState.Ready);
        this.enqueue(thread);
      } else {
        transition(thread, ThreadState.Suspended);
      }
      thread.suspendedIn = call;
      if (this.captureStacks) thread.suspendedStack = captureRawStack();
      this.handOff(thread, expectSoon);
      // Resumed only so hub.threads() learns where it is (introspect): nothing else changed.
      while (thread.introspectBy !== NOT_INTROSPECTED) this.answerIntrospection(thread);
      before = thread.state;
    } catch (error) {
      this.unpark(thread);
      if (nested !== null) restoreNestedScopes(nested);
      throw error;
    } finally {
      thread.suspendedIn = null;
      thread.suspendedStack = undefined;
    }
    // Handed the baton again: the same bookkeeping as adopt(), written out without a single
    // call, so a thread resuming at the very edge of its stack cannot overflow halfway through
    // it (which would leave it running while the hub thinks it parked).
    thread.queueSeq++;
    thread.state = ThreadState.Running;
    this.current = thread;
    const top = scopeTop;
    if (top !== null) {
      top.ids[top.kExecutionAsyncId] = thread.asyncId;
      top.ids[top.kTriggerAsyncId] = thread.triggerAsyncId;
      top.resources[top.hooks[top.kStackLength] - 1] = thread.resource;
    }
    if (DEBUG && !canTransition(before, ThreadState.Running)) {
      throw new InternalError(`${String(thread)} resumed from ${stateName(before)}`);
    }
    this.adopted(thread);
    if (nested !== null) restoreNestedScopes(nested);
    const value = thread.resumeValue;
    thread.resumeValue = undefined;
    if (thread.resumeThrow) {
      thread.resumeThrow = false;
      const atThrow = this.atThrow.get(value as object);  // undefined for a non-object
      if (atThrow !== undefined) {
        this.atThrow.delete(value as object);
        try {
          atThrow();
        } catch {
          // Diagnostics only: the error is thrown as it is.
        }
      }
      throw value;
    }
    return value;
  }

  // On a parked thread that hub.threads() resumed (introspect): record the stack and hand the
  // baton straight back to the asker, touching nothing else, then park again. Called at the
  // same stack depth as handOff's own parking call, so it cannot overflow where that did not.
  private answerIntrospection(thread: HubThread): void {
    const by = thread.introspectBy;
    thread.introspectBy = NOT_INTROSPECTED;
    try {
      thread.suspendedStack = captureRawStack();
    } catch {
      // Diagnostics only (a stack at its very edge): no stack for this one.
    }
    if (by === HUB_INTROSPECTS) parkOnHub(false);
    else switchToCoroutine(by, true);
  }

  /**
   * Learns the stack of every parked started thread that has none recorded: resumes each in
   * turn (from plain JavaScript, or straight from the calling green thread), it records its
   * stack and hands the baton straight back without waking: two switches per thread, and
   * only when asked; nothing at all is spent at suspension. Epochs, states, the run queue and
   * the async-context stack are left as they were: the parked thread runs no JavaScript but
   * the capture (native: no user code, nothing that could suspend). Refused inside a switch
   * (an async_hooks callback), where the hub's own resume is half done.
   */
  private introspect(): void {
    const me = this.current;
    if (me === null && this.switching) return;
    const by = me === null ? HUB_INTROSPECTS : me.coroutine;
    if (by < 0 && me !== null) return;
    const targets = this.live.all().filter((thread) => thread !== me && thread.suspendedIn !== null && thread.coroutine >= 0 &&
      thread.suspendedStack === undefined && (thread.state === ThreadState.Suspended || thread.state === ThreadState.Ready));
    for (let i = 0; i < targets.length; i++) {
      const thread = targets[i];
      // Parked threads sleep in the kernel: wake the next one now, so its wake-up overlaps this one's visit.
      if (i + 1 < targets.length) prodCoroutine(targets[i + 1].coroutine);
      thread.introspectBy = by;
      try {
        if (me === null) resumeCoroutine(thread.coroutine);
        else switchToCoroutine(thread.coroutine, true);
      } finally {
        thread.introspectBy = NOT_INTROSPECTED;  // it never ran (or has already cleared it)
      }
    }
  }

  // Gives the baton away from a parking thread: within a turn straight to the next ready
  // thread, else to the hub. Returns once the thread has been handed the baton again.
  private handOff(thread: HubThread, expectSoon: boolean): void {
    const next = this.inTurn ? this.directSwitchTarget() : null;
    if (next === thread) return;  // sleep(0) with nobody else ready: its turn again at once
    if (next !== null) {
      try {
        switchToCoroutine(next.coroutine, expectSoon);
        return;
      } catch (error) {
        // It could not start (no OS thread): the hub tries again and ends it with the error.
        if (!isThreadLimit(error)) throw error;
      }
    }
    parkOnHub(expectSoon);
  }

  // The next ready thread, if the baton may go to it straight from the thread giving it up.
  private directSwitchTarget(): HubThread | null {
    if (this.queue.length === 0) return null;
    // The clock is read at every switch (about 40 ns): a thread that runs long between two
    // switches must still hand the loop back within one budget of its run.
    if (now() - this.turnStarted >= TURN_BUDGET_MS) return null;
    if (!canSwitchDirect()) return null;
    return this.queue.peekReady();
  }

  /**
   * The bookkeeping of a thread that has just been handed the baton, done by the thread
   * itself (whoever handed it over did nothing on its behalf): it is the running thread now,
   * its run-queue entry is used up, and the async-context stack's top entry is its resource.
   * (park() has the same steps written out inline.)
   */
  private adopt(thread: HubThread): void {
    thread.queueSeq++;
    transition(thread, ThreadState.Running);
    this.current = thread;
    retargetScope(thread.asyncId, thread.triggerAsyncId, thread.resource);
    this.adopted(thread);
  }

  // After the bookkeeping: wake the next thread in line, and the one PROD_AHEAD places
  // further, if they sleep in the kernel, so their wake-ups (10-25 us on a VM) overlap the runs
  // before their turns. Each thread in a long line is thus prodded a few switches ahead of its
  // turn and spins only for those; prodding further ahead just crowds two vCPUs with spinners
  // (measured with 10 and 100 threads looping on sleep(0): 3 or 4 ahead is best, about 3x
  // faster than waking only the next).
  private adopted(thread: HubThread): void {
    if (this.queue.length > 1) {
      const after = this.queue.at(1) as HubThread;
      if (after.coroutine >= 0 && after !== thread) prodCoroutine(after.coroutine);
      const further = this.queue.at(PROD_AHEAD);
      if (further !== undefined && further.coroutine >= 0 && further !== thread) prodCoroutine(further.coroutine);
    }
  }

  // The entry every coroutine starts in (with its own id). Returns where the baton goes when
  // the body is done, as the engine expects: a coroutine id, or -1 for the hub.
  private readonly entry = (id: number): number => {
    const thread = this.live.byId(id);
    this.adopt(thread);
    thread.resumeValue = undefined;
    thread.resumeThrow = false;
    thread.runBody();
    return this.finishCurrent(thread);
  };

  // Marks the thread whose body has just ended dead, on its own stack, and picks who gets the
  // baton next.
  private finishCurrent(thread: HubThread): number {
    this.markDead(thread);
    const next = this.inTurn ? this.directSwitchTarget() : null;
    return next === null ? -1 : next.coroutine;
  }

  private markDead(thread: HubThread): void {
    this.live.releaseId(thread);
    thread.coroutine = -1;
    transition(thread, ThreadState.Dead);
    this.live.delete(thread);
    thread.resource.emitDestroy();
    const bound = thread.bound;
    if (bound !== null) {
      thread.bound = null;
      for (const item of bound) item.ownerEnded();
    }
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
   * runs, replacing a value it was woken with. If it is already due to throw something else
   * (killed, then timed out before it ran), neither error is lost: `error` is thrown at its
   * next suspension point. So is an error thrown into the running thread (a Timeout whose
   * timer fake timers fire inside its owner). Returns false if the thread is dead or unstarted.
   */
  throwInto(thread: HubThread, error: unknown): boolean {
    if (thread.state === ThreadState.Suspended) return this.wake(thread, thread.epoch, error, true);
    if (thread.state === ThreadState.Running || (thread.state === ThreadState.Ready && thread.resumeThrow)) {
      (thread.deferredThrows ??= []).push(error);
      return true;
    }
    if (thread.state !== ThreadState.Ready) return false;
    thread.resumeValue = error;
    thread.resumeThrow = true;
    return true;
  }

  /**
   * {@link throwInto}, and `atThrow()` runs on the thread itself, at its suspension point, just
   * before the error is thrown there: the deadlock report captures the thread's own stack so.
   */
  throwIntoAndRun(thread: HubThread, error: object, atThrow: () => void): boolean {
    this.atThrow.set(error, atThrow);
    return this.throwInto(thread, error);
  }

  /**
   * Withdraws `error` if it is still waiting, deferred, for `thread`'s next suspension point
   * (a Timeout cancelled after it fired but before it was thrown). Returns whether it was.
   */
  withdrawThrow(thread: HubThread, error: unknown): boolean {
    const deferred = thread.deferredThrows;
    const index = deferred === null ? -1 : deferred.indexOf(error);
    if (index < 0) return false;
    (deferred as unknown[]).splice(index, 1);
    if ((deferred as unknown[]).length === 0) thread.deferredThrows = null;
    return true;
  }

  /**
   * Takes the first error deferred to `thread`'s next suspension point, for a thread that
   * will not suspend again before it acts on one (its body returned, or withTimeout is about
   * to turn its own Timeout into a value): a kill must not be lost that way.
   */
  takeDeferredThrow(thread: HubThread): { error: unknown } | null {
    const deferred = thread.deferredThrows;
    if (deferred === null) return null;
    const error = deferred.shift();
    if (deferred.length === 0) thread.deferredThrows = null;
    return { error };
  }

  /**
   * From plain JavaScript: resumes a queued thread right now instead of at its turn. Called
   * while a switch is in progress (from an async_hooks before/after callback, which runs on the
   * hub thread inside it), it leaves the thread to its turn: a nested switch would tangle the two.
   */
  runNow(thread: HubThread): void {
    if (this.current !== null || this.switching || !isResumable(thread.state)) return;
    this.switchTo(thread);
  }

  private enqueue(thread: HubThread): void {
    this.queue.push(thread);
    // Woken from plain JavaScript (a timer, I/O, a promise) and first in line: if its OS
    // thread sleeps in the kernel, wake it now so the wake-up latency (tens of microseconds on
    // a VM) overlaps the way to the hub's turn. A green thread's wake needs no hint: the waker
    // hands the baton over at its next suspension. Threads further back are woken one ahead
    // as the line moves (adopted); prodding a crowd would have them all spinning.
    if (this.queue.length === 1 && thread !== this.current && thread.coroutine >= 0) {
      prodCoroutine(thread.coroutine);
    }
    if (!this.inTurn && !this.turnScheduled) {
      this.turnScheduled = true;
      scheduleTurn(this.turn);
    }
  }

  // A thread the OS refused a thread for: it ends with the error, never having run.
  private failStart(thread: HubThread, error: unknown): void {
    this.threadLimitSeen = true;
    this.discard(thread);
    thread.failedToStart(error);
  }

  /**
   * Whether a new thread should record where it is spawned, for the ThreadLimitError it may
   * end with. A stack capture costs more than a spawn (measured: GreenPool.spawn 2 µs → 5 µs),
   * so only once the OS has refused a thread in this process, or when stacks are captured.
   */
  get recordSpawnSites(): boolean {
    return this.threadLimitSeen || this.captureStacks;
  }

  private readonly turn = (): void => {
    this.turnScheduled = false;
    this.inTurn = true;
    this.turnStarted = now();
    try {
      let thread: HubThread | null;
      while ((thread = this.queue.peekReady()) !== null) {
        this.switchTo(thread);
        if (now() - this.turnStarted >= TURN_BUDGET_MS) break;
      }
    } finally {
      this.inTurn = false;
      this.queue.compact();
      if (this.queue.length > 0 && !this.turnScheduled) {
        this.turnScheduled = true;
        scheduleTurn(this.turn);
      }
    }
  };

  // Resumes `thread` from the hub, inside its AsyncResource, until the baton comes back.
  private switchTo(thread: HubThread): void {
    this.scopeThread = thread;
    this.switching = true;
    let finished: boolean;
    let back: HubThread | null;
    try {
      finished = thread.resource.runInAsyncScope(this.resumeInScope, this, thread.coroutine);
    } catch (error) {
      if (this.backFromResume === null && isThreadLimit(error)) {
        // It could not get an OS thread to start on: nothing ran.
        this.scopeThread = null;
        this.switching = false;
        this.failStart(thread, threadLimitError(error));
        return;
      }
      throw error;
    } finally {
      back = this.backFromResume;
      this.backFromResume = null;
      this.current = null;
      this.scopeThread = null;
      this.switching = false;
    }
    // A body that ended normally has marked itself dead (finishCurrent).
    if (finished && back !== null && back.state !== ThreadState.Dead) this.markDead(back);
  }

  // Inside the scope the hub entered: the baton may come back from another thread than the
  // one resumed, after direct switches, and then the scope's top entry is that other thread's.
  private resumeInScope(id: number): boolean {
    try {
      return resumeCoroutine(id);
    } finally {
      const scope = this.scopeThread as HubThread;
      const back = this.current;
      if (back !== null && back !== scope) {
        retargetScope(scope.asyncId, scope.triggerAsyncId, scope.resource);
      }
      // The hub thread runs from here on (async_hooks after callbacks, then the turn loop): no
      // green thread is current, whatever those callbacks ask.
      this.backFromResume = back;
      this.current = null;
    }
  }

  /** True while a hub turn is due: some green thread is ready to run (see hubTurn). */
  get turnPending(): boolean {
    return this.turnScheduled || this.inTurn;
  }

  /** Reports an exception nobody else will see (spawnN bodies, link callbacks). */
  report(error: unknown, thread: HubThread | null): void {
    this.reporter.report(error, thread);
  }

  setErrorHandler(handler: ErrorHandler | null): void {
    this.reporter.setHandler(handler);
  }

  setCaptureStacks(on: boolean): void {
    this.captureStacks = on;
  }

  /**
   * Live threads with their state and suspension call; with `stacks`, also their JavaScript
   * stacks (parked threads are asked for theirs: see introspect).
   */
  threads(stacks = false): ThreadInfo[] {
    // With captureStacks on, only threads parked before it was turned on are asked.
    if (stacks) this.introspect();
    return this.live.list(stacks, this.current);
  }

  stats(): HubStats {
    return { ...engineStats(), readyThreads: this.queue.length, liveGreenThreads: this.live.size };
  }
}

// One hub per JavaScript thread: module state is per isolate, so the main thread and each
// Worker get their own, and ESM importers share the CommonJS module (src/index.ts).
export const theHub = new Hub();
