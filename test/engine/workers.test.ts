// Workers (node:worker_threads): each Worker has its own hub and engine. Green threads in the
// main thread and in Workers interleave independently with correct results; terminate() with
// green threads parked or busy, process.exit() in a Worker's green thread and Workers ending on
// their own all end cleanly; repeated Worker create/terminate does not leak OS threads; and a
// Worker may use greenthread even when the main thread never loaded it. Every scenario runs in
// a child process, so a crash cannot take jest down.
import * as fs from 'node:fs';
import { native } from '../../src/engine/binding';
import { ChildResult, CRASH_TEXT, fixtureDir, PKG, runNode, REPORTING, resultOf } from '../helpers';

jest.setTimeout(120000);

// Worker scripts, loaded by path. `g` is the package, `never` a promise that never settles.
const prelude = `'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const g = require(${PKG});
const never = new Promise(() => {});
`;

const dir = fixtureDir({
  // Runs `threads` green threads that each take `steps` turns (sleep(0), timers, promises),
  // records the order in which they ran, and answers with the sums; also reports what its hub
  // sees while the threads run. Sets its slot in `flags` when done (Atomics), for the main thread.
  'interleave-worker.js': `${prelude}
const { threads, steps, slot, flags } = workerData;
g.run(() => {
  const trace = [];
  const ts = [];
  for (let t = 0; t < threads; t++) {
    ts.push(g.spawn((id) => {
      let sum = 0;
      for (let s = 0; s < steps; s++) {
        trace.push(id);
        sum += id * 1000 + s;
        if (s % 3 === 0) g.sleep(0);
        else if (s % 3 === 1) g.waitFor(Promise.resolve());
        else g.sleep(0.001);
      }
      return sum;
    }, t));
  }
  const seen = g.hub.threads().length;
  const sums = ts.map((t) => t.wait());
  return { sums, firstRound: trace.slice(0, threads), traceLength: trace.length, seen };
}).then((result) => {
  Atomics.store(new Int32Array(flags), slot, 1);
  parentPort.postMessage(result);
});
`,
  // Parks green threads in every kind of wait, then says 'parked'.
  'parked-worker.js': `${prelude}
const forever = g.spawn(() => g.waitFor(never));
for (let i = 0; i < (workerData && workerData.count || 10); i++) {
  g.spawn((k) => {
    if (k % 3 === 0) g.waitFor(never);
    else if (k % 3 === 1) g.sleep(1000);
    else forever.wait();
  }, i);
}
function deep(n) { return n === 0 ? g.waitFor(never) : deep(n - 1) + 1; }
g.spawn(deep, 200);
g.spawn(() => { g.sleep(0.01); parentPort.postMessage('parked'); });
`,
  // One green thread spins forever after saying 'busy'; others are parked.
  'busy-worker.js': `${prelude}
for (let i = 0; i < 5; i++) g.spawn(() => g.waitFor(never));
g.spawn(() => { g.sleep(0.01); parentPort.postMessage('busy'); let n = 0; for (;;) { n++; } });
`,
  // Many green threads switching as fast as they can (sleep(0), settled promises).
  'switching-worker.js': `${prelude}
for (let i = 0; i < 20; i++) g.spawn(() => { let x = 0; for (;;) { g.sleep(0); if (++x % 3 === 0) g.waitFor(Promise.resolve(x)); } });
g.spawn(() => { g.sleep(0.005); parentPort.postMessage('switching'); });
`,
  // process.exit(2) from a green thread while others are parked.
  'exit-worker.js': `${prelude}
for (let i = 0; i < 5; i++) g.spawn(() => g.waitFor(never));
g.spawn(() => { g.sleep(0.01); process.exit(2); });
`,
  // A green thread finishes; the Worker's loop then runs dry (optionally with threads parked).
  'done-worker.js': `${prelude}
if (workerData && workerData.park) for (let i = 0; i < 5; i++) g.spawn(() => g.waitFor(never));
g.run(() => { g.sleep(0.005); return 21 * 2; }).then((v) => parentPort.postMessage(v));
`,
  // Its own configure() settings, and deep recursion in its green threads.
  'stack-worker.js': `${prelude}
g.configure({ stackSize: 256 * 1024 });
function depth() { let d = 0; function f() { d++; f(); } try { f(); } catch (e) { return e instanceof RangeError ? d : String(e); } }
g.run(() => { const a = depth(); g.sleep(0); return [a, depth()]; })
  .then((depths) => parentPort.postMessage({ depths, stackSize: g.configure().stackSize }));
`,
  // A rejected run() with no handler in a Worker.
  'throw-worker.js': `${prelude}
g.spawn(() => g.waitFor(never));
g.run(() => { g.sleep(0.005); throw new Error('worker green thread failed'); });
`,
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs a main-thread script (inline) in a child process; `W(name)` is a worker script's path. */
function runMain(body: string, options: { loadInMain?: boolean; timeoutMs?: number } = {}): ChildResult {
  const source = `'use strict';
const { Worker } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
${options.loadInMain === false ? '' : `const g = require(${PKG});`}
const W = (name) => path.join(${JSON.stringify(dir)}, name);
const osThreads = () => Number(/Threads:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
function start(name, workerData) { return new Worker(W(name), { workerData }); }
function once(worker, event) { return new Promise((resolve) => worker.once(event, resolve)); }
${REPORTING}
(async () => {
${body}
})().catch((error) => { console.error('FAILED', error); process.exit(99); });
`;
  return runNode(['-e', source], { timeoutMs: options.timeoutMs ?? 60000 });
}

test('the main thread and two Workers each run their own hub; results are correct', () => {
  const threads = 6;
  const steps = 30;
  const child = runMain(`
    const flags = new SharedArrayBuffer(8);
    const view = new Int32Array(flags);
    const workers = [0, 1].map((slot) => start('interleave-worker.js', { threads: ${threads}, steps: ${steps}, slot, flags }));
    const answers = workers.map((w) => once(w, 'message'));
    const exits = workers.map((w) => once(w, 'exit'));
    // Meanwhile the main thread's hub runs its own green threads; one of them spins until both
    // Workers are done, which only works if the Workers' green threads never need this thread.
    const main = await g.run(() => {
      const trace = [];
      const ts = [];
      for (let t = 0; t < ${threads}; t++) ts.push(g.spawn((id) => {
        let sum = 0;
        for (let s = 0; s < ${steps}; s++) { trace.push(id); sum += id * 1000 + s; if (s % 2) g.sleep(0); else g.sleep(0.001); }
        return sum;
      }, t));
      const seen = g.hub.threads().length;
      const spinner = g.spawn(() => { while (Atomics.load(view, 0) === 0 || Atomics.load(view, 1) === 0) {} return 'workers done'; });
      return { sums: ts.map((t) => t.wait()), firstRound: trace.slice(0, ${threads}), seen, spinner: spinner.wait() };
    });
    report({ main, workers: await Promise.all(answers), exits: await Promise.all(exits) });
  `);
  const result = resultOf(child);
  const expectedSums = Array.from({ length: threads }, (_, id) => id * 1000 * steps + (steps * (steps - 1)) / 2);
  const everyThreadOnce = Array.from({ length: threads }, (_, id) => id);
  expect(result.main.sums).toEqual(expectedSums);
  expect(result.main.spinner).toBe('workers done');
  // Round-robin: every thread ran once before any ran twice (they interleave).
  expect([...result.main.firstRound].sort()).toEqual(everyThreadOnce);
  // Each hub sees only its own green threads: the caller of run() and the ones it spawned.
  expect(result.main.seen).toBe(threads + 1);
  for (const worker of result.workers) {
    expect(worker.sums).toEqual(expectedSums);
    expect([...worker.firstRound].sort()).toEqual(everyThreadOnce);
    expect(worker.traceLength).toBe(threads * steps);
    expect(worker.seen).toBe(threads + 1);
  }
  expect(result.exits).toEqual([0, 0]);
});

test('each Worker has its own configure() settings; deep recursion in its green threads is a RangeError', () => {
  const child = runMain(`
    g.configure({ stackSize: 2 * 1024 * 1024 });
    const w = start('stack-worker.js');
    const message = once(w, 'message');
    const exit = once(w, 'exit');
    const fromWorker = await message;
    const exitCode = await exit;
    report({ fromWorker, exitCode, main: g.configure().stackSize });
  `);
  const { fromWorker, exitCode, main } = resultOf(child);
  expect(main).toBe(2 * 1024 * 1024);
  expect(fromWorker.stackSize).toBe(256 * 1024);
  expect(fromWorker.depths).toEqual([expect.any(Number), expect.any(Number)]);
  expect(fromWorker.depths[0]).toBeGreaterThan(100);
  expect(exitCode).toBe(0);
});

test('Worker.terminate() with green threads parked: terminate resolves and the main thread carries on', () => {
  const child = runMain(`
    const w = start('parked-worker.js');
    const exit = once(w, 'exit');
    await once(w, 'message');
    const code = await w.terminate();
    const exitCode = await exit;
    // The main thread can still spawn and run green threads.
    const sum = await g.run(() => {
      const ts = [];
      for (let i = 0; i < 20; i++) ts.push(g.spawn((k) => { g.sleep(0.001); return k; }, i));
      return ts.reduce((a, t) => a + t.wait(), 0);
    });
    report({ code, exitCode, sum });
  `);
  expect(resultOf(child)).toEqual({ code: 1, exitCode: 1, sum: 190 });
});

test('Worker.terminate() while a green thread in it runs a busy loop: terminate resolves, no hang', () => {
  const child = runMain(`
    const w = start('busy-worker.js');
    const exit = once(w, 'exit');
    await once(w, 'message');
    const code = await w.terminate();
    const exitCode = await exit;
    const after = await g.run(() => { g.sleep(0.001); return 'main ok'; });
    report({ code, exitCode, after });
  `);
  expect(resultOf(child)).toEqual({ code: 1, exitCode: 1, after: 'main ok' });
});

test('Worker.terminate() while its green threads switch rapidly lands anywhere and still ends cleanly', () => {
  const child = runMain(`
    const codes = [];
    for (let i = 0; i < 30; i++) {
      const w = start('switching-worker.js');
      await once(w, 'message');
      await new Promise((resolve) => setTimeout(resolve, i % 5));
      codes.push(await w.terminate());
    }
    const after = await g.run(() => { g.sleep(0.001); return 'main ok'; });
    report({ codes, after });
  `);
  expect(resultOf(child)).toEqual({ codes: Array.from({ length: 30 }, () => 1), after: 'main ok' });
});

test('process.exit(2) in a green thread of a Worker: its exit event has code 2, the main thread is fine', () => {
  const child = runMain(`
    const w = start('exit-worker.js');
    const errors = [];
    w.on('error', (e) => errors.push(String(e)));
    const exitCode = await once(w, 'exit');
    const after = await g.run(() => { g.sleep(0.001); return 'main ok'; });
    report({ exitCode, errors, after });
  `);
  expect(resultOf(child)).toEqual({ exitCode: 2, errors: [], after: 'main ok' });
});

test('a Worker whose loop runs dry (with or without green threads parked) exits with 0', () => {
  const child = runMain(`
    const out = [];
    for (const park of [false, true]) {
      const w = start('done-worker.js', { park });
      const message = once(w, 'message');
      const exit = once(w, 'exit');
      out.push([await message, await exit]);
    }
    report(out);
  `);
  expect(resultOf(child)).toEqual([[42, 0], [42, 0]]);
});

test('an unhandled rejection of run() in a Worker is the Worker\'s error; the main thread is fine', () => {
  const child = runMain(`
    const w = start('throw-worker.js');
    const error = once(w, 'error');
    const exitCode = await once(w, 'exit');
    const after = await g.run(() => 'main ok');
    report({ error: String((await error).message), exitCode, after });
  `);
  expect(resultOf(child)).toEqual({ error: 'worker green thread failed', exitCode: 1, after: 'main ok' });
});

describe('the process ending while Workers have green threads', () => {
  // Two Workers, one with a green thread spinning and one with all its green threads parked.
  const setup = `
    const workers = [start('busy-worker.js'), start('parked-worker.js')];
    await Promise.all(workers.map((w) => once(w, 'message')));
  `;

  test('process.exit(3) in a green thread of the main thread: exit 3', () => {
    const child = runMain(`${setup}
      g.spawn(() => { g.sleep(0.001); process.exit(3); });
    `);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 3, signal: null });
    expect(child.stderr).not.toMatch(CRASH_TEXT);
  });

  test('an uncaught error in the main thread: exit 1 with the error on stderr', () => {
    const child = runMain(`${setup}
      setTimeout(() => { throw new Error('main thread failed'); });
    `);
    expect({ status: child.status, signal: child.signal }).toEqual({ status: 1, signal: null });
    expect(child.stderr).toContain('main thread failed');
    expect(child.stderr).not.toMatch(CRASH_TEXT);
  });
});

