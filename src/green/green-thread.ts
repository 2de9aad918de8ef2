// GreenThread: the handle of a spawned green thread (eventlet.greenthread.GreenThread). It
// records how the thread ended, wakes the threads waiting for it, runs its links, and turns
// kill() into an error thrown at the thread's suspension point.
import { inspect } from 'node:util';
import { GreenletExit, ThreadLimitError, typeError } from '../errors';
import { HubThread } from '../hub/hub-thread';
import { WaitList } from '../hub/wait-list';
import { requireGreenThread, waitsForItself } from '../hub/waiter';
import { appendCallSite } from '../hub/call-site';
import { theHub } from '../hub/hub';
import { ThreadState } from '../hub/thread-state';
import { inWatchedVmScript } from '../hub/vm-guard';
import { endChannel, spawnChannel } from '../hub/channels';
import { validateFunction } from '../validate';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';

const enum Outcome { Pending, Returned, Threw }

/**
 * @internal How a thread's uncaught exception is reported. The values are symbols the package
 * never exports: the constructor takes one as proof that its caller is greenthread itself.
 */
export const ErrorReporting = {
  /** spawn / spawnN: to hub.onError (GreenletExit excepted), as eventlet prints it. */
  Hub: Symbol('greenthread: report to hub.onError'),
  /** run(): the returned promise carries it; nothing is printed. */
  None: Symbol('greenthread: report nothing'),
} as const;
/** @internal */
export type ErrorReporting = typeof ErrorReporting[keyof typeof ErrorReporting];

// Private state is typed loosely (unknown) so GreenThread<T> stays covariant in T.
type LinkFn = (thread: GreenThread<any>, ...args: any[]) => unknown;
type Body<T> = (...args: any[]) => T;

let nextId = 1;

// A function's name for diagnostics, never throwing (a name getter may), '' when it has none.
function nameOf(fn: Body<unknown>): string {
  try {
    const name: unknown = fn.name;
    return typeof name === 'string' ? name : '';
  } catch {
    return '';
  }
}

// `instanceof` that cannot throw: a revoked Proxy throws from its getPrototypeOf trap.
function isGreenletExit(error: unknown): boolean {
  try {
    return error instanceof GreenletExit;
  } catch {
    return false;
  }
}

// diagnostics_channel reports a subscriber's exception itself (as an uncaught exception, on
// the next tick); a subscriber may not suspend the thread it observes, which is in the middle
// of starting or ending.
function publishSafely(channel: { publish(message: unknown): void }, message: object, where: string): void {
  theHub.forbidSuspension(`inside ${where}`, () => channel.publish(message));
}

/**
 * Handle of a spawned green thread. `wait()` blocks for its result; `await thread` gives the
 * same result to async code; `kill()` ends it early. Create one with {@link spawn} or
 * {@link spawnAfter}; `new GreenThread()` is a TypeError. `console.log(thread)` prints one
 * line: `GreenThread#3 (fetchPage) suspended in Queue.get()`.
 */
export class GreenThread<T = unknown> extends HubThread implements PromiseLike<T> {
  /** A number that identifies the thread in diagnostics. */
  readonly id = nextId++;
  #fn: Body<unknown> | null;
  #args: unknown[] | null;
  #outcome = Outcome.Pending;
  #value: unknown = undefined;
  #error: unknown = undefined;
  #reporting: ErrorReporting;
  // Threads blocked in wait(); created by the first one.
  #waiters: WaitList<undefined> | null = null;
  #links: Array<{ fn: LinkFn; args: unknown[] }> | null = null;
  #runningLinks = false;
  #began = false;
  #promise: Promise<unknown> | null = null;
  #settle: [(value: unknown) => void, (error: unknown) => void] | null = null;
  // Where it was spawned, when recorded (see Hub.recordSpawnSites): for a ThreadLimitError.
  #spawnSite: { stack?: string } | null = null;
  // Behind `signal`: made when first read. #killed: the first kill's error, for a signal read
  // after it.
  #abort: AbortController | null = null;
  #killed: { error: unknown } | null = null;
  /** @internal Cancels a pending spawnAfter timer. */
  cancelStart: (() => void) | null = null;

