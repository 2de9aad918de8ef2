// LightQueue (eventlet.queue.LightQueue): a multi-producer, multi-consumer queue between green
// threads, and the engine of every queue class. The subclasses only swap the item store
// (queue-store.ts, priority-heap.ts) and Queue adds task tracking.
//
// Hand-over design. Items move the moment they can, never through a deferred "unlock" pass:
// put() hands its item straight to the longest-waiting getter; get() takes a buffered item and
// at once moves the first blocked putter's item into the room it made (or, with nothing
// buffered, takes the putter's item directly). So at any time, live getters wait only while
// nothing is buffered and no putter waits, and live putters wait only while there is no room
// and no getter waits.
//
// Waiter safety. A getter handed an item and then killed or timed out before it ran gives the
// item back (WaitList's giveBack): to the next waiting getter, else to the front of the store,
// so nothing is lost and order is kept. A putter's item that was accepted stays accepted.
import { Empty, Full, typeError } from '../errors';
import { theHub } from '../hub/hub';
import { FifoStore, type ItemStore } from './queue-store';
import { describe, validateSeconds } from '../validate';
import { WaitList } from '../hub/wait-list';
import { readWaitOptions, TIMED_OUT, waitOn } from '../sync/timed-wait';
import type { SignalOptions } from '../hub/abort-watch';
import { AsyncGetters, type AsyncGetter } from './async-getters';

// "No item": get's internal result when nothing could be taken without blocking.
const NOTHING: unique symbol = Symbol('nothing');

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** @internal Normalises a maxsize argument: null for unbounded, else a count >= 0. */
export function normalizeMaxsize(value: unknown, call: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw typeError(`${call}: maxsize must be an integer, null or undefined, got ${describe(value)}`);
  }
  if (value < 0 || value === Infinity) return null;
  if (!Number.isInteger(value)) throw typeError(`${call}: maxsize must be an integer, got ${value}`);
  return value;
}

function validateBlock(block: unknown, call: string): void {
  if (block !== true && block !== false) throw typeError(`${call}: block must be a boolean, got ${describe(block)}`);
}

// The timeout in seconds, or null for none.
function timeoutSeconds(timeout: unknown, call: string): number | null {
  if (timeout === undefined || timeout === null) return null;
  return validateSeconds(timeout, call, 'timeout');
}

const WAIT_KEYS = ['block', 'timeout', 'signal'] as const;

/** Options of a queue's {@link LightQueue.get} and {@link LightQueue.put}, the positional arguments' alternative. */
export interface QueueWaitOptions extends SignalOptions {
  /** Whether to wait (default true); false: throw Empty/Full at once. */
  block?: boolean;
  /** Seconds to wait at most; `undefined`/`null`: no limit. */
  timeout?: number | null;
}

// A putter's item, once accepted, stays accepted whatever happens to the putter.
function keepAccepted(): void {}

/**
 * A first-in, first-out queue between green threads, without task tracking
 * (eventlet's `LightQueue`; use {@link Queue} for `taskDone`/`join`).
 *
 * - `maxsize` `undefined`, `null` or negative: unbounded.
 * - `maxsize` 0: a **channel**. `put` blocks until a getter takes the item; `empty()` and
 *   `full()` are both true.
 * - `put`/`get` block only the calling green thread; from plain JavaScript they throw
 *   {@link NotInGreenThreadError} when they would have to wait, and `putNowait`/`getNowait`
 *   work anywhere.
 * - A getter or putter that is killed or times out never swallows an item.
 * - `for await (const item of queue)` consumes it from plain async code; eventlet queues have
 *   no close, so the loop runs until the consumer breaks out of it.
 *
 * ```ts
 * const q = new LightQueue<string>(10);
 * spawn(() => { for (;;) console.log(q.get()); });
 * q.put('hello');
 * ```
 */
