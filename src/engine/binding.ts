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

/** The platforms prebuilt binaries are shipped for; package.json's `os`/`cpu` say the same. */
const SUPPORTED = 'Linux x64 with Node 20, 22, 24 or 26';

/**
 * node-gyp-build's own failure ("No native build was found for platform=... abi=..." or a
 * dlopen error) names no way out; this one does, and keeps the original as `cause`.
 */
function loadError(cause: unknown): Error {
  const here = `${process.platform} ${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules})`;
  const error = new Error(
    `greenthread could not load its native engine for ${here}.\n` +
    `Prebuilt binaries ship for ${SUPPORTED}; anywhere else the engine is compiled at install ` +
    'time, which needs Python 3 and a C++ compiler (node-gyp). npm 11 runs no install scripts ' +
    'unless allowed, so build it now with:\n' +
    '    npm rebuild greenthread\n' +
    `(underlying error: ${cause instanceof Error ? cause.message : String(cause)})`,
    { cause },
  );
  (error as Error & { code: string }).code = 'ERR_GREENTHREAD_NO_ENGINE';
  return error;
}

function loadNative(): NativeEngine {
  try {
    return load(path.join(__dirname, '..', '..')) as NativeEngine;
  } catch (cause) {
    throw loadError(cause);
  }
}

export const native = loadNative();
