// What the hub needs of a green thread: its coroutine, lifecycle state, pending resume and
// async resource. GreenThread (the public handle) extends this; the hub never needs more.
import { AsyncResource } from 'node:async_hooks';
import { ThreadState } from './thread-state';

/** @internal HubThread.introspectBy when nobody asks the thread for its stack. */
export const NOT_INTROSPECTED = -2;
/** @internal HubThread.introspectBy when the hub (plain JavaScript) asks. */
export const HUB_INTROSPECTS = -1;

/** @internal Something tied to a green thread's life (an armed Timeout): told when it ends. */
export interface ThreadBound {
  ownerEnded(): void;
}

/** The scheduling state every green thread carries; see {@link GreenThread} for the API. */
export abstract class HubThread {
  /** @internal Lifecycle state; changed only by the hub and by the thread's own body. */
  state: ThreadState = ThreadState.Unstarted;
  /** @internal Engine coroutine id while one is reserved, else -1. */
  coroutine = -1;
  /**
   * @internal Incremented at every wake-up. A waker remembers the epoch it saw when the thread
   * suspended; a wake with an older epoch is stale (the thread was woken some other way, e.g.
   * killed or timed out) and is ignored.
   */
  epoch = 0;
  /** @internal What the next resume hands in. */
  resumeValue: unknown = undefined;
  /** @internal Whether the next resume throws resumeValue at the suspension point. */
  resumeThrow = false;
  /** @internal Errors thrown into it while another was already due; see Hub.throwInto. */
  deferredThrows: unknown[] | null = null;
  /** @internal Validates this thread's entry in the run queue (stale entries are skipped). */
  queueSeq = 0;
  /** @internal Name of the call the thread is suspended in (hub.threads()). */
  suspendedIn: string | null = null;
  /** @internal What is tied to this thread's life; the hub tells each when it ends. */
  bound: Set<ThreadBound> | null = null;
  /**
   * @internal Where the thread may not suspend now (see Hub.forbidSuspension), e.g. "inside a
   * PriorityQueue compare function"; null when it may.
   */
  suspendForbidden: string | null = null;
  /**
   * @internal Raw stack frames at the suspension (thread-stack.ts): taken at every suspension
   * while hub.captureStacks is on, else only when hub.threads() asks the parked thread for them.
   */
  suspendedStack: string | undefined = undefined;
  /**
   * @internal While hub.threads() resumes this parked thread only to learn its stack: whom it
   * hands the baton straight back to (a coroutine id, or HUB_INTROSPECTS); NOT_INTROSPECTED
   * otherwise. See Hub.introspect.
   */
  introspectBy = NOT_INTROSPECTED;
  /**
   * @internal The thread's async resource: created where it was spawned (so it carries that
   * place's AsyncLocalStorage stores), entered at every resume.
   */
  readonly resource: AsyncResource;
  /** @internal The async id of `resource`, compared at every suspension. */
  readonly asyncId: number;
  /** @internal The trigger id of `resource`. */
  readonly triggerAsyncId: number;

  protected constructor() {
    this.resource = new AsyncResource('GreenThread', { requireManualDestroy: true });
    this.asyncId = this.resource.asyncId();
    this.triggerAsyncId = this.resource.triggerAsyncId();
  }

  /** @internal Runs on the thread's own stack at its first resume, until it ends. */
  abstract runBody(): void;

  /**
   * @internal The thread could not start (the OS refused it a thread): it ends with `error`
   * without running. The hub has already forgotten it.
   */
  abstract failedToStart(error: unknown): void;
}
