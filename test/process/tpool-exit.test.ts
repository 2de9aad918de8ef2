// tpool in child processes: the process ends on its own with idle workers (they are unref'd),
// a busy worker keeps the loop alive while its caller waits (no false deadlock), a killed
// caller's runaway job does not hold the process, crashing workers print nothing and crash
// nothing, GREENTHREAD_THREADPOOL_SIZE sets the size, and tpool works inside a Worker.
import { CRASH_TEXT, PKG, REPORTING, resultOf, runChild } from '../helpers';

const GUARD = { timeoutMs: 20000 };

test('a script that used the pool ends on its own while its workers sit idle', () => {
  const child = runChild(`${REPORTING}
    const { run, tpool, spawn } = require(${PKG});
    run(() => {
      tpool.setSize(3);
      const callers = [1, 2, 3].map((n) => spawn(() => tpool.execute((x) => x * 2, n)));
      const results = callers.map((c) => c.wait());
      report({ results, stats: tpool.stats() });
    });
  `, GUARD);
  expect(resultOf(child)).toEqual({ results: [2, 4, 6], stats: { workers: 3, busy: 0, queued: 0 } });
});

test('a busy worker keeps the event loop alive while its caller waits: no deadlock is reported', () => {
  // Nothing else is pending on the main thread while the worker waits on its own timer. The
  // first job leaves the worker idle (unref'd); the second one must ref it again.
  const child = runChild(`${REPORTING}
    const { run, tpool } = require(${PKG});
    run(() => {
      tpool.execute(() => 0);
      return tpool.execute(async (ms) => { await new Promise((r) => setTimeout(r, ms)); return 'done'; }, 150);
    })
      .then((value) => report(value), (error) => { console.error('rejected:', error); process.exitCode = 1; });
  `, GUARD);
  expect(resultOf(child)).toBe('done');
});

test("a killed caller's runaway job is terminated: the process still ends on its own", () => {
  const child = runChild(`${REPORTING}
    const { run, tpool, spawn, sleep } = require(${PKG});
    run(() => {
      const caller = spawn(() => tpool.execute(() => { for (;;) {} }));
      while (tpool.stats().busy === 0) sleep(0.002);
      caller.kill();
      try { caller.wait(); } catch (error) { report(error.name); }
    });
  `, GUARD);
  expect(resultOf(child)).toBe('GreenletExit');
});

test('workers that crash print nothing and take nothing down', () => {
  const child = runChild(`${REPORTING}
    const { run, tpool } = require(${PKG});
    run(() => {
      const names = [];
      for (const fn of [
        () => process.exit(3),
        () => new Promise(() => { setTimeout(() => { throw new Error('late'); }, 1); }),
        () => new Promise(() => { Promise.reject(new Error('unhandled')); }),
      ]) {
        try { tpool.execute(fn); } catch (error) { names.push(error.name + ' ' + error.exitCode); }
      }
      names.push(tpool.execute(() => 'alive'));
      report(names);
    });
  `, GUARD);
  expect(resultOf(child)).toEqual(['TpoolWorkerError 3', 'TpoolWorkerError 1', 'TpoolWorkerError 1', 'alive']);
});

test('GREENTHREAD_THREADPOOL_SIZE sets the size (eventlet set_num_threads / EVENTLET_THREADPOOL_SIZE)', () => {
  const child = runChild(`${REPORTING}
    const { run, tpool, spawn } = require(${PKG});
    run(() => {
      const callers = Array.from({ length: 9 }, () => spawn(() => tpool.execute(() => {
        const until = Date.now() + 20;
        while (Date.now() < until);
        return require('node:worker_threads').threadId;
      })));
      report({ size: tpool.size, threads: new Set(callers.map((c) => c.wait())).size <= 3 });
    });
  `, { ...GUARD, env: { GREENTHREAD_THREADPOOL_SIZE: '3' } });
  expect(resultOf(child)).toEqual({ size: 3, threads: true });
});

test("the default size is eventlet's 20; a bad GREENTHREAD_THREADPOOL_SIZE is a RangeError naming it", () => {
  const script = `${REPORTING}
    const { run, tpool } = require(${PKG});
    run(() => {
      let size, call;
      try { size = tpool.size; } catch (error) { size = error.name + ': ' + error.message; }
      try { call = tpool.execute(() => 1); } catch (error) { call = error.name; }
      report({ size, call });
    });
  `;
  expect(resultOf(runChild(script, { ...GUARD, env: { GREENTHREAD_THREADPOOL_SIZE: '' } }))).toEqual({ size: 20, call: 1 });
  for (const bad of ['0', 'abc', '2.5', '-1']) {
    const result = resultOf(runChild(script, { ...GUARD, env: { GREENTHREAD_THREADPOOL_SIZE: bad } }));
    expect(result).toEqual({ size: `RangeError: GREENTHREAD_THREADPOOL_SIZE must be an integer >= 1, got ${JSON.stringify(bad)}`, call: 'RangeError' });
  }
});

test('tpool works inside a Worker (its own pool of nested workers), which then exits cleanly', () => {
  const body = `
    const { run, tpool, spawn } = require(${PKG});
    const { parentPort } = require('node:worker_threads');
    run(() => {
      const callers = [1, 2, 3].map((n) => spawn(() => tpool.execute((x) => x + 1, n)));
      parentPort.postMessage(callers.map((c) => c.wait()));
    });`;
  const child = runChild(`
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(${JSON.stringify(body)}, { eval: true });
    worker.on('error', (error) => { console.error('worker error', error); process.exitCode = 1; });
    worker.on('message', (message) => console.log('message', JSON.stringify(message)));
    worker.on('exit', (code) => console.log('exit', code));
  `, GUARD);
  expect(child.stderr).not.toMatch(CRASH_TEXT);
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  expect(child.stdout).toBe('message [2,3,4]\nexit 0\n');
});
