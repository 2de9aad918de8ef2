// GreenPile (eventlet.greenpool.GreenPile): spawn many calls through a GreenPool, then iterate
// their results in spawn order. The pile keeps the handles of its spawns in a FIFO; a result
// is the next handle's wait(). Several piles may share one pool: each keeps its own order.
//
// A spawn() may block for a pool slot before its handle exists, so the pile also counts spawns
// in progress: while any is pending, a consumer that finds no handle waits for one instead of
// ending the iteration (this is what lets another green thread feed the pile).
import { NotInGreenThreadError, typeError } from '../errors';
import { GreenPool } from './green-pool';
import type { GreenThread } from '../green/green-thread';
import { theHub } from '../hub/hub';
import { describe, validateCount, validateGreenFunction } from '../validate';
import { WaitList } from '../hub/wait-list';

/**
 * A bunch of calls whose results come back in the order they were spawned:
 *
 * ```ts
 * const pile = new GreenPile(10);              // or new GreenPile(sharedPool)
 * for (const url of urls) pile.spawn(fetchPage, url);
 * for (const page of pile) handle(page);       // in spawn order, 10 fetches at a time
 * ```
 *
 * Iteration ends when no spawned result is left to take (and no spawn() is still waiting for
 * a slot), so spawn first, or from the green thread that iterates, as in eventlet. A call that
 * threw rethrows its exception at its position; iterating again continues after it.
 * `for await` works too, from plain async code.
 */
export class GreenPile<T = unknown> implements IterableIterator<T>, AsyncIterable<T> {
  /** The pool the calls run in: the one given to the constructor, or the pile's own. */
  readonly pool: GreenPool;
  // Spawned handles not yet taken, consumed from #head.
  #threads: Array<GreenThread<T> | undefined> = [];
  #head = 0;
  // spawn() calls still waiting in pool.spawn() for a slot.
  #spawning = 0;
  readonly #consumers = new WaitList<undefined>();
  #asyncWaiters: Array<() => void> | null = null;

  /**
   * @param sizeOrPool A GreenPool to run the calls in (shared with whoever else uses it), or
   *   the size of a new pool of the pile's own. Default 1000.
   * @throws TypeError if `sizeOrPool` is neither a GreenPool nor an integer.
   * @throws RangeError if it is a negative number or above `Number.MAX_SAFE_INTEGER`.
   */
  constructor(sizeOrPool: number | GreenPool = 1000) {
    if (sizeOrPool instanceof GreenPool) {
      this.pool = sizeOrPool;
    } else if (typeof sizeOrPool === 'number') {
      this.pool = new GreenPool(validateCount(sizeOrPool, 'new GreenPile()', 'sizeOrPool'));
    } else {
      throw typeError(`new GreenPile(): sizeOrPool must be a GreenPool or a size, got ${describe(sizeOrPool)}`);
    }
  }

  /**
   * Starts `fn(...args)` in the pile's pool; its result is yielded by iteration, in spawn
   * order. Blocks while the pool is full (see {@link GreenPool.spawn}).
   * @throws NotInGreenThreadError from plain JavaScript when the pool is full.
   * @throws TypeError if `fn` is not a function, or is an async function.
   */
  spawn<A extends unknown[]>(fn: (...args: A) => T, ...args: A): void {
    validateGreenFunction(fn, 'GreenPile.spawn()');
    this.#spawning++;
    let thread: GreenThread<T>;
    try {
      thread = this.pool.spawn(fn, ...args);
    } catch (error) {
      this.#spawning--;
      // It was counted as pending: a consumer waiting for it must see that it never comes.
      this.#wakeConsumers();
      throw error;
    }
    this.#spawning--;
    this.#threads.push(thread);
    this.#wakeConsumers();
  }

  /**
   * The next result in spawn order: waits for that call to end and returns its value, or
   * rethrows its exception (the position is used up either way). `done` once nothing is left.
   * If the wait itself is interrupted (the caller is killed, or its Timeout fires) the result
   * stays in the pile for the next call.
   * @throws NotInGreenThreadError from plain JavaScript when the result is not ready yet.
   */
  next(): IteratorResult<T> {
    for (;;) {
      if (this.#head < this.#threads.length) {
        const thread = this.#threads[this.#head] as GreenThread<T>;
        if (!thread.dead && theHub.current === null) throw new NotInGreenThreadError('GreenPile.next()');
        this.#take();
        let value: T;
        try {
          value = thread.wait();
        } catch (error) {
          if (!endedWith(thread, error)) this.#putBack(thread);
          throw error;
        }
        return { value, done: false };
      }
      if (this.#spawning === 0) return { value: undefined, done: true };
      this.#consumers.wait('GreenPile.next()');
    }
  }

  /** The pile is its own iterator, as in eventlet. */
  [Symbol.iterator](): this {
    return this;
  }

  /**
   * Iterates the results from async code (`for await (const r of pile)`): each step awaits the
   * next handle (GreenThread is PromiseLike), so nothing blocks the event loop.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const pile = this;
    return {
      next: () => pile.#nextAsync(),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /**
   * A short description for diagnostics, e.g.
   * `GreenPile(3 results to take, GreenPool(size=10, 3 running, 0 waiting))`: the spawned
   * results not yet taken, the spawns still waiting for a slot (if any), and the pool.
   */
  toString(): string {
    const left = this.#threads.length - this.#head;
    const spawning = this.#spawning > 0 ? `, ${this.#spawning} ${this.#spawning === 1 ? 'spawn' : 'spawns'} waiting` : '';
    return `GreenPile(${left} ${left === 1 ? 'result' : 'results'} to take${spawning}, ${this.pool})`;
  }

  /** @internal console.log and util.inspect show {@link toString}'s line, not the fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  async #nextAsync(): Promise<IteratorResult<T>> {
    for (;;) {
      if (this.#head < this.#threads.length) {
        const thread = this.#take();
        return { value: await thread, done: false };
      }
      if (this.#spawning === 0) return { value: undefined, done: true };
      // A spawner is still waiting for a slot: wait for its handle (or its failure).
      await new Promise<void>((resolve) => { (this.#asyncWaiters ??= []).push(resolve); });
    }
  }

  #take(): GreenThread<T> {
    const thread = this.#threads[this.#head] as GreenThread<T>;
    this.#threads[this.#head++] = undefined;
    if (this.#head === this.#threads.length) {
      this.#threads.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#threads.length) {
      // Spawning keeps ahead of consuming: drop the consumed prefix now and then.
      this.#threads.splice(0, this.#head);
      this.#head = 0;
    }
    return thread;
  }

  // Puts a handle taken by an interrupted next() back at the front.
  #putBack(thread: GreenThread<T>): void {
    if (this.#head > 0) this.#threads[--this.#head] = thread;
    else this.#threads.unshift(thread);
    this.#wakeConsumers();
  }

  #wakeConsumers(): void {
    if (this.#consumers.size > 0) this.#consumers.handAll(undefined);
    const waiters = this.#asyncWaiters;
    if (waiters !== null) {
      this.#asyncWaiters = null;
      for (const resolve of waiters) resolve();
    }
  }
}

// Whether `thread` has ended with `error` (the call's own exception), as opposed to the wait
// for it having been interrupted by an error aimed at the waiter.
function endedWith(thread: GreenThread, error: unknown): boolean {
  if (!thread.dead) return false;
  try {
    thread.wait();
    return false;
  } catch (ended) {
    return ended === error;
  }
}
