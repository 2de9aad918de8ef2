// tpool: eventlet's thread pool. tpool.execute(fn, ...args) runs CPU-bound or blocking code on
// a pool of node:worker_threads workers (tpool-pool.ts) while only the calling green thread
// waits, on a Waiter like waitFor's. This file checks what the caller passes, turns `fn` into
// what a worker can run (its source text, or a module URL and export name) and holds the size.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rangeError, typeError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { describe, validateCount } from '../validate';
import { type JobTarget, TpoolPool } from './tpool-pool';

/** eventlet's default pool size (`EVENTLET_THREADPOOL_SIZE`). */
const DEFAULT_SIZE = 20;
const SIZE_VARIABLE = 'GREENTHREAD_THREADPOOL_SIZE';

/**
 * Real code for a worker to load and call, instead of a function sent by its source: the
 * module's export `export` (default `'default'`) is called with the job's arguments. The
 * module is loaded with `import()` in the worker, so CommonJS and ESM both work (a CommonJS
 * module's `module.exports` is its `'default'`, and its properties are named exports).
 */
export interface ModuleFunction {
  /**
   * An absolute path, a `file:` URL (string or URL), or a package specifier (`'lodash'`,
   * `'node:crypto'`). Package specifiers and relative paths (`'./lib/hash.js'`) are resolved
   * against `process.cwd()` at the call; to name a file next to your own code, use
   * `path.join(__dirname, 'hash.js')` or `new URL('./hash.js', import.meta.url)`.
   */
  readonly module: string | URL;
  /** The export to call; `'default'` when omitted. */
  readonly export?: string;
}

/** What {@link Tpool.stats} reports. */
export interface TpoolStats {
  /** Worker threads alive now (started lazily, at most `size`). */
  readonly workers: number;
  /** Those running a job. */
  readonly busy: number;
  /** Jobs waiting for a free worker. */
  readonly queued: number;
}

/** The `tpool` object: eventlet's `eventlet.tpool` (see {@link tpool}). */
export interface Tpool {
  /**
   * Runs `fn(...args)` on a worker thread and returns its result, suspending only the calling
   * green thread; the event loop and every other green thread keep running. `fn` is either a
   * self-contained function, sent by its source text (it cannot use variables from around it:
   * pass what it needs as arguments; it may `require()` and `import()`, resolved from
   * `process.cwd()`), or a {@link ModuleFunction} naming real code to load in the worker. An
   * async function, or a returned promise, is awaited in the worker. Arguments and the result
   * are structured-cloned. What `fn` throws is thrown here: an Error as its built-in class (or
   * the nearest built-in it extends, with `name` set to its own class's), with its message,
   * the worker's stack followed by this call's, and its own cloneable properties (`code`, ...).
   * If the caller is killed or timed out meanwhile, it gets that at once and the worker running
   * the job is terminated (and replaced when a job needs one).
   * @throws NotInGreenThreadError from plain JavaScript.
   * @throws TypeError for an `fn` that is neither (a class, a bound or built-in function).
   * @throws DOMException `DataCloneError` at once for an argument that cannot be cloned.
   * @throws TpoolWorkerError if the worker ended before the job did (`process.exit()` in `fn`,
   *   an uncaught error in a callback it left, out of memory, `tpool.killall()`).
   */
  execute<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Awaited<R>;
  /**
   * The form above for real code: the worker loads `fn.module` and calls its export
   * `fn.export` with `args`, returning what it returns (awaited). Blocks and throws as above.
   */
  execute(fn: ModuleFunction, ...args: unknown[]): unknown;
  /**
   * Sets the number of worker threads (eventlet's `set_num_threads`), from then on. Growing
   * starts workers for queued jobs; shrinking retires idle workers now and busy ones when their
   * job ends.
   * @throws TypeError for a non-integer; RangeError below 1.
   */
  setSize(size: number): void;
  /**
   * The number of worker threads the pool may run: set by {@link Tpool.setSize}, else the
   * environment variable `GREENTHREAD_THREADPOOL_SIZE`, else 20.
   * @throws RangeError when that variable is set to anything but an integer >= 1.
   */
  readonly size: number;
  /**
   * Terminates every worker thread. Jobs running or queued fail with TpoolWorkerError; the pool
   * stays usable and starts new workers for the next jobs.
   */
  killall(): void;
  /** How many workers are alive and busy, and how many jobs are queued. */
  stats(): TpoolStats;
}

