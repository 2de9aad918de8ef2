// hubTurn(): a promise for tests that use fake timers. The hub runs green threads on the real
// setImmediate, which fake timers do not control; a test awaits this to let the threads it
// started reach their sleeps (armed on the faked setTimeout) before it advances the fake clock.
import { realSetImmediate, theHub } from './hub';

/**
 * Resolves once the hub has run every green thread that is ready to run, including those woken
 * meanwhile (by promise reactions, or by each other): the next real event-loop turn after the
 * hub's work is done. Use it with fake timers, whose synchronous `advanceTimersByTime`/`tick`
 * sees only the timers green threads have already started:
 *
 * ```ts
 * jest.useFakeTimers();
 * const done = run(() => { sleep(1); return 'ok'; });
 * await hubTurn();              // the thread runs up to sleep(1), arming a (fake) timer
 * jest.advanceTimersByTime(1000);
 * await done;                   // 'ok'
 * ```
 *
 * It works whatever fake-timer library is installed (it uses the real setImmediate). A green
 * thread that never stops being ready (looping on `sleep(0)` for ever) keeps it pending.
 */
export function hubTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = (): void => {
      if (theHub.turnPending) realSetImmediate(check);
      else resolve();
    };
    realSetImmediate(check);
  });
}
