// Exit paths: every way a process using green threads can end does so cleanly — the expected
// exit code or signal and output, never a V8 fatal error, SIGABRT/SIGSEGV or a hang. Covers the
// event loop running dry with parked green threads, process.exit() and process.exitCode from
// green threads, uncaught errors and unhandled rejections, SIGINT/SIGTERM with and without
// handlers (the `greenthread` CLI has its own suite, cli.test.ts). Every scenario runs in a
// child process.
import { ChildResult, CRASH_TEXT, PKG, runNode, startNode } from '../helpers';

jest.setTimeout(60000);

/** An inline script with `g` bound to the compiled package. */
function script(body: string): string {
  return `'use strict';\nconst g = require(${PKG});\nconst never = new Promise(() => {});\n${body}`;
}

function runScript(body: string, options: { timeoutMs?: number } = {}): ChildResult {
  return runNode(['-e', script(body)], options);
}

/** The process ended by itself with `status`, and nothing on stderr hints at a crash. */
function expectExit(result: ChildResult, status: number): void {
  expect({ status: result.status, signal: result.signal }).toEqual({ status, signal: null });
  expect(result.stderr).not.toMatch(CRASH_TEXT);
}

/** The process was ended by `signal` (the default action), not by an abort or a crash. */
function expectKilledBy(result: ChildResult, signal: NodeJS.Signals): void {
  expect({ status: result.status, signal: result.signal }).toEqual({ status: null, signal });
  expect(result.stderr).not.toMatch(CRASH_TEXT);
}

