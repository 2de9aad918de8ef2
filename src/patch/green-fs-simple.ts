// The fs.*Sync functions whose callback form takes the same arguments and gives the same result
// and errors: each green one passes its arguments, cut to the sync form's own, to the callback
// form (or, for a shape that might differ, calls the original).
import type { AnyFunction } from './green-function';
import { callbackResult, fitted, sameInCallbackForm } from './green-fs-call';

/** Sync name → its arguments' count (the callback goes after them). Same name without `Sync`. */
const SIMPLE: Readonly<Record<string, number>> = {
  accessSync: 2,
  chmodSync: 2,
  chownSync: 3,
  closeSync: 1,
  copyFileSync: 3,
  fchmodSync: 2,
  fchownSync: 3,
  fdatasyncSync: 1,
  fstatSync: 2,
  fsyncSync: 1,
  ftruncateSync: 2,
  futimesSync: 3,
  lchmodSync: 2,  // macOS only; absent elsewhere
  lchownSync: 3,
  linkSync: 2,
  lutimesSync: 3,
  mkdirSync: 2,
  mkdtempSync: 2,
  readdirSync: 2,  // recursive on Node 20: its callback form itself runs synchronously
  readlinkSync: 2,
  renameSync: 2,
  rmSync: 2,  // from Node 24 a native rmSync words its errors its own way: asked again on failure
  rmdirSync: 2,
  statfsSync: 2,
  symlinkSync: 3,
  truncateSync: 2,
  unlinkSync: 1,
  utimesSync: 3,
};

/**
 * Stat calls given `null` options: a TypeError from the sync form, while some versions' callback
 * forms (24+) take null for no options. Left to the original.
 */
export const STAT_LIKE = new Set(['statSync', 'lstatSync', 'fstatSync', 'statfsSync']);

/**
 * The green form of `name`: its callback form with the arguments fitted to `arity`, or the
 * original for a shape sameInCallbackForm refuses. `keep` may send more shapes to the original;
 * `askOriginalOnFailure`: when the operation fails, the original is run again for its own error.
 */
export function viaCallbackForm(fs: Readonly<Record<string, unknown>>, name: string, arity: number, keep?: (args: unknown[]) => boolean, askOriginalOnFailure = false): AnyFunction | undefined {
  const original = fs[name];
  const asyncFn = fs[name.slice(0, -'Sync'.length)];
  if (typeof original !== 'function' || typeof asyncFn !== 'function') return undefined;
  const call = `fs.${name}()`;
  return function (this: unknown, ...args: unknown[]): unknown {
    if (!sameInCallbackForm(args) || keep?.(args) === true) return Reflect.apply(original, this, args);
    const onFailure = askOriginalOnFailure ? () => Reflect.apply(original, this, args) : undefined;
    return callbackResult(call, fs, asyncFn as AnyFunction, fitted(args, arity), onFailure);
  };
}

/** The green forms of the SIMPLE functions this Node version has. */
export function simpleCalls(fs: Readonly<Record<string, unknown>>): Record<string, AnyFunction> {
  const out: Record<string, AnyFunction> = {};
  for (const [name, arity] of Object.entries(SIMPLE)) {
    const keep = name === 'truncateSync'
      // truncateSync(fd) is deprecated and just forwards to fs.ftruncateSync (green itself).
      ? (args: unknown[]) => typeof args[0] === 'number'
      : STAT_LIKE.has(name) ? (args: unknown[]) => args[1] === null : undefined;
    const green = viaCallbackForm(fs, name, arity, keep, name === 'rmSync');
    if (green !== undefined) out[name] = green;
  }
  return out;
}
