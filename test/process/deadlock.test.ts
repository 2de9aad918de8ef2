// Deadlocks are not silent: when the event loop runs dry while a green thread started by run()
// is still blocked, a DeadlockError is thrown into it at its blocking call (with the thread's
// own stack there) and run() rejects with it. Threads from spawn() parked at exit stay silent.
// Every scenario runs in a child process (the CLI's report and exit 13: cli.test.ts).
import { ChildResult, CRASH_TEXT, PKG, root, runNode } from '../helpers';
import * as path from 'node:path';

jest.setTimeout(60000);

function runScript(body: string): ChildResult {
  return runNode(['-e', `'use strict';\nconst g = require(${PKG});\n${body}`]);
}

function expectExit(result: ChildResult, status: number): void {
  expect({ status: result.status, signal: result.signal }).toEqual({ status, signal: null });
  expect(result.stderr).not.toMatch(CRASH_TEXT);
}

test('an awaited run() blocked in Event.wait(): rejects with DeadlockError naming the call, the thread\'s stack', () => {
  const result = runScript(`
    function waiter() { return new g.Event().wait(); }
    async function main() {
      try { await g.run(function body() { return waiter(); }); }
      catch (error) {
        console.log(error instanceof g.DeadlockError, error.code);
        console.log(error.stack);
      }
    }
    main();
  `);
  expectExit(result, 0);
  const [kind, ...stack] = result.stdout.trim().split('\n');
  expect(kind).toBe('true ERR_GREENTHREAD_DEADLOCK');
  expect(stack[0]).toMatch(/^DeadlockError: GreenThread#1\b.* was blocked in Event\.wait\(\) when the event loop ran dry: nothing was left that could wake it$/);
  expect(stack[1]).toMatch(/^    at waiter \(\[eval\]:\d+:\d+\)$/);
  expect(stack[2]).toMatch(/^    at body \(\[eval\]:\d+:\d+\)$/);
  // greenthread's own frames (hub, waiting primitives) are left out.
  expect(result.stdout).not.toContain(path.join(root, 'dist'));
});

test('an unhandled run() rejection from a deadlock: Node prints the error and exits 1', () => {
  const result = runScript(`
    g.run(function consumer() { return new g.Queue().get(); });
  `);
  expectExit(result, 1);
  expect(result.stderr).toContain('DeadlockError: GreenThread#1');
  expect(result.stderr).toContain('was blocked in Queue.get()');
  expect(result.stderr).toMatch(/at consumer \(\[eval\]:\d+:\d+\)/);
});

test('a background thread from spawn() parked with no timer pending: silent, exit 0', () => {
  const result = runScript(`
    g.spawn(() => new g.Event().wait());
    g.spawn(() => g.waitFor(new Promise(() => {})));
    g.run(() => { g.sleep(0.01); return 'done'; }).then(console.log);
  `);
  expectExit(result, 0);
  expect(result.stdout).toBe('done\n');
  expect(result.stderr).toBe('');
});

test('a run() thread that a beforeExit listener wakes is not a deadlock', () => {
  const result = runScript(`
    const event = new g.Event();
    g.run(() => event.wait()).then((value) => console.log('woke with', value));
    let once = false;
    process.on('beforeExit', () => { if (!once) { once = true; setTimeout(() => event.send(5), 20); } });
  `);
  expectExit(result, 0);
  expect(result.stdout).toBe('woke with 5\n');
  expect(result.stderr).toBe('');
});

test('a run() thread blocked while a timer is pending just waits for it', () => {
  const result = runScript(`
    const event = new g.Event();
    setTimeout(() => event.send('late'), 50);
    g.run(() => event.wait()).then(console.log);
  `);
  expectExit(result, 0);
  expect(result.stdout).toBe('late\n');
});

test('a thread that catches the DeadlockError may go on, and block again later (another DeadlockError)', () => {
  const result = runScript(`
    g.run(() => {
      try { new g.Queue().get(); } catch (error) { console.log('first', error.name); }
      g.sleep(0.01);
      new g.Event().wait();
    }).catch((error) => console.log('second', error.name, error.message.includes('Event.wait()')));
  `);
  expectExit(result, 0);
  expect(result.stdout).toBe('first DeadlockError\nsecond DeadlockError true\n');
});

test('every blocked run() thread gets its own DeadlockError; spawned ones stay parked', () => {
  const result = runScript(`
    const q = new g.Queue();
    g.spawn(() => q.get());
    const names = [];
    const a = g.run(function a() { return q.get(); }).catch((e) => names.push('a ' + e.message.includes('Queue.get()')));
    const b = g.run(function b() { return new g.Semaphore(0).acquire(); }).catch((e) => names.push('b ' + e.name));
    Promise.all([a, b]).then(() => console.log(names.sort().join(', '), g.hub.threads().length));
  `);
  expectExit(result, 0);
  expect(result.stdout).toBe('a true, b DeadlockError 1\n');
});
