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
// imap/starmap do not spawn a green thread per item: a few worker threads (at most `size`) pull
// items and run calls, storing results in a ring buffer by sequence number. Workers never pull
// more than `size` items ahead of the consumer, which bounds memory for endless input.
import { GreenletExit, NotInGreenThreadError } from './errors';
import { ErrorReporting, GreenThread } from './green-thread';
import { theHub } from './hub';
import type { HubThread } from './hub-thread';
import { ThreadState } from './thread-state';
import { Timeout } from './timeout';
import { describe, validateFunction } from './validate';
import { WaitList } from './wait-list';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => unknown;

/** Maps a tuple of element types to a tuple of iterables of them (imap's arguments). */
export type IterablesOf<A extends unknown[]> = { [K in keyof A]: Iterable<A[K]> };

/** @internal A pool size: an integer >= 0 (eventlet: TypeError for non-integers, ValueError below 0). */
export function checkPoolSize(value: unknown, call: string, name = 'size'): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${call}: ${name} must be an integer, got ${describe(value)}`);
  }
  if (value < 0) throw new RangeError(`${call}: ${name} must be >= 0, got ${value}`);
  return value;
}

// Errors aimed at the calling thread itself (it is being killed, or its own Timeout fired)
// rather than produced by the function it ran inline: these must keep unwinding the caller.
function aimedAtCaller(error: unknown): boolean {
  return error instanceof GreenletExit || Timeout.isTimeout(error);
}

// Set by GreenPool's static block: lets PoolThread reach the pool's private bookkeeping
// without making it public.
let memberEnded: (pool: GreenPool, thread: HubThread) => void;

/**
 * A pool member: a GreenThread that gives its slot back when it ends. The thread's body is
 * `runMember`, which calls the user's function and frees the slot in its `finally` — before
 * the thread records its end, wakes its waiters and runs its links, so (as in eventlet, whose
 * first link frees the slot) link callbacks already see the slot free. A member killed or
 * cancelled before it starts runs no body, so kill() and cancel() free the slot then. No
 * allocation per spawn beyond the thread itself.
 */
class PoolThread<T> extends GreenThread<T> {
  readonly #pool: GreenPool;
  #fn: AnyFn | null;
  #args: unknown[] | null;
  #left = false;

  constructor(pool: GreenPool, fn: AnyFn, args: unknown[]) {
    super(runMember as () => T, NO_ARGS, ErrorReporting.Hub);
    this.#pool = pool;
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

  override kill(error?: unknown): void {
    const unstarted = this.state === ThreadState.Unstarted;
    super.kill(error);
    if (unstarted && this.dead) this.#neverRan();
  }

  override cancel(error?: unknown): void {
    const unstarted = this.state === ThreadState.Unstarted;
    super.cancel(error);
    if (unstarted && this.dead) this.#neverRan();
  }

  #neverRan(): void {
    this.#fn = null;
    this.#args = null;
    this.#leave();
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
   * @throws RangeError if `size` is negative.
   */
  constructor(size = 1000) {
    this.#size = checkPoolSize(size, 'new GreenPool()');
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
   * @throws TypeError if `fn` is not a function.
   */
  spawn<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): GreenThread<T> {
    validateFunction(fn, 'GreenPool.spawn()');
    if (this.#free > 0) this.#free--;
    else if (!this.#waitForSlot('GreenPool.spawn()')) return runInline<T>(fn as AnyFn, args);
    return this.#launch(fn, args);
  }

  /**
   * Like {@link spawn} without a handle. An exception of `fn` goes to hub.onError (GreenletExit
   * excepted), also when `fn` runs inline because a member spawned into its own full pool.
   * @throws NotInGreenThreadError from plain JavaScript when the pool is full.
   * @throws TypeError if `fn` is not a function.
   */
  spawnN<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
    validateFunction(fn, 'GreenPool.spawnN()');
    if (this.#free > 0) this.#free--;
    else if (!this.#waitForSlot('GreenPool.spawnN()')) {
      runInlineN(fn, args);
      return;
    }
    this.#launch(fn, args);
  }

  /**
   * Blocks until every member has ended, including members whose spawn was still waiting for
   * a slot. Returns at once when the pool is idle.
   * @throws Error when called from a member of this pool (it would wait for itself forever).
   * @throws NotInGreenThreadError from plain JavaScript while the pool is busy.
   */
  waitAll(): void {
    const current = theHub.current;
    if (current !== null && this.#members.has(current)) {
      throw new Error('GreenPool.waitAll() was called from one of the pool\'s own green threads; ' +
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
   * @throws RangeError if `size` is negative.
   */
  resize(size: number): void {
    const newSize = checkPoolSize(size, 'GreenPool.resize()');
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
    try {
      theHub.start(thread);
    } catch (error) {
      this.#release();  // e.g. ThreadLimitError: the slot was never used
      throw error;
    }
    this.#members.add(thread);
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
function runInline<T>(fn: AnyFn, args: unknown[]): GreenThread<T> {
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
function runInlineN(fn: AnyFn, args: unknown[]): void {
  try {
    fn(...args);
  } catch (error) {
    if (aimedAtCaller(error)) throw error;
    theHub.report(error, theHub.current);
  }
}

function iteratorOf(value: unknown, call: string, name: string): Iterator<unknown> {
  const method = value === null || value === undefined ? undefined : (value as Iterable<unknown>)[Symbol.iterator];
  if (typeof method !== 'function') throw new TypeError(`${call}: ${name} must be iterable, got ${describe(value)}`);
  const iterator = method.call(value) as Iterator<unknown>;
  if (iterator === null || typeof iterator !== 'object' || typeof iterator.next !== 'function') {
    throw new TypeError(`${call}: ${name}[Symbol.iterator]() did not return an iterator`);
  }
  return iterator;
}

// ---- imap / starmap ----------------------------------------------------------------------

/** How items become calls: one iterable (fn(item)), zipped iterables (fn(...tuple)), starmap. */
const enum Mode { One, Zip, Star }
/** State of a result slot. */
const enum Slot { Pending, Returned, Threw }

// What pull() returns when the input has run out.
const END: unique symbol = Symbol('end of input');

// Workers close over the run, never over the iterator object the caller holds, so an iterator
// dropped without return() can be collected; this then stops its parked workers, which would
// otherwise hold their OS threads forever.
const abandoned = new FinalizationRegistry<MapRun>((run) => {
  try {
    run.close(false);
  } catch (error) {
    theHub.report(error, null);
  }
});

function mapIterator(fn: AnyFn | null, mode: Mode, iterators: Iterator<unknown>[], size: number): IterableIterator<unknown> {
  const run = new MapRun(fn, mode, iterators, Math.max(1, size));
  const iterator = new MapIterator(run);
  if (fn !== null) abandoned.register(iterator, run);
  return iterator;
}

// The object imap() returns: a thin face over the run.
class MapIterator implements IterableIterator<unknown> {
  readonly #run: MapRun;
  constructor(run: MapRun) {
    this.#run = run;
  }

  next(): IteratorResult<unknown> {
    // While a consumer is inside next() (perhaps parked in it), the run holds on to this
    // iterator: a caller's `pool.imap(...).next()` may leave no other reference, and the
    // finalizer must not close the run under a waiting consumer.
    const run = this.#run;
    run.holder = this;
    run.inNext++;
    try {
      return run.next();
    } finally {
      if (--run.inNext === 0) run.holder = null;
    }
  }

  return(value?: unknown): IteratorResult<unknown> {
    this.#run.close(true);
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

// A worker's body: a module function, so starting a worker allocates no closure.
function mapWorker(run: MapRun): void {
  run.work();
}

const MIN_RING = 16;

/**
 * One imap/starmap in progress. Items get sequence numbers as they are pulled; results live
 * in a ring buffer indexed by sequence number until the consumer takes them in order.
 *
 * Workers: a worker pulls one item (pulling is exclusive: a generator must not be re-entered
 * while it is suspended in a blocking call), runs the call, stores the result, and loops. It
 * parks when it may not pull: the window (pulled but not yet consumed) is full, or another
 * worker is pulling. A worker that has pulled an item starts one more worker before its call if
 * no other is free to pull, so the number of workers follows the concurrency the calls need (a
 * call that blocks gets a companion; calls that never block run on one worker) up to the limit.
 */
class MapRun {
  readonly #fn: AnyFn | null;
  readonly #mode: Mode;
  readonly #iterators: Iterator<unknown>[];
  readonly #limit: number;
  #values: unknown[];
  #states: Uint8Array;
  #mask: number;
  #nextStart = 0;      // sequence number of the next item to pull
  #nextYield = 0;      // sequence number of the next result to hand out
  #ended = false;      // no more pulling: input ran out or threw, or the run was closed
  #closed = false;     // closed by return() or abandonment: results are dropped
  #inputDone = false;  // the input itself finished (ran out or threw): nothing to close
  #pulling = false;
  #workers = 0;
  #busy = 0;           // workers between pulling an item and storing its result
  #startError: unknown = undefined;
  readonly #parked = new WaitList<undefined>();
  readonly #consumers = new WaitList<undefined>();
  /** The iterator, while a consumer is inside its next() (see MapIterator.next). */
  holder: object | null = null;
  /** Consumers inside next(). */
  inNext = 0;

  constructor(fn: AnyFn | null, mode: Mode, iterators: Iterator<unknown>[], limit: number) {
    this.#fn = fn;
    this.#mode = mode;
    this.#iterators = iterators;
    this.#limit = limit;
    // Starts small and doubles as needed: a pool of 100000 need not cost that much per imap.
    this.#values = new Array<unknown>(MIN_RING);
    this.#states = new Uint8Array(MIN_RING);
    this.#mask = MIN_RING - 1;
  }

  next(): IteratorResult<unknown> {
    if (this.#fn === null) return this.#nextTuple();
    for (;;) {
      if (this.#nextYield < this.#nextStart) {
        const i = this.#nextYield & this.#mask;
        const state = this.#states[i];
        if (state !== Slot.Pending) {
          const value = this.#values[i];
          this.#values[i] = undefined;
          this.#states[i] = Slot.Pending;
          this.#nextYield++;
          this.#refill();
          if (state === Slot.Threw) throw value;
          return { value, done: false };
        }
      } else if (this.#ended) {
        return { value: undefined, done: true };
      } else {
        this.#refill();  // e.g. the first call: nobody works yet
      }
      if (this.#workers === 0 && !this.#ended) {
        // #refill could not start a worker (no OS thread): say so rather than wait forever.
        const error = this.#startError;
        this.#startError = undefined;
        throw error;
      }
      if (theHub.current === null) throw new NotInGreenThreadError('GreenPool.imap() iterator next()');
      this.#consumers.wait('GreenPool.imap() iterator next()');
    }
  }

  // fn === null: nothing to call, so no workers; items are pulled by the consumer itself.
  #nextTuple(): IteratorResult<unknown> {
    if (this.#ended) return { value: undefined, done: true };
    let item: unknown;
    try {
      item = this.#pull();
    } catch (error) {
      this.#ended = this.#inputDone = true;
      throw error;
    }
    if (item === END) {
      this.#ended = this.#inputDone = true;
      return { value: undefined, done: true };
    }
    return { value: this.#argsOf(item), done: false };
  }

  /** Stops the run: no more pulling, pending results dropped, parked threads released. */
  close(closeInput: boolean): void {
    if (this.#closed) return;
    this.#closed = this.#ended = true;
    this.#nextYield = this.#nextStart;
    this.#values = new Array<unknown>(MIN_RING);
    this.#states = new Uint8Array(MIN_RING);
    this.#mask = MIN_RING - 1;
    this.#parked.handAll(undefined);
    this.#consumers.handAll(undefined);
    // A worker suspended inside the input closes it when its pull returns.
    if (closeInput && !this.#pulling) this.#closeInput(-1);
  }

  /** A worker's loop (see the class comment). */
  work(): void {
    try {
      for (;;) {
        if (this.#ended) return;
        if (this.#pulling || this.#nextStart - this.#nextYield >= this.#limit) {
          this.#parked.wait('GreenPool.imap() worker');
          continue;
        }
        this.#busy++;
        try {
          this.#step();
        } finally {
          this.#busy--;
        }
      }
    } finally {
      this.#workers--;
    }
  }

  // Pulls one item, then runs its call and stores the result.
  #step(): void {
    const seq = this.#nextStart;
    let item: unknown;
    let failed = false;
    this.#pulling = true;
    try {
      item = this.#pull();
    } catch (error) {
      item = error;
      failed = true;
    } finally {
      this.#pulling = false;
    }
    if (this.#closed) {
      if (item !== END && !failed) this.#closeInput(-1);
      return;
    }
    if (item === END) {
      this.#endInput();
      return;
    }
    if (seq - this.#nextYield > this.#mask) this.#grow(seq);
    this.#nextStart = seq + 1;
    if (failed) {
      // The input threw: that is the result at this position, and the last one.
      this.#store(seq, Slot.Threw, item);
      this.#endInput();
      return;
    }
    // Someone else may pull the next item while this call runs.
    if (this.#nextStart - this.#nextYield < this.#limit) {
      if (this.#parked.size > 0) this.#parked.handOne(undefined);
      else if (this.#workers === this.#busy && this.#workers < this.#limit) this.#addWorker();
    }
    let state = Slot.Returned;
    let value: unknown;
    try {
      value = this.#call(item);
    } catch (error) {
      state = Slot.Threw;
      value = error;
    }
    this.#store(seq, state, value);
  }

  // After a result was taken: let a worker use the freed place in the window.
  #refill(): void {
    if (this.#ended) return;
    if (this.#parked.size > 0) this.#parked.handOne(undefined);
    else if (this.#workers === this.#busy && !this.#pulling && this.#workers < this.#limit) this.#addWorker();
  }

  // Never throws: a result just taken must not be lost to a failed start. Without an OS thread
  // for another worker the ones running carry on; if there is none, next() reports the error.
  #addWorker(): void {
    try {
      theHub.start(new GreenThread(mapWorker, [this], ErrorReporting.Hub));
    } catch (error) {
      this.#startError = error;
      return;
    }
    this.#workers++;
  }

  #store(seq: number, state: Slot, value: unknown): void {
    if (this.#closed) return;
    const i = seq & this.#mask;
    this.#values[i] = value;
    this.#states[i] = state;
    if (seq === this.#nextYield && this.#consumers.size > 0) this.#consumers.handAll(undefined);
  }

  #endInput(): void {
    this.#ended = this.#inputDone = true;
    this.#parked.handAll(undefined);
    this.#consumers.handAll(undefined);
  }

  // Doubles the ring so it holds sequence numbers nextYield..seq.
  #grow(seq: number): void {
    const oldValues = this.#values;
    const oldStates = this.#states;
    const oldMask = this.#mask;
    const capacity = (oldMask + 1) * 2;
    const mask = capacity - 1;
    const values = new Array<unknown>(capacity);
    const states = new Uint8Array(capacity);
    for (let s = this.#nextYield; s < seq; s++) {
      values[s & mask] = oldValues[s & oldMask];
      states[s & mask] = oldStates[s & oldMask];
    }
    this.#values = values;
    this.#states = states;
    this.#mask = mask;
  }

  // The next item (a value, a tuple, or an argument list), or END.
  #pull(): unknown {
    const iterators = this.#iterators;
    if (this.#mode !== Mode.Zip) {
      const result = iterators[0].next();
      return result.done ? END : result.value;
    }
    const n = iterators.length;
    if (n === 0) return END;
    const tuple = new Array<unknown>(n);
    for (let k = 0; k < n; k++) {
      let result: IteratorResult<unknown>;
      try {
        result = iterators[k].next();
      } catch (error) {
        // One input broke: the others will not be pulled again, let them clean up.
        try {
          this.#closeInput(k);
        } catch {
          // The first error is the one worth reporting.
        }
        throw error;
      }
      if (result.done) {
        this.#closeInput(k);  // the shortest ran out: let the others clean up
        return END;
      }
      tuple[k] = result.value;
    }
    return tuple;
  }

  // Calls return() on the input's iterators, except the one at `except` (it has finished).
  #closeInput(except: number): void {
    if (this.#inputDone) return;
    this.#inputDone = true;
    const iterators = this.#iterators;
    for (let k = 0; k < iterators.length; k++) {
      if (k !== except) iterators[k].return?.();
    }
  }

  #call(item: unknown): unknown {
    const fn = this.#fn as AnyFn;
    if (this.#mode === Mode.One) return fn(item);
    return fn(...this.#argsOf(item));
  }

  #argsOf(item: unknown): unknown[] {
    if (this.#mode === Mode.One) return [item];
    if (this.#mode === Mode.Zip || Array.isArray(item)) return item as unknown[];
    if (item !== null && item !== undefined && typeof (item as Iterable<unknown>)[Symbol.iterator] === 'function') {
      return Array.from(item as Iterable<unknown>);
    }
    throw new TypeError(`GreenPool.starmap(): each item must be an array of arguments, got ${describe(item)}`);
  }
}
