// PriorityQueue (eventlet.queue.PriorityQueue): a Queue whose store is a binary min-heap, so
// get() returns the smallest item first. Only the store differs; blocking, hand-overs and
// task tracking are Queue's.
import { typeError } from '../errors';
import { defaultCompare, PriorityHeap, type Compare } from './priority-heap';
import { Queue } from './queue';
import { describe, validateOptions } from '../validate';

/** Options of {@link PriorityQueue}. */
export interface PriorityQueueOptions<T> {
  /**
   * Orders two items: negative when `a` should come out first, positive when `b` should, 0
   * when equal (equal items come out in the order they were put). Default: numbers, bigints,
   * strings, Dates, and arrays of them compared element by element like Python tuples.
   */
  compare?: (a: T, b: T) => number;
}

/**
 * A {@link Queue} that returns the smallest item first (eventlet's `PriorityQueue`). Items are
 * typically `[priority, data]` arrays, compared element by element like Python tuples, so give
 * them a tie-breaker (`[priority, sequence, data]`) or a `compare` option if `data` is an
 * object that has no order. Equal items come out first in, first out.
 *
 * ```ts
 * const q = new PriorityQueue<[number, string]>();
 * q.put([2, 'later']);
 * q.put([1, 'first']);
 * q.get();   // [1, 'first']
 * const byDeadline = new PriorityQueue<Job>(null, { compare: (a, b) => a.deadline - b.deadline });
 * ```
 *
 * A put whose item cannot be compared with the buffered ones throws the comparison's error
 * (TypeError by default) and leaves the queue unchanged. `compare` must not block: it runs
 * while the heap is half rearranged, so a blocking call in it throws SuspendNotAllowedError
 * (a get whose comparison throws still returns its item and reports the error to hub.onError).
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  /**
   * @param maxsize As for {@link Queue}: `undefined`, `null` or negative for no limit, 0 for a
   *   channel.
   * @param options `compare` overrides the default order.
   * @throws TypeError for a bad `maxsize`, options that are not a plain object or have an
   *   unknown key, or a `compare` that is not a function.
   */
  constructor(maxsize?: number | null, options?: PriorityQueueOptions<T>) {
    super(maxsize);
    validateOptions(options, `new ${this.kind}()`, ['compare']);
    const compare = options?.compare;
    if (compare !== undefined && typeof compare !== 'function') {
      throw typeError(`new ${this.kind}(): options.compare must be a function, got ${describe(compare)}`);
    }
    this.store = new PriorityHeap<T>(compare ?? (defaultCompare as Compare<T>));
  }
}
