// Exit paths on the fiber backend, where they differ from threads: thousands of fibers parked
// on deep stacks of the hub's own OS thread (exit discards every one of them), a fiber that a
// finishing fiber switched straight into, and Workers each with their own fibers, terminated
// while parked or while one spins. Every way out ends with the expected code or signal, never
// a V8 fatal error, an abort, a segfault or a hang. exit-paths.test.ts holds the general cases
// (the whole suite also runs under fibers). Each child prints its backend first; it must be fibers.
import { ChildResult, CRASH_TEXT, PKG, runNode, startNode } from '../helpers';
import { FIBERS_ENV, describeOnFibers } from '../engine/fiber-child';

jest.setTimeout(120000);

/** An inline script on fibers: `g`, `never`, `deepPark(n)` (parks n frames deep), `parkMany(count)`. */
function script(body: string): string {
  return `'use strict';
const g = require(${PKG});
const never = new Promise(() => {});
if (require('node:worker_threads').isMainThread) console.log('backend ' + g.hub.stats().backend);
function deepPark(n) { const keep = { n, list: [n] }; return n === 0 ? g.waitFor(never) : deepPark(n - 1) + keep.list[0]; }
function parkMany(count) { for (let i = 0; i < count; i++) g.spawn(deepPark, 20 + (i % 180)); }
${body}`;
}

function run(body: string, timeoutMs = 60000): ChildResult {
  return runNode(['-e', script(body)], { env: FIBERS_ENV, timeoutMs });
}

/** The child said it ran on fibers (first line) and nothing on stderr hints at a crash. */
function expectOnFibersNoCrash(result: ChildResult): string {
  expect(result.stdout.split('\n')[0]).toBe('backend fibers');
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  return result.stdout.split('\n').slice(1).join('\n');
}

function expectExit(result: ChildResult, status: number): string {
  const rest = expectOnFibersNoCrash(result);
  expect({ status: result.status, signal: result.signal }).toEqual({ status, signal: null });
  return rest;
}

