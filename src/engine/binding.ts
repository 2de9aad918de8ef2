// Loads the compiled engine for this Node version: a prebuilt binary from prebuilds/ when one
// matches, else the local build in build/Release (node-gyp-build decides). The addon is
// context-aware, so every Worker that requires this module gets its own engine instance.
import * as path from 'node:path';
import { EngineLoadError } from '../errors';

/** The addon's raw interface; only src/engine/ talks to it. */
export interface NativeEngine {
  create(entry: (id: number) => number): number;
  resume(id: number): number;
  yield(expectSoon: boolean): void;
  switchTo(id: number, expectSoon: boolean): void;
  discard(id: number): void;
  prod(id: number): void;
  setStackSize(bytes: number): void;
  getStackSize(): number;
  stats(): { liveCoroutines: number; idleThreads: number; liveThreads: number; threadsStarted: number; lastOsError: number };
  /** hub.blockingDetection: seconds > 0 turns the watchdog on, 0 off (src/hub/blocking-detection.ts). */
  blockingDetection(seconds: number, listener: (seconds: number, elapsed: number, stack: string, thread: object | null) => void, hub: object): void;
  /** The running JavaScript stack as "    at ..." lines, at most `limit` frames; runs no JavaScript. */
  captureStack(limit: number): string;
  readonly defaultStackSize: number;
  readonly minStackSize: number;
  readonly maxStackSize: number;
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
