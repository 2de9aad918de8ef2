// The two errors of the queue family (eventlet.queue.Empty / Full, Python's queue.Empty /
// queue.Full). Branded like the errors of errors.ts: a fixed `name` and `code`, and `instanceof`
// that also recognises instances made by another loaded copy of greenthread.
import { branded, setBrand } from '../errors';

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
