// D5 and D8 (defects-2026-11.md): user code that runs while a blocking call sets up its
// suspension (a thenable's `then` getter, a promise's `constructor` getter, an async_hooks
// `init` callback for the timer a sleep or timed wait starts) may itself suspend; the wake-up
// the outer call waits for must not be lost. Each runs in a child process (the hooks are
// process-wide, and a lost wake-up shows as a script that ends without its result).
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

function run(body: string): unknown {
  return resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    ${body}
  `, { timeoutMs: 20000 }));
}

test('D5: waitFor of a thenable whose then getter suspends', () => {
  expect(run(`
    g.run(() => {
      const thenable = { get then() { g.sleep(0.005); return (resolve) => resolve(5); } };
      return g.waitFor(thenable);
    }).then(report);
  `)).toBe(5);
});

test('D5: waitFor of a promise whose constructor getter suspends', () => {
  expect(run(`
    g.run(() => {
      const p = Promise.resolve(7);
      Object.defineProperty(p, 'constructor', { get() { g.sleep(0.001); return Promise; } });
      return g.waitFor(p);
    }).then(report);
  `)).toBe(7);
});

test('D5: a then getter that suspends while its promise settles meanwhile', () => {
  // The settlement arrives while the thread is still inside the getter's sleep: it is kept.
  expect(run(`
    g.run(() => {
      const settled = new Promise((resolve) => setTimeout(resolve, 1, 'early'));
      const thenable = { get then() { g.sleep(0.02); return (res, rej) => settled.then(res, rej); } };
      return g.waitFor(thenable);
    }).then(report);
  `)).toBe('early');
});

test('D8: sleep() with an async_hooks init callback that suspends', () => {
  expect(run(`
    require('node:async_hooks').createHook({
      init(id, type) { if (type === 'Timeout' && g.inGreenThread()) try { g.sleep(0); } catch {} },
    }).enable();
    g.run(() => { g.spawn(() => g.sleep(0.002)).wait(); return 'woke'; }).then(report);
  `)).toBe('woke');
});

describe('the same window in timed waits: an item or unit that arrives while the Timeout is armed', () => {
  // The init hook suspends the waiter once, while it arms its Timeout; meanwhile another thread
  // makes what it waits for available. It must get it at once, not wait out its timeout.
  const hook = `
    let armed = 0;
    let during = null;
    require('node:async_hooks').createHook({
      init(id, type) { if (type === 'Timeout' && during !== null && g.inGreenThread()) { const f = during; during = null; f(); } },
    }).enable();
    function whileArming(fn) { during = () => { g.spawn(fn); g.sleep(0); }; }
  `;

  test('Queue.get(true, timeout)', () => {
    expect(run(`${hook}
      g.run(() => {
        const q = new g.Queue();
        whileArming(() => q.put('item'));
        return q.get(true, 5);
      }).then(report, (e) => report(String(e)));
    `)).toBe('item');
  });

  test('Queue.put(item, true, timeout) on a full queue', () => {
    expect(run(`${hook}
      g.run(() => {
        const q = new g.Queue(1);
        q.put('first');
        whileArming(() => q.get());
        q.put('second', true, 5);
        return q.get(false);
      }).then(report, (e) => report(String(e)));
    `)).toBe('second');
  });

  test('Semaphore.acquire(true, timeout)', () => {
    expect(run(`${hook}
      g.run(() => {
        const s = new g.Semaphore(0);
        whileArming(() => s.release());
        return s.acquire(true, 5);
      }).then(report, (e) => report(String(e)));
    `)).toBe(true);
  });
});
