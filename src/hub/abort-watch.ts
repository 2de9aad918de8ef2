// AbortSignals on blocking calls. A signal given to a blocking call interrupts its wait as a kill
// or a Timeout does: its reason is thrown into the waiting thread at its suspension point, so each
// primitive stays consistent through the code it already has for interruptions (WaitList gives a
// cut-short hand-over back). All waits on one signal share one 'abort' listener, added with the
// first and removed with the last: a long-lived signal gathers no listeners and never warns.
import { typeError } from '../errors';
import { describe, validateOptions } from '../validate';
import { theHub } from './hub';
import type { HubThread } from './hub-thread';

/** Options of a blocking call that can be interrupted by an AbortSignal. */
export interface SignalOptions {
  /**
   * Aborting it interrupts the call: `signal.reason` is thrown on the waiting green thread.
   * Already aborted: the call throws the reason at once, without waiting.
   */
  signal?: AbortSignal;
}

/** One blocking call watching a signal for one green thread (internal to greenthread). */
export class SignalWatch {
  /** Set when the signal aborted during the watch: its reason was thrown into the thread. */
  thrown = false;
  constructor(readonly signal: AbortSignal, readonly thread: HubThread) {}
}

// The watches of one signal and the one listener they share.
class Watchers {
  readonly watches = new Set<SignalWatch>();

  constructor(readonly signal: AbortSignal) {}

  // Runs wherever abort() was called (plain JavaScript, a timer, another green thread): it only
  // queues the watching threads with the reason, as a Timeout's timer does.
  readonly onAbort = (): void => {
    const signal = this.signal;
    groups.delete(signal);
    signal.removeEventListener('abort', this.onAbort);
    const reason: unknown = signal.reason;
    for (const watch of this.watches) {
      watch.thrown = true;
      theHub.throwInto(watch.thread, reason);
    }
    this.watches.clear();
  };
}

const groups = new WeakMap<AbortSignal, Watchers>();

// An AbortSignal, by what blocking calls use of it (so one from another realm, or a faithful
// polyfill, is accepted as Node's own APIs accept them).
function isAbortSignal(value: unknown): value is AbortSignal {
  if (typeof value !== 'object' || value === null) return false;
  const signal = value as Partial<AbortSignal>;
  return typeof signal.aborted === 'boolean' && typeof signal.addEventListener === 'function' &&
    typeof signal.removeEventListener === 'function';
}

/**
 * Checks a `signal` option of `call` and returns it (undefined when absent). A signal that has
 * already aborted throws its reason now: the call must not start, even when it would not wait.
 * @throws TypeError naming `call` when `signal` is not an AbortSignal.
 */
export function validateSignal(signal: unknown, call: string): AbortSignal | undefined {
  if (signal === undefined) return undefined;
  if (!isAbortSignal(signal)) {
    // Passing the controller instead of its signal is the usual slip: say so.
    const hint = signal instanceof AbortController ? ' (pass controller.signal, not the controller)' : '';
    throw typeError(`${call}: options.signal must be an AbortSignal, got ${describe(signal)}${hint}`);
  }
  if (signal.aborted) throw signal.reason;
  return signal;
}

/**
 * Checks an options argument of `call` whose only key is `signal` (see {@link validateOptions})
 * and returns the signal, as {@link validateSignal} does.
 */
export function signalOption(options: unknown, call: string): AbortSignal | undefined {
  if (options === undefined) return undefined;
  validateOptions(options, call, SIGNAL_ONLY);
  return validateSignal((options as SignalOptions).signal, call);
}

const SIGNAL_ONLY = ['signal'] as const;

/**
 * Starts watching `signal` for `thread` (the calling green thread): if it aborts, its reason
 * is thrown into the thread as a kill would be. End every watch with {@link unwatchSignal}, in
 * a `finally`. Throws the reason at once if the signal has already aborted.
 */
export function watchSignal(signal: AbortSignal, thread: HubThread): SignalWatch {
  if (signal.aborted) throw signal.reason;
  let group = groups.get(signal);
  if (group === undefined) {
    group = new Watchers(signal);
    groups.set(signal, group);
    signal.addEventListener('abort', group.onAbort);
  }
  const watch = new SignalWatch(signal, thread);
  group.watches.add(watch);
  return watch;
}

/**
 * Ends a watch: removes the signal's listener if no other watch needs it. If the reason was
 * thrown into the thread but is still waiting for a suspension point (the thread was already
 * due to throw something else, or it aborted the signal itself), it is withdrawn: the call it
 * was meant for is over, and it must not surface at some unrelated later suspension.
 */
export function unwatchSignal(watch: SignalWatch): void {
  const signal = watch.signal;
  if (watch.thrown) {
    theHub.withdrawThrow(watch.thread, signal.reason);
    return;
  }
  const group = groups.get(signal);
  if (group === undefined || !group.watches.delete(watch) || group.watches.size > 0) return;
  groups.delete(signal);
  signal.removeEventListener('abort', group.onAbort);
}

/**
 * Runs `fn` (a blocking call, made without its signal) so that aborting `signal` interrupts
 * it: the reason is thrown at whatever suspension point the calling green thread is in. From
 * plain JavaScript, where nothing can be interrupted, it just runs `fn` (which throws
 * NotInGreenThreadError itself if it would have to block).
 */
export function underSignal<T>(signal: AbortSignal, fn: () => T): T {
  if (signal.aborted) throw signal.reason;
  const thread = theHub.current;
  if (thread === null) return fn();
  const watch = watchSignal(signal, thread);
  try {
    return fn();
  } finally {
    unwatchSignal(watch);
  }
}
