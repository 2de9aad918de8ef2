// The networking layer and the process: no unhandled 'error' event ever reaches the process
// (peer resets on sockets nobody uses, on connections pending accept, in the middle of a
// sendall: exit 0, nothing on stderr); process.exit() while green threads are blocked in accept,
// recv, readline and sendall exits normally; and what keeps the process alive, as observed:
// - a listening server keeps it alive, as a Node net.Server does — with no green thread blocked
//   on it, or with run()'s own thread blocked in accept (no DeadlockError: the loop is not dry);
// - a connected socket keeps it alive while it is reading; once the peer has closed it (EOF),
//   an unclosed GreenSocket no longer does;
// - with everything closed the process exits 0 by itself.
// Fixtures: test/process/fixtures/io-*.js, run with the compiled package (dist/).
import * as net from 'node:net';
import * as path from 'node:path';
import { CRASH_TEXT, root, runNode, startNode } from '../helpers';

jest.setTimeout(30000);

const fixture = (name: string): string => path.join(__dirname, 'fixtures', name);

function resultLine(stdout: string): any {
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  expect(line).toBeDefined();
  return JSON.parse((line as string).slice('RESULT '.length));
}

describe('no unhandled error event reaches the process', () => {
  let child: ReturnType<typeof runNode>;
  beforeAll(() => {
    child = runNode([fixture('io-no-unhandled-errors.js'), root], { timeoutMs: 20000 });
  });

  test('peer resets on idle sockets, on pending connections and mid-sendall: exit 0, nothing on stderr', () => {
    expect(child.stderr).not.toMatch(CRASH_TEXT);
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const result = resultLine(child.stdout);
    expect(result.idleResets).toBe('survived');
    expect(result.afterClose).toBe('survived');
    expect(result.closedWithPending).toBe('survived');
    expect(['ECONNRESET', 'EPIPE']).toContain(result.midSendall);
    expect(result.writeToGone).toBe(true);
    expect(result.bothBlocked).toEqual(['ECONNRESET', 'ECONNRESET']);
    for (const seen of result.pendingSeen) expect(['ECONNRESET', 'no error']).toContain(seen);
  });

  test('connections their clients reset before they were accepted never make accept() throw', () => {
    const result = resultLine(child.stdout);
    expect(result.acceptFailures).toEqual([]);
  });
});

describe('process.exit() with green threads blocked on sockets', () => {
  test.each([['a green thread', 'green', 3], ['a timer callback', 'timer', 4]] as const)(
    'called from %s: exits with its code, nothing on stderr', (_label, from, code) => {
      const child = runNode([fixture('io-exit-while-blocked.js'), root, from], { timeoutMs: 20000 });
      expect(child.stderr).not.toMatch(CRASH_TEXT);
      expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: code, signal: null, stderr: '' });
      // serve, two handlers, recv, readline, accept, sendall, and run()'s own thread.
      expect(child.stdout).toContain('green threads: 8\n');
      expect(child.stdout).toContain(`exit ${code}\n`);
    });
});

describe('what keeps the process alive', () => {
  /** Connects to `port` from this (plain Node) process; resolves once connected. */
  function connectTo(port: number): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', reject);
    });
  }

  /** Starts a fixture mode and returns the child and the port it listens on. */
  async function start(mode: string): Promise<{ child: ReturnType<typeof startNode>; port: number; output: () => string }> {
    const child = startNode([fixture('io-event-loop.js'), root, mode], { timeoutMs: 20000 });
    let stdout = '';
    child.child.stdout?.on('data', (chunk: string) => { stdout += chunk; });
    await child.waitForOutput('listening ');
    const match = /listening (\d+)/.exec(stdout);
    return { child, port: Number(match?.[1]), output: () => stdout };
  }

  test('a server left open with no green thread blocked keeps the process alive, and a later thread can accept', async () => {
    const { child, port } = await start('server-open');
    const socket = await connectTo(port);
    await child.waitForOutput('accepted');
    // Still running: it only ends by the signal.
    expect(child.child.exitCode).toBeNull();
    socket.destroy();
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect(result.stderr).not.toMatch(CRASH_TEXT);
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: null, signal: 'SIGTERM', stderr: '' });
    expect(result.stdout).toContain('run: returned\n');
    expect(result.stdout).not.toContain('exit ');
  });

  test("run()'s own thread blocked in accept on an open server: the process waits (no DeadlockError)", async () => {
    const { child, port } = await start('blocked-in-accept');
    const socket = await connectTo(port);
    await child.waitForOutput('accepted');
    expect(child.child.exitCode).toBeNull();
    socket.destroy();
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: null, signal: 'SIGTERM', stderr: '' });
    expect(result.stdout).not.toMatch(/run failed|Deadlock/);
  });

  test('everything closed: the process exits 0 by itself', () => {
    const child = runNode([fixture('io-event-loop.js'), root, 'all-closed'], { timeoutMs: 20000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(child.stdout).toMatch(/echoed ping\nrun: returned\nexit 0\n$/);
  });

  test('a socket its owner never closed, once the peer closed it: the process exits 0 by itself', () => {
    const child = runNode([fixture('io-event-loop.js'), root, 'peer-closed'], { timeoutMs: 20000 });
    expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    expect(child.stdout).toMatch(/run: returned\nexit 0\n$/);
  });
});
