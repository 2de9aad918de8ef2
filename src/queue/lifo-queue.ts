// LifoQueue (eventlet.queue.LifoQueue): a Queue whose store is a stack, so get() returns the
// most recently put item. Only the store differs from Queue.
import { Queue } from './queue';
import { LifoStore } from './queue-store';

/**
 * A {@link Queue} that returns the most recently put item first — a stack (eventlet's
 * `LifoQueue`). Blocking, channels (`maxsize` 0), task tracking and waiter safety are Queue's.
 *
 * ```ts
 * const q = new LifoQueue<number>();
 * q.put(1); q.put(2);
 * q.get();   // 2
 * ```
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  /**
   * @param maxsize As for {@link Queue}: `undefined`, `null` or negative for no limit, 0 for a
   *   channel.
   * @throws TypeError for a bad `maxsize`.
   */
  constructor(maxsize?: number | null) {
    super(maxsize);
    this.store = new LifoStore<T>();
  }
}
