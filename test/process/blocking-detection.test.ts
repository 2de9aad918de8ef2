// hub.blockingDetection (eventlet's debug.hub_blocking_detection; tests/debug_test.py is the
// checklist): the warning and its stack, printed natively on stderr while the code blocks, once
// per blocking stretch, never for an idle process; and its teardown on every way out (Worker
// exit and terminate(), process.exit()) without a crash or a hang. Child processes: the
// warning goes to fd 2 directly, and teardown is what is tested.
import { ChildResult, CRASH_TEXT, PKG, runNode } from '../helpers';

jest.setTimeout(60000);

const WARNING = /greenthread: blocking detected: JavaScript ran [\d.]+ s without suspending \(hub\.blockingDetection\([\d.]+\)\)/g;

function script(body: string): string {
  return `'use strict';
const g = require(${PKG});
function spinFor(ms) { const end = Date.now() + ms; while (Date.now() < end); }
${body}`;
}

function run(body: string): ChildResult {
  return runNode(['-e', script(body)], { timeoutMs: 30000 });
}

function warnings(result: ChildResult): string[] {
  return result.stderr.match(WARNING) ?? [];
}

/** Ended by itself with `status`, no crash text. */
function expectExit(result: ChildResult, status = 0): void {
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  expect({ status: result.status, signal: result.signal }).toEqual({ status, signal: null });
}

describe('the warning', () => {
  test('a green thread busy in spinForever: one warning, naming the thread, with spinForever on the stack', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      function spinForever() { spinFor(800); }
      g.spawn(function worker() { spinForever(); }).then(() => { g.hub.blockingDetection(false); console.log('done'); });
    `);
    expectExit(result);
    expect(result.stdout).toBe('done\n');
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/without suspending \(hub\.blockingDetection\(0\.1\)\), in GreenThread#\d+ \(worker\):\n {4}at spinFor \(.*\n {4}at spinForever \(/);
  });

  test('plain JavaScript blocking between loop turns (a timer callback): warns with that stack', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      setTimeout(function busy() { spinFor(600); g.hub.blockingDetection(false); }, 10);
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/in plain JavaScript \(no green thread running\):\n {4}at spinFor \(.*\n {4}at busy \(/);
  });

  test('plain JavaScript blocking in an I/O callback (run inside the loop\'s poll phase) warns too', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      setTimeout(() => require('node:fs').readFile(__filename, function onRead() { spinFor(600); g.hub.blockingDetection(false); }), 200);
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/in plain JavaScript \(no green thread running\):\n {4}at spinFor \(.*\n {4}at onRead \(/);
  });

  test('a socket data handler blocking warns; the idle waits between messages do not', () => {
    const result = run(`
      const net = require('node:net');
      g.hub.blockingDetection(0.1);
      const server = net.createServer((socket) => {
        socket.on('data', function onData(chunk) { if (String(chunk) === 'block') spinFor(600); socket.write('ok'); });
      }).listen(0, () => {
        const client = net.connect(server.address().port);
        const sends = ['hello', 'hello', 'block', 'bye'];
        let i = 0;
        const next = () => { if (i < sends.length) setTimeout(() => client.write(sends[i++]), 300); else { client.end(); server.close(); g.hub.blockingDetection(false); } };
        client.on('data', next);
        next();
      });
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/at onData \(/);
  });

  test('the main script itself blocking before the loop starts warns too', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      (function startup() { spinFor(600); })();
      g.hub.blockingDetection(false);
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/at startup \(/);
  });

  test('at most once per blocking stretch: one long stretch warns once, two stretches twice', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      g.spawn(function first() { spinFor(1200); })
        .then(() => new Promise((resolve) => setTimeout(resolve, 50)))
        .then(() => g.spawn(function second() { g.sleep(0.05); spinFor(500); }))
        .then(() => g.hub.blockingDetection(false));
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(2);
    expect(result.stderr).toMatch(/\(first\):\n/);
    expect(result.stderr).toMatch(/\(second\):\n/);
  });

  test('threads that keep switching (sleep(0) loops) for longer than the threshold are not blocking', () => {
    const result = run(`
      g.hub.blockingDetection(0.1);
      const end = Date.now() + 600;
      const loop = () => { while (Date.now() < end) g.sleep(0); };
      Promise.all([g.spawn(loop), g.spawn(loop)]).then(() => { g.hub.blockingDetection(false); console.log('done'); });
    `);
    expectExit(result);
    expect(result.stdout).toBe('done\n');
    expect(warnings(result)).toEqual([]);
  });

  test('an idle process (green threads parked, the loop waiting on a long timer) does not warn', () => {
    const result = run(`
      g.hub.blockingDetection(0.2);
      const parked = g.spawn(() => g.sleep(60));
      g.spawn(() => g.waitFor(new Promise(() => {})));
      setTimeout(() => { parked.kill(); g.hub.blockingDetection(false); console.log('woke'); process.exit(0); }, 1200);
    `);
    expectExit(result);
    expect(result.stdout).toBe('woke\n');
    expect(result.stderr).toBe('');
  });

  test('off: never turned on, or turned off again, prints nothing', () => {
    const result = run(`
      g.spawn(function spinForever() { spinFor(400); });
      g.hub.blockingDetection(0.1);
      g.hub.blockingDetection(false);
      setTimeout(function busy() { spinFor(400); }, 10);
      g.spawn(function busyToo() { spinFor(400); });
    `);
    expectExit(result);
    expect(result.stderr).toBe('');
  });

  test('the threshold can be changed while on; the detection keeps the process alive no longer than it would live', () => {
    const result = run(`
      g.hub.blockingDetection(5);
      g.hub.blockingDetection(0.1);
      g.spawn(function spinForever() { spinFor(500); });
      // Left on: the watchdog and its loop handles must not keep the process alive.
    `);
    expectExit(result);
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/at spinForever \(/);
  });
});

