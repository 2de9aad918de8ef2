// greenVariant(): one patched function. It stands in for a blocking original and sends each
// call either to the green implementation (inside a green thread that may suspend) or to the
// original, unchanged (everywhere else), so code outside green threads never notices the patch.
import { theHub } from '../hub/hub';

/** Any function, as the module objects hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyFunction = (...args: any[]) => any;

const originals = new WeakMap<AnyFunction, AnyFunction>();

/** True where a green implementation may run: a green thread that may suspend now. */
export function maySuspendHere(): boolean {
  const thread = theHub.current;
  return thread !== null && thread.suspendForbidden === null;
}

type CallSites = NodeJS.CallSite[];
const keepCallSites = (_error: Error, sites: CallSites): CallSites => sites;

/**
 * True when `fn` was called by Node's own module loaders (node:internal/modules/...), which
 * read source files with the public fs.readFileSync and realpathSync. Such a read must not
 * suspend: a require() halfway through loading a module would let another green thread's
 * require() of the same file return its unfinished exports. Costs one one-frame stack capture.
 */
function calledByModuleLoader(fn: AnyFunction): boolean {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  const holder: { stack?: CallSites } = {};
  try {
    Error.prepareStackTrace = keepCallSites;
    Error.stackTraceLimit = 1;
    Error.captureStackTrace(holder, fn);
    const sites = holder.stack;
    const file = Array.isArray(sites) && sites.length > 0 ? sites[0].getFileName() : undefined;
    return typeof file === 'string' && file.startsWith('node:internal/modules/');
  } catch {
    return false;
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/**
 * Returns a function that behaves as `original` outside green threads (and where suspension
 * is refused, e.g. inside a PriorityQueue compare function, and, if `readByModuleLoader`, when
 * Node's module loader calls it) and as `green` inside them. It
 * has the original's `name` and `length`, and carries copies of its own properties (such as
 * `fs.realpathSync.native`), so code that inspects the function sees no difference; a property
 * that `green` has itself (a green `.native`) is copied over the original's.
 */
export function greenVariant(original: AnyFunction, green: AnyFunction, readByModuleLoader = false): AnyFunction {
  const variant = function (this: unknown, ...args: unknown[]): unknown {
    const useGreen = maySuspendHere() && !(readByModuleLoader && calledByModuleLoader(variant));
    return Reflect.apply(useGreen ? green : original, this, args);
  };
  for (const source of [original, green]) {
    for (const key of Reflect.ownKeys(source)) {
      // The green implementation's own properties replace the original's (a green `.native`).
      if (key === 'prototype' || (source === green && (key === 'name' || key === 'length'))) continue;
      const descriptor = Reflect.getOwnPropertyDescriptor(source, key);
      if (descriptor !== undefined) Reflect.defineProperty(variant, key, descriptor);
    }
  }
  originals.set(variant, original);
  return variant;
}

/** The original behind a function made by greenVariant, or `fn` itself. */
export function originalOf(fn: AnyFunction): AnyFunction {
  return originals.get(fn) ?? fn;
}
