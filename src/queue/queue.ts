// Queue (eventlet.queue.Queue): LightQueue plus task tracking. Every item put raises the count
// of unfinished tasks; taskDone() lowers it; join() blocks until it reaches zero. The count
// itself is kept by LightQueue at the points where an item is accepted, so a hand-over that
// fails and gives the item back never counts it twice.
import { rangeError } from '../errors';
import { LightQueue } from './light-queue';
import { WaitList } from '../hub/wait-list';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';

/**
 * A first-in, first-out queue between green threads with task tracking (eventlet's `Queue`):
 * everything {@link LightQueue} does, plus {@link taskDone}, {@link join} and
 * {@link unfinishedTasks}, for a producer that needs to know when consumers have finished
 * the work it queued.
 *
 * ```ts
 * const q = new Queue<string>();
 * for (let i = 0; i < 4; i++) spawn(() => { for (;;) { fetchOne(q.get()); q.taskDone(); } });
 * for (const url of urls) q.put(url);
 * q.join();   // every url fetched
 * ```
 */
export class Queue<T = unknown> extends LightQueue<T> {
  readonly #joiners = new WaitList<undefined>();

  /** Items put and not yet marked done with {@link taskDone}. */
  get unfinishedTasks(): number {
    return this.unfinished;
  }

  /**
   * Marks one item got from the queue as processed. When the count of unfinished tasks reaches
   * zero, every green thread blocked in {@link join} is woken. Never blocks.
   * @throws RangeError if called more times than items were put.
   */
  taskDone(): void {
    if (this.unfinished <= 0) throw rangeError(`${this.kind}.taskDone() called more times than items were put`);
    if (--this.unfinished === 0 && this.#joiners.size > 0) this.#joiners.handAll(undefined);
  }

  /**
   * Blocks until every item put has been marked done with {@link taskDone}. Returns at once
   * when there are no unfinished tasks (from plain JavaScript too).
   * @param options `signal`: aborting it throws its reason in the waiting thread.
   * @throws NotInGreenThreadError if it would have to wait in plain JavaScript.
   */
  join(options?: SignalOptions): void {
    if (options !== undefined) {
      const signal = signalOption(options, `${this.kind}.join()`);
      if (signal !== undefined) return underSignal(signal, () => this.join());
    }
    if (this.unfinished === 0) return;
    // Throws NotInGreenThreadError naming join() when called from plain JavaScript.
    this.#joiners.wait(`${this.kind}.join()`);
  }
}
