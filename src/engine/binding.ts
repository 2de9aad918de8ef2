// Loads the compiled engine for this Node version: a prebuilt binary from prebuilds/ when one
// matches, else the local build in build/Release (node-gyp-build decides). The addon is
// context-aware, so every Worker that requires this module gets its own engine instance.
import * as path from 'node:path';

/** The addon's raw interface; only src/engine/ talks to it. */
export interface NativeEngine {
  create(entry: (id: number) => number): number;
  resume(id: number, throwIt: boolean): number;
  yield(expectSoon: boolean): boolean;
  switchTo(id: number, throwIt: boolean, expectSoon: boolean): boolean;
  discard(id: number): void;
  prod(id: number): void;
  currentId(): number;
  setStackSize(bytes: number): void;
  getStackSize(): number;
  setMaxSpin(nanoseconds: number): void;
  stats(): { liveCoroutines: number; idleThreads: number; liveThreads: number; threadsStarted: number; lastOsError: number };
  readonly defaultStackSize: number;
  readonly minStackSize: number;
  readonly maxStackSize: number;
}

const load: (dir: string) => unknown = require('node-gyp-build');

export const native = load(path.join(__dirname, '..', '..')) as NativeEngine;
