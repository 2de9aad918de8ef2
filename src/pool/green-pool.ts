// GreenPool (eventlet.greenpool.GreenPool): at most `size` green threads at once. A spawner
// that finds the pool full blocks in a WaitList until a member ends; the ending member hands
// its slot straight to the longest-waiting spawner, so a slot is never up for grabs between
// the two (and a handed spawner that is killed gives it back, see WaitList).
//
// The bookkeeping is one counter, `#free` = size minus occupied slots. A slot is occupied from
// the moment a spawner gets it (taken at once, or handed while it waits) until the member it
// started ends. So the pool is idle — what waitAll() waits for — exactly when `#free` is back
// at `size` with nobody waiting. Invariant: `#free > 0` only while no spawner waits, which lets
// spawn() take a slot with one comparison.
//
// imap/starmap do not spawn a green thread per item: see imap.ts.
import { DeadlockError, GreenletExit, NotInGreenThreadError } from '../errors';
import { ErrorReporting, GreenThread } from '../green/green-thread';
import { theHub } from '../hub/hub';
import type { HubThread } from '../hub/hub-thread';
import { Timeout } from '../green/timeout';
import { validateCount, validateFunction, validateGreenFunction } from '../validate';
import { WaitList } from '../hub/wait-list';
import { iteratorOf, mapIterator, Mode } from './imap';

type AnyFn = (...args: any[]) => unknown;

/** Maps a tuple of element types to a tuple of iterables of them (imap's arguments). */
export type IterablesOf<A extends unknown[]> = { [K in keyof A]: Iterable<A[K]> };

// Errors aimed at the calling thread itself (it is being killed, or its own Timeout fired)
// rather than produced by the function it ran inline: these must keep unwinding the caller.
// Only the error's kind can tell, as both come out of the one stack. (GreenPile's endedWith
// asks the same of a wait() on another thread, where the thread's recorded outcome tells.)
function aimedAtCaller(error: unknown): boolean {
  return error instanceof GreenletExit || Timeout.isTimeout(error);
}

// Set by GreenPool's static block: lets PoolThread reach the pool's private bookkeeping
// without making it public.
let memberEnded: (pool: GreenPool, thread: HubThread) => void;

/**
 * A pool member: a GreenThread that gives its slot back when it ends. A member ends one of two
 * ways, and each frees the slot once: its body (`runMember`) ran, and frees it in a `finally`;
 * or it never ran (killed or cancelled before it started, or refused an OS thread by the hub),
 * and GreenThread routes every such end through failedToStart. Either way the slot is free
 * before the thread records its end, wakes its waiters and runs its links, so (as in eventlet,
 * whose first link frees the slot) link callbacks already see it free. No allocation per spawn
 * beyond the thread itself.
 */
class PoolThread<T> extends GreenThread<T> {
  readonly #pool: GreenPool;
  #fn: AnyFn | null;
  #args: unknown[] | null;
  #left = false;

  constructor(pool: GreenPool, fn: AnyFn, args: unknown[]) {
    super(runMember as () => T, NO_ARGS, ErrorReporting.Hub);
    this.#pool = pool;
    this.fnName = GreenThread.functionName(fn);
    this.#fn = fn;
    this.#args = args;
  }

  /** @internal The member's body, on its own stack (see runMember). */
  callMember(): unknown {
    const fn = this.#fn as AnyFn;
    const args = this.#args as unknown[];
    this.#fn = null;
    this.#args = null;
    try {
      return fn(...args);
    } finally {
      this.#leave();
    }
  }

  /** @internal The end of a member that never ran (kill/cancel before start, or no OS thread). */
  override failedToStart(error: unknown): void {
    this.#fn = null;
    this.#args = null;
    this.#leave();
    super.failedToStart(error);
  }

  #leave(): void {
    if (this.#left) return;
    this.#left = true;
    memberEnded(this.#pool, this);
  }
}

const NO_ARGS: unknown[] = [];

// Every member's body: a module function, so a spawn allocates no closure. The hub makes the
// thread current before it runs its body.
function runMember(): unknown {
  return (theHub.current as PoolThread<unknown>).callMember();
}

/**
 * A pool of green threads: at most `size` run at once; further spawns wait for a slot. The
 * tool for bounded concurrency, e.g. fetching many URLs a few at a time.
 *
 * ```ts
 * const pool = new GreenPool(10);
 * for (const body of pool.imap(fetchPage, urls)) handle(body);   // 10 fetches at a time
 * ```
 *
 * eventlet's `GreenPool`: `spawn_n` → {@link spawnN}, `waitall` → {@link waitAll}.
 */
export class GreenPool {
  static {
    memberEnded = (pool, thread) => pool.#memberEnded(thread);
  }

  #size: number;
  // Size minus occupied slots; negative after a shrinking resize while members still run.
  #free: number;
  readonly #members = new Set<HubThread>();
  readonly #slotWaiters = new WaitList<undefined>();
  readonly #idleWaiters = new WaitList<undefined>();
  // A handed spawner killed before it could use its slot gives it back through this (one
  // function per pool, not per spawn).
  readonly #giveBack = (): void => this.#release();