describe('the greenthread:blocking channel', () => {
  test('gets { seconds, elapsed, stack, thread } soon after the warning', () => {
    const result = run(`
      const dc = require('node:diagnostics_channel');
      const messages = [];
      dc.subscribe(g.channelNames.blocking, (m) => messages.push(m));
      g.hub.blockingDetection(0.1);
      const t = g.spawn(function spinForever() { spinFor(500); });
      setTimeout(function busy() { spinFor(500); }, 700);
      setTimeout(() => {
        g.hub.blockingDetection(false);
        console.log(JSON.stringify(messages.map((m) => ({
          seconds: m.seconds, long: m.elapsed >= 0.1, thread: m.thread === null ? null : m.thread === t,
          top: m.stack.split('\\n').slice(0, 2).map((l) => l.trim().split(' ')[1]),
        }))));
      }, 1500);
    `);
    expectExit(result);
    expect(JSON.parse(result.stdout)).toEqual([
      { seconds: 0.1, long: true, thread: true, top: ['spinFor', 'spinForever'] },
      { seconds: 0.1, long: true, thread: null, top: ['spinFor', 'busy'] },
    ]);
    expect(warnings(result)).toHaveLength(2);
  });
});

describe('teardown with detection on', () => {
  const worker = (body: string): string => `
    const { Worker } = require('node:worker_threads');
    const w = new Worker(${JSON.stringify(script('const { parentPort } = require("node:worker_threads");\n'))} + ${JSON.stringify(body)}, { eval: true });
  `;

  test('inside a Worker: warns with the Worker\'s own stack, and the Worker ends normally', () => {
    const result = run(worker(`
      g.hub.blockingDetection(0.1);
      g.spawn(function spinInWorker() { spinFor(500); }).then(() => parentPort.postMessage('done'));
    `) + `
      w.on('message', (m) => console.log(m));
      w.on('exit', (code) => console.log('exit ' + code));
    `);
    expectExit(result);
    expect(result.stdout).toBe('done\nexit 0\n');
    expect(warnings(result)).toHaveLength(1);
    expect(result.stderr).toMatch(/at spinInWorker \(/);
  });

  test('Worker.terminate() while a green thread blocks and the watchdog is on: no crash, no hang', () => {
    const result = run(worker(`
      g.hub.blockingDetection(0.05);
      g.spawn(function spinForever() { parentPort.postMessage('spinning'); for (;;) spinFor(10); });
    `) + `
      w.on('message', () => setTimeout(() => w.terminate(), 300));
      w.on('exit', (code) => console.log('exit ' + code));
    `);
    expectExit(result);
    expect(result.stdout).toBe('exit 1\n');
    expect(result.stderr).toMatch(/at spinForever \(/);
  });

  test('Workers started and ended in a row, each with detection on: no crash, no leak of the loop handles', () => {
    const result = run(`
      const { Worker } = require('node:worker_threads');
      let left = 8;
      const next = () => {
        if (left-- === 0) { console.log('all done'); return; }
        const w = new Worker(${JSON.stringify(script('g.hub.blockingDetection(0.1); g.spawn(() => g.sleep(0.01));'))}, { eval: true });
        w.on('exit', next);
      };
      next();
    `);
    expectExit(result);
    expect(result.stdout).toBe('all done\n');
  });

  test('process.exit() from a blocking green thread with detection on: that exit code, no crash', () => {
    const result = run(`
      g.hub.blockingDetection(0.05);
      g.spawn(function spinThenExit() { spinFor(300); process.exit(7); });
    `);
    expectExit(result, 7);
    expect(result.stderr).toMatch(/at spinThenExit \(/);
  });

  test('process.exit() inside a Worker while detection is on ends only the Worker', () => {
    const result = run(worker(`
      g.hub.blockingDetection(0.05);
      g.spawn(function spinThenExit() { spinFor(200); process.exit(3); });
    `) + `
      w.on('exit', (code) => console.log('exit ' + code));
    `);
    expectExit(result);
    expect(result.stdout).toBe('exit 3\n');
  });
});
