// The green fd reads and writes: readSync, writeSync, readvSync, writevSync. Their sync and
// callback forms read their many argument shapes differently (an options object, a null
// offset, a string with position and encoding), so each green one first resolves the
// arguments as the sync form does and hands the callback form only the resolved values.
import { isArrayBufferView } from 'node:util/types';
import type { AnyFunction } from './green-function';
import { callbackResult, sameInCallbackForm } from './green-fs-call';
import { viaCallbackForm } from './green-fs-simple';

type Fs = Readonly<Record<string, unknown>>;

interface Span {
  offset?: unknown;
  length?: unknown;
  position?: unknown;
}

/** An options argument the sync forms destructure the same way we do. */
function isOptionsBag(value: unknown): value is Span | null | undefined {
  return value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value));
}

/** A valid fd (some versions check it in the sync form's binding, after the other arguments). */
function isFd(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0x7fffffff;
}

/** An offset both forms accept as it is (validateInteger(offset, 'offset', 0)). */
function isOffset(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * readSync(fd, buffer, offset, length, position) / (fd, buffer, options?) resolved as the sync
 * form does, or undefined for a shape to leave to the original.
 */
function readArgs(args: unknown[]): unknown[] | undefined {
  const [fd, buffer, offsetOrOptions] = args;
  if (!isFd(fd) || !isArrayBufferView(buffer)) return undefined;
  let offset: unknown = offsetOrOptions;
  let length = args[3];
  let position = args[4];
  if (args.length <= 3 || typeof offsetOrOptions === 'object') {
    if (!isOptionsBag(offsetOrOptions)) return undefined;
    const span: Span = offsetOrOptions ?? Object.create(null) as Span;
    ({ offset = 0, length = buffer.byteLength - (offset as unknown as number), position = null } = span);
  }
  if (offset === undefined) offset = 0;
  // The callback form takes a null offset for 0, the sync one throws: leave that to it.
  if (!isOffset(offset)) return undefined;
  return [fd, buffer, offset, length, position];
}

/**
 * writeSync(fd, buffer, offset?, length?, position?) / (fd, buffer, options) / (fd, string,
 * position?, encoding?) resolved as the sync form does, or undefined to leave to the original.
 */
function writeArgs(args: unknown[]): unknown[] | undefined {
  const [fd, buffer, offsetOrOptions] = args;
  if (!isFd(fd)) return undefined;
  let offset: unknown = offsetOrOptions;
  let length = args[3];
  let position = args[4];
  if (typeof buffer === 'string') {
    // (fd, string, position, encoding): the callback form reads four arguments the same way.
    return [fd, buffer, offset === undefined ? null : offset, length];
  }
  if (!isArrayBufferView(buffer)) return undefined;
  if (typeof offset === 'object') {
    if (!isOptionsBag(offsetOrOptions)) return undefined;
    const span: Span = offsetOrOptions ?? Object.create(null) as Span;
    ({ offset = 0, length = buffer.byteLength - (offset as unknown as number), position = null } = span);
  }
  if (position === undefined) position = null;
  if (offset === undefined || offset === null) offset = 0;
  else if (!isOffset(offset)) return undefined;  // the sync form's own TypeError or RangeError
  if (typeof length !== 'number') length = buffer.byteLength - (offset as number);
  // Any other position the sync form hands to the binding as it is; the callback form drops it.
  if (position !== null && typeof position !== 'number') return undefined;
  return [fd, buffer, offset, length, position];
}

/** The green forms of readSync and writeSync (with `resolve`), readvSync and writevSync. */
export function ioCalls(fs: Fs): Record<string, AnyFunction> {
  const out: Record<string, AnyFunction> = {};
  const resolvers: Record<string, (args: unknown[]) => unknown[] | undefined> = { readSync: readArgs, writeSync: writeArgs };
  for (const [name, resolve] of Object.entries(resolvers)) {
    const original = fs[name] as AnyFunction;
    const asyncFn = fs[name.slice(0, -4)] as AnyFunction;
    const call = `fs.${name}()`;
    out[name] = function (this: unknown, ...args: unknown[]): unknown {
      const resolved = sameInCallbackForm(args) ? resolve(args) : undefined;
      if (resolved === undefined) return Reflect.apply(original, this, args);
      return callbackResult(call, fs, asyncFn, resolved);
    };
  }
  for (const name of ['readvSync', 'writevSync']) {
    const green = viaCallbackForm(fs, name, 3);
    if (green !== undefined) out[name] = green;
  }
  return out;
}
