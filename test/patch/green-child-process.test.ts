// The green child_process (execSync, execFileSync, spawnSync): each case runs the original
// outside green threads and the green variant inside one, and both must return or throw the
// same (result objects, "Command failed" errors, ETIMEDOUT/ENOBUFS/ENOENT shapes, signal
// deaths, encodings, stdio layouts, argument errors). Then: other green threads run while the
// child does, a killed caller kills its child, and outside green threads the variant is the
// original. jest's own child_process is never patched: the variants are called directly.
import * as cp from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Timeout, sleep, spawn } from '../../src';
import { greenChildProcess } from '../../src/patch/green-child-process';
import { greenFunctions } from '../../src/patch/green-modules';
import { green, thrownBy } from '../helpers';
import { greenOutcome, outcome, type Mask } from './green-outcome';

const variants = greenFunctions(greenChildProcess).variants;
type Name = 'spawnSync' | 'execSync' | 'execFileSync';

// pids differ from run to run; their presence and type do not.
const pidMask: Mask = (key, value) => (key === 'pid' && typeof value === 'number' ? (value === 0 ? 0 : 'a pid') : value);
// After a maxBuffer overflow how much output was read before the kill is a race in both forms.
const overflowMask: Mask = (key, value) => {
  if (['0', '1', '2', 'stdout', 'stderr'].includes(key) && value !== null && typeof value === 'object' && 'Buffer' in (value as object)) return 'some output';
  if (['1', 'stdout'].includes(key) && typeof value === 'string') return 'some output';
  if (key === '(message)' && typeof value === 'string') return value.split('\n')[0];
  return pidMask(key, value);
};

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-cp-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Case { name: Name; args: () => unknown[]; mask?: Mask }
const cases: Array<[string, Case]> = [
  ['spawnSync: stdout, stderr and a non-zero exit', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo out; echo err >&2; exit 3']] }],
  ['spawnSync: string input, utf8 encoding', { name: 'spawnSync', args: () => ['cat', { input: 'héllo', encoding: 'utf8' }] }],
  ['spawnSync: Buffer input', { name: 'spawnSync', args: () => ['cat', [], { input: Buffer.from([1, 2, 3]) }] }],
  ['spawnSync: TypedArray input (a view into a larger buffer)', { name: 'spawnSync', args: () => ['cat', { input: new Uint16Array(new ArrayBuffer(16), 4, 2).fill(0x4142) }] }],
  ['spawnSync: DataView input, hex encoding', { name: 'spawnSync', args: () => ['cat', { input: new DataView(new Uint8Array([0x78, 0x79, 0x7a]).buffer), encoding: 'hex' }] }],
  ['spawnSync: empty input string', { name: 'spawnSync', args: () => ['cat', { input: '' }] }],
  ['spawnSync: a fourth pipe (output[3])', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo three >&3'], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] }] }],
  ['spawnSync: stdio ignore', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo out; echo err >&2'], { stdio: 'ignore' }] }],
  ['spawnSync: stdio array with ignore and null', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo out; echo err >&2'], { stdio: ['ignore', null, 'ignore'] }] }],
  ['spawnSync: stdio inherit (child writes nothing)', { name: 'spawnSync', args: () => ['true', { stdio: 'inherit' }] }],
  ['spawnSync: short stdio array, padded', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo out'], { stdio: ['pipe'] }] }],
  ['spawnSync: missing command (ENOENT)', { name: 'spawnSync', args: () => ['/nonexistent/greenthread-cmd', ['a', 'b']] }],
  ['spawnSync: missing cwd (ENOENT)', { name: 'spawnSync', args: () => ['sh', ['-c', 'true'], { cwd: path.join(tmp, 'nope') }] }],
  ['spawnSync: timeout (ETIMEDOUT, SIGTERM)', { name: 'spawnSync', args: () => ['sleep', ['5'], { timeout: 100 }] }],
  ['spawnSync: timeout with killSignal SIGKILL', { name: 'spawnSync', args: () => ['sleep', ['5'], { timeout: 100, killSignal: 'SIGKILL' }] }],
  ['spawnSync: timeout with a numeric killSignal', { name: 'spawnSync', args: () => ['sleep', ['5'], { timeout: 100, killSignal: 9 }] }],
  ['spawnSync: death by a signal', { name: 'spawnSync', args: () => ['sh', ['-c', 'kill -9 $$']] }],
  ['spawnSync: maxBuffer overflow (ENOBUFS, child killed)', { name: 'spawnSync', args: () => ['yes', { maxBuffer: 100 }], mask: overflowMask }],
  ['spawnSync: maxBuffer 0 is no limit', { name: 'spawnSync', args: () => ['head', ['-c', '3000', '/dev/zero'], { maxBuffer: 0 }] }],
  ['spawnSync: env, cwd, argv0', { name: 'spawnSync', args: () => ['sh', ['-c', 'echo $0 $FOO; pwd'], { env: { FOO: 'bar', PATH: process.env.PATH }, cwd: tmp, argv0: 'custom', encoding: 'latin1' }] }],
  ['spawnSync: shell', { name: 'spawnSync', args: () => ['echo $((1 + 2))', { shell: true, encoding: 'utf8' }] }],
  ['spawnSync: bad file', { name: 'spawnSync', args: () => [42] }],
  ['spawnSync: empty file', { name: 'spawnSync', args: () => [''] }],
  ['spawnSync: bad cwd type', { name: 'spawnSync', args: () => ['sh', { cwd: 5 }] }],
  ['spawnSync: bad timeout', { name: 'spawnSync', args: () => ['sh', { timeout: -1 }] }],
  ['spawnSync: bad maxBuffer', { name: 'spawnSync', args: () => ['sh', { maxBuffer: 'big' }] }],
  ['spawnSync: bad killSignal', { name: 'spawnSync', args: () => ['sh', { killSignal: 'SIGNOPE' }] }],
  ['spawnSync: bad stdio', { name: 'spawnSync', args: () => ['sh', { stdio: 'bogus' }] }],
  ['spawnSync: ipc stdio', { name: 'spawnSync', args: () => ['sh', { stdio: ['pipe', 'pipe', 'pipe', 'ipc'] }] }],
  ['spawnSync: bad input', { name: 'spawnSync', args: () => ['cat', { input: 5 }] }],
  ['spawnSync: string input with encoding buffer', { name: 'spawnSync', args: () => ['cat', { input: 'x', encoding: 'buffer' }] }],
  ['spawnSync: null byte in an argument', { name: 'spawnSync', args: () => ['echo', ['a\u0000b']] }],
  ['spawnSync: bad uid', { name: 'spawnSync', args: () => ['true', { uid: 'root' }] }],
  ['spawnSync: env with a null byte', { name: 'spawnSync', args: () => ['true', { env: { A: 'x\u0000y' } }] }],
  ['execSync: output', { name: 'execSync', args: () => ['echo hello'] }],
  ['execSync: non-zero exit ("Command failed")', { name: 'execSync', args: () => ['exit 3'] }],
  ['execSync: non-zero exit with stderr in the message', { name: 'execSync', args: () => ['echo out; echo oops >&2; exit 2', { stdio: 'pipe' }] }],
  ['execSync: death by a signal', { name: 'execSync', args: () => ['kill -TERM $$'] }],
  ['execSync: timeout', { name: 'execSync', args: () => ['sleep 5', { timeout: 100 }] }],
  ['execSync: maxBuffer', { name: 'execSync', args: () => ['yes', { maxBuffer: 10, stdio: 'pipe' }], mask: overflowMask }],
  ['execSync: encoding', { name: 'execSync', args: () => ['printf abc', { encoding: 'base64' }] }],
  ['execSync: input', { name: 'execSync', args: () => ['tr a-z A-Z', { input: 'shout', encoding: 'utf8' }] }],
  ['execSync: shell given as a string', { name: 'execSync', args: () => ['echo $0', { shell: '/bin/sh', encoding: 'utf8' }] }],
  ['execSync: missing cwd (ENOENT)', { name: 'execSync', args: () => ['true', { cwd: path.join(tmp, 'nope') }] }],
  ['execSync: bad command', { name: 'execSync', args: () => [42] }],
  ['execFileSync: output', { name: 'execFileSync', args: () => ['echo', ['a', 'b']] }],
  ['execFileSync: options in place of args', { name: 'execFileSync', args: () => ['pwd', { cwd: tmp, encoding: 'utf8' }] }],
  ['execFileSync: non-zero exit', { name: 'execFileSync', args: () => ['sh', ['-c', 'echo why >&2; exit 4'], { stdio: 'pipe' }] }],
  ['execFileSync: non-zero exit, argv0 in the message', { name: 'execFileSync', args: () => ['sh', ['-c', 'exit 5'], { argv0: 'mysh' }] }],
  ['execFileSync: missing command (ENOENT)', { name: 'execFileSync', args: () => ['/nonexistent/greenthread-cmd', ['x']] }],
  ['execFileSync: timeout', { name: 'execFileSync', args: () => ['sleep', ['5'], { timeout: 100 }] }],
  ['execFileSync: args not an array', { name: 'execFileSync', args: () => ['echo', 'x'] }],
  ['execFileSync: bad options', { name: 'execFileSync', args: () => ['echo', [], 'x'] }],
  ['execFileSync: bad argv0', { name: 'execFileSync', args: () => ['echo', [], { argv0: 5 }] }],
];

describe('the green variant returns and throws what the original does', () => {
  test.each(cases)('%s', async (_label, { name, args, mask = pidMask }) => {
    const original = cp[name] as (...a: unknown[]) => unknown;
    const variant = variants[name];
    const expected = outcome(() => original(...args()), mask);
    const actual = await greenOutcome(() => variant(...args()), mask);
    expect(actual).toEqual(expected);
  });

  test('execSync echoes the child\'s stderr to the parent\'s by default, as the original does', async () => {
    const written: unknown[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => { written.push(chunk); return true; });
    try {
      const expected = outcome(() => cp.execSync('echo to-stderr >&2; exit 1'), pidMask);
      const actual = await greenOutcome(() => variants.execSync('echo to-stderr >&2; exit 1'), pidMask);
      expect(actual).toEqual(expected);
    } finally {
      write.mockRestore();
    }
    expect(written.map(String)).toEqual(['to-stderr\n', 'to-stderr\n']);
  });

  test('the error a spawnSync result carries points at the caller', async () => {
    const stack = await green(() => (variants.spawnSync('/nonexistent/greenthread-cmd') as { error: Error }).error.stack ?? '');
    expect(stack).toContain('green-child-process.test');
    expect(stack).not.toMatch(/green-child-process-run|block-on-callback/);
  });
});

describe('only the calling green thread waits', () => {
  test('a ticker thread keeps ticking during execSync("sleep 0.2")', async () => {
    const ticks = await green(() => {
      let count = 0;
      let running = true;
      const ticker = spawn(() => {
        while (running) { count++; sleep(0.01); }
      });
      sleep(0);
      const atStart = count;
      variants.execSync('sleep 0.2');
      const during = count - atStart;
      running = false;
      ticker.wait();
      return during;
    });
    expect(ticks).toBeGreaterThan(0);
  });

  test('a caller killed by a Timeout kills its child (with killSignal) and gets the Timeout', async () => {
    const pidFile = path.join(tmp, 'child.pid');
    const caught = await green(() => {
      const t = new Timeout(0.2);
      try {
        return thrownBy(() => variants.spawnSync('sh', ['-c', `echo $$ > ${pidFile}; exec sleep 30`], { killSignal: 'SIGKILL' }));
      } finally {
        t.cancel();
      }
    });
    expect(caught).toBeInstanceOf(Timeout);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    // The child is gone (reaped) soon after: signal 0 then fails with ESRCH.
    const deadline = Date.now() + 5000;
    let alive = true;
    while (alive && Date.now() < deadline) {
      try { process.kill(pid, 0); await new Promise((r) => setTimeout(r, 10)); } catch { alive = false; }
    }
    expect(alive).toBe(false);
  });
});

describe('outside green threads', () => {
  test('the variant is the original: same results, same errors', () => {
    expect(outcome(() => variants.execSync('echo plain'), pidMask)).toEqual(outcome(() => cp.execSync('echo plain'), pidMask));
    expect(outcome(() => variants.spawnSync('sh', ['-c', 'exit 7']), pidMask)).toEqual(outcome(() => cp.spawnSync('sh', ['-c', 'exit 7']), pidMask));
    expect(outcome(() => variants.execFileSync('/nonexistent/greenthread-cmd'), pidMask)).toEqual(outcome(() => cp.execFileSync('/nonexistent/greenthread-cmd'), pidMask));
  });

  test('the variants keep the originals\' names and lengths', () => {
    for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
      expect(variants[name].name).toBe(cp[name].name);
      expect(variants[name].length).toBe(cp[name].length);
    }
  });
});
