// The hub's registry of live green threads: every thread from start() until it is dead, found
// by its engine coroutine id (the engine's entry call names only the id), and listed for
// diagnostics (hub.threads(), hub.stats()).
import type { HubThread } from './hub-thread';
import { stateName } from './thread-state';
import { ThreadInfo } from './thread-info';
import { captureRawStack, stackText } from './thread-stack';

export class LiveThreads {
  private readonly threads = new Set<HubThread>();
  // Indexed by coroutine id: ids are small and reused, so an array beats a Map here.
  private readonly byCoroutine: (HubThread | undefined)[] = [];

  /** Live green threads. */
  get size(): number {
    return this.threads.size;
  }

  /** The live threads, as a snapshot (safe to iterate while threads come and go). */
  all(): HubThread[] {
    return [...this.threads];
  }

  /** Registers `thread`, which has just been given coroutine `id`. */
  add(thread: HubThread, id: number): void {
    this.byCoroutine[id] = thread;
    this.threads.add(thread);
  }

  /** The live thread on coroutine `id` (the engine only calls the entry for live ones). */
  byId(id: number): HubThread {
    return this.byCoroutine[id] as HubThread;
  }

  /** Forgets `thread`'s coroutine id (it no longer has one); it stays live. */
  releaseId(thread: HubThread): void {
    if (thread.coroutine >= 0) this.byCoroutine[thread.coroutine] = undefined;
  }

  /** Forgets `thread`: it is dead. */
  delete(thread: HubThread): void {
    this.threads.delete(thread);
  }

  /**
   * One entry per live thread: its state and the call it is suspended in; with `stacks`, the
   * stack of each thread whose stack is known (parked threads' recorded ones, and the stack of
   * `running`, the caller, taken now).
   */
  list(stacks = false, running: HubThread | null = null): ThreadInfo[] {
    const out: ThreadInfo[] = [];
    for (const thread of this.threads) {
      const info = new ThreadInfo(thread, stateName(thread.state), thread.suspendedIn);
      if (stacks) {
        if (thread === running) info.stack = stackText('running (the caller of hub.threads())', captureRawStack());
        else if (thread.suspendedStack !== undefined) info.stack = stackText(`suspended in ${thread.suspendedIn ?? 'an unknown call'}`, thread.suspendedStack);
      }
      out.push(info);
    }
    return out;
  }
}