  /**
   * @internal The name of the thread's function, for diagnostics ('' for an anonymous one).
   * GreenPool sets its member's own.
   */
  fnName: string;

  /**
   * @internal Use spawn(), spawnN(), spawnAfter() or run(). Stripped from the published types,
   * which leave HubThread's protected constructor: `new GreenThread()` does not type-check,
   * and at run time it is a TypeError.
   */
  constructor(fn: Body<T>, args: unknown[], reporting: ErrorReporting) {
    if (reporting !== ErrorReporting.Hub && reporting !== ErrorReporting.None) {
      throw typeError('GreenThread cannot be created with new: start a green thread with spawn(fn, ...args) ' +
        '(or spawnN(), spawnAfter(), run()), which returns its GreenThread');
    }
    super();
    if (theHub.recordSpawnSites) {
      const site: { stack?: string } = {};
      Error.captureStackTrace(site, new.target);  // formatted only if it is ever read
      this.#spawnSite = site;
    }
    this.fnName = nameOf(fn);
    this.#fn = fn;
    this.#args = args;
    this.#reporting = reporting;
    if (spawnChannel.hasSubscribers) publishSafely(spawnChannel, { thread: this }, 'a greenthread:spawn subscriber');
  }

  /** @internal A function's name for diagnostics, never throwing; '' when it has none. */
  static functionName(fn: Body<unknown>): string {
    return nameOf(fn);
  }

  /**
   * @internal Runs `fn(...args)` now, on the calling green thread's own stack, and returns a
   * handle that has already ended with its result or exception: GreenPool's inline spawn
   * (eventlet calls `GreenThread.main` on the current greenlet). The handle is never scheduled
   * and reports nothing; the caller decides what to do with an exception.
   */
  static runInline<T>(fn: Body<T>, args: unknown[]): GreenThread<T> {
    const thread = new GreenThread<T>(fn, args, ErrorReporting.None);
    thread.runBody();
    // It never belonged to the hub: mark it dead so nothing tries to start or resume it.
    thread.state = ThreadState.Dead;
    thread.resource.emitDestroy();
    return thread;
  }

  /** True once the thread has ended: returned, thrown, or been killed. */
  get dead(): boolean {
    return this.#outcome !== Outcome.Pending;
  }

  /** True once the thread's function has begun to run. */
  get started(): boolean {
    return this.#began;
  }

  /** @internal The body, on the thread's own stack. */
  runBody(): void {
    this.#began = true;
    this.#spawnSite = null;  // it started: no ThreadLimitError to explain
    const fn = this.#fn as Body<unknown>;
    const args = this.#args as unknown[];
    this.#fn = null;
    this.#args = null;
    let value: unknown;
    try {
      value = fn(...args);
    } catch (error) {
      this.deferredThrows = null;
      this.#end(Outcome.Threw, undefined, error);
      return;
    }
    // An error still waiting for a suspension point that never came (a kill that raced the
    // thread's own Timeout, see Hub.throwInto) is how the thread ends: it was never caught.
    const deferred = theHub.takeDeferredThrow(this);
    this.deferredThrows = null;
    if (deferred !== null) this.#end(Outcome.Threw, undefined, deferred.error);
    else this.#end(Outcome.Returned, value, undefined);
  }

