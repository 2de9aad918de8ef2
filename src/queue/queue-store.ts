// Storage hooks of the queue family: the one thing Queue, LifoQueue and PriorityQueue change
// (gevent's _put/_get/_qsize). Blocking, hand-overs and waiter safety all live in LightQueue;
// a store only keeps the items that are buffered, in its own order. FIFO and LIFO stores are
// here; the priority heap is in priority-heap.ts.

/**
 * @internal Where a queue keeps its buffered items.
 *
 * Contract: `take()` is only called when `length > 0` and never throws (an item it removed
 * must reach the caller); `push()` may throw (a priority comparison failed) and then must leave
 * the store as it was; `putBack()` never throws and makes `item` come out as if it had never
 * been taken — it is how a getter that was handed an item and then killed returns it.
 */
export interface ItemStore<T> {
  readonly length: number;
  push(item: T): void;
  take(): T;
  putBack(item: T): void;
}

/**
 * @internal First in, first out: a ring buffer, so neither end costs a shift and a queue that
 * cycles items at a steady size allocates nothing.
 */
export class FifoStore<T> implements ItemStore<T> {
  // Capacity is a power of two, so positions wrap with a mask.
  private slots: (T | undefined)[] = new Array(8);
  private mask = 7;
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length > this.mask) this.grow();
    this.slots[(this.head + this.length) & this.mask] = item;
    this.length++;
  }

  take(): T {
    const item = this.slots[this.head] as T;
    this.slots[this.head] = undefined;  // the store must not keep a taken item alive
    this.head = (this.head + 1) & this.mask;
    // Drained after a burst: drop the big array rather than hold its memory forever.
    if (--this.length === 0 && this.mask > 1023) this.reset();
    return item;
  }

  putBack(item: T): void {
    if (this.length > this.mask) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.slots[this.head] = item;
    this.length++;
  }

  private reset(): void {
    this.slots = new Array(8);
    this.mask = 7;
    this.head = 0;
  }

  private grow(): void {
    const old = this.slots;
    const size = old.length * 2;
    const slots: (T | undefined)[] = new Array(size);
    for (let i = 0; i < this.length; i++) slots[i] = old[(this.head + i) & this.mask];
    this.slots = slots;
    this.mask = size - 1;
    this.head = 0;
  }
}

/** @internal Last in, first out: a plain array used as a stack. */
export class LifoStore<T> implements ItemStore<T> {
  private readonly items: T[] = [];

  get length(): number {
    return this.items.length;
  }

  push(item: T): void {
    this.items.push(item);
  }

  take(): T {
    return this.items.pop() as T;
  }

  // The top of the stack is what comes out next: exactly where a taken item was.
  putBack(item: T): void {
    this.items.push(item);
  }
}
