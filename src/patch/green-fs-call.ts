// The shared machinery of the green fs: when an fs.*Sync call may go to its callback form (and
// when it must stay with the original, for exactness), and the round trip itself, with the
// error and leaked-resource cases the plain blockOnCallback does not know about.
import { isArrayBufferView } from 'node:util/types';
import { restackAtCaller } from '../hub/call-site';
import { blockOnCallback, type NodeCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';

/**
 * Whether arguments of this shape behave the same given to the callback form: no argument is
 * a function (the callback form would take it for its callback), and no options object has
 * symbol keys (Node's module loader passes realpathSync a private cache that way) or a
 * `signal` (which only the callback forms honour). Anything else goes to the original.
 */
export function sameInCallbackForm(args: readonly unknown[]): boolean {
  for (const arg of args) {
    if (typeof arg === 'function') return false;
    if (typeof arg !== 'object' || arg === null || isArrayBufferView(arg) || arg instanceof URL) continue;
    if (Object.getOwnPropertySymbols(arg).length > 0 || 'signal' in arg) return false;
  }
  return true;
}

/** `args` cut or padded with undefined to `arity` entries, so the callback goes last. */
export function fitted(args: readonly unknown[], arity: number): unknown[] {
  const out = args.slice(0, arity);
  while (out.length < arity) out.push(undefined);
  return out;
}

/** What a green fs call does on a failure of the operation itself. */
export type OnFailure = (error: unknown) => unknown;

/**
 * Runs `asyncFn(...args, callback)` on `fs` and suspends the calling green thread until the
 * callback; returns its first result. When the operation fails (not on a kill, Timeout or a
 * synchronous validation error, which propagate), `onFailure` decides: by default the error
 * is thrown; read-only calls whose callback form words an error differently pass a function
 * that asks the original instead.
 */
export function callbackResult(call: string, fs: object, asyncFn: AnyFunction, args: unknown[], onFailure?: OnFailure): unknown {
  let failure: unknown = NONE;
  try {
    return blockOnCallback(call, (done) => {
      Reflect.apply(asyncFn, fs, [...args, (error: unknown, ...results: unknown[]) => {
        if (error !== null && error !== undefined) failure = error;
        done(error, ...results);
      }]);
    })[0];
  } catch (error) {
    if (onFailure === undefined || failure === NONE || error !== failure) throw error;
  }
  try {
    return onFailure(failure);
  } catch (error) {
    // The original's own error, given the caller's stack as the green call's errors have.
    throw restackAtCaller(error);
  }
}

const NONE = Symbol('none');

/**
 * Like callbackResult, for an operation that hands over a resource (an fd, a Dir): if the
 * calling thread is killed or times out while waiting, the resource (which then nobody will
 * get) is released with `release` as soon as it exists, instead of leaking.
 */
export function resourceResult(call: string, fs: object, asyncFn: AnyFunction, args: unknown[], release: (resource: unknown) => void, onFailure?: OnFailure): unknown {
  let abandoned = false;
  let made: { resource: unknown } | undefined;
  const tracked = (...startArgs: unknown[]): void => {
    const callback = startArgs.pop() as NodeCallback;
    Reflect.apply(asyncFn, fs, [...startArgs, (error: unknown, resource: unknown) => {
      if (error === null || error === undefined) {
        if (abandoned) release(resource);
        else made = { resource };
      }
      callback(error, resource);
    }]);
  };
  try {
    return callbackResult(call, fs, tracked, args, onFailure);
  } catch (error) {
    abandoned = true;
    if (made !== undefined) release(made.resource);
    throw error;
  }
}
