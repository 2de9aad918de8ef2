// Stress and limits: deep recursion in a green thread throws a catchable RangeError with every
// stack size; configure() validation; many green threads switching under
// `--stress-compaction` keep their data intact across moving GCs; 10,000 concurrent green
// threads; 100,000 spawn/wait cycles with OS threads and RSS staying bounded; and ThreadLimitError
// (not a crash) when the OS refuses a thread. The heavy scenarios run in child processes.
import { spawnSync } from 'node:child_process';
import { configure, hub } from '../../src';
import { ChildResult, CRASH_TEXT, PKG, root, runNode, REPORTING, resultOf } from '../helpers';

jest.setTimeout(180000);

const MiB = 1024 * 1024;

/** Runs an inline script (with `g` bound to the package) and returns what it reported. */
function runScript(body: string, options: { nodeArgs?: string[]; timeoutMs?: number } = {}): ChildResult {
  return runNode([...(options.nodeArgs ?? []), '-e', script(body)], { timeoutMs: options.timeoutMs ?? 120000 });
}

function script(body: string): string {
  return `'use strict';
const g = require(${PKG});
const fs = require('node:fs');
const never = new Promise(() => {});
const osThreads = () => Number(/Threads:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
${REPORTING}
function fail(error) { console.error('FAILED', error && error.stack || error); process.exit(99); }
${body}
`;
}

describe('deep recursion in a green thread', () => {
  // For each stack size: plain recursion, recursion through builtins and accessors (which put
  // V8's C++ frames on the stack too), each caught in the green thread, which then suspends and
  // carries on; other green threads are parked deep in their own stacks meanwhile.
  const sizes: Array<number | null> = [null, 256 * 1024, 8 * MiB];
  test.each(sizes.map((size) => [size === null ? 'default' : `${size / 1024} KiB`, size] as const))(
    'throws a catchable RangeError with the %s stack, and the thread continues', (_label, size) => {
      const child = runScript(`
        ${size === null ? '' : `g.configure({ stackSize: ${size} });`}
        const cases = {
          plain: () => { let depth = 0; function f() { depth++; f(); } try { f(); } finally { cases.depth = depth; } },
          forEach: () => { function f() { [1].forEach(f); } f(); },
          stringify: () => { let a = []; for (let i = 0; i < 300000; i++) a = [a]; JSON.stringify(a); },
          getter: () => { const o = {}; Object.defineProperty(o, 'x', { get() { return o.x; } }); return o.x; },
          proxy: () => { const p = new Proxy({}, { get(t, k) { return p[k]; } }); return p.x; },
          toString: () => { const o = { toString() { return String(o); } }; return String(o); },
          replace: () => { function f(s) { return s.replace(/a/, () => f(s)); } f('a'); },
          evalNesting: () => { eval('('.repeat(200000) + '1' + ')'.repeat(200000)); },
        };
        function parkedDeep(n) { return n === 0 ? g.waitFor(never) : parkedDeep(n - 1) + 1; }
        for (let i = 0; i < 20; i++) g.spawn(parkedDeep, 50 + i * 10);
        g.run(() => {
          const out = {};
          for (const [name, fn] of Object.entries(cases)) {
            if (name === 'depth') continue;
            try { fn(); out[name] = 'no error'; }
            catch (error) { out[name] = error instanceof RangeError ? 'RangeError' : String(error); }
            g.sleep(0);  // the thread still switches after an overflow
          }
          // ... and still works, recursion included.
          function sum(n) { return n === 0 ? 0 : n + sum(n - 1); }
          g.sleep(0.001);
          out.after = sum(1000);
          out.depth = cases.depth;
          return out;
        }).then((out) => report({ out, stackSize: g.configure().stackSize, live: g.hub.stats().liveCoroutines }), fail);
      `);
      const { out, stackSize, live } = resultOf(child);
      expect(stackSize).toBe(size ?? MiB);
      expect(out).toEqual({
        // V8 14 (Node 26) serialises nested arrays without recursing: that case no longer overflows.
        plain: 'RangeError', forEach: 'RangeError', stringify: Number(process.versions.v8.split('.')[0]) >= 14 ? 'no error' : 'RangeError', getter: 'RangeError',
        proxy: 'RangeError', toString: 'RangeError', replace: 'RangeError', evalNesting: 'RangeError',
        after: 500500, depth: expect.any(Number),
      });
      expect(out.depth).toBeGreaterThan(100);
      expect(live).toBe(20);
    });

  test.each([['default', 0], ['256 KiB', 256 * 1024]])('suspending at the very edge of the %s stack works or throws RangeError, never crashes', (_label, size) => {
    // Recurse until the stack overflows, then block (sleep, waitFor, wait) right there: the
    // blocking call either suspends with the little stack left, or overflows itself (a RangeError
    // the next frame up catches, which then tries again with a bit more room).
    const child = runScript(`
      if (${size}) g.configure({ stackSize: ${size} });
      let switches = 0;
      function viaSleep(n) { try { return viaSleep(n + 1); } catch (e) { g.sleep(0); switches++; return n; } }
      function viaWaitFor(n) { try { return viaWaitFor(n + 1); } catch (e) { g.waitFor(Promise.resolve(1)); switches++; return n; } }
      function viaWait(n) { try { return viaWait(n + 1); } catch (e) { g.spawn(() => 5).wait(); switches++; return n; } }
      for (let i = 0; i < 5; i++) g.spawn(() => { for (let j = 0; j < 50; j++) g.sleep(0); });
      g.run(() => [viaSleep(0), viaWaitFor(0), viaWait(0)])
        .then((depths) => report({ deep: depths.every((d) => d > 100), switches }), fail);
    `);
    expect(resultOf(child)).toEqual({ deep: true, switches: 3 });
  });

  test('a larger stack allows deeper recursion than a smaller one', () => {
    const child = runScript(`
      function depth() { let d = 0; function f() { d++; f(); } try { f(); } catch (e) { if (!(e instanceof RangeError)) throw e; } return d; }
      (async () => {
        const out = [];
        for (const size of [256 * 1024, ${MiB}, ${16 * MiB}]) {
          g.configure({ stackSize: size });
          out.push(await g.run(() => { const a = depth(); g.sleep(0); return [a, depth()]; }));
        }
        report(out);
      })().catch(fail);
    `);
    const [[small, small2], [medium, medium2], [large, large2]] = resultOf(child);
    expect(small2).toBeGreaterThan(100);
    expect(medium).toBeGreaterThan(small);
    expect(large).toBeGreaterThan(medium);
    // Overflowing once does not shrink what the thread can use afterwards by much.
    expect(small2).toBeGreaterThan(small / 2);
    expect(medium2).toBeGreaterThan(medium / 2);
    expect(large2).toBeGreaterThan(large / 2);
  });
});