export class LightQueue<T = unknown> implements AsyncIterable<T> {
  /** @internal The buffered items, in this class's order. */
  store: ItemStore<T> = new FifoStore<T>();
  /** @internal Items accepted (put) so far and not yet marked done: Queue's unfinishedTasks. */
  unfinished = 0;
  #maxsize: number | null;
  // Getters are handed an item; putters are handed nothing (their item travels as the
  // waiter's payload and is taken by whoever admits them).
  readonly #getters = new WaitList<T>();
  readonly #putters = new WaitList<boolean>();
  // Pending next() calls of async iterators, served after the green getters.
  readonly #asyncGetters = new AsyncGetters<T>();
  readonly #getCall: string;
  readonly #putCall: string;
  /** @internal Class name for messages (PriorityQueue, a user subclass, ...). */
  readonly kind: string;

  // Bound once per queue, so blocking calls allocate no closure.
  readonly #giveBackItem = (item: T): void => { this.#returnItem(item); };

  /**
   * @param maxsize How many items the queue buffers before `put` blocks: `undefined`, `null`
   *   or negative for no limit, 0 for a channel.
   * @throws TypeError if `maxsize` is not an integer, `null` or `undefined`.
   */
  constructor(maxsize?: number | null) {
    this.kind = new.target?.name || 'LightQueue';
    this.#maxsize = normalizeMaxsize(maxsize, `new ${this.kind}()`);
    this.#getCall = `${this.kind}.get()`;
    this.#putCall = `${this.kind}.put()`;
  }

  /** The size limit: null when unbounded, 0 for a channel. Change it with {@link resize}. */
  get maxsize(): number | null {
    return this.#maxsize;
  }

  /** Number of buffered items. */
  qsize(): number {
    return this.store.length;
  }

  /** True when no item is buffered (always true for a channel, unless a killed getter gave one back). */
  empty(): boolean {
    return this.store.length === 0;
  }

  /**
   * True when the buffer is at its limit, `qsize() >= maxsize`: a `put` now blocks unless a
   * getter is waiting. Always true for a channel; never when unbounded.
   */
  full(): boolean {
    return this.#maxsize !== null && this.store.length >= this.#maxsize;
  }

  /** Number of green threads blocked in `get`. */
  getting(): number {
    return this.#getters.size;
  }

  /** Number of green threads blocked in `put`. */
  putting(): number {
    return this.#putters.size;
  }

