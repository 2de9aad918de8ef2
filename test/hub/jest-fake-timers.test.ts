// The README's fake-timer recipe for jest, exactly as written there: the hub keeps running on the
// real setImmediate, and sleep()/Timeout follow jest's fake clock. The synchronous
// advanceTimersByTime needs the threads to have reached their sleeps first (await hubTurn()).
import { hubTurn, run, sleep, Timeout, waitFor, withTimeout } from '../../src';

beforeEach(() => { jest.useFakeTimers(); });
afterEach(() => { jest.useRealTimers(); });

test('await jest.advanceTimersByTimeAsync(ms) runs green threads between the timers it fires', async () => {
  const done = run(() => { sleep(1); sleep(2); return 'ok'; });
  await jest.advanceTimersByTimeAsync(3000);
  await expect(done).resolves.toBe('ok');
});

test('await hubTurn(); jest.advanceTimersByTime(ms)', async () => {
  const done = run(() => { sleep(1); return 'ok'; });
  await hubTurn();                     // the thread is now in sleep(1), on a fake timer
  jest.advanceTimersByTime(1000);
  await expect(done).resolves.toBe('ok');
});

test('without the hubTurn, a synchronous advance finds no timer yet (why the recipe needs it)', async () => {
  let slept = false;
  const done = run(() => { sleep(1); slept = true; });
  jest.advanceTimersByTime(1000);      // the thread has not started: nothing to advance
  await hubTurn();
  expect(slept).toBe(false);
  jest.advanceTimersByTime(1000);
  await done;
  expect(slept).toBe(true);
});

test('a Timeout fires on the fake clock', async () => {
  const done = run(() => withTimeout(5, () => { sleep(60); return 'slept'; }, { timeoutValue: 'timed out' }));
  await hubTurn();
  jest.advanceTimersByTime(5000);
  await expect(done).resolves.toBe('timed out');
  const t = run(() => { const timeout = new Timeout(1); try { sleep(2); } catch (e) { return e === timeout; } return false; });
  await jest.advanceTimersByTimeAsync(1000);
  await expect(t).resolves.toBe(true);
});

test('hubTurn also waits for threads woken by promise reactions meanwhile', async () => {
  const log: string[] = [];
  const done = run(() => {
    log.push(`got ${waitFor(Promise.resolve('a'))}`);
    sleep(1);
    log.push('slept');
  });
  await hubTurn();                     // through the waitFor, into the sleep
  expect(log).toEqual(['got a']);
  jest.advanceTimersByTime(1000);
  await done;
  expect(log).toEqual(['got a', 'slept']);
});