describe('configure()', () => {
  afterEach(() => {
    configure({ stackSize: MiB });
  });

  test('returns the settings in force and applies a valid stack size', () => {
    const { backend } = hub.stats();
    expect(configure()).toEqual({ stackSize: MiB, backend });
    expect(configure({})).toEqual({ stackSize: MiB, backend });
    expect(configure({ stackSize: 256 * 1024 })).toEqual({ stackSize: 256 * 1024, backend });
    expect(configure({ stackSize: undefined })).toEqual({ stackSize: 256 * 1024, backend });
    expect(configure({ stackSize: 1024 * MiB })).toEqual({ stackSize: 1024 * MiB, backend });
  });

  test.each([1.5, 262144.5, '1048576', NaN, Infinity, null, true, 10n])('a non-integer stackSize (%p) is a TypeError', (value) => {
    expect(() => configure({ stackSize: value as unknown as number })).toThrow(TypeError);
    expect(configure().stackSize).toBe(MiB);
  });

  test.each([0, -1, 1000, 256 * 1024 - 1, 1024 * MiB + 1, Number.MAX_SAFE_INTEGER, -MiB])('an out-of-range stackSize (%p) is a RangeError', (value) => {
    expect(() => configure({ stackSize: value })).toThrow(RangeError);
    expect(configure().stackSize).toBe(MiB);
  });

  test('an unknown option is a TypeError that names it', () => {
    expect(() => configure({ stacksize: MiB } as never)).toThrow(TypeError);
    expect(() => configure({ stacksize: MiB } as never)).toThrow(/stacksize/);
    expect(() => configure({ stackSize: MiB, maxThreads: 5 } as never)).toThrow(/maxThreads/);
  });

  test('options that are not an object are a TypeError', () => {
    for (const value of [null, 5, 'stackSize']) {
      expect(() => configure(value as never)).toThrow(TypeError);
    }
  });
});

