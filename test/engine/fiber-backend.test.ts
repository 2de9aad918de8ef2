// The fiber backend (native/engine/engine-fiber.cc), opt-in through GREENTHREAD_BACKEND=fibers
// and read once when the addon loads: where the self-check passes, green threads run as fibers
// (values, yields, throws, rings of switches, queue ping-pong, many lifecycles, deep recursion,
// Workers); a failed check, forced by name, an unknown backend name or no variable leave the
// thread backend running, with the reason on backend(). Every case runs in a child process.
import { native } from '../../src/engine/binding';
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

jest.setTimeout(60000);

const fibersHere = native.fiberSelfCheck().ok;
const whereFibersPass = fibersHere ? test : test.skip;

const LOAD = `const g = require(${PKG});
const native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});`;

// The same workload under either backend; reports what ran and where.
const WORKLOAD = `${REPORTING}
${LOAD}
(async () => {
  const out = { backend: native.backend() };
  out.value = await g.run(() => g.spawn((a, b) => a + b, 20, 22).wait());
  out.yields = await g.run(() => { let n = 0; const t = g.spawn(() => { for (let i = 0; i < 5; i++) { n++; g.sleep(0); } return n; }); return t.wait(); });
  out.thrown = await g.run(() => { g.sleep(0); throw new Error('boom'); }).then(() => null, (e) => e.message);
  out.ring = await g.run(() => {
    const order = [];
    const ts = [];
    for (let i = 0; i < 10; i++) ts.push(g.spawn(() => { for (let k = 0; k < 100; k++) { order.push(i); g.sleep(0); } }));
    for (const t of ts) t.wait();
    return order.length === 1000 && order.slice(0, 20).join() === '0,1,2,3,4,5,6,7,8,9,0,1,2,3,4,5,6,7,8,9';
  });
  out.pingPong = await g.run(() => {
    const a = new g.Queue(1), b = new g.Queue(1);
    let sum = 0;
    const p = g.spawn(() => { for (let i = 0; i < 2000; i++) { a.put(i); sum += b.get(); } });
    const q = g.spawn(() => { for (let i = 0; i < 2000; i++) b.put(a.get()); });
    p.wait(); q.wait();
    return sum;
  });
  out.lifecycles = await g.run(() => { let n = 0; for (let i = 0; i < 20000; i++) n += g.spawn(() => 1).wait(); return n; });
  out.recursion = await g.run(() => g.spawn(() => { function f(d) { return f(d + 1) + 1; } try { f(0); } catch (e) { return e.constructor.name; } }).wait());
  out.live = g.hub.stats().liveCoroutines;
  report(out);
})();`;

whereFibersPass('GREENTHREAD_BACKEND=fibers: green threads run as fibers, and behave as with threads', () => {
  const fibers = resultOf(runChild(WORKLOAD, { env: { GREENTHREAD_BACKEND: 'fibers' } }));
  expect(fibers.backend).toEqual({ backend: 'fibers', requested: 'fibers', fallbackReason: null });
  const threads = resultOf(runChild(WORKLOAD, { env: { GREENTHREAD_BACKEND: 'threads' } }));
  expect(threads.backend).toEqual({ backend: 'threads', requested: 'threads', fallbackReason: null });
  const { backend: _f, ...onFibers } = fibers;
  const { backend: _t, ...onThreads } = threads;
  expect(onFibers).toEqual({ value: 42, yields: 5, thrown: 'boom', ring: true, pingPong: 1999000, lifecycles: 20000, recursion: 'RangeError', live: 0 });
  expect(onThreads).toEqual(onFibers);
});

test('with GREENTHREAD_BACKEND empty the thread backend runs, with no fallback reason', () => {
  const child = runChild(`${REPORTING}\n${LOAD}\nreport(native.backend());`, { env: { GREENTHREAD_BACKEND: '' } });
  expect(resultOf(child)).toEqual({ backend: 'threads', requested: '', fallbackReason: null });
});

test('a failed self-check (forced) falls back to threads, keeps the reason, and green threads work', () => {
  const child = runChild(WORKLOAD, { env: { GREENTHREAD_BACKEND: 'fibers', GREENTHREAD_FIBER_SELFCHECK_FAIL: 'thread-id-live' } });
  const out = resultOf(child);
  expect(out.backend.backend).toBe('threads');
  expect(out.backend.fallbackReason).toMatch(/^thread-id-live: /);
  expect(out.value).toBe(42);
  expect(out.pingPong).toBe(1999000);
});

test('an unknown backend name keeps threads and says so', () => {
  const out = resultOf(runChild(`${REPORTING}\n${LOAD}\nreport(native.backend());`, { env: { GREENTHREAD_BACKEND: 'coroutines' } }));
  expect(out.backend).toBe('threads');
  expect(out.fallbackReason).toMatch(/GREENTHREAD_BACKEND=coroutines names no backend/);
});

whereFibersPass('Workers run their own green threads as fibers', () => {
  const source = `${REPORTING}
    const { Worker } = require('node:worker_threads');
    const code = ${JSON.stringify(`
      const { parentPort } = require('node:worker_threads');
      const g = require(${PKG});
      const native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});
      g.run(() => { const ts = []; for (let i = 0; i < 10; i++) ts.push(g.spawn(() => { let s = 0; for (let k = 0; k < 50; k++) { s += k; g.sleep(0); } return s; })); return ts.map((t) => t.wait()); })
        .then((sums) => parentPort.postMessage({ backend: native.backend().backend, sums }));
    `)};
    const results = [];
    for (let i = 0; i < 2; i++) {
      const w = new Worker(code, { eval: true });
      w.on('message', (m) => { results.push(m); if (results.length === 2) report(results); });
    }`;
  const out = resultOf(runChild(source, { env: { GREENTHREAD_BACKEND: 'fibers' } }));
  expect(out).toEqual([1, 2].map(() => ({ backend: 'fibers', sums: Array(10).fill(1225) })));
});
