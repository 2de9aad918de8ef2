// The green fs functions that need more than their callback form with the same arguments:
// whole-file reads and writes, existence and stat checks (their no-throw modes), realpath and
// its `.native`, and the calls that hand over an fd or a Dir (released if the caller is killed).
import { isArrayBufferView } from 'node:util/types';
import { blockOnCallback } from './block-on-callback';
import { greenVariant, type AnyFunction } from './green-function';
import { callbackResult, fitted, resourceResult, sameInCallbackForm } from './green-fs-call';
import { viaCallbackForm } from './green-fs-simple';

type Fs = Readonly<Record<string, unknown>>;

const ignore = (): void => {};

/** Data both writeFileSync and the callback writeFile accept the same way. */
function writableData(data: unknown): boolean {
  return typeof data === 'string' || isArrayBufferView(data);
}

/** readFileSync, writeFileSync, appendFileSync. */
function wholeFileCalls(fs: Fs): Record<string, AnyFunction> {
  const readFileSync = fs.readFileSync as AnyFunction;
  const readFile = fs.readFile as AnyFunction;
  const out: Record<string, AnyFunction> = {
    readFileSync(this: unknown, ...args: unknown[]): unknown {
      // An fd: the callback form's errors differ (a bad fd gives a TypeError on Node 20-26).
      if (typeof args[0] === 'number' || !sameInCallbackForm(args)) return Reflect.apply(readFileSync, this, args);
      // Its read errors are worded differently on some versions (EISDIR with a path on 26):
      // the original, run again, says what it would have said.
      return callbackResult('fs.readFileSync()', fs, readFile, fitted(args, 2), () => Reflect.apply(readFileSync, this, args));
    },
  };
  for (const name of ['writeFileSync', 'appendFileSync']) {
    // Data the sync form rejects (or converts differently) goes to it, for its own error.
    const green = viaCallbackForm(fs, name, 3, (args) => !writableData(args[1]));
    if (green !== undefined) out[name] = green;
  }
  return out;
}

/** existsSync, statSync and lstatSync (with `throwIfNoEntry: false`). */
function checkCalls(fs: Fs): Record<string, AnyFunction> {
  const access = fs.access as AnyFunction;
  const F_OK = (fs.constants as { F_OK: number }).F_OK;
  const out: Record<string, AnyFunction> = {
    existsSync(path: unknown): boolean {
      return blockOnCallback('fs.existsSync()', (done) => {
        try {
          access(path, F_OK, (error: unknown) => done(null, error === null || error === undefined));
        } catch {
          done(null, false);  // a path existsSync would not accept: false, never an error
        }
      })[0] as boolean;
    },
  };
  for (const name of ['statSync', 'lstatSync']) {
    const original = fs[name] as AnyFunction;
    const asyncFn = fs[name.slice(0, -4)] as AnyFunction;
    const call = `fs.${name}()`;
    out[name] = function (this: unknown, ...args: unknown[]): unknown {
      // null options: see STAT_LIKE.
      if (!sameInCallbackForm(args) || args[1] === null) return Reflect.apply(original, this, args);
      const options = args[1] as { throwIfNoEntry?: unknown } | undefined;
      if (options === undefined || options.throwIfNoEntry !== false) {
        return callbackResult(call, fs, asyncFn, fitted(args, 2));
      }
      // ENOENT is undefined on every version; ENOTDIR is undefined from Node 22, thrown
      // before: the original, run again, answers the rest.
      return callbackResult(call, fs, asyncFn, fitted(args, 2), (error) =>
        (error as { code?: unknown }).code === 'ENOENT' ? undefined : Reflect.apply(original, this, args));
    };
  }
  return out;
}

/** realpathSync with a green `.native`. */
function realpathCalls(fs: Fs): Record<string, AnyFunction> {
  const realpathSync = viaCallbackForm(fs, 'realpathSync', 2) as AnyFunction & { native?: AnyFunction };
  const nativeSync = (fs.realpathSync as { native?: unknown }).native;
  const nativeAsync = (fs.realpath as { native?: unknown }).native;
  if (typeof nativeSync === 'function' && typeof nativeAsync === 'function') {
    const nativeGreen = function (this: unknown, ...args: unknown[]): unknown {
      if (!sameInCallbackForm(args)) return Reflect.apply(nativeSync, this, args);
      return callbackResult('fs.realpathSync.native()', fs, nativeAsync as AnyFunction, fitted(args, 2));
    };
    realpathSync.native = greenVariant(nativeSync as AnyFunction, nativeGreen);
  }
  return { realpathSync };
}

/**
 * Options whose bufferSize the Dir constructor accepts: the callback form checks it only in its
 * callback, where a RangeError would be an uncaught exception instead of the caller's error.
 */
function isDirOptions(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return true;
  const size = (options as { bufferSize?: unknown }).bufferSize;
  return size === undefined || (Number.isInteger(size) && (size as number) >= 1 && (size as number) <= 0xffffffff);
}

/** openSync and opendirSync: an fd or Dir nobody will get is closed. */
function resourceCalls(fs: Fs): Record<string, AnyFunction> {
  const close = fs.close as AnyFunction;
  const openSync = fs.openSync as AnyFunction;
  const opendirSync = fs.opendirSync as AnyFunction;
  const open = fs.open as AnyFunction;
  const opendir = fs.opendir as AnyFunction;
  return {
    openSync(this: unknown, ...args: unknown[]): unknown {
      if (!sameInCallbackForm(args)) return Reflect.apply(openSync, this, args);
      return resourceResult('fs.openSync()', fs, open, fitted(args, 3), (fd) => close(fd, ignore));
    },
    opendirSync(this: unknown, ...args: unknown[]): unknown {
      if (!sameInCallbackForm(args) || !isDirOptions(args[1])) return Reflect.apply(opendirSync, this, args);
      // The sync form's errors have no path: the original, run again, words them.
      return resourceResult('fs.opendirSync()', fs, opendir, fitted(args, 2),
        (dir) => (dir as { close(cb: () => void): void }).close(ignore), () => Reflect.apply(opendirSync, this, args));
    },
  };
}

/** The green forms of the functions above. */
export function fileCalls(fs: Fs): Record<string, AnyFunction> {
  return { ...wholeFileCalls(fs), ...checkCalls(fs), ...realpathCalls(fs), ...resourceCalls(fs) };
}
