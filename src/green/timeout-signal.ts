// timeoutSignal(): AbortSignal.timeout() for green threads. The signal aborts, with a Timeout as
// its reason, after a delay — but only while the green thread that made it lives: the timer is
// tied to the thread (like an armed Timeout), so it is cancelled when the thread ends and never
// holds the event loop open after it. It throws nothing into the thread by itself.
import { NotInGreenThreadError } from '../errors';
import { theHub } from '../hub/hub';
import type { HubThread, ThreadBound } from '../hub/hub-thread';
import { startTimer, stopTimer, type Timer } from '../hub/timers';
import { validateSeconds } from '../validate';
import { Timeout } from './timeout';

function fire(bound: SignalTimer): void {
  bound.fired();
}

// The timer of one timeoutSignal, bound to the thread that made it.
class SignalTimer implements ThreadBound {
  readonly #timer: Timer;

  constructor(private readonly controller: AbortController, private readonly reason: Timeout,
    private readonly owner: HubThread, ms: number) {
    this.#timer = startTimer(fire, ms, this, undefined);
    (owner.bound ??= new Set()).add(this);
  }

  fired(): void {
    this.owner.bound?.delete(this);
    this.controller.abort(this.reason);
  }

  ownerEnded(): void {
    stopTimer(this.#timer);
  }
}

/**
 * Returns an AbortSignal that aborts after `seconds`, with a {@link Timeout} as its reason (so
 * `error instanceof Timeout` and `Timeout.isTimeout(error)` recognise what an operation that
 * took the signal throws; its message is "timed out after N seconds" and its stack shows where
 * timeoutSignal was called). It is tied to the calling green thread: when that thread ends
 * first, the timer is cancelled — the signal then never aborts and does not keep the process
 * alive. Unlike `new Timeout(seconds)`, it throws nothing into the thread itself: only the calls
 * that took the signal are interrupted.
 *
 * ```ts
 * const signal = timeoutSignal(2);
 * const res = waitFor(fetch(url, { signal }));    // the request and the wait end after 2 s
 * const body = waitFor(res.text());               // the same 2 s budget covers the body
 * const job = queue.get({ signal });              // ...and anything else given the signal
 * ```
 * @throws NotInGreenThreadError outside a green thread (use `AbortSignal.timeout()` there).
 * @throws TypeError if `seconds` is not a number; RangeError if it is Infinity.
 */
export function timeoutSignal(seconds: number): AbortSignal {
  const delay = validateSeconds(seconds, 'timeoutSignal()');
  const owner = theHub.current;
  if (owner === null) throw new NotInGreenThreadError('timeoutSignal()', 'is tied to the calling green thread');
  // Made now, so its stack shows the caller; cancelled at once: the signal's own timer fires it.
  const reason = new Timeout(delay);
  reason.cancel();
  const controller = new AbortController();
  new SignalTimer(controller, reason, owner, delay * 1000);
  return controller.signal;
}