describe('the event loop running dry', () => {
  // Threads from spawn(): a thread from run() blocked at this point gets a DeadlockError
  // (deadlock.test.ts).
  test('with green threads parked in waitFor() on a never-settled promise: exit 0', () => {
    const result = runScript(`
      g.spawn(() => { g.waitFor(never); });
      g.spawn(() => { g.sleep(0.01); console.log('parked'); g.waitFor(never); });
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('parked\n');
    expect(result.stderr).toBe('');
  });

  test('with green threads waiting for a green thread that never ends: exit 0', () => {
    const result = runScript(`
      const forever = g.spawn(() => g.waitFor(never));
      for (let i = 0; i < 5; i++) g.spawn(() => forever.wait());
      g.spawn(() => { g.sleep(0.01); console.log(g.hub.threads().length); return forever.wait(); });
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('7\n');
  });

  test('with many green threads parked deep in their stacks: exit 0', () => {
    const result = runScript(`
      function deep(n) { return n === 0 ? g.waitFor(never) : deep(n - 1) + 1; }
      for (let i = 0; i < 300; i++) g.spawn(deep, i % 60);
      g.spawn(() => { g.sleep(0.01); console.log('live', g.hub.stats().liveCoroutines); });
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('live 301\n');
  });

  test('a beforeExit handler can wake a parked green thread, which then runs to the end', () => {
    const result = runScript(`
      let release; const gate = new Promise((r) => { release = r; });
      g.spawn(() => { console.log('woke with', g.waitFor(gate)); g.sleep(0.01); console.log('done'); });
      let once = false;
      process.on('beforeExit', () => { if (!once) { once = true; console.log('beforeExit'); release(7); } });
      process.on('exit', (code) => console.log('exit', code));
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('beforeExit\nwoke with 7\ndone\nexit 0\n');
  });

  test('spawning from an exit handler while green threads are parked does not crash', () => {
    const result = runScript(`
      g.spawn(() => g.waitFor(never));
      process.on('exit', () => {
        try { g.spawn(() => console.log('never runs')); console.log('spawned'); }
        catch (error) { console.log('refused', error.code); }
      });
    `);
    expectExit(result, 0);
    expect(result.stdout).not.toContain('never runs');
  });
});

describe('process.exit() and process.exitCode', () => {
  test('process.exit(3) inside a green thread: exit 3', () => {
    const result = runScript(`
      g.run(() => { g.sleep(0.01); console.log('exiting'); process.exit(3); console.log('not reached'); });
    `);
    expectExit(result, 3);
    expect(result.stdout).toBe('exiting\n');
  });

  test('process.exit(3) inside a green thread while others are parked and ready: exit 3', () => {
    const result = runScript(`
      function deep(n) { return n === 0 ? g.waitFor(never) : deep(n - 1) + 1; }
      for (let i = 0; i < 200; i++) g.spawn(deep, i % 40);
      const forever = g.spawn(() => g.waitFor(never));
      g.spawn(() => forever.wait());
      g.spawn(() => { for (;;) g.sleep(0); });  // always ready
      g.spawn(() => { g.sleep(0.02); console.log('exiting', g.hub.stats().liveCoroutines); process.exit(3); });
      process.on('exit', (code) => console.log('exit event', code));
    `);
    expectExit(result, 3);
    expect(result.stdout).toBe('exiting 204\nexit event 3\n');
  });

  test('process.exit() from deep inside nested calls and a try/finally of a green thread', () => {
    const result = runScript(`
      function nest(n) { if (n === 0) { process.exit(4); } try { return nest(n - 1); } finally { } }
      g.spawn(() => g.waitFor(never));
      g.spawn(() => { g.sleep(0.01); nest(100); });
    `);
    expectExit(result, 4);
  });

  test('process.exit() from plain code while green threads are parked: that code', () => {
    const result = runScript(`
      for (let i = 0; i < 20; i++) g.spawn(() => g.waitFor(never));
      setTimeout(() => process.exit(6), 20);
    `);
    expectExit(result, 6);
  });

  test('process.exitCode set in a green thread is the exit code when the loop runs dry', () => {
    const result = runScript(`
      g.spawn(() => g.waitFor(never));
      g.spawn(() => { g.sleep(0.01); process.exitCode = 7; console.log('set'); });
    `);
    expectExit(result, 7);
    expect(result.stdout).toBe('set\n');
  });

  test('process.exitCode set in a green thread is used by a later bare process.exit()', () => {
    const result = runScript(`
      g.spawn(() => g.waitFor(never));
      g.spawn(() => { g.sleep(0.01); process.exitCode = 8; g.sleep(0.01); process.exit(); });
    `);
    expectExit(result, 8);
  });
});

describe('uncaught errors', () => {
  test('an uncaught error in plain code while green threads are parked: exit 1, error on stderr', () => {
    const result = runScript(`
      g.run(() => g.waitFor(never));
      g.spawn(() => {
        g.sleep(0.01);
        console.log('parked');
        // Thrown from plain code once this thread has parked again, whatever the machine's load.
        setImmediate(() => { throw new Error('boom in plain code'); });
        g.waitFor(never);
      });
    `);
    expectExit(result, 1);
    expect(result.stdout).toBe('parked\n');
    expect(result.stderr).toContain('Error: boom in plain code');
  });

  test('an uncaughtException handler keeps the process and its green threads alive', () => {
    const result = runScript(`
      process.on('uncaughtException', (error) => console.log('handled', error.message));
      g.spawn(() => { g.sleep(0.05); console.log('green thread still runs'); });
      setTimeout(() => { throw new Error('boom'); }, 10);
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('handled boom\ngreen thread still runs\n');
  });

  test('a rejected run() promise with no handler: Node\'s unhandled-rejection exit (code 1)', () => {
    const result = runScript(`
      g.spawn(() => g.waitFor(never));
      g.run(() => { g.sleep(0.01); throw new Error('run rejected'); });
    `);
    expectExit(result, 1);
    expect(result.stderr).toContain('run rejected');
  });

  test('a rejected run() promise with a handler is just a rejection', () => {
    const result = runScript(`
      g.run(() => { g.sleep(0.01); throw new Error('run rejected'); }).catch((e) => console.log('caught', e.message));
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('caught run rejected\n');
  });

  test('an exception in a spawned green thread is reported and the process carries on', () => {
    const result = runScript(`
      g.spawn(() => { g.sleep(0.01); throw new Error('spawned thread failed'); });
      g.spawnN(() => { throw new Error('spawnN thread failed'); });
      g.run(() => { g.sleep(0.05); console.log('still running'); });
    `);
    expectExit(result, 0);
    expect(result.stdout).toBe('still running\n');
    expect(result.stderr).toContain('spawned thread failed');
    expect(result.stderr).toContain('spawnN thread failed');
  });
});

describe('signals', () => {
  // The child prints `ready` once its green threads are parked (or one is spinning), then the
  // test delivers the signal.
  async function deliver(body: string, signal: NodeJS.Signals): Promise<ChildResult> {
    const child = startNode(['-e', script(body)]);
    await child.waitForOutput('ready');
    child.child.kill(signal);
    return child.exited;
  }

  const parked = `
    g.run(() => g.waitFor(never));
    for (let i = 0; i < 10; i++) g.spawn(() => g.waitFor(never));
    g.spawn(() => { g.sleep(0.01); console.log('ready'); g.sleep(1000); });
    setInterval(() => {}, 1000);
  `;
  const busy = `
    g.spawn(() => g.waitFor(never));
    g.spawn(() => { console.log('ready'); for (;;) {} });
  `;

  test.each(['SIGINT', 'SIGTERM'] as NodeJS.Signals[])('%s with green threads parked: killed by that signal', async (signal) => {
    expectKilledBy(await deliver(parked, signal), signal);
  });

  test.each(['SIGINT', 'SIGTERM'] as NodeJS.Signals[])('%s while a green thread runs a busy loop: killed by that signal', async (signal) => {
    expectKilledBy(await deliver(busy, signal), signal);
  });

  test('a SIGTERM handler calling process.exit(0) from plain code: exit 0', async () => {
    const result = await deliver(`
      process.on('SIGTERM', () => { console.log('handler'); process.exit(0); });
      ${parked}
    `, 'SIGTERM');
    expectExit(result, 0);
    expect(result.stdout).toBe('ready\nhandler\n');
  });

  test('a SIGTERM handler that spawns a green thread which calls process.exit(5): exit 5', async () => {
    const result = await deliver(`
      process.on('SIGTERM', () => {
        g.spawn(() => { g.sleep(0.01); console.log('exiting from a green thread'); process.exit(5); });
      });
      ${parked}
    `, 'SIGTERM');
    expectExit(result, 5);
    expect(result.stdout).toBe('ready\nexiting from a green thread\n');
  });

  test('process.kill(process.pid, \'SIGTERM\') from inside a green thread: killed by SIGTERM', () => {
    const result = runScript(`
      for (let i = 0; i < 5; i++) g.spawn(() => g.waitFor(never));
      g.spawn(() => { g.sleep(0.01); process.kill(process.pid, 'SIGTERM'); g.sleep(5); console.log('not reached'); });
    `);
    expectKilledBy(result, 'SIGTERM');
    expect(result.stdout).not.toContain('not reached');
  });

  test('process.kill(process.pid, \'SIGTERM\') from a green thread with a handler: the handler runs', () => {
    const result = runScript(`
      process.on('SIGTERM', () => { console.log('handler'); g.spawn(() => { g.sleep(0.001); process.exit(6); }); });
      for (let i = 0; i < 5; i++) g.spawn(() => g.waitFor(never));
      g.spawn(() => { g.sleep(0.01); process.kill(process.pid, 'SIGTERM'); console.log('sent'); g.sleep(5); console.log('not reached'); });
    `);
    expectExit(result, 6);
    expect(result.stdout).toBe('sent\nhandler\n');
  });

  test('a SIGINT handler that kills the parked green threads lets the process end normally', async () => {
    const result = await deliver(`
      const threads = [];
      for (let i = 0; i < 5; i++) threads.push(g.spawn(() => { try { g.waitFor(never); } finally { console.log('cleanup'); } }));
      const sleeper = g.spawn(() => { try { g.sleep(1000); } catch (e) { console.log('sleeper got', e.name); } });
      g.spawn(() => { g.sleep(0.01); console.log('ready'); });
      process.on('SIGINT', () => { for (const t of threads) g.kill(t); sleeper.kill(); });
    `, 'SIGINT');
    expectExit(result, 0);
    expect(result.stdout).toBe('ready\n' + 'cleanup\n'.repeat(5) + 'sleeper got GreenletExit\n');
  });
});
