// Argument checks shared by the public API: each throws the TypeError or RangeError a Node
// user expects, naming the call and the argument.

export function validateFunction(value: unknown, call: string, name = 'fn'): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new TypeError(`${call}: ${name} must be a function, got ${describe(value)}`);
  }
}

/** A duration in seconds: a finite number >= 0 (negative is treated as 0, like eventlet). */
export function validateSeconds(value: unknown, call: string, name = 'seconds'): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`${call}: ${name} must be a number of seconds, got ${describe(value)}`);
  }
  if (value === Infinity) throw new RangeError(`${call}: ${name} must be finite`);
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
