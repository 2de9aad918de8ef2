// outcome(): what a call returned or threw, as plain data that toEqual can compare between a
// green variant (inside a green thread) and the original (outside): values with Buffers as
// hex, errors as their prototype, class, message and every own property but the stack.
import { types } from 'node:util';
import { run } from '../../src';

// Errors made by Node's internals come from jest's outer realm, those made in the test's own
// code from its vm context: prototypes are compared by shape, not identity.
function protoShape(proto: object | null): string {
  return proto === null ? 'null' : `${(proto as { constructor?: { name?: string } }).constructor?.name}{${Object.getOwnPropertyNames(proto).sort().join(',')}}`;
}

/** Replaces parts of an outcome that differ from run to run (pids, racy output sizes). */
export type Mask = (key: string, value: unknown) => unknown;

function describe(value: unknown, mask: Mask, seen: Set<object>): unknown {
  if (typeof value === 'bigint') return { bigint: value.toString() };
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  try {
    if (Buffer.isBuffer(value)) return { Buffer: value.toString('hex') };
    if (ArrayBuffer.isView(value)) return { [value.constructor.name]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
    if (types.isAnyArrayBuffer(value)) return { ArrayBuffer: Buffer.from(value as ArrayBuffer).toString('hex') };
    if (Array.isArray(value)) return value.map((v, i) => mask(String(i), describe(v, mask, seen)));
    const proto = Object.getPrototypeOf(value) as object | null;
    const out: Record<string, unknown> = {};
    if (types.isNativeError(value)) {
      out['(class)'] = (value as Error).constructor.name;
      out['(prototype)'] = protoShape(proto);
      out['(message)'] = (value as Error).message;
      out['(name)'] = (value as Error).name;
    } else if (proto !== null && (proto as { constructor?: { name?: string } }).constructor?.name !== 'Object') {
      out['(class)'] = (value as object).constructor?.name;
      if ('export' in value && typeof (value as { export: unknown }).export === 'function') {
        out['(type)'] = (value as { type?: unknown }).type;
        return out;  // KeyObjects: random, compared by type
      }
    }
    out['(keys)'] = Object.keys(value);
    for (const key of Object.keys(value)) {
      if (key === 'stack') continue;
      const v = (value as Record<string, unknown>)[key];
      out[key] = v === value ? '[self]' : mask(key, describe(v, mask, seen));
    }
    return out;
  } finally {
    seen.delete(value);
  }
}

const noMask: Mask = (_key, value) => value;

/** What `fn()` did: `{ returned }` or `{ threw }`, as comparable data. */
export function outcome(fn: () => unknown, mask: Mask = noMask): unknown {
  try {
    return { returned: mask('(returned)', describe(fn(), mask, new Set())) };
  } catch (error) {
    return { threw: mask('(threw)', describe(error, mask, new Set())) };
  }
}

/** outcome() of `fn` run inside a green thread. */
export function greenOutcome(fn: () => unknown, mask: Mask = noMask): Promise<unknown> {
  return run(() => outcome(fn, mask));
}