  // Never throws, whatever was thrown: the thread must always end properly (waiters woken,
  // promise settled, links run, and the hub marks it dead after this returns).
  #end(outcome: Outcome, value: unknown, error: unknown): void {
    this.#outcome = outcome;
    this.#value = value;
    this.#error = error;
    if (endChannel.hasSubscribers) {
      publishSafely(endChannel, outcome === Outcome.Returned ? { thread: this, threw: false, result: value }
        : { thread: this, threw: true, error }, 'a greenthread:end subscriber');
    }
    if (outcome === Outcome.Threw && this.#reporting === ErrorReporting.Hub && !isGreenletExit(error)) {
      theHub.report(error, this);  // never throws (report.ts)
    }
    const waiters = this.#waiters;
    this.#waiters = null;
    waiters?.handAll(undefined);
    if (this.#settle !== null) {
      const [resolve, reject] = this.#settle;
      this.#settle = null;
      if (outcome === Outcome.Returned) resolve(value);
      else reject(error);
    }
    this.#runLinks();
  }

  // Runs queued link callbacks; a link() made from inside one is queued, not run recursively.
  #runLinks(): void {
    if (this.#runningLinks) return;
    this.#runningLinks = true;
    try {
      while (this.#links !== null && this.#links.length > 0) {
        const { fn, args } = this.#links.shift() as { fn: LinkFn; args: unknown[] };
        try {
          fn(this, ...args);
        } catch (error) {
          theHub.report(error, this);
        }
      }
    } finally {
      this.#runningLinks = false;
    }
  }

  #result(): T {
    if (this.#outcome === Outcome.Threw) throw this.#error;
    return this.#value as T;
  }

  /**
   * Blocks the calling green thread until this one ends, then returns its result or rethrows
   * its exception. Returns at once if it has already ended. A rethrown exception (an object)
   * gets the calling thread's stack appended to its `stack`, once, so it shows who waited.
   * @param options `signal`: aborting it interrupts the wait, throwing its reason (an
   *   already-aborted one throws at once); this thread is not affected.
   * @throws NotInGreenThreadError from plain JavaScript while the thread is still running.
   * @throws DeadlockError when a thread waits for itself.
   */
  wait(options?: SignalOptions): T {
    if (options !== undefined) {
      const signal = signalOption(options, 'GreenThread.wait()');
      if (signal !== undefined) return underSignal(signal, () => this.wait());
    }
    if (this.#outcome === Outcome.Pending) {
      const me = requireGreenThread('GreenThread.wait()');
      if (me === this) waitsForItself('GreenThread.wait()');
      // A wait interrupted by a kill or a Timeout leaves the list (WaitList does that).
      (this.#waiters ??= new WaitList()).wait('GreenThread.wait()');
    }
    try {
      return this.#result();
    } catch (error) {
      throw appendCallSite(error, 'GreenThread.wait()', theHub.current);
    }
  }

  /**
   * Calls `fn(thread, ...args)` when this thread ends — at once if it already has. Exceptions
   * from `fn` go to hub.onError.
   */
  link<A extends unknown[]>(fn: (thread: GreenThread<T>, ...args: A) => unknown, ...args: A): void {
    validateFunction(fn, 'GreenThread.link()');
    (this.#links ??= []).push({ fn: fn as LinkFn, args });
    if (this.#outcome !== Outcome.Pending) this.#runLinks();
  }

  /** Removes a link added with {@link link}; returns whether one was removed. */
  unlink(fn: (thread: GreenThread<T>, ...args: never[]) => unknown): boolean {
    if (this.#links === null) return false;
    const index = this.#links.findIndex((link) => link.fn === fn);
    if (index < 0) return false;
    this.#links.splice(index, 1);
    return true;
  }

  /**
   * Ends the thread by throwing `error` (default: a new {@link GreenletExit}) at its
   * suspension point; its `finally` blocks run. A thread that has not started never runs and
   * its `wait()` throws `error`. Killing a dead thread does nothing. Called from a green
   * thread, the caller is suspended until the killed thread has handled the error; from plain
   * JavaScript, the killed thread handles it before kill() returns. (Inside a vm script run
   * with a `timeout` or `breakOnSigint`, or other code where the caller may not suspend, it
   * handles it at the hub's next turn instead.)
   */
  kill(error: unknown = new GreenletExit()): void {
    if (this.#outcome !== Outcome.Pending) return;
    if (this.state === ThreadState.Unstarted) {
      this.#abortSignal(error);
      this.#neverRun(error);
      return;
    }
    const hub = theHub;
    if (hub.current === this) {
      this.#abortSignal(error);
      throw error;
    }
    // Thrown into the thread first, then the signal aborted: a wait of the thread's that took
    // the signal finds it due to throw the kill already, and its abort is withdrawn.
    hub.throwInto(this, error);
    this.#abortSignal(error);
    if (hub.current !== null) {
      // Where the caller may not suspend (a vm script with a watchdog, a comparator), the
      // killed thread handles the error at its turn instead, and kill() returns at once.
      if (hub.current.suspendForbidden === null) hub.reschedule('GreenThread.kill()');
    }
    // Not inside a vm script with a watchdog: its termination would land in the killed thread.
    // There the thread handles the kill at the hub's next turn.
    else if (!inWatchedVmScript()) hub.runNow(this);
  }

  /** Kills the thread only if it has not started yet; otherwise does nothing. */
  cancel(error: unknown = new GreenletExit()): void {
    if (this.state === ThreadState.Unstarted && this.#outcome === Outcome.Pending) {
      this.#abortSignal(error);
      this.#neverRun(error);
    }
  }

  /**
   * An AbortSignal that aborts when this thread is killed (or cancelled before it started),
   * with the kill error as its reason — the first kill's, whether or not the thread catches it.
   * Hand it to operations the thread starts (`fetch(url, { signal: getCurrent()!.signal })`,
   * a promise it does not wait for, a child process) so that killing the thread cancels them
   * too. It does not abort when the thread ends any other way, nor on a Timeout. Made when
   * first read; read after a kill, it is already aborted.
   */
  get signal(): AbortSignal {
    if (this.#abort === null) {
      this.#abort = new AbortController();
      if (this.#killed !== null) this.#abort.abort(this.#killed.error);
    }
    return this.#abort.signal;
  }

  // A kill aborts the thread's signal (the first kill only: a signal aborts once).
  #abortSignal(error: unknown): void {
    if (this.#killed !== null) return;
    this.#killed = { error };
    this.#abort?.abort(error);
  }

  // A ThreadLimitError made in the hub's turn has only the hub's frames: show where this
  // thread was spawned instead, which is where a user can act.
  #showSpawnSite(error: ThreadLimitError): void {
    const site = this.#spawnSite?.stack;
    const frames = site === undefined ? '' : site.slice(site.indexOf('\n') + 1);
    error.stack = `${error.name}: ${error.message}\n` + (frames !== '' ? `    spawned as ${this.toString()}:\n${frames}`
      : `    (${this.toString()}: its spawn site was not recorded; hub.captureStacks(true) records it)`);
  }

  #neverRun(error: unknown): void {
    this.cancelStart?.();
    this.cancelStart = null;
    theHub.discard(this);
    this.failedToStart(error);
  }

  /** @internal */
  failedToStart(error: unknown): void {
    this.#fn = null;
    this.#args = null;
    if (error instanceof ThreadLimitError) this.#showSpawnSite(error);
    this.#end(Outcome.Threw, undefined, error);
  }

  /** `await thread` resolves with its result, or rejects with its exception. */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    if (this.#promise === null) {
      if (this.#outcome === Outcome.Returned) this.#promise = Promise.resolve(this.#value);
      else if (this.#outcome === Outcome.Threw) this.#promise = Promise.reject(this.#error);
      else this.#promise = new Promise((resolve, reject) => { this.#settle = [resolve, reject]; });
    }
    return (this.#promise as Promise<T>).then(onFulfilled, onRejected);
  }

  /** `GreenThread#3 (fetchPage)`: its id and function name (omitted for an anonymous function). */
  override toString(): string {
    return this.fnName === '' ? `GreenThread#${this.id}` : `GreenThread#${this.id} (${this.fnName})`;
  }

  /**
   * What `console.log(thread)` and `util.inspect(thread)` print: {@link toString} and where the
   * thread is, e.g. `GreenThread#3 (fetchPage) suspended in Queue.get()`; the state is one of
   * unstarted, ready, running, `suspended in <call>`, or dead (returned, threw or killed).
   */
  [inspect.custom](): string {
    return `${this.toString()} ${this.#where()}`;
  }

  #where(): string {
    if (this.#outcome === Outcome.Returned) return 'dead (returned)';
    if (this.#outcome === Outcome.Threw) return isGreenletExit(this.#error) ? 'dead (killed)' : 'dead (threw)';
    switch (this.state) {
      case ThreadState.Unstarted: return 'unstarted';
      case ThreadState.Ready: return 'ready';
      case ThreadState.Running: return 'running';
      case ThreadState.Suspended: return `suspended in ${this.suspendedIn ?? 'an unknown call'}`;
      default: return 'dead';
    }
  }
}