  /**
   * Changes the size limit. Growing it (or `null`: unbounded) moves blocked putters' items in
   * and wakes those putters, as far as the new room allows; shrinking it keeps every buffered
   * item (`qsize()` may exceed `maxsize` until getters drain it).
   * @throws TypeError if `size` is not an integer, `null` or `undefined`.
   */
  resize(size: number | null): void {
    this.#maxsize = normalizeMaxsize(size, `${this.kind}.resize()`);
    if (this.#putters.size > 0) this.#admitPutters();
  }

  /**
   * Puts `item` into the queue. With a green thread waiting in `get`, the item goes straight to
   * it; on a channel the putter then lets that getter run before `put` returns.
   *
   * With `block` true, waits while the queue is full, for at most `timeout` seconds if given
   * (`undefined`/`null`: forever). With `block` false, never waits (`timeout` is ignored).
   * A putter killed while waiting leaves the queue untouched; one killed after its item was
   * accepted throws the kill error although the item is in (a timed put whose item was
   * accepted just as its timeout fired returns normally).
   *
   * Instead of `block` and `timeout`, an options object `{ block, timeout, signal }` may be
   * given; aborting `signal` throws its reason in the waiting putter, whose item is then not put
   * (unless it had been accepted before the abort: then put returns normally). A signal that has
   * already aborted throws its reason at once, even when the put would not have to wait.
   * @throws Full if the queue is full and `block` is false, or the timeout ran out.
   * @throws NotInGreenThreadError if it would have to wait in plain JavaScript.
   * @throws TypeError for a non-boolean `block` or a non-numeric `timeout`, an unknown option
   *   or a `signal` that is not an AbortSignal; a PriorityQueue also throws its comparison's error.
   */
  put(item: T, options?: QueueWaitOptions): void;
  put(item: T, block?: boolean, timeout?: number | null): void;
  put(item: T, block: boolean | QueueWaitOptions = true, timeout?: number | null): void {
    let signal: AbortSignal | undefined;
    if (typeof block === 'object' && block !== null) {
      const options = readWaitOptions(block, timeout, this.#putCall, WAIT_KEYS);
      block = options.blocking as boolean;
      timeout = options.timeout as number | null | undefined;
      signal = options.signal;
    }
    validateBlock(block, this.#putCall);
    const seconds = timeoutSeconds(timeout, this.#putCall);
    // A live getter waits only while nothing is buffered: hand it the item directly.
    if (this.#getters.size > 0 && this.#getters.handOne(item) !== undefined) {
      this.unfinished++;
      // A channel's put returns once a getter has the item, and eventlet switches to that
      // getter first: go behind it in the run queue.
      if (this.#maxsize === 0 && block && theHub.current !== null) theHub.reschedule(this.#putCall);
      return;
    }
    if (this.#asyncGetters.size > 0 && this.#asyncGetters.serve(item)) {
      this.unfinished++;
      return;
    }
    const maxsize = this.#maxsize;
    if (maxsize === null || this.store.length < maxsize) {
      this.store.push(item);
      this.unfinished++;
      return;
    }
    if (!block) throw new Full(maxsize === 0 ? `${this.kind} is a channel with no getter waiting` : `${this.kind} is full (maxsize ${maxsize})`);
    // Accepted just as the timeout fired: the put did happen (waitOn returns the hand-over).
    if (waitOn(this.#putters, this.#putCall, seconds, keepAccepted, item, signal) === TIMED_OUT) {
      throw new Full(`${this.#putCall} timed out after ${timeout} s: the queue stayed full`);
    }
  }

  /**
   * `put(item, false)`: puts `item` only if that needs no waiting — there is room, or a green
   * thread (or async iterator) is waiting to get it. Works from plain JavaScript.
   * @throws Full otherwise.
   */
  putNowait(item: T): void {
    this.put(item, false);
  }

  /**
   * Removes and returns the next item. With `block` true, waits while the queue is empty, for
   * at most `timeout` seconds if given (`undefined`/`null`: forever). With `block` false, never
   * waits (`timeout` is ignored). On a channel the item comes from a blocked putter, which is
   * woken. A getter killed or timed out after an item was handed to it gives the item back (to
   * the next waiting getter, else the front of the queue); a timed get handed an item just as
   * its timeout fired returns the item.
   *
   * Instead of `block` and `timeout`, an options object `{ block, timeout, signal }` may be
   * given; aborting `signal` throws its reason in the waiting getter (an item handed to it just
   * before is returned instead, never lost). A signal that has already aborted throws its
   * reason at once, even when an item is waiting.
   * @throws Empty if nothing can be got and `block` is false, or the timeout ran out.
   * @throws NotInGreenThreadError if it would have to wait in plain JavaScript.
   * @throws TypeError for a non-boolean `block` or a non-numeric `timeout`, an unknown option
   *   or a `signal` that is not an AbortSignal.
   */
  get(options?: QueueWaitOptions): T;
  get(block?: boolean, timeout?: number | null): T;
  get(block: boolean | QueueWaitOptions = true, timeout?: number | null): T {
    let signal: AbortSignal | undefined;
    if (typeof block === 'object' && block !== null) {
      const options = readWaitOptions(block, timeout, this.#getCall, WAIT_KEYS);
      block = options.blocking as boolean;
      timeout = options.timeout as number | null | undefined;
      signal = options.signal;
    }
    validateBlock(block, this.#getCall);
    const seconds = timeoutSeconds(timeout, this.#getCall);
    const item = this.#take();
    if (item !== NOTHING) return item;
    if (!block) throw new Empty(this.#maxsize === 0 ? `${this.kind} is a channel with no putter waiting` : `${this.kind} is empty`);
    // Handed an item just as the timeout fired: the get did happen (waitOn returns the item).
    const got = waitOn(this.#getters, this.#getCall, seconds, this.#giveBackItem, undefined, signal);
    if (got === TIMED_OUT) throw new Empty(`${this.#getCall} timed out after ${timeout} s: the queue stayed empty`);
    return got;
  }

  /**
   * `get(false)`: returns an item only if that needs no waiting — one is buffered, or a green
   * thread is blocked putting one (it is woken). Works from plain JavaScript.
   * @throws Empty otherwise.
   */
  getNowait(): T {
    return this.get(false);
  }

  /**
   * Async iteration for plain async code: `for await (const item of queue)` gets each item as
   * it arrives, after the green threads already waiting in `get`. Queues have no close, so the
   * loop ends only when the consumer leaves it (`break`, `return`, `throw`); leaving cancels a
   * pending wait, so no item is taken for a loop that is gone.
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    const pending: AsyncGetter<T>[] = [];
    let finished = false;
    const iterator: AsyncIterableIterator<T> = {
      next: (): Promise<IteratorResult<T, undefined>> => {
        if (finished) return Promise.resolve(DONE);
        const item = this.#take();
        if (item !== NOTHING) return Promise.resolve({ value: item, done: false });
        while (pending.length > 0 && pending[0].resolve === null) pending.shift();
        return new Promise((resolve) => { pending.push(this.#asyncGetters.add(resolve)); });
      },
      return: (): Promise<IteratorResult<T, undefined>> => {
        finished = true;
        for (const getter of pending.splice(0)) this.#asyncGetters.cancel(getter);
        return Promise.resolve(DONE);
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }


  // Takes an item without waiting: a buffered one (then admits a blocked putter into the room
  // it made), else a blocked putter's item directly. NOTHING if neither exists.
  #take(): T | typeof NOTHING {
    if (this.store.length > 0) {
      const item = this.store.take();
      if (this.#putters.size > 0) this.#admitPutters();
      return item;
    }
    if (this.#putters.size > 0) {
      const putter = this.#putters.handOne(true);
      if (putter !== undefined) {
        this.unfinished++;
        return putter.payload as T;
      }
    }
    return NOTHING;
  }

  // Moves blocked putters' items into the store while there is room, waking each putter.
  #admitPutters(): void {
    const maxsize = this.#maxsize;
    while (this.#putters.size > 0 && (maxsize === null || this.store.length < maxsize)) {
      const putter = this.#putters.handOne(true);
      if (putter === undefined) return;
      try {
        this.store.push(putter.payload as T);
      } catch (error) {
        // A PriorityQueue could not order the item: its put fails in the putter, as it would
        // have had the putter pushed it itself. The putter is Ready, so this replaces its wake.
        theHub.throwInto(putter.thread, error);
        continue;
      }
      this.unfinished++;
    }
  }

  // An item taken out (handed to a getter that then died) comes back: to the next waiting
  // getter, else the next async iterator, else the front of the store. Not a new item, so
  // `unfinished` is unchanged.
  #returnItem(item: T): void {
    if (this.#getters.size > 0 && this.#getters.handOne(item) !== undefined) return;
    if (this.#asyncGetters.size > 0 && this.#asyncGetters.serve(item)) return;
    this.store.putBack(item);
  }

  /**
   * A short description for diagnostics, e.g. `Queue(maxsize=10, 3 items, 1 getter waiting)`:
   * the class, its limit (`unbounded`, `channel` or `maxsize=n`), the buffered items, and the
   * getters (async iterators included) and putters waiting, when there are any.
   */
  toString(): string {
    const maxsize = this.#maxsize;
    const getters = this.#getters.size + this.#asyncGetters.size;
    const putters = this.#putters.size;
    const items = this.store.length;
    let text = `${this.kind}(${maxsize === null ? 'unbounded' : maxsize === 0 ? 'channel' : `maxsize=${maxsize}`}`;
    text += `, ${items} ${items === 1 ? 'item' : 'items'}`;
    if (getters > 0) text += `, ${getters} ${getters === 1 ? 'getter' : 'getters'} waiting`;
    if (putters > 0) text += `, ${putters} ${putters === 1 ? 'putter' : 'putters'} waiting`;
    return `${text})`;
  }

  /** @internal console.log and util.inspect show {@link toString}'s line, not the fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}