let size: number | undefined;

function currentSize(): number {
  if (size !== undefined) return size;
  const raw = process.env[SIZE_VARIABLE];
  if (raw === undefined || raw.trim() === '') return DEFAULT_SIZE;
  const value = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw rangeError(`${SIZE_VARIABLE} must be an integer >= 1, got ${JSON.stringify(raw)}`);
  }
  return value;
}

const pool = new TpoolPool(currentSize);

const CALL = 'tpool.execute()';
// What Function.prototype.toString gives a function with no JavaScript source.
const NATIVE_SOURCE = /\{\s*\[native code\]\s*\}\s*$/;

function targetOf(fn: unknown): JobTarget {
  if (typeof fn === 'function') {
    const src = Function.prototype.toString.call(fn);
    if (NATIVE_SOURCE.test(src)) {
      throw typeError(`${CALL}: fn is a built-in or bound function, which has no source to send to a worker; ` +
        'pass a function written in JavaScript, or { module, export } naming one');
    }
    if (/^class\b/.test(src)) throw typeError(`${CALL}: fn is a class; pass a function`);
    let label = 'anonymous';
    try {
      const name: unknown = (fn as { name?: unknown }).name;
      if (typeof name === 'string' && name !== '') label = name;
    } catch {
      // A throwing `name` getter: the frames are called anonymous.
    }
    return { src, label };
  }
  if (typeof fn === 'object' && fn !== null && 'module' in fn) {
    const { module, export: name = 'default', ...rest } = fn as { module: unknown; export?: unknown };
    const unknownKey = Object.keys(rest)[0];
    if (unknownKey !== undefined) {
      throw typeError(`${CALL}: unknown key '${unknownKey}' in { module, export }`);
    }
    if (typeof name !== 'string' || name === '') {
      throw typeError(`${CALL}: export must be a non-empty string, got ${describe(name)}`);
    }
    return { url: moduleUrl(module), name };
  }
  throw typeError(`${CALL}: fn must be a function or { module, export }, got ${describe(fn)}`);
}

function moduleUrl(module: unknown): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== 'string' || module === '') {
    throw typeError(`${CALL}: module must be a path, a URL or a package name, got ${describe(module)}`);
  }
  if (path.isAbsolute(module)) return pathToFileURL(module).href;
  if (module === '.' || module === '..' || module.startsWith('./') || module.startsWith('../')) {
    return pathToFileURL(path.resolve(module)).href;
  }
  // A URL (file:, node:, data:) as it is, or a package specifier the worker resolves from
  // process.cwd() (its import() resolves against a file there).
  return module;
}

function execute(fn: unknown, ...args: unknown[]): unknown {
  const target = targetOf(fn);
  const thread = requireGreenThread(CALL);
  const waiter = new Waiter<unknown>(thread);
  const job = pool.submit(target, args, waiter);
  try {
    return waiter.wait(CALL);
  } catch (error) {
    pool.cancel(job);
    throw error;
  }
}

/**
 * eventlet's `tpool`: a pool of worker threads for CPU-bound or blocking code, each call
 * suspending only its green thread. See {@link Tpool.execute}.
 */
export const tpool: Tpool = Object.freeze({
  execute: execute as Tpool['execute'],
  setSize(value: number): void {
    validateCount(value, 'tpool.setSize()', 'size');
    if (value < 1) throw rangeError(`tpool.setSize(): size must be >= 1, got ${value}`);
    size = value;
    pool.resized();
  },
  get size(): number {
    return currentSize();
  },
  killall(): void {
    pool.killall();
  },
  stats(): TpoolStats {
    return pool.stats();
  },
});
