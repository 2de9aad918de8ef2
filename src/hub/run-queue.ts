// The hub's run queue: green threads ready to run, in FIFO order. An entry remembers the
// thread's queueSeq when it was queued, so an entry made stale (the thread has run or died
// since) is skipped instead of searched for and removed: queueing and dequeueing stay O(1).
import type { HubThread } from './hub-thread';
import { isResumable } from './thread-state';

// Past this many consumed entries, and when they are most of the array, the array is compacted.
const COMPACT_AFTER = 4096;

export class RunQueue {
  private readonly threads: (HubThread | undefined)[] = [];
  private readonly seqs: number[] = [];
  private head = 0;

  /** Entries not yet consumed (stale ones included): an upper bound on the ready threads. */
  get length(): number {
    return this.threads.length - this.head;
  }

  /** Queues `thread`, invalidating any earlier entry it has. */
  push(thread: HubThread): void {
    this.threads.push(thread);
    this.seqs.push(++thread.queueSeq);
  }

  /** The entry `offset` places behind the front (stale or not), or undefined. */
  at(offset: number): HubThread | undefined {
    return this.threads[this.head + offset];
  }

  /**
   * The first resumable thread, or null. Stale entries in front of it are dropped; the
   * thread's own entry stays until it adopts the baton (which bumps its queueSeq).
   */
  peekReady(): HubThread | null {
    while (this.head < this.threads.length) {
      const thread = this.threads[this.head] as HubThread;
      if (thread.queueSeq === this.seqs[this.head] && isResumable(thread.state)) return thread;
      this.threads[this.head] = undefined;
      this.head++;
    }
    if (this.head > 0) {
      this.threads.length = 0;
      this.seqs.length = 0;
      this.head = 0;
    }
    return null;
  }

  /** Frees the consumed front of the arrays once it dominates them (between turns). */
  compact(): void {
    if (this.head > COMPACT_AFTER && this.head * 2 > this.threads.length) {
      this.threads.splice(0, this.head);
      this.seqs.splice(0, this.head);
      this.head = 0;
    }
  }
}