test('many green threads switching under --stress-compaction keep their data intact', () => {
  const child = runScript(`
    const N = 120, ROUNDS = 40;
    // Optimised code on parked stacks too: warm these up first.
    function mix(a, b) { return (a * 31 + b) | 0; }
    for (let i = 0; i < 200000; i++) mix(i, i + 1);
    function makeState(id) {
      const arr = Array.from({ length: 40 }, (_, i) => ({ id, i, s: 'v' + id + '_' + i, nested: [i, { d: i * id }], f: i + 0.5 }));
      const map = new Map(arr.map((o) => [o.s, o]));
      const weak = new WeakMap(arr.map((o) => [o, o.i]));
      let counter = 0;
      const closure = () => ++counter;
      return { arr, map, weak, closure, buf: Buffer.alloc(512, id & 0xff), big: 'x'.repeat(2000 + id), typed: Float64Array.from({ length: 64 }, (_, i) => i * id + 0.25), get counter() { return counter; } };
    }
    function check(id, st, round) {
      for (let i = 0; i < st.arr.length; i++) {
        const o = st.arr[i];
        if (o.id !== id || o.i !== i || o.s !== 'v' + id + '_' + i || o.nested[0] !== i || o.nested[1].d !== i * id || o.f !== i + 0.5) throw new Error('array data changed in ' + id);
        if (st.map.get(o.s) !== o || st.weak.get(o) !== i) throw new Error('map identity changed in ' + id);
      }
      if (st.counter !== round) throw new Error('closure state changed in ' + id);
      if (!st.buf.every((b) => b === (id & 0xff))) throw new Error('buffer changed in ' + id);
      if (st.big.length !== 2000 + id) throw new Error('string changed in ' + id);
      for (let i = 0; i < 64; i++) if (st.typed[i] !== i * id + 0.25) throw new Error('typed array changed in ' + id);
    }
    // Each thread suspends several frames deep, with live locals in every frame.
    function frame(id, st, depth, round) {
      const local = { depth, tag: 'f' + depth + '_' + id, data: [depth, id, round] };
      let r;
      if (depth > 0) r = frame(id, st, depth - 1, round);
      else {
        if ((round + id) % 9 === 0) gc();
        const k = round % 4;
        if (k === 0) g.sleep(0);
        else if (k === 1) g.sleep(0.001);
        else if (k === 2) r = g.waitFor(Promise.resolve({ round }));
        else { const junk = []; for (let i = 0; i < 2000; i++) junk.push({ i, s: 'j' + i }); g.sleep(0); }
      }
      if (local.depth !== depth || local.tag !== 'f' + depth + '_' + id || local.data[0] !== depth || local.data[1] !== id || local.data[2] !== round) throw new Error('frame local changed in ' + id);
      if (depth === 0 && round % 4 === 2 && (!r || r.round !== round)) throw new Error('resume value changed in ' + id);
      return mix(depth, id);
    }
    g.run(() => {
      const ts = [];
      for (let id = 0; id < N; id++) ts.push(g.spawn((id) => {
        const st = makeState(id);
        let chain = null;
        for (let round = 0; round < ROUNDS; round++) {
          check(id, st, round);
          st.closure();
          chain = { next: chain, round, payload: new Array(50).fill(round) };
          frame(id, st, 5 + (id % 10), round);
        }
        check(id, st, ROUNDS);
        let n = 0;
        for (let c = chain; c !== null; c = c.next, n++) {
          if (c.round !== ROUNDS - 1 - n || c.payload[49] !== c.round) throw new Error('chain changed in ' + id);
        }
        return n;
      }, id));
      // The calling thread also collects while all the others are parked.
      for (let i = 0; i < 10; i++) { g.sleep(0.002); gc(); }
      return ts.map((t) => t.wait());
    }).then((counts) => report({ ok: counts.every((n) => n === ROUNDS), threads: counts.length }), fail);
  `, { nodeArgs: ['--stress-compaction', '--expose-gc'] });
  expect(resultOf(child)).toEqual({ ok: true, threads: 120 });
});

