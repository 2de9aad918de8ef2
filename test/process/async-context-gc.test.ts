// Garbage collection while an AsyncLocalStorage frame (AsyncContextFrame, the continuation-
// preserved embedder data) is current in a green thread, in child processes: V8 visits that
// isolate-wide slot once per archived thread, and before the engine hid it from the collector a
// young frame was copied twice by one scavenge and the heap corrupted (SIGSEGV, V8 fatal errors,
// or "TypeError: no access" under jest, which runs every test inside such a frame). Node 24 and
// 26 use AsyncContextFrame by default; Node 22 is run with the flag that turns it on.
import { CRASH_TEXT, PKG, runChild } from '../helpers';

const major = Number(process.versions.node.split('.')[0]);
const frameFlags = major === 22 || major === 23 ? ['--experimental-async-context-frame'] : [];

function expectClean(result: ReturnType<typeof runChild>, out: string): void {
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe(out);
}

test('a scavenge in a green thread whose AsyncLocalStorage frame was made on the event loop leaves the heap whole', () => {
  const result = runChild(`
    const { AsyncLocalStorage } = require('node:async_hooks');
    const { run } = require(${PKG});
    const als = new AsyncLocalStorage();
    (async () => {
      const seen = [];
      for (let i = 0; i < 50; i++) {
        // A fresh (young) frame, held by the engine for the thread and current in it while
        // the hub thread is archived; two minor GCs copy whatever they are handed.
        const store = await als.run({ i }, () => run(() => {
          globalThis.gc({ type: 'minor' });
          globalThis.gc({ type: 'minor' });
          return als.getStore();
        }));
        seen.push(store.i === i);
      }
      console.log(seen.every(Boolean) ? 'stores kept' : 'stores lost');
    })();
  `, { nodeArgs: ['--expose-gc', ...frameFlags] });
  expectClean(result, 'stores kept');
});

test('allocation-driven collections in a green thread, with other green threads parked, inside AsyncLocalStorage.run', () => {
  const result = runChild(`
    const { AsyncLocalStorage } = require('node:async_hooks');
    const { run, spawn, sleep } = require(${PKG});
    const als = new AsyncLocalStorage();
    function churn() {
      let junk = [];
      for (let k = 0; k < 200000; k++) { junk.push({ k }); if (junk.length > 1000) junk = []; }
    }
    (async () => {
      let kept = true;
      for (let i = 0; i < 20; i++) {
        kept = await als.run({ i }, () => run(() => {
          // Parked threads are archived threads too: each adds a visit of the slot.
          const sleepers = [1, 2, 3].map(() => spawn(() => { sleep(0.001); return als.getStore().i; }));
          churn();
          const mine = als.getStore().i;
          return mine === i && sleepers.every((t) => t.wait() === i);
        })) && kept;
      }
      console.log(kept ? 'stores kept' : 'stores lost');
    })();
  `, { nodeArgs: frameFlags });
  expectClean(result, 'stores kept');
});

test('a huge sendall that times out, inside AsyncLocalStorage.run (the networking test that first crashed)', () => {
  const result = runChild(`
    const { AsyncLocalStorage } = require('node:async_hooks');
    const { run, listen, connect, SocketTimeoutError } = require(${PKG});
    const als = new AsyncLocalStorage();
    (async () => {
      const outcomes = [];
      for (let i = 0; i < 5; i++) {
        outcomes.push(await als.run({ i }, () => run(() => {
          const listener = listen(['127.0.0.1', 0]);
          const client = connect(listener.address());
          const [conn] = listener.accept();
          client.setTimeout(0.1);
          try {
            client.sendall('hello'.repeat(10000000));
            return 'sent';
          } catch (error) {
            return error instanceof SocketTimeoutError && als.getStore().i === i ? 'timed out' : String(error);
          } finally {
            client.close(); conn.close(); listener.close();
          }
        })));
      }
      console.log(outcomes.join(','));
    })();
  `, { nodeArgs: frameFlags, timeoutMs: 60000 });
  expectClean(result, Array(5).fill('timed out').join(','));
});

test('collections on the event loop inside AsyncLocalStorage.run after green threads ended (fiber hosts idle, still archived)', () => {
  // Fiber backend: a finished green thread's host stays parked in V8 as an archived thread,
  // so the slot is visited more than once even with no green thread alive.
  const result = runChild(`
    const { AsyncLocalStorage } = require('node:async_hooks');
    const { run, spawn, sleep, hub } = require(${PKG});
    const als = new AsyncLocalStorage();
    (async () => {
      await run(() => { const ts = []; for (let i = 0; i < 20; i++) ts.push(spawn(() => sleep(0))); ts.forEach((t) => t.wait()); });
      let kept = true;
      for (let i = 0; i < 30; i++) {
        await als.run({ i }, async () => {
          let junk = [];
          for (let k = 0; k < 100000; k++) { junk.push({ k }); if (junk.length > 1000) junk = []; }
          globalThis.gc({ type: 'minor' });
          await Promise.resolve();
          kept = kept && als.getStore().i === i;
        });
      }
      console.log(kept && hub.stats().liveGreenThreads === 0 ? 'stores kept' : 'stores lost');
    })();
  `, { nodeArgs: ['--expose-gc', ...frameFlags] });
  expectClean(result, 'stores kept');
});
