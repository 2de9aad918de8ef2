// PriorityQueue's storage: a binary min-heap, stable for equal priorities, and the default
// ordering (numbers, bigints, strings, Dates, and arrays compared element by element like
// Python tuples). Comparisons are user code that may throw, so every heap move is written to
// leave no item lost or duplicated when one does. They must not suspend either: another
// thread's put or get would find the heap half moved, so each insert or take runs with
// suspension forbidden (a comparison that tries throws SuspendNotAllowedError, handled as any
// other throw).
import { typeError } from '../errors';
import { theHub } from '../hub/hub';
import type { ItemStore } from './queue-store';
import { describe } from '../validate';

const IN_COMPARE = 'inside a PriorityQueue compare function';

/** Orders two items: negative if `a` comes out first, positive if `b` does, 0 if equal. */
export type Compare<T> = (a: T, b: T) => number;

function isNumeric(type: string): boolean {
  return type === 'number' || type === 'bigint';
}

/**
 * The default priority order: numbers and bigints by value, strings by UTF-16 code units,
 * Dates by time, arrays element by element (the first unequal element decides, else the
 * shorter array comes first), as Python orders numbers, strings and tuples.
 * @throws TypeError for values with no natural order (objects, null, booleans, mixed types).
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  const ta = typeof a;
  const tb = typeof b;
  if (isNumeric(ta) && isNumeric(tb)) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  if (ta === 'string' && tb === 'string') return (a as string) < (b as string) ? -1 : 1;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const order = defaultCompare(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  throw typeError(`PriorityQueue: cannot order ${describe(a)} and ${describe(b)}; use numbers, strings, ` +
    'Dates or arrays of them (e.g. [priority, sequence, item]), or pass a compare option');
}

/**
 * @internal The min-heap. Items and their arrival numbers sit in parallel arrays (no wrapper
 * object per item); the arrival number breaks ties, so equal priorities come out first in,
 * first out.
 */
export class PriorityHeap<T> implements ItemStore<T> {
  private readonly items: T[] = [];
  private readonly seqs: number[] = [];
  private nextSeq = 0;
  // Items given back get numbers below every other, so they lead their equals again.
  private backSeq = 0;
  // Given-back items that could not be compared with the heap: they come out first.
  private readonly front: T[] = [];
  // The arguments of push() on their way to insertPending.
  private pendingItem: T | undefined = undefined;
  private pendingSeq = 0;

  constructor(private readonly compare: Compare<T>) {}

  get length(): number {
    return this.items.length + this.front.length;
  }

  push(item: T): void {
    this.pendingItem = item;
    this.pendingSeq = this.nextSeq++;
    theHub.forbidSuspension(IN_COMPARE, this.insertPending);
  }

  // push()'s insert, bound once with its arguments in fields, so a put allocates no closure
  // (a closure per put measured 15-25% slower). Read before any comparison runs, so a compare
  // that puts into this very queue cannot disturb them.
  private readonly insertPending = (): void => {
    const item = this.pendingItem as T;
    this.pendingItem = undefined;
    this.insert(item, this.pendingSeq);
  };

  putBack(item: T): void {
    const seq = --this.backSeq;
    try {
      theHub.forbidSuspension(IN_COMPARE, () => this.insert(item, seq));  // rare: a closure is fine
    } catch {
      // It was handed over without ever meeting the heap's items, and cannot be ordered among
      // them. It must not be lost, so it simply goes first.
      this.front.push(item);
    }
  }

  take(): T {
    if (this.front.length > 0) return this.front.pop() as T;
    return theHub.forbidSuspension(IN_COMPARE, this.takeTop);
  }

  // take() from the heap proper; bound once, so a take allocates no closure.
  private readonly takeTop = (): T => {
    const items = this.items;
    const seqs = this.seqs;
    const top = items[0];
    const lastItem = items.pop() as T;
    const lastSeq = seqs.pop() as number;
    const n = items.length;
    if (n === 0) return top;
    // Sift the last item down from the root, moving smaller children up into the hole.
    let hole = 0;
    try {
      for (;;) {
        let child = 2 * hole + 1;
        if (child >= n) break;
        if (child + 1 < n && this.less(items[child + 1], seqs[child + 1], items[child], seqs[child])) child++;
        if (!this.less(items[child], seqs[child], lastItem, lastSeq)) break;
        items[hole] = items[child];
        seqs[hole] = seqs[child];
        hole = child;
      }
    } catch (error) {
      // The root is already out and must reach the getter: stop here (the heap keeps every
      // item, its order around the hole is unspecified) and report the comparison's error.
      theHub.report(error, theHub.current);
    }
    items[hole] = lastItem;
    seqs[hole] = lastSeq;
    return top;
  };

  private less(a: T, seqA: number, b: T, seqB: number): boolean {
    const order = this.compare(a, b);
    return order < 0 || (order === 0 && seqA < seqB);
  }

  // Sift-up with a hole: parents larger than the item move down one level until its place is
  // found. If a comparison throws, the parents are moved back up and the slot is dropped, so
  // the heap is exactly as before and the item is not in it.
  private insert(item: T, seq: number): void {
    const items = this.items;
    const seqs = this.seqs;
    const last = items.length;
    items.push(item);
    seqs.push(seq);
    let hole = last;
    try {
      while (hole > 0) {
        const parent = (hole - 1) >> 1;
        if (!this.less(item, seq, items[parent], seqs[parent])) break;
        items[hole] = items[parent];
        seqs[hole] = seqs[parent];
        hole = parent;
      }
    } catch (error) {
      const path: number[] = [];
      for (let at = last; at !== hole; at = (at - 1) >> 1) path.push(at);
      // path runs from the new slot up to the hole's child; each of those holds its parent's
      // old item now, so copy them back up, top first.
      let into = hole;
      for (let i = path.length - 1; i >= 0; i--) {
        items[into] = items[path[i]];
        seqs[into] = seqs[path[i]];
        into = path[i];
      }
      items.pop();
      seqs.pop();
      throw error;
    }
    items[hole] = item;
    seqs[hole] = seq;
  }
}
