// Blocking on a WaitList with an optional timeout and an optional AbortSignal, shared by Event,
// the semaphores and the queues. The timeout is an ordinary Timeout armed against the waiting
// thread and recognised by identity, so an outer Timeout or a kill that arrives meanwhile is
// never mistaken for it and propagates. The signal is watched the same way (abort-watch.ts).
import { stackless, typeError } from '../errors';
import { Timeout } from '../green/timeout';
import { theHub } from '../hub/hub';
import { unwatchSignal, validateSignal, watchSignal, type SignalWatch } from '../hub/abort-watch';
import type { WaitList } from '../hub/wait-list';
import { validateOptions } from '../validate';

/** What {@link waitOn} returns when its own timeout fired before anything was handed over. */
export const TIMED_OUT: unique symbol = Symbol('greenthread.timedOut');

/**
 * Blocks the calling green thread in `list` until it is handed a value, for at most `seconds`
 * (`null`: no limit) and until `signal` aborts (then its reason is thrown). Returns the value,
 * or {@link TIMED_OUT}. `payload` travels with the thread's entry (a putter's item). Throws
 * NotInGreenThreadError naming `call` from plain JavaScript.
 *
 * When the thread was handed a value and is then interrupted before it runs again:
 * - by this call's own timeout or signal: the hand-over came first, so it wins and its value
 *   is returned (as in eventlet, where whichever of the two wake-ups is scheduled first
 *   resumes the thread);
 * - by anything else (a kill, an outer Timeout): `giveBack(value)` returns the value to the
 *   primitive and the error propagates, so nothing is swallowed.
 *
 * The thread joins the list before the Timeout is armed and the signal watched (arming runs
 * async_hooks callbacks, user code that may suspend): a hand-over made meanwhile is kept, never
 * missed. The caller has checked that `signal` had not aborted when the call began.
 */
export function waitOn<V>(list: WaitList<V>, call: string, seconds: number | null, giveBack?: (value: V) => void,
  payload?: unknown, signal?: AbortSignal): V | typeof TIMED_OUT {
  if (seconds === null && signal === undefined) return list.wait(call, payload, giveBack);
  // The WaitList reports a hand-over cut short through its giveBack; we decide what to do with
  // it once we know which error cut it short.
  let handed = false;
  let value: V | undefined;
  let timeout: Timeout | null = null;
  let watch: SignalWatch | null = null;
  const arm = (): void => {
    if (signal !== undefined) watch = watchSignal(signal, theHub.current as NonNullable<typeof theHub.current>);
    if (seconds !== null) timeout = stackless(() => new Timeout(seconds));
  };
  try {
    return list.wait(call, payload, (v) => { handed = true; value = v; }, arm);
  } catch (error) {
    const own = timeout !== null && error === timeout;
    const aborted = watch !== null && (watch as SignalWatch).thrown && error === (signal as AbortSignal).reason;
    if (handed) {
      if (own || aborted) return value as V;
      giveBack?.(value as V);
    }
    if (own) return TIMED_OUT;
    throw error;
  } finally {
    // Cancelled on every path: a Timeout left armed would fire later, somewhere unrelated.
    (timeout as Timeout | null)?.cancel();
    if (watch !== null) unwatchSignal(watch);
  }
}

/** @internal What {@link readWaitOptions} found in a blocking call's options object. */
export interface WaitOptionValues {
  /** The `block`/`blocking` option; true when absent. Unchecked: the call checks it as before. */
  blocking: unknown;
  /** The `timeout` option, unchecked (the call checks it as it checks a positional one). */
  timeout: unknown;
  signal: AbortSignal | undefined;
}

/**
 * @internal Reads the options object a blocking call takes in place of its positional
 * arguments (`q.get({ timeout, signal })` for `q.get(block, timeout)`). `allowed` are its keys;
 * `rest` is what came after the object, which must be nothing.
 * @throws TypeError for an unknown key, something after the object, or a bad signal; the
 *   signal's reason if it has already aborted.
 */
export function readWaitOptions(options: object, rest: unknown, call: string, allowed: readonly string[]): WaitOptionValues {
  validateOptions(options, call, allowed);
  if (rest !== undefined) throw typeError(`${call}: with an options object, give the timeout in it (no further argument)`);
  const values = options as { block?: unknown; blocking?: unknown; timeout?: unknown; signal?: unknown };
  const given = values.block !== undefined ? values.block : values.blocking;
  const blocking = given === undefined ? true : given;
  return { blocking, timeout: values.timeout, signal: validateSignal(values.signal, call) };
}
