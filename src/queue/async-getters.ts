// The pending next() calls of a queue's async iterators (`for await (const item of queue)`),
// in arrival order: served after the green threads waiting in get(), and cancelled when their
// loop is left, so no item is ever taken for a loop that is gone.

/** An async iterator's pending next(): resolve is cleared once served or abandoned. */
export interface AsyncGetter<T> {
  resolve: ((result: IteratorResult<T, undefined>) => void) | null;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ value: undefined, done: true });

/** A FIFO of pending async next() calls; abandoned ones are skipped lazily. */
export class AsyncGetters<T> {
  #items: (AsyncGetter<T> | undefined)[] = [];
  #head = 0;
  #live = 0;

  /** Number of next() calls pending. */
  get size(): number {
    return this.#live;
  }

  /** Queues a pending next() and returns its entry (for {@link cancel}). */
  add(resolve: (result: IteratorResult<T, undefined>) => void): AsyncGetter<T> {
    const getter: AsyncGetter<T> = { resolve };
    this.#items.push(getter);
    this.#live++;
    return getter;
  }

  /** Resolves the longest-pending next() with `item`; false if none is pending. */
  serve(item: T): boolean {
    const list = this.#items;
    while (this.#head < list.length) {
      const getter = list[this.#head] as AsyncGetter<T>;
      list[this.#head++] = undefined;
      const resolve = getter.resolve;
      if (resolve === null) continue;
      getter.resolve = null;
      this.#live--;
      if (this.#head === list.length) this.#reset();
      resolve({ value: item, done: false });
      return true;
    }
    this.#reset();
    return false;
  }

  /** Ends a pending next() with `done` (its loop was left); harmless once served. */
  cancel(getter: AsyncGetter<T>): void {
    const resolve = getter.resolve;
    if (resolve === null) return;
    getter.resolve = null;
    this.#live--;
    resolve(DONE);
    // Compact once abandoned entries dominate, so iterators that keep being abandoned on an
    // idle queue do not grow the list without bound.
    const list = this.#items;
    const length = list.length - this.#head;
    if (this.#live === 0) {
      this.#reset();
    } else if (length > 32 && this.#live * 2 < length) {
      this.#items = list.slice(this.#head).filter((g) => g !== undefined && g.resolve !== null);
      this.#head = 0;
    }
  }

  #reset(): void {
    this.#items.length = 0;
    this.#head = 0;
  }
}