  /**
   * @param size Most green threads running at once (default 1000). 0 makes a pool whose
   *   spawns wait until {@link resize} grows it.
   * @throws TypeError if `size` is not an integer.
   * @throws RangeError if `size` is negative or above `Number.MAX_SAFE_INTEGER`.
   */
  constructor(size = 1000) {
    this.#size = validateCount(size, 'new GreenPool()', 'size');
    this.#free = this.#size;
  }

  /** The most green threads that may run at once. Change it with {@link resize}. */
  get size(): number {
    return this.#size;
  }

  /** Number of members running now (spawned through this pool and not yet ended). */
  running(): number {
    return this.#members.size;
  }

  /**
   * Free slots. At zero or below the next {@link spawn} blocks; it goes negative when
   * {@link resize} shrank the pool below the number of members running.
   */
  free(): number {
    return this.#free;
  }

  /** Number of green threads blocked in {@link spawn} or {@link spawnN}, waiting for a slot. */
  waiting(): number {
    return this.#slotWaiters.size;
  }

  /**
   * Starts `fn(...args)` as a member of the pool and returns its handle; blocks the calling
   * green thread while the pool is full. Spawners get slots in the order they blocked. As with
   * {@link spawn}, the member's exception is rethrown by `wait()` and reported to hub.onError.
   *
   * Reentrant: a member of this pool that spawns into it while it is full would wait for
   * itself, so `fn` runs inline, in the calling thread, and the handle returned has already
   * ended with its result or exception. A GreenletExit or Timeout that interrupts the inline
   * call is meant for the calling thread and propagates from spawn().
   * @throws NotInGreenThreadError from plain JavaScript when the pool is full.
   * @throws TypeError if `fn` is not a function, or is an async function.
   */
  spawn<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): GreenThread<T> {
    validateGreenFunction(fn, 'GreenPool.spawn()');
    if (this.#free > 0) this.#free--;
    else if (!this.#waitForSlot('GreenPool.spawn()')) return spawnInline<T>(fn as AnyFn, args);
    return this.#launch(fn, args);
  }

  /**
   * Like {@link spawn} without a handle. An exception of `fn` goes to hub.onError (GreenletExit
   * excepted), also when `fn` runs inline because a member spawned into its own full pool.
   * @throws NotInGreenThreadError from plain JavaScript when the pool is full.
   * @throws TypeError if `fn` is not a function, or is an async function.
   */
  spawnN<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    validateGreenFunction(fn, 'GreenPool.spawnN()');
    if (this.#free > 0) this.#free--;
    else if (!this.#waitForSlot('GreenPool.spawnN()')) {
      spawnInlineN(fn, args);
      return;
    }
    this.#launch(fn, args);
  }

  /**
   * Blocks until every member has ended, including members whose spawn was still waiting for
   * a slot. Returns at once when the pool is idle.
   * @throws DeadlockError when called from a member of this pool (it would wait for itself forever).
   * @throws NotInGreenThreadError from plain JavaScript while the pool is busy.
   */
  waitAll(): void {
    const current = theHub.current;
    if (current !== null && this.#members.has(current)) {
      throw new DeadlockError('GreenPool.waitAll() was called from one of the pool\'s own green threads; ' +
        'it would wait for itself and never return');
    }
    if (this.#idle()) return;
    if (current === null) throw new NotInGreenThreadError('GreenPool.waitAll()');
    this.#idleWaiters.wait('GreenPool.waitAll()');
  }

  /**
   * Changes the size. Growing hands the new slots to blocked spawners at once. Shrinking
   * below the number of running members lets them finish; {@link free} stays negative until
   * enough have ended, and no new member starts until then.
   * @throws TypeError if `size` is not an integer.
   * @throws RangeError if `size` is negative or above `Number.MAX_SAFE_INTEGER`.
   */
  resize(size: number): void {
    const newSize = validateCount(size, 'GreenPool.resize()', 'size');
    this.#free += newSize - this.#size;
    this.#size = newSize;
    while (this.#free > 0 && this.#slotWaiters.size > 0 && this.#slotWaiters.handOne(undefined) !== undefined) {
      this.#free--;
    }
    this.#wakeIfIdle();
  }

  /**
   * Calls `fn` on items taken one from each iterable in turn (zip, stopping at the shortest),
   * at most `size` calls at once, and yields the results in input order. Lazy: it pulls
   * items only as results are consumed, never more than `size` ahead, so an endless iterable
   * is fine. A call that threw rethrows its exception when its position is reached; calling
   * `next()` again continues with the following item. With `fn === null` it yields the zipped
   * tuples. Breaking out of `for…of` (or `return()`) stops pulling and drops pending results.
   *
   * The calls run in green threads of their own, not as members of this pool (as in
   * eventlet): they do not count in {@link running} and are not waited for by {@link waitAll}.
   * The limit is the pool's size when imap is called (at least 1).
   *
   * `next()` blocks the calling green thread until the next result is ready; from plain
   * JavaScript it throws NotInGreenThreadError unless the result is already there.
   * @throws TypeError if `fn` is neither a function nor null, or an argument is not iterable.
   */
  imap<A extends unknown[], R>(fn: (...args: A) => R, ...iterables: IterablesOf<A>): IterableIterator<R>;
  imap<A extends unknown[]>(fn: null, ...iterables: IterablesOf<A>): IterableIterator<A>;
  imap(fn: AnyFn | null, ...iterables: Iterable<unknown>[]): IterableIterator<unknown> {
    if (fn !== null) validateFunction(fn, 'GreenPool.imap()');
    const iterators = iterables.map((iterable, i) => iteratorOf(iterable, 'GreenPool.imap()', `iterable ${i + 1}`));
    return mapIterator(fn, iterators.length === 1 ? Mode.One : Mode.Zip, iterators, this.#size);
  }

  /**
   * {@link imap} for calls whose arguments come as arrays: yields `fn(...args)` for each
   * `args` of `iterable`, in order, at most `size` at once. With `fn === null` it yields the
   * argument arrays. An item that is not an array (or iterable) of arguments throws a
   * TypeError at its position.
   * @throws TypeError if `fn` is neither a function nor null, or `iterable` is not iterable.
   */
  starmap<A extends unknown[], R>(fn: (...args: A) => R, iterable: Iterable<A>): IterableIterator<R>;
  starmap<A extends unknown[]>(fn: null, iterable: Iterable<A>): IterableIterator<A>;
  starmap(fn: AnyFn | null, iterable: Iterable<unknown[]>): IterableIterator<unknown> {
    if (fn !== null) validateFunction(fn, 'GreenPool.starmap()');
    return mapIterator(fn, Mode.Star, [iteratorOf(iterable, 'GreenPool.starmap()', 'iterable')], this.#size);
  }

  /** A short description for diagnostics, e.g. `GreenPool(size=4, 2 running, 0 waiting)`. */
  toString(): string {
    return `GreenPool(size=${this.#size}, ${this.#members.size} running, ${this.#slotWaiters.size} waiting)`;
  }

  /** @internal console.log and util.inspect show {@link toString}'s line, not the fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // Blocks for a slot. Returns false instead when the caller is a member and the pool is
  // full: it would wait for itself (eventlet then runs the function inline).
  #waitForSlot(call: string): boolean {
    const current = theHub.current;
    if (current !== null && this.#members.has(current)) return false;
    if (current === null) throw new NotInGreenThreadError(call);
    try {
      // Woken only by a hand-over, which moved a slot to this spawner without touching #free.
      this.#slotWaiters.wait(call, undefined, this.#giveBack);
    } catch (error) {
      // Leaving the line may leave the pool idle (a size-0 pool whose only spawner gave up).
      this.#wakeIfIdle();
      throw error;
    }
    return true;
  }

  // Starts a member in a slot the caller already holds.
  #launch<T>(fn: AnyFn, args: unknown[]): GreenThread<T> {
    const thread = new PoolThread<T>(this, fn, args);
    this.#members.add(thread);
    // Never throws for want of an OS thread: one is taken when the member first runs, and a
    // refusal then ends the member with ThreadLimitError (PoolThread.failedToStart frees the slot).
    theHub.start(thread);
    return thread;
  }

  #memberEnded(thread: HubThread): void {
    if (this.#members.delete(thread)) this.#release();
  }

  // A slot comes free: straight to the longest-waiting spawner if the pool is not
  // over-occupied (#free < 0 after a shrink), else back to the counter.
  #release(): void {
    if (this.#free >= 0 && this.#slotWaiters.size > 0 && this.#slotWaiters.handOne(undefined) !== undefined) return;
    this.#free++;
    this.#wakeIfIdle();
  }

  #idle(): boolean {
    return this.#free === this.#size && this.#slotWaiters.size === 0;
  }

  #wakeIfIdle(): void {
    if (this.#idleWaiters.size > 0 && this.#idle()) this.#idleWaiters.handAll(undefined);
  }
}

// The inline spawn of a member into its own full pool: the handle carries fn's exception like
// a spawned member's would (wait() rethrows it, hub.onError hears of it); only an error aimed
// at the calling thread keeps unwinding it.
function spawnInline<T>(fn: AnyFn, args: unknown[]): GreenThread<T> {
  const thread = GreenThread.runInline<T>(fn as (...args: unknown[]) => T, args);
  try {
    thread.wait();
  } catch (error) {
    if (aimedAtCaller(error)) throw error;
    theHub.report(error, thread);
  }
  return thread;
}

// spawnN's inline run: as eventlet's _spawn_n_impl, report the exception and carry on.
function spawnInlineN(fn: AnyFn, args: unknown[]): void {
  try {
    fn(...args);
  } catch (error) {
    if (aimedAtCaller(error)) throw error;
    theHub.report(error, theHub.current);
  }
}
