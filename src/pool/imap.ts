// The ordered, bounded parallel map behind GreenPool.imap and starmap: a few worker green
// threads (at most the limit) pull items from the input and run the calls; results wait in a
// ring buffer, indexed by sequence number, until the consumer reaches them in input order.
// Workers never pull more than `limit` items ahead of the consumer, which bounds memory for
// endless input. An element whose call threw rethrows at its position; iteration goes on after.
import { typeError } from '../errors';
import { ErrorReporting, GreenThread } from '../green/green-thread';
import { theHub } from '../hub/hub';
import { describe } from '../validate';
import { WaitList } from '../hub/wait-list';

type AnyFn = (...args: any[]) => unknown;

export function iteratorOf(value: unknown, call: string, name: string): Iterator<unknown> {
  const method = value === null || value === undefined ? undefined : (value as Iterable<unknown>)[Symbol.iterator];
  if (typeof method !== 'function') throw typeError(`${call}: ${name} must be iterable, got ${describe(value)}`);
  const iterator = method.call(value) as Iterator<unknown>;
  if (iterator === null || typeof iterator !== 'object' || typeof iterator.next !== 'function') {
    throw typeError(`${call}: ${name}[Symbol.iterator]() did not return an iterator`);
  }
  return iterator;
}

/** How items become calls: one iterable (fn(item)), zipped iterables (fn(...tuple)), starmap. */
export const enum Mode { One, Zip, Star }
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

export function mapIterator(fn: AnyFn | null, mode: Mode, iterators: Iterator<unknown>[], size: number): IterableIterator<unknown> {
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

// A worker thread. It is counted when it is queued; one that ends without ever running (the
// OS refused it a thread, or it was killed before it started) must be uncounted, or the
// consumer would wait for it forever. GreenThread ends every such thread through failedToStart.
class MapWorker extends GreenThread<void> {
  readonly #run: MapRun;

  constructor(run: MapRun) {
    super(mapWorker, [run], ErrorReporting.Hub);
    this.#run = run;
  }

  /** @internal */
  override failedToStart(error: unknown): void {
    this.#run.workerNeverRan(error);
    super.failedToStart(error);
  }
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
  // Why the last worker never ran, kept while no worker is left (see workerNeverRan).
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
      } else if (this.#startError === undefined) {
        this.#refill();  // e.g. the first call: nobody works yet
      }
      if (this.#workers === 0 && !this.#ended && this.#startError !== undefined) {
        // Every worker was refused an OS thread: nobody will produce the next result, so say
        // why rather than wait forever. Nothing was pulled for it; next() again tries again.
        const error = this.#startError;
        this.#startError = undefined;
        throw error;
      }
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

  // Counts the worker at once (it may pull as soon as it runs); never throws, since the OS
  // thread is taken when the worker first runs (a refusal comes back as workerNeverRan).
  #addWorker(): void {
    this.#startError = undefined;  // a new attempt: the last refusal is history
    this.#workers++;
    theHub.start(new MapWorker(this));
  }

  /**
   * A worker ended without running (its OS thread was refused: ThreadLimitError). The workers
   * still running carry on; if none is left, the consumer's next() throws `error` instead of
   * waiting for a result nobody will produce.
   */
  workerNeverRan(error: unknown): void {
    if (--this.#workers > 0 || this.#ended) return;
    this.#startError = error;
    this.#consumers.handAll(undefined);
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
    throw typeError(`GreenPool.starmap(): each item must be an array of arguments, got ${describe(item)}`);
  }
}
