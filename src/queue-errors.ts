// The two errors of the queue family (eventlet.queue.Empty / Full, Python's queue.Empty /
// queue.Full). Same pattern as errors.ts: a fixed `name` and `code`, and `instanceof` that also
// recognises instances made by another loaded copy of greenthread (shared `Symbol.for` brand).

const brand = Symbol.for('greenthread.error');

function branded(name: string) {
  return function hasInstance(this: unknown, value: unknown): boolean {
    if (typeof this === 'function' && Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    const tag = (value as { [brand]?: readonly string[] } | null | undefined)?.[brand];
    return Array.isArray(tag) && tag.includes(name);
  };
}

function setBrand(error: Error, names: readonly string[]): void {
  Object.defineProperty(error, brand, { value: names, enumerable: false });
}

/**
 * A queue had no item to give: `get(false)` / `getNowait()` on an empty queue (with no putter
 * parked to take an item from), or `get(true, timeout)` whose timeout ran out first.
 */
export class Empty extends Error {
  static override [Symbol.hasInstance] = branded('Empty');
  readonly code = 'ERR_QUEUE_EMPTY';
  constructor(message = 'the queue is empty') {
    super(message);
    this.name = 'Empty';
    setBrand(this, ['Empty']);
  }
}

/**
 * A queue had no room for an item: `put(item, false)` / `putNowait(item)` on a full queue (or
 * on a channel, `maxsize` 0, with no getter parked to hand it to), or `put(item, true,
 * timeout)` whose timeout ran out first.
 */
export class Full extends Error {
  static override [Symbol.hasInstance] = branded('Full');
  readonly code = 'ERR_QUEUE_FULL';
  constructor(message = 'the queue is full') {
    super(message);
    this.name = 'Full';
    setBrand(this, ['Full']);
  }
}
