// The hub's run queue: green threads ready to run, in FIFO order. An entry remembers the
// thread's queueSeq when it was queued, so an entry made stale (the thread has run or died
// since) is skipped instead of searched for and removed: queueing and dequeueing stay O(1).
// The arrays keep their storage (up to KEEP_SLOTS) when the queue runs dry, as it does at the
// end of most hub turns: emptied with `length = 0`, they would grow new backing stores at every
// turn.
import type { HubThread } from './hub-thread';
import { isResumable } from './thread-state';

// Past this many consumed entries, and when they are most of the array, the array is compacted.
const COMPACT_AFTER = 4096;
// Storage kept by a queue that runs dry; a burst larger than this (a crowd all woken at once)
// gives its arrays back.
const KEEP_SLOTS = 4096;

export class RunQueue {
  // Entries live in [head, tail); slots outside it hold undefined (no dead thread is kept
  // alive by a consumed slot).
  private readonly threads: (HubThread | undefined)[] = [];
  private readonly seqs: number[] = [];
  private head = 0;
  private tail = 0;

  /** Entries not yet consumed (stale ones included): an upper bound on the ready threads. */
  get length(): number {
    return this.tail - this.head;
  }

  /** Queues `thread`, invalidating any earlier entry it has. */
  push(thread: HubThread): void {
    const seq = ++thread.queueSeq;
    if (this.tail < this.threads.length) {
      this.threads[this.tail] = thread;
      this.seqs[this.tail] = seq;
    } else {
      this.threads.push(thread);
      this.seqs.push(seq);
    }
    this.tail++;
  }

  /** The entry `offset` places behind the front (stale or not), or undefined. */
  at(offset: number): HubThread | undefined {
    const index = this.head + offset;
    return index < this.tail ? this.threads[index] : undefined;
  }

  /**
   * The first resumable thread, or null. Stale entries in front of it are dropped; the
   * thread's own entry stays until it adopts the baton (which bumps its queueSeq).
   */
  peekReady(): HubThread | null {
    while (this.head < this.tail) {
      const thread = this.threads[this.head] as HubThread;
      if (thread.queueSeq === this.seqs[this.head] && isResumable(thread.state)) return thread;
      this.threads[this.head] = undefined;
      this.head++;
    }
    this.head = 0;
    this.tail = 0;
    if (this.threads.length > KEEP_SLOTS) {
      this.threads.length = 0;
      this.seqs.length = 0;
    }
    return null;
  }

  /**
   * Moves the live entries to the front of the arrays once the consumed front dominates them
   * (between turns). In place: a queue that never runs dry (a crowd, every turn cut short by
   * its budget) gets here every few thousand wakes, and splice would allocate the removed part.
   */
  compact(): void {
    const head = this.head;
    if (head > COMPACT_AFTER && head * 2 > this.tail) {
      const live = this.tail - head;
      this.threads.copyWithin(0, head, this.tail);
      this.threads.fill(undefined, live, this.tail);
      this.seqs.copyWithin(0, head, this.tail);
      this.tail = live;
      this.head = 0;
    }
  }
}
