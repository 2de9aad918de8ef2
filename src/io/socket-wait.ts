// The two ways a socket operation waits: on its own Waiter for at most the socket's timeout
// (recv, sendall, accept), and for one event of a Node emitter or its 'error' (listen, bind).
// Both go through the hub's single-slot Waiter; the timeout is an ordinary Timeout recognised
// by identity, so a kill or an outer Timeout arriving meanwhile propagates untouched.
import type { EventEmitter } from 'node:events';
import { SocketTimeoutError, stackless } from '../errors';
import { Timeout } from '../green/timeout';
import type { HubThread } from '../hub/hub-thread';
import { requireGreenThread, Waiter } from '../hub/waiter';

/** What {@link waitTimed} returns when the socket's timeout ran out first. */
export const TIMED_OUT: unique symbol = Symbol('greenthread.socketTimedOut');

/**
 * Waits on `waiter` (made by the calling thread) for at most `seconds` (`null`: no limit).
 * Returns the value it was woken with, or {@link TIMED_OUT}.
 */
export function waitTimed<V>(waiter: Waiter<V>, call: string, seconds: number | null): V | typeof TIMED_OUT {
  if (seconds === null) return waiter.wait(call);
  let timeout: Timeout | null = null;
  try {
    timeout = stackless(() => new Timeout(seconds));
    return waiter.wait(call);
  } catch (error) {
    if (timeout === null) waiter.abandon();
    else if (error === timeout) return TIMED_OUT;
    throw error;
  } finally {
    (timeout as Timeout | null)?.cancel();
  }
}

/** The SocketTimeoutError of `call` after `seconds`. */
export function timedOut(call: string, seconds: number | null): SocketTimeoutError {
  return new SocketTimeoutError(`${call}: timed out after ${seconds ?? 0} s`);
}

/**
 * Blocks the calling green thread until `emitter` emits `event` (returns its first argument)
 * or 'error' (throws it), for at most `seconds`. The emitter must keep an 'error' listener of
 * its own: this one is removed when the wait ends, and an 'error' emitted with no listener
 * would take the process down.
 */
export function waitForEvent(emitter: EventEmitter, event: string, call: string, seconds: number | null = null): unknown {
  const waiter = new Waiter<unknown>(requireGreenThread(call));
  const onEvent = (value: unknown): void => { waiter.wake(value); };
  const onError = (error: unknown): void => { waiter.throw(error); };
  emitter.on(event, onEvent);
  emitter.on('error', onError);
  try {
    const result = waitTimed(waiter, call, seconds);
    if (result === TIMED_OUT) throw timedOut(call, seconds);
    return result;
  } finally {
    emitter.off(event, onEvent);
    emitter.off('error', onError);
  }
}

/**
 * The Waiter for a primitive's next wait in a loop (a socket's reader): its spare one when
 * that belongs to `thread` and is free again, else a new one. Saves an allocation per wait.
 */
export function reuseWaiter(spare: Waiter<void> | null, thread: HubThread): Waiter<void> {
  return spare !== null && spare.thread === thread && spare.recycle() ? spare : new Waiter<void>(thread);
}
