// Loads the compiled engine for this Node version: a prebuilt binary from prebuilds/ when one
// matches, else the local build in build/Release (node-gyp-build decides). The addon is
// context-aware, so every Worker that requires this module gets its own engine instance.
import * as path from 'node:path';
import { EngineLoadError } from '../errors';

/** The addon's raw interface; only src/engine/ talks to it. */
export interface NativeEngine {
  create(entry: (id: number) => number): number;
  /** 0: the coroutine that handed the baton back yielded, 1: it finished; plus 2 when idle fiber stacks now await decay. */
  resume(id: number): number;
  /** One step of the idle fiber stacks' decay (at most `budget` trimmed or ended); true while more steps are wanted. */
  decayIdle(budget: number): boolean;
  yield(expectSoon: boolean): void;
  switchTo(id: number, expectSoon: boolean): void;
  discard(id: number): void;
  prod(id: number): void;
  setStackSize(bytes: number): void;
  getStackSize(): number;
  stats(): EngineCounters;
  /** hub.blockingDetection: seconds > 0 turns the watchdog on, 0 off (src/hub/blocking-detection.ts). */
  blockingDetection(seconds: number, listener: (seconds: number, elapsed: number, stack: string, thread: object | null) => void, hub: object): void;
  /** The running JavaScript stack as "    at ..." lines, at most `limit` frames; runs no JavaScript. */
  captureStack(limit: number): string;
  /**
   * The fiber backend's self-check for the calling thread (internal: issue 10 reports its reason
   * in hub.stats()). Never called at load; reads V8's private state, writes none of it.
   */
  fiberSelfCheck(): FiberSelfCheckReport;
  /**
   * Which backend this environment's engine runs (choosing it now if nothing needed it yet:
   * fibers unless GREENTHREAD_BACKEND or configure() asked for threads, and only after a
   * passing self-check and canary on this thread), and, when fibers are not used although
   * asked for or the default, why.
   */
  backend(): BackendReport;
  /**
   * configure({ backend }): 'default' means fibers where they verify themselves. True, or the
   * message of the refusal (a green thread already exists on the other backend).
   */
  selectBackend(name: 'fibers' | 'threads' | 'default'): true | string;
  readonly defaultStackSize: number;
  readonly minStackSize: number;
  readonly maxStackSize: number;
}

/** The engine's counters (NativeEngine.stats()). */
export interface EngineCounters {
  /** Coroutines created and not yet freed. */
  liveCoroutines: number;
  /** Thread backend: OS threads of the pool waiting for a green thread to run; 0 on fibers. */
  idleThreads: number;
  /** Thread backend: OS threads of the pool alive (idle or running one); 0 on fibers. */
  liveThreads: number;
  /** Thread backend: OS threads the pool has ever started; 0 on fibers. */
  threadsStarted: number;
  /** The errno of the last refused OS thread or stack mapping (0: none). */
  lastOsError: number;
  /** Fiber backend: stacks bound to live green threads; 0 on threads. */
  fiberStacks: number;
  /** Fiber backend: idle stacks kept for reuse by the next green threads; 0 on threads. */
  fiberStacksPooled: number;
  /** Fiber backend: V8 ThreadIds ever taken by fibers; finished fibers' ids are reused. */
  fiberThreadIds: number;
}

/** What NativeEngine.backend() says. */
export interface BackendReport {
  backend: 'fibers' | 'threads';
  /** The backend asked for (GREENTHREAD_BACKEND, then configure()), or null for the default. */
  requested: 'fibers' | 'threads' | null;
  /** Why threads run where fibers were asked for or the default (the failed check); null otherwise. */
  fallbackReason: string | null;
}

/**
 * Where the fiber backend's private V8 slots are in this binary (native/engine/fiber-offsets.h):
 * TLS offsets relative to the thread pointer, object offsets in bytes; -1 where not found, null
 * where this V8 has no such field (stackSize before V8 13) or the binary has no ELF .symtab.
 */
export interface FiberOffsets {
  threadIdTls: number;
  stackStartTls: number;
  threadManager: number;
  mutexOwner: number;
  heap: number;
  heapStackHolder: number;
  heapStackStart: number;
  stackSize: number | null;
  elfThreadIdTls: number | null;
  elfStackStartTls: number | null;
}

/** What the fiber backend's self-check found on the calling thread (read-only; see fiber-offsets.cc). */
export interface FiberSelfCheckReport {
  ok: boolean;
  /** The first check that failed (or GREENTHREAD_FIBER_SELFCHECK_FAIL when it names no check); null when ok. */
  check: string | null;
  /** "<check>: what was expected and what was found"; null when ok. */
  reason: string | null;
  /** Every check's name, in the order they run. */
  checks: string[];
  offsets: FiberOffsets;
}

const load: (dir: string) => unknown = require('node-gyp-build');

function loadNative(): NativeEngine {
  try {
    return load(path.join(__dirname, '..', '..')) as NativeEngine;
  } catch (cause) {
    // node-gyp-build's own failure ("No native build was found for platform=... abi=..." or a
    // dlopen error) names no way out; this one does, and keeps the original as `cause`.
    throw new EngineLoadError(cause);
  }
}

export const native = loadNative();