test('20 create/terminate cycles of Workers with parked green threads do not leak OS threads', () => {
  const cycles = 20;
  const perWorker = 20;
  const child = runMain(`
    async function cycle() {
      const w = start('parked-worker.js', { count: ${perWorker} });
      await once(w, 'message');
      const during = osThreads();
      await w.terminate();
      return during;
    }
    await cycle();  // warm-up: the main thread's own lazily started threads
    const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
    // Exiting threads leave asynchronously: wait (boundedly) for the count to drop to \`limit\`,
    // or without a limit until it stops changing.
    async function settledThreads(limit) {
      let last = -1;
      for (let i = 0; i < 100; i++) {
        const now = osThreads();
        if (limit === undefined ? now === last : now <= limit) return now;
        last = now;
        await sleep(50);
      }
      return osThreads();
    }
    const before = await settledThreads();
    let peak = 0;
    for (let i = 0; i < ${cycles}; i++) peak = Math.max(peak, await cycle());
    const after = await settledThreads(before + 10);
    report({ before, after, peak });
  `, { timeoutMs: 90000 });
  const { before, after, peak } = resultOf(child);
  if (native.backend().backend === 'fibers') {
    // Fibers: the Worker's green threads live on its own OS thread, none of their own.
    expect(peak).toBeLessThan(before + perWorker);
  } else {
    // The scenario is real: while a Worker lived, its green threads had OS threads.
    expect(peak).toBeGreaterThanOrEqual(before + perWorker);
  }
  // Leaking the green threads' OS threads would add more than cycles × perWorker threads.
  expect(after).toBeLessThan(before + 40);
});