test('10,000 concurrent green threads all parked, then all completed', () => {
  const N = 10000;
  const child = runScript(`
    const N = ${N};
    let release;
    const gate = new Promise((resolve) => { release = resolve; });
    let parked = 0;
    g.run(() => {
      const ts = [];
      for (let i = 0; i < N; i++) ts.push(g.spawn((k) => { parked++; return k + g.waitFor(gate); }, i));
      while (parked < N) g.sleep(0.01);
      const live = g.hub.stats().liveCoroutines;
      const suspended = g.hub.threads().filter((t) => t.suspendedIn === 'waitFor()').length;
      release(1);
      let sum = 0;
      for (const t of ts) sum += t.wait();
      return { sum, live, suspended, dead: ts.every((t) => t.dead) };
    }).then((r) => report({ ...r, liveAfter: g.hub.stats().liveCoroutines }), fail);
  `);
  expect(resultOf(child)).toEqual({
    sum: (N * (N - 1)) / 2 + N,
    live: N + 1,
    suspended: N,
    dead: true,
    liveAfter: 0,
  });
});

test('100,000 spawn/wait cycles keep the OS thread count and RSS bounded', () => {
  const child = runScript(`
    g.run(() => {
      // Warm up the pool and the JIT first, then measure.
      for (let i = 0; i < 2000; i++) g.spawn((k) => k, i).wait();
      if (global.gc) gc();
      const before = { threads: osThreads(), rss: process.memoryUsage().rss };
      let sum = 0, maxThreads = 0;
      for (let i = 0; i < 100000; i++) {
        sum += g.spawn((k) => k * 2, i).wait();
        if (i % 500 === 0) maxThreads = Math.max(maxThreads, osThreads());
      }
      // Batches of concurrent threads that switch among themselves.
      for (let r = 0; r < 200; r++) {
        const ts = [];
        for (let i = 0; i < 100; i++) ts.push(g.spawn((k) => { g.sleep(0); return k; }, i));
        for (const t of ts) sum += t.wait();
        maxThreads = Math.max(maxThreads, osThreads());
      }
      if (global.gc) gc();
      const after = { threads: osThreads(), rss: process.memoryUsage().rss };
      return { sum, before, after, maxThreads };
    }).then((r) => report({ ...r, live: g.hub.stats().liveCoroutines }), fail);
  `, { nodeArgs: ['--expose-gc'] });
  const result = resultOf(child);
  expect(result.sum).toBe(2 * ((100000 * 99999) / 2) + 200 * ((100 * 99) / 2));
  expect(result.live).toBe(0);
  // Finished green threads give their OS thread back: the count never grows with the number
  // of green threads started, only with how many are alive at once (here at most ~101).
  expect(result.maxThreads).toBeLessThan(300);
  expect(result.after.threads).toBeLessThan(300);
  // Memory does not grow with the number of green threads started.
  expect(result.after.rss - result.before.rss).toBeLessThan(300 * MiB);
});