describeOnFibers('exit paths with fibers', () => {
  test('the loop running dry with 10,000 fibers parked 20-200 frames deep: exit 0, every one discarded', () => {
    const result = run(`
      parkMany(10000);
      g.spawn(() => { g.sleep(0.01); const s = g.hub.stats(); console.log('live', s.liveCoroutines, 'stacks', s.fiberStacks); });
      process.on('exit', (code) => console.log('exit', code));
    `);
    expect(expectExit(result, 0)).toBe('live 10001 stacks 10001\nexit 0\n');
    expect(result.stderr).toBe('');
  });

  test('process.exit(3) in a fiber while 5,000 are parked deep and one is always ready: exit 3', () => {
    const result = run(`
      parkMany(5000);
      g.spawn(() => { for (;;) g.sleep(0); });
      g.spawn(function deepExit(n = 100) { if (n > 0) return deepExit(n - 1); g.sleep(0.01); console.log('exiting'); process.exit(3); });
      process.on('exit', (code) => console.log('exit event', code));
    `);
    expect(expectExit(result, 3)).toBe('exiting\nexit event 3\n');
  });

  test('process.exit(4) in a fiber a finishing fiber switched straight into', () => {
    // a ends while b is ready: the engine switches from a's finish straight into b.
    const result = run(`
      parkMany(1000);
      g.spawn(() => {
        g.sleep(0.01);
        const a = g.spawn(() => 'a done');
        const b = g.spawn(() => { console.log('b runs after', a.dead ? 'a finished' : 'a alive'); process.exit(4); });
        a.wait();
        b.wait();
      });
    `);
    expect(expectExit(result, 4)).toBe('b runs after a finished\n');
  });

  test('an error thrown 200 frames deep in a fiber rejects run(); unhandled, the process exits 1', () => {
    const result = run(`
      parkMany(2000);
      g.spawnN(function deepThrow(n = 200) { if (n > 0) return deepThrow(n - 1) + 1; g.sleep(0); throw new Error('spawnN boom'); });
      g.run(function deepThrow(n = 200) { if (n > 0) return deepThrow(n - 1) + 1; g.sleep(0.01); throw new Error('run boom'); });
    `);
    expectExit(result, 1);
    expect(result.stderr).toContain('spawnN boom');
    expect(result.stderr).toContain('run boom');
  });

  test('an uncaught error in plain code while 5,000 fibers are parked deep: exit 1', () => {
    const result = run(`
      parkMany(5000);
      g.spawn(() => { g.sleep(0.01); setImmediate(() => { throw new Error('plain boom'); }); g.waitFor(never); });
    `);
    expectExit(result, 1);
    expect(result.stderr).toContain('plain boom');
  });

  // Finished fibers leave their stacks (and V8 threads) idle for reuse: every way out must end
  // those too.
  const idle = `g.run(() => { const ts = []; for (let i = 0; i < 300; i++) ts.push(g.spawn(() => { g.sleep(0); return 1; })); return ts.reduce((s, t) => s + t.wait(), 0); })`;
  test.each([
    ['the loop running dry', '', 0],
    ['process.exit(3)', 'process.exit(3);', 3],
    ['an uncaught error', 'setImmediate(() => { throw new Error("late boom"); });', 1],
  ])('%s with 300 finished fibers\' stacks idle and none live: clean exit', (_name, then, status) => {
    const result = run(`${idle}.then((n) => { const s = g.hub.stats(); console.log(n, s.liveCoroutines, s.fiberStacks, s.fiberStacksPooled > 0); ${then} });`);
    expect(expectExit(result, status as number)).toBe('300 0 0 true\n');
  });

  describe('signals with fibers parked deep', () => {
    const parked = `
      parkMany(5000);
      g.spawn(() => { g.sleep(0.01); console.log('ready'); g.sleep(1000); });
    `;
    const spinning = `
      parkMany(2000);
      g.spawn(() => { g.sleep(0.01); console.log('ready'); for (;;) {} });
    `;
    async function deliver(body: string, signal: NodeJS.Signals): Promise<ChildResult> {
      const child = startNode(['-e', script(body)], { env: FIBERS_ENV, timeoutMs: 60000 });
      await child.waitForOutput('ready');
      child.child.kill(signal);
      return child.exited;
    }

    test.each(['SIGINT', 'SIGTERM'] as NodeJS.Signals[])('%s while 5,000 fibers are parked: killed by it', async (signal) => {
      const result = await deliver(parked, signal);
      expectOnFibersNoCrash(result);
      expect({ status: result.status, signal: result.signal }).toEqual({ status: null, signal });
    });

    test.each(['SIGINT', 'SIGTERM'] as NodeJS.Signals[])('%s while a fiber spins and 2,000 are parked: killed by it', async (signal) => {
      const result = await deliver(spinning, signal);
      expectOnFibersNoCrash(result);
      expect({ status: result.status, signal: result.signal }).toEqual({ status: null, signal });
    });

    test('a SIGTERM handler that exits from a new fiber while 5,000 are parked: its code', async () => {
      const result = await deliver(`
        process.on('SIGTERM', () => g.spawn(function deep(n = 50) { if (n > 0) return deep(n - 1); g.sleep(0); process.exit(9); }));
        ${parked}
      `, 'SIGTERM');
      expect(expectExit(result, 9)).toBe('ready\n');
    });
  });

  describe('Workers, each with its own fibers', () => {
    // A Worker's body (on fibers: the environment is inherited) reports its backend first.
    function worker(body: string): string {
      return JSON.stringify(script(`const { parentPort } = require('node:worker_threads');
        parentPort.postMessage('backend ' + g.hub.stats().backend);
        ${body}`));
    }

    test('terminate() of four Workers at once, each with 1,000 fibers parked deep: code 1 each, the main thread goes on', () => {
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const code = ${worker(`parkMany(1000); setInterval(() => {}, 1000); g.spawn(() => { g.sleep(0.01); parentPort.postMessage('parked'); });`)};
        const ws = Array.from({ length: 4 }, () => new Worker(code, { eval: true }));
        const backends = [];
        const exits = ws.map((w) => new Promise((resolve) => w.on('exit', resolve)));
        let parked = 0;
        for (const w of ws) w.on('message', (m) => {
          if (m.startsWith('backend')) backends.push(m);
          else if (++parked === 4) {
            for (const x of ws) x.terminate();
            Promise.all(exits).then((codes) => {
              console.log(backends.join(','), 'terminated', codes.join(','));
              g.run(() => { g.sleep(0); return 'main fibers fine'; }).then(console.log);
            });
          }
        });
      `);
    expect(expectExit(result, 0)).toBe(`${Array(4).fill('backend fibers').join(',')} terminated 1,1,1,1\nmain fibers fine\n`);
    });

    test('terminate() while a Worker\'s fiber spins in a loop and 1,000 are parked: code 1', () => {
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const w = new Worker(${worker(`parkMany(1000); g.spawn(() => { g.sleep(0.01); parentPort.postMessage('spinning'); for (;;) {} });`)}, { eval: true });
        w.on('message', (m) => {
          if (m === 'spinning') w.terminate().then((code) => console.log('terminated', code));
          else console.log(m);
        });
      `);
      expect(expectExit(result, 0)).toBe('backend fibers\nterminated 1\n');
    });

    test('terminate() while a Worker\'s fiber recurses until RangeError over and over: code 1', () => {
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const w = new Worker(${worker(`parkMany(200); g.spawn(() => { g.sleep(0.01); parentPort.postMessage('overflowing'); for (;;) { try { (function f() { f(); })(); } catch {} } });`)}, { eval: true });
        w.on('message', (m) => {
          if (m === 'overflowing') setTimeout(() => w.terminate().then((code) => console.log('terminated', code)), 50);
          else console.log(m);
        });
      `);
      expect(expectExit(result, 0)).toBe('backend fibers\nterminated 1\n');
    });

    test('process.exit(5) in a Worker\'s fiber while 1,000 are parked there ends only that Worker', () => {
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const w = new Worker(${worker(`parkMany(1000); g.spawn(function deep(n = 80) { if (n > 0) return deep(n - 1); g.sleep(0.01); process.exit(5); });`)}, { eval: true });
        w.on('message', (m) => console.log(m));
        w.on('exit', (code) => { console.log('worker exit', code); g.run(() => g.spawn(() => 'main goes on').wait()).then(console.log); });
      `);
      expect(expectExit(result, 0)).toBe('backend fibers\nworker exit 5\nmain goes on\n');
    });

    test('terminate() and process.exit() of Workers whose finished fibers\' stacks are idle', () => {
      const body = (last: string) => worker(`${idle}.then(() => { parentPort.postMessage('idle ' + (g.hub.stats().fiberStacksPooled > 0)); ${last} }); setInterval(() => {}, 1000);`);
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const seen = [];
        const terminated = new Worker(${body('')}, { eval: true });
        terminated.on('message', (m) => { seen.push(m); if (m.startsWith('idle')) terminated.terminate(); });
        terminated.on('exit', (code) => {
          seen.push('terminated ' + code);
          const exiting = new Worker(${body('process.exit(6);')}, { eval: true });
          exiting.on('message', (m) => seen.push(m));
          exiting.on('exit', (code) => console.log(seen.join(', '), 'exit', code));
        });
      `);
      expect(expectExit(result, 0)).toBe('backend fibers, idle true, terminated 1, backend fibers, idle true exit 6\n');
    });

    test('twenty Workers in a row, each ending with 500 fibers parked (loop dry): exit 0, nothing leaks into the next', () => {
      const result = run(`
        const { Worker } = require('node:worker_threads');
        const code = ${worker(`parkMany(500); g.spawn(() => { g.sleep(0.001); parentPort.postMessage('stats ' + g.hub.stats().liveCoroutines); });`)};
        let n = 0;
        const seen = new Set();
        (function next() {
          if (n++ === 20) { console.log([...seen].join(',')); return; }
          const w = new Worker(code, { eval: true });
          w.on('message', (m) => seen.add(m));
          w.on('exit', (code) => { seen.add('exit ' + code); next(); });
        })();
      `);
      expect(expectExit(result, 0)).toBe('backend fibers,stats 501,exit 0\n');
    });
  });
});
