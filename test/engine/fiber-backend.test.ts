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

test('with GREENTHREAD_BACKEND empty the default runs: fibers wherever the self-check passes', () => {
  const child = runChild(`${REPORTING}\n${LOAD}\nreport(native.backend());`, { env: { GREENTHREAD_BACKEND: '' } });
  const out = resultOf(child);
  expect(out.requested).toBeNull();
  if (fibersHere) expect(out).toEqual({ backend: 'fibers', requested: null, fallbackReason: null });
  else expect(out).toEqual({ backend: 'threads', requested: null, fallbackReason: native.fiberSelfCheck().reason });
});

test('a failed canary (forced) falls back to threads with its reason, default or asked for', () => {
  for (const backend of ['', 'fibers']) {
    const out = resultOf(runChild(WORKLOAD, { env: { GREENTHREAD_BACKEND: backend, GREENTHREAD_FIBER_SELFCHECK_FAIL: 'canary' } }));
    expect(out.backend.backend).toBe('threads');
    expect(out.backend.fallbackReason).toMatch(fibersHere ? /^canary: forced to fail by GREENTHREAD_FIBER_SELFCHECK_FAIL$/ : /./);
    expect(out.value).toBe(42);
    expect(out.ring).toBe(true);
  }
});

test('configure({ backend }) chooses before the first green thread, and is refused after it', () => {
  const out = resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    const out = {};
    out.initial = g.hub.stats().backend;
    out.threads = g.configure({ backend: 'threads' }).backend;
    out.statsThreads = [g.hub.stats().backend, g.hub.stats().fallbackReason];
    out.fibers = g.configure({ backend: 'fibers' }).backend;
    const error = (fn) => { try { fn(); return null; } catch (e) { return [e.constructor.name, e.message]; } };
    out.badName = error(() => g.configure({ backend: 'greenlets' }));
    out.badType = error(() => g.configure({ backend: 1 }));
    g.run(() => g.spawn(() => 1).wait()).then(() => {
      const other = out.fibers === 'fibers' ? 'threads' : 'fibers';
      out.same = g.configure({ backend: out.fibers }).backend;
      out.refused = error(() => g.configure({ backend: other }));
      out.after = g.hub.stats().backend;
      report(out);
    });
  `, { env: { GREENTHREAD_BACKEND: '' } }));
  const running = fibersHere ? 'fibers' : 'threads';
  expect(out.initial).toBe(running);
  expect(out.threads).toBe('threads');
  expect(out.statsThreads).toEqual(['threads', null]);
  expect(out.fibers).toBe(running);
  expect(out.badName).toEqual(['TypeError', "configure(): backend must be 'fibers' or 'threads', got string \"greenlets\""]);
  expect(out.badType[0]).toBe('TypeError');
  expect(out.same).toBe(running);
  expect(out.refused[0]).toBe('InvalidStateError');
  expect(out.refused[1]).toMatch(/only be chosen before the first green thread is created \(running: (fibers|threads)\)/);
  expect(out.after).toBe(running);
});

whereFibersPass('hub.stats() counts fiber stacks and V8 thread ids, which finished fibers give back', () => {
  const out = resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    g.run(() => {
      const ev = new g.Event();
      const parked = [];
      for (let i = 0; i < 50; i++) parked.push(g.spawn(() => ev.wait()));
      g.sleep(0);
      const during = g.hub.stats();
      ev.send(1);
      for (const t of parked) t.wait();
      for (let i = 0; i < 5000; i++) g.spawn(() => g.sleep(0)).wait();
      return { during, after: g.hub.stats() };
    }).then(report);
  `, { env: { GREENTHREAD_BACKEND: 'fibers' } }));
  expect(out.during.backend).toBe('fibers');
  expect(out.during.liveThreads).toBe(0);
  expect(out.during.threadsStarted).toBe(0);
  // The 50 parked ones and the green thread running run() hold a stack each.
  expect(out.during.fiberStacks).toBe(51);
  expect(out.during.fiberThreadIds).toBeGreaterThanOrEqual(51);
  // 5,000 more lifecycles reuse the ids the finished ones gave back.
  expect(out.after.fiberThreadIds).toBe(out.during.fiberThreadIds);
  expect(out.after.fiberStacks).toBe(1);
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