describe('a Worker that loads greenthread while the main thread never did', () => {
  // Then the addon is unloaded when the Worker's environment goes away, so no engine thread may
  // still be running addon code by then.
  test('ends cleanly when its loop runs dry, repeatedly', () => {
    const child = runMain(`
      const out = [];
      for (let i = 0; i < 15; i++) {
        const w = start('done-worker.js', { park: i % 2 === 1 });
        const message = once(w, 'message');
        const exit = once(w, 'exit');
        out.push([await message, await exit]);
      }
      report(out);
    `, { loadInMain: false });
    expect(resultOf(child)).toEqual(Array.from({ length: 15 }, () => [42, 0]));
  });

  test.each([
    ['with green threads parked', 'parked-worker.js'],
    ['while a green thread runs a busy loop', 'busy-worker.js'],
  ])('ends cleanly on terminate() %s, repeatedly', (_, script) => {
    const child = runMain(`
      const codes = [];
      for (let i = 0; i < 15; i++) {
        const w = start(${JSON.stringify(script)});
        await once(w, 'message');
        codes.push(await w.terminate());
      }
      report(codes);
    `, { loadInMain: false });
    expect(resultOf(child)).toEqual(Array.from({ length: 15 }, () => 1));
  });

  test('ends cleanly on process.exit() in a green thread, repeatedly', () => {
    const child = runMain(`
      const codes = [];
      for (let i = 0; i < 15; i++) codes.push(await once(start('exit-worker.js'), 'exit'));
      report(codes);
    `, { loadInMain: false });
    expect(resultOf(child)).toEqual(Array.from({ length: 15 }, () => 2));
  });
});