describe('ThreadLimitError', () => {
  // The kernel ignores thread limits (ulimit -u) for root, so the limit here is address space:
  // `ulimit -v` leaves room for only a few 1 GiB green-thread stacks.
  function runLimited(body: string): ChildResult {
    const result = spawnSync('bash', ['-c', 'ulimit -v 4000000 && exec "$0" -e "$1"', process.execPath, script(body)], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60000,
      killSignal: 'SIGKILL',
    });
    return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
  }

  test('a green thread the OS refuses a thread ends with ThreadLimitError (not a crash), and the process keeps working', () => {
    const child = runLimited(`
      g.configure({ stackSize: 1024 * 1024 * 1024 });
      const reported = [];
      const describe = (e) => e instanceof g.ThreadLimitError ? 'ThreadLimitError' : String(e);
      g.hub.onError((e) => reported.push(describe(e)));
      // spawn never fails: the OS thread is taken when the green thread starts. Those the OS
      // refuses (1000 stacks of 1 GiB cannot fit in 4 GB of address space) end with the error.
      const threads = [];
      for (let i = 0; i < 1000; i++) threads.push(g.spawn((k) => { g.sleep(0.01); return k; }, i));
      let first = null;
      const viaRun = g.run(() => 1).then(() => 'started', (e) => { first = e; return describe(e); });
      let spawnNRan = false;
      g.spawnN(() => { spawnNRan = true; });
      Promise.allSettled(threads).then(async (outcomes) => {
        const values = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
        const errors = new Set(outcomes.filter((o) => o.status === 'rejected').map((o) => describe(o.reason)));
        const fromRun = await viaRun;
        // The threads that did start ran normally; with them gone, spawning works again.
        const again = await g.run(() => { g.sleep(0.001); return 'again'; });
        g.configure({ stackSize: 1024 * 1024 });
        const sum = await g.run(() => {
          const ts = [];
          for (let i = 0; i < 100; i++) ts.push(g.spawn((k) => { g.sleep(0.001); return k; }, i));
          return ts.reduce((a, t) => a + t.wait(), 0);
        });
        report({
          started: values.length, sumStarted: values.reduce((a, b) => a + b, 0), errors: [...errors], fromRun, spawnNRan,
          first: first && { isThreadLimit: first instanceof g.ThreadLimitError, isError: first instanceof Error, name: first.name, code: first.code, errno: first.errno, message: first.message },
          reportedKinds: [...new Set(reported)], again, sum,
        });
      }).catch(fail);
    `);
    const result = resultOf(child);
    expect(result.started).toBeGreaterThan(0);
    expect(result.started).toBeLessThan(1000);
    // The ones that started are the first ones (FIFO start order), each returned its index.
    expect(result.sumStarted).toBe((result.started * (result.started - 1)) / 2);
    expect(result.errors).toEqual(['ThreadLimitError']);
    expect(result.fromRun).toBe('ThreadLimitError');
    expect(result.spawnNRan).toBe(false);
    expect(result.first).toEqual({
      isThreadLimit: true,
      isError: true,
      name: 'ThreadLimitError',
      code: 'ERR_GREENTHREAD_THREAD_LIMIT',
      errno: expect.any(Number),
      message: expect.stringMatching(/cannot start another green thread.*refused a new thread/),
    });
    // spawn/spawnN threads report it to hub.onError (as any uncaught exception); run() does not.
    expect(result.reportedKinds).toEqual(['ThreadLimitError']);
    expect(result.again).toBe('again');
    expect(result.sum).toBe(4950);
  });

  test('a burst of refusals is reported once with a count; the error names the errno and the fix, and shows the spawn site', () => {
    const child = runLimited(`
      g.configure({ stackSize: 1024 * 1024 * 1024 });
      const reported = [];
      g.hub.onError((e, t) => reported.push({ message: e.message, stack: e.stack, thread: t === null ? null : String(t), errnoName: e.errnoName }));
      g.hub.captureStacks(true);  // record every spawn site (otherwise only after a first refusal)
      function spawnMany() {
        const threads = [];
        for (let i = 0; i < 300; i++) threads.push(g.spawn(function worker() { g.sleep(0.01); }));
        return threads;
      }
      const threads = spawnMany();
      g.hub.captureStacks(false);
      Promise.allSettled(threads).then(() => new Promise((resolve) => setTimeout(resolve, 20))).then(() => {
        const refused = threads.filter((t) => { try { t.wait(); return false; } catch (e) { return e instanceof g.ThreadLimitError; } }).length;
        // After a refusal, spawn sites are recorded without captureStacks.
        const late = g.spawn(function lateWorker() {});
        setTimeout(() => report({ refused, reported, lateStack: late.dead ? (() => { try { late.wait(); return 'started'; } catch (e) { return e.stack; } })() : 'pending' }), 20);
      }).catch(fail);
    `);
    const result = resultOf(child);
    expect(result.refused).toBeGreaterThan(100);
    expect(result.reported).toHaveLength(2);
    const [first, summary] = result.reported;
    expect(first.thread).toMatch(/^GreenThread#\d+ \(worker\)$/);
    expect(first.errnoName).toMatch(/^E[A-Z]+$/);
    expect(first.message).toContain(`refused a new thread (${first.errnoName}, `);
    expect(first.message).toContain('configure({ stackSize })');
    expect(first.message).toMatch(first.errnoName === 'ENOMEM' ? /ulimit -v.*max_map_count/ : /ulimit -u.*threads-max.*pid_max.*ulimit -v.*max_map_count/);
    // Its stack is where the thread was spawned, not the hub's turn.
    expect(first.stack).toMatch(/spawned as GreenThread#\d+ \(worker\):\n(\s+at .*\n)*?\s+at spawnMany /);
    expect(summary).toEqual({
      message: expect.stringMatching(new RegExp(`^\\.\\.\\. and ${result.refused - 1} more green threads could not start: the operating system refused a new thread`)),
      stack: expect.stringMatching(/^ThreadLimitError: \.\.\. and \d+ more/),
      thread: null,
      errnoName: first.errnoName,
    });
    // The one spawned after the burst: refused or started, a refusal shows its spawn site.
    if (result.lateStack !== 'started') expect(result.lateStack).toMatch(/spawned as GreenThread#\d+ \(lateWorker\):\n\s+at /);
  });

  test('a spawnAfter thread refused an OS thread reports its ThreadLimitError to hub.onError once', () => {
    const child = runLimited(`
      g.configure({ stackSize: 1024 * 1024 * 1024 });
      const blockers = [];
      for (let i = 0; i < 1000; i++) blockers.push(g.spawn(() => g.sleep(1)));
      const reported = [];
      let later = null;
      g.hub.onError((error, thread) => {
        // The blockers' burst of refusals ends with its summary (thread null): only then is the
        // later refusal a burst of its own, reported with its thread.
        if (thread === null && later === null) {
          later = g.spawnAfter(0.05, () => 1);
          later.then(() => fail('it ran'), (error) => setImmediate(() => report({ waitError: error.name, reported })));
        } else if (thread !== null && thread === later) {
          reported.push([error.name, true]);
        }
      });
    `);
    expect(resultOf(child)).toEqual({ waitError: 'ThreadLimitError', reported: [['ThreadLimitError', true]] });
  });

  // The hogs take every OS thread the capped address space allows (a few 1 GiB stacks), so the
  // threads started right after them are refused; once the hogs end, threads start again.
  const HOGS = `
      g.configure({ stackSize: 1024 * 1024 * 1024 });
      const reported = [];
      const name = (e) => e instanceof g.ThreadLimitError ? 'ThreadLimitError' : String(e);
      g.hub.onError((e) => reported.push(name(e)));
      const outcome = (t) => { try { return t.wait(); } catch (e) { return name(e); } };
      function startHogs() {
        const hogs = [];
        for (let i = 0; i < 40; i++) hogs.push(g.spawn(() => g.sleep(0.5)));
        g.sleep(0);  // they start, or are refused
        return hogs;
      }`;

  test('a GreenPool member refused an OS thread gives its slot back (waitAll returns, a waiting spawner gets the slot)', () => {
    const child = runLimited(`${HOGS}
      g.run(() => {
        const hogs = startHogs();
        const pool = new g.GreenPool(1);
        const a = pool.spawn(() => 'ran');
        // The pool is full: this waits for the slot, which the refused member must give back.
        const b = pool.spawn(() => 'ran');
        pool.waitAll();
        const outcomes = [outcome(a), outcome(b)];
        const after = { running: pool.running(), free: pool.free(), waiting: pool.waiting() };
        hogs.forEach(outcome);
        const again = pool.spawn(() => 'ran').wait();
        return { outcomes, after, again, reported: [...new Set(reported)] };
      }).then(report, fail);
    `);
    expect(resultOf(child)).toEqual({
      outcomes: ['ThreadLimitError', 'ThreadLimitError'],
      after: { running: 0, free: 1, waiting: 0 },
      again: 'ran',
      reported: ['ThreadLimitError'],
    });
  });

  test('GreenPool.imap/starmap whose workers are refused OS threads throw ThreadLimitError, then carry on', () => {
    const child = runLimited(`${HOGS}
      g.run(() => {
        const hogs = startHogs();
        const pool = new g.GreenPool(4);
        const it = pool.imap((x) => 2 * x, [1, 2, 3]);
        const star = pool.starmap((x, y) => x + y, [[1, 2], [3, 4]]);
        const attempt = (fn) => { try { return fn(); } catch (e) { return name(e); } };
        const spread = attempt(() => [...pool.imap((x) => 2 * x, [1, 2, 3])]);
        const first = [attempt(() => it.next()), attempt(() => star.next())];
        hogs.forEach(outcome);
        // Nothing was pulled for the refused workers: the same iterators go on from the start.
        return { spread, first, rest: [...it], starRest: [...star] };
      }).then(report, fail);
    `);
    expect(resultOf(child)).toEqual({
      spread: 'ThreadLimitError',
      first: ['ThreadLimitError', 'ThreadLimitError'],
      rest: [2, 4, 6],
      starRest: [3, 7],
    });
  });
});
