// Argument checks shared by the public API: each throws the TypeError or RangeError a Node
// user expects, naming the call and the argument.
import { rangeError, typeError } from './errors';

export function validateFunction(value: unknown, call: string, name = 'fn'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw typeError(`${call}: ${name} must be a function, got ${describe(value)}`);
  }
}

/**
 * A count or size: a safe integer >= 0 (eventlet: TypeError for a non-integer, ValueError below 0).
 * @throws TypeError for a non-number or a non-integer; RangeError for a negative one or one
 *   above `Number.MAX_SAFE_INTEGER` (counting past it loses units).
 */
export function validateCount(value: unknown, call: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw typeError(`${call}: ${name} must be an integer, got ${describe(value)}`);
  }
  if (value < 0) throw rangeError(`${call}: ${name} must be >= 0, got ${value}`);
  if (value > Number.MAX_SAFE_INTEGER) throw rangeError(`${call}: ${name} must be at most Number.MAX_SAFE_INTEGER, got ${value}`);
  return value;
}

/**
 * An options argument: `undefined`, or a plain object (`{ ... }`) whose own keys are all in
 * `allowed` (a misspelt option must not be silently ignored). The values are the caller's to check.
 * @throws TypeError for anything else, naming the call and the first unknown key.
 */
export function validateOptions(options: unknown, call: string, allowed: readonly string[]): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) throw typeError(`${call}: options must be a plain object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const shown = JSON.stringify(key.length > 40 ? key.slice(0, 40) + '…' : key).slice(1, -1);
      throw typeError(`${call}: unknown option '${shown}'; expected one of: ${allowed.join(', ')}`);
    }
  }
}

// An object literal, or Object.create(null): its prototype is null or an Object.prototype
// (of any realm, so options made in a vm context pass too).
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * The body of a green thread: a function, and not an `async` one (or async generator). A green
 * thread would run an async function only until its first `await`; the rest would run later on
 * the event loop, outside any green thread, where blocking calls throw. A plain function that
 * returns a promise is accepted: the promise is its result.
 * @throws TypeError naming the call and saying what to write instead.
 */
export function validateGreenFunction(value: unknown, call: string, name = 'fn'): asserts value is (...args: never[]) => unknown {
  validateFunction(value, call, name);
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (tag === 'AsyncFunction' || tag === 'AsyncGeneratorFunction') {
    throw typeError(`${call}: ${name} is an async function, but a green thread runs it only until its first ` +
      '`await`: the code after it runs later on the event loop, outside the green thread, where blocking calls ' +
      'throw. Pass a plain function and block with waitFor(promise) where it would await');
  }
}

/** A duration in seconds: a finite number >= 0 (negative is treated as 0, like eventlet). */
export function validateSeconds(value: unknown, call: string, name = 'seconds'): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw typeError(`${call}: ${name} must be a number of seconds, got ${describe(value)}`);
  }
  if (value === Infinity) throw rangeError(`${call}: ${name} must be finite`);
  return value < 0 ? 0 : value;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an instance of ${(value as object).constructor?.name ?? 'Object'}`;
  return typeof value;
}
