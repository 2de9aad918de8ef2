// `greenthread --workers N` (dist/cli.js), in child processes: N workers serve one port that
// listen() opened (node:cluster's shared handle, round-robin), a worker that dies is restarted
// and one that keeps dying at start makes the primary give up, SIGTERM stops the workers
// gracefully (connections in flight finish, exit code 0), and bad option values are usage errors.
import * as fs from 'node:fs';
import * as net from 'node:net';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { CRASH_TEXT, fixtureDir, PKG, root, runNode, startNode } from '../helpers';

jest.setTimeout(60000);

const CLI = path.join(root, 'dist', 'cli.js');
const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const hasReusePort = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);

const dir = fixtureDir({
  // Answers each connection with "<pid> <worker number>"; 'crash' makes the handler throw (so
  // serve throws and the worker dies), 'slow' answers in two parts 0.2 s apart, 'hang' says so
// and never finishes.
  'pid-server.js': `'use strict';
const g = require(${PKG});
const port = Number(process.argv[2] || 0);
const server = g.listen(['127.0.0.1', port], { reusePort: process.argv[3] === 'reuse' });
console.log('listening', server.address()[1], process.pid);
g.serve(server, (sock) => {
  const request = sock.recv(100).toString();
  if (request === 'crash') throw new Error('handler crashed');
  if (request === 'hang') { sock.sendall('hanging\\n'); new g.Event().wait(); }
  if (request === 'slow') { sock.sendall('started\\n'); g.sleep(0.2); }
  sock.sendall(process.pid + ' ' + process.env.GREENTHREAD_WORKER + '\\n');
});
console.log('serve returned');
`,
  'throws.js': `require(${PKG}).sleep(0.01);
throw new Error('broken at the top level');
`,
  'env.js': `'use strict';
const g = require(${PKG});
g.sleep(0.01);
console.log(JSON.stringify({ green: g.inGreenThread(), worker: process.env.GREENTHREAD_WORKER, workers: process.env.GREENTHREAD_WORKERS, execArgv: process.execArgv, argv: process.argv.slice(2) }));
process.exit(0);
`,
  'preload.js': `globalThis.preloaded = true;
`,
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The primary, started: its pid, output as it comes, and a wait for a number of lines matching a pattern. */
function startWorkers(args: string[]) {
  const running = startNode([CLI, ...args], { cwd: dir });
  let stdout = '';
  let stderr = '';
  running.child.stdout?.on('data', (chunk: string) => { stdout += chunk; });
  running.child.stderr?.on('data', (chunk: string) => { stderr += chunk; });
  const matching = (text: string, pattern: RegExp): string[][] =>
    [...text.matchAll(new RegExp(pattern.source, 'gm'))].map((m) => [...m]);
  /** Resolves with the matches once `count` lines of stdout (or stderr) match `pattern`. */
  const until = async (count: number, pattern: RegExp, on: 'stdout' | 'stderr' = 'stdout'): Promise<string[][]> => {
    for (;;) {
      const found = matching(on === 'stdout' ? stdout : stderr, pattern);
      if (found.length >= count) return found;
      if (running.child.exitCode !== null || running.child.signalCode !== null) {
        throw new Error(`the primary exited; stdout: ${stdout}; stderr: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { ...running, until, stderr: () => stderr };
}

/** Sends `text` on a new connection to the port and returns everything the server sent back. */
function ask(port: number, text = 'pid', onData?: (received: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text));
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { received += chunk; onData?.(received); });
    socket.on('end', () => { socket.end(); resolve(received); });
    socket.on('error', reject);
  });
}

/** The worker pids that answer `count` connections made one after another. */
async function pidsAnswering(port: number, count: number): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) pids.add(Number((await ask(port)).split(' ')[0]));
  return pids;
}

async function stopped(primary: ReturnType<typeof startWorkers>) {
  primary.child.kill('SIGTERM');
  const result = await primary.exited;
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  return result;
}

describe('--workers N', () => {
  test('N workers serve the port listen() opened; connections reach more than one of them; SIGTERM: exit 0, nothing printed', async () => {
    const primary = startWorkers(['--workers', '2', 'pid-server.js']);
    const lines = await primary.until(2, /^listening (\d+) (\d+)$/);
    const port = Number(lines[0][1]);
    expect(Number(lines[1][1])).toBe(port);  // port 0: the primary picked one port, for both
    const workerPids = new Set(lines.map((line) => Number(line[2])));
    expect(workerPids.size).toBe(2);
    expect(workerPids.has(primary.child.pid as number)).toBe(false);
    // node:cluster hands connections to the workers in turn (round-robin, its default on Linux).
    expect(await pidsAnswering(port, 10)).toEqual(workerPids);
    const numbers = new Set<string>();
    for (let i = 0; i < 4; i++) numbers.add((await ask(port)).trim().split(' ')[1]);
    expect([...numbers].sort()).toEqual(['1', '2']);
    const result = await stopped(primary);
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });

  test('SIGTERM while a connection is in flight: it finishes, then the workers and the primary exit 0', async () => {
    const primary = startWorkers(['--workers', '2', 'pid-server.js']);
    const port = Number((await primary.until(2, /^listening (\d+)/))[0][1]);
    let started!: () => void;
    const inFlight = new Promise<void>((resolve) => { started = resolve; });
    const answer = ask(port, 'slow', (received) => { if (received.startsWith('started\n')) started(); });
    await inFlight;
    primary.child.kill('SIGTERM');
    expect(await answer).toMatch(/^started\n\d+ [12]\n$/);
    const result = await primary.exited;
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  });

  test('a worker that dies is restarted in its place (same number); the others serve meanwhile', async () => {
    const primary = startWorkers(['--workers', '2', 'pid-server.js']);
    const lines = await primary.until(2, /^listening (\d+) (\d+)$/);
    const port = Number(lines[0][1]);
    const answer = (await ask(port)).trim().split(' ');
    const [deadPid, deadNumber] = [Number(answer[0]), answer[1]];
    // The next connection goes to the other worker, and the one after it to the first again.
    await ask(port);
    await ask(port, 'crash').catch(() => '');
    const [restart] = await primary.until(1, /^greenthread: worker (\d) \(pid (\d+)\) exited with code 1; restarting it/, 'stderr');
    expect([restart[1], Number(restart[2])]).toEqual([deadNumber, deadPid]);
    expect(primary.stderr()).toContain('Error: handler crashed');
    const newPid = Number((await primary.until(3, /^listening (\d+) (\d+)$/))[2][2]);
    const pids = await pidsAnswering(port, 10);
    expect(pids.has(deadPid)).toBe(false);
    expect(pids.has(newPid)).toBe(true);
    expect(pids.size).toBe(2);
    const result = await stopped(primary);
    expect(result.status).toBe(0);
  });

  test('a worker sent SIGTERM by itself stops gracefully (exit 143) and is restarted', async () => {
    const primary = startWorkers(['--workers', '2', 'pid-server.js']);
    const lines = await primary.until(2, /^listening (\d+) (\d+)$/);
    const victim = Number(lines[0][2]);
    process.kill(victim, 'SIGTERM');
    await primary.until(1, new RegExp(`^greenthread: worker \\d \\(pid ${victim}\\) exited with code 143; restarting it`), 'stderr');
    await primary.until(3, /^listening (\d+) (\d+)$/);
    expect((await stopped(primary)).status).toBe(0);
  });

  test('a worker that keeps dying right after it starts: the primary gives up after a few tries, exit 1', async () => {
    const primary = startWorkers(['--workers', '1', 'throws.js']);
    const result = await primary.exited;
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 1, signal: null });
    expect(result.stderr.match(/Error: broken at the top level/g)).toHaveLength(5);
    expect(result.stderr.match(/restarting it in \d+ ms/g)).toEqual(['restarting it in 100 ms', 'restarting it in 200 ms', 'restarting it in 400 ms', 'restarting it in 800 ms']);
    expect(result.stderr).toMatch(/worker 1 \(pid \d+\) exited with code 1; it died within 5 s of starting 5 times in a row, so it is not restarted again: stopping/);
  });

  /** Starts a connection whose handler never finishes; resolves once the handler runs. */
  async function hang(port: number): Promise<{ connection: Promise<string> }> {
    let running!: () => void;
    const handlerRuns = new Promise<void>((resolve) => { running = resolve; });
    const connection = ask(port, 'hang', (received) => { if (received === 'hanging\n') running(); }).catch(() => 'reset');
    await handlerRuns;
    return { connection };  // (a promise returned bare would be awaited too)
  }

  test('a worker that does not finish within --graceful-timeout is killed: exit 1', async () => {
    const primary = startWorkers(['--workers', '1', '--graceful-timeout', '0.2', 'pid-server.js']);
    const port = Number((await primary.until(1, /^listening (\d+)/))[0][1]);
    const { connection: hanging } = await hang(port);
    primary.child.kill('SIGTERM');
    const result = await primary.exited;
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 1, signal: null });
    expect(result.stderr).toContain('workers still running 0.2 s after being asked to stop: killing them');
    expect(result.stderr).toMatch(/worker 1 \(pid \d+\) was killed by SIGKILL while stopping/);
    await hanging;
  });

  test('a second SIGTERM kills the workers at once: exit 1', async () => {
    const primary = startWorkers(['--workers', '1', 'pid-server.js']);
    const port = Number((await primary.until(1, /^listening (\d+)/))[0][1]);
    const { connection: hanging } = await hang(port);
    primary.child.kill('SIGTERM');
    // Two signals sent at once may arrive as one: the second goes once the first has acted
    // (the worker has closed its listening socket, so its serve has returned).
    await primary.until(1, /^serve returned$/);
    primary.child.kill('SIGTERM');
    const result = await primary.exited;
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 1, signal: null });
    expect(result.stderr).toMatch(/^greenthread: worker 1 \(pid \d+\) was killed by SIGKILL while stopping\n$/);
    await hanging;
  });

  test('the workers see their number and the count; Node options reach them; exit 0 by themselves is not restarted', () => {
    const result = runNode([CLI, '--workers', '2', '-r', './preload.js', '--no-warnings', 'env.js', 'a', '--b'], { cwd: dir });
    expect({ status: result.status, signal: result.signal, stderr: result.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
    const seen = result.stdout.trim().split('\n').map((line) => JSON.parse(line)).sort((a, b) => a.worker - b.worker);
    expect(seen).toEqual([1, 2].map((n) => ({
      green: true, worker: String(n), workers: '2', execArgv: ['-r', './preload.js', '--no-warnings'], argv: ['a', '--b'],
    })));
  });

  test('--workers auto: one worker per CPU (os.availableParallelism())', () => {
    const result = runNode([CLI, '--workers=auto', 'env.js'], { cwd: dir });
    expect(result.status).toBe(0);
    const seen = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(seen).toHaveLength(availableParallelism());
    expect(seen[0].workers).toBe(String(availableParallelism()));
  });

  test('a Node option Node rejects: its message once, and Node\'s exit code 9, no restarts', () => {
    const result = runNode([CLI, '--workers', '2', '--no-such-option', 'env.js'], { cwd: dir });
    expect({ status: result.status, signal: result.signal }).toEqual({ status: 9, signal: null });
    expect(result.stderr).toContain('bad option: --no-such-option');
    expect(result.stderr).toContain('before Node started it: stopping');
    expect(result.stderr).not.toContain('restarting');
  });

  (hasReusePort ? test : test.skip)('listen(addr, { reusePort: true }) in the workers: each binds the port itself, and the kernel spreads connections', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const primary = startWorkers(['--workers', '2', 'pid-server.js', String(port), 'reuse']);
    await primary.until(2, /^listening (\d+)/);
    // The kernel hashes each connection's addresses and ports: many connections reach both.
    expect((await pidsAnswering(port, 40)).size).toBe(2);
    expect((await stopped(primary)).status).toBe(0);
  });
});

describe('bad --workers and --graceful-timeout values: usage on stderr, exit 9', () => {
  test.each([
    [['--workers', '0', 'env.js'], /--workers must be a whole number from 1 to 1024, or 'auto', got "0"/],
    [['--workers', '-1', 'env.js'], /Option '--workers' argument is ambiguous/],  // parseArgs: a value starting with a dash needs --workers=-1
    [['--workers=-1', 'env.js'], /--workers must be a whole number/],
    [['--workers=1.5', 'env.js'], /--workers must be a whole number .* got "1\.5"/],
    [['--workers', 'two', 'env.js'], /got "two"/],
    [['--workers=', 'env.js'], /got ""/],
    [['--workers', '1025', 'env.js'], /from 1 to 1024/],
    [['env.js', '--workers'], null],  // after the script: the script's argument, not an option
    [['--workers'], /Option '--workers <value>' argument missing/],
    [['--graceful-timeout', '5', 'env.js'], /--graceful-timeout applies only with --workers/],
    [['--workers', '2', '--graceful-timeout', 'soon', 'env.js'], /--graceful-timeout must be a number of seconds/],
  ])('%j', (args, message) => {
    const result = runNode([CLI, ...args], { cwd: dir });
    if (message === null) {
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).argv).toEqual(['--workers']);
      return;
    }
    expect({ status: result.status, signal: result.signal, stdout: result.stdout }).toEqual({ status: 9, signal: null, stdout: '' });
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Usage: greenthread/);
  });

  test('--help lists --workers', () => {
    const result = runNode([CLI, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('--workers <n>');
    expect(result.stdout).toContain('--graceful-timeout <s>');
  });
});
