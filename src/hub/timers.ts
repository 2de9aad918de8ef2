// Timers for sleep() and Timeout: the global setTimeout (so fake timers control them, as users
// expect), without its cap. Node turns any delay above 2^31-1 ms (about 24.8 days) into 1 ms
// with a warning; here a longer delay is armed in steps of the largest allowed one.

const MAX_DELAY_MS = 2 ** 31 - 1;

/** A timer started by {@link startTimer}; stop it with {@link stopTimer}. */
export type Timer = ReturnType<typeof setTimeout> | LongTimer;

class LongTimer {
  #handle: ReturnType<typeof setTimeout>;

  constructor(private readonly fire: (a: unknown, b: unknown) => void, remainingMs: number, private readonly a: unknown, private readonly b: unknown) {
    this.#handle = this.#arm(remainingMs);
  }

  #arm(remainingMs: number): ReturnType<typeof setTimeout> {
    if (remainingMs <= MAX_DELAY_MS) return setTimeout(this.fire, remainingMs, this.a, this.b);
    return setTimeout(() => { this.#handle = this.#arm(remainingMs - MAX_DELAY_MS); }, MAX_DELAY_MS);
  }

  stop(): void {
    clearTimeout(this.#handle);
  }
}

/** Calls `fire(a, b)` after `ms` milliseconds (any finite length). */
export function startTimer<A, B>(fire: (a: A, b: B) => void, ms: number, a: A, b: B): Timer {
  if (ms <= MAX_DELAY_MS) return setTimeout(fire, ms, a, b);
  return new LongTimer(fire as (a: unknown, b: unknown) => void, ms, a, b);
}

/** Stops a timer from {@link startTimer}; harmless if it has fired. */
export function stopTimer(timer: Timer): void {
  if (timer instanceof LongTimer) timer.stop();
  else clearTimeout(timer);
}
