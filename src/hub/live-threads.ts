// The hub's registry of live green threads: every thread from start() until it is dead, found
// by its engine coroutine id (the engine's entry call names only the id), and listed for
// diagnostics (hub.threads(), hub.stats()).
import type { HubThread } from './hub-thread';
import { stateName } from './thread-state';
import { ThreadInfo } from './thread-info';

export class LiveThreads {
  private readonly all = new Set<HubThread>();
  // Indexed by coroutine id: ids are small and reused, so an array beats a Map here.
  private readonly byCoroutine: (HubThread | undefined)[] = [];

  /** Live green threads. */
  get size(): number {
    return this.all.size;
  }

  /** Registers `thread`, which has just been given coroutine `id`. */
  add(thread: HubThread, id: number): void {
    this.byCoroutine[id] = thread;
    this.all.add(thread);
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
    this.all.delete(thread);
  }

  /** One entry per live thread: its state, the call it is suspended in, its captured stack. */
  list(): ThreadInfo[] {
    const out: ThreadInfo[] = [];
    for (const thread of this.all) {
      const info = new ThreadInfo(thread, stateName(thread.state), thread.suspendedIn);
      if (thread.suspendedStack !== undefined) info.stack = thread.suspendedStack;
      out.push(info);
    }
    return out;
  }
}
