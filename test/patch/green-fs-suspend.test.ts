// The green fs beyond single calls: other green threads run while a large readFileSync and a
// readdirSync are in progress; outside green threads each variant is its original; every
// fs.*Sync function is either patched or listed as unpatched; a caller killed while openSync
// waits leaves no fd open.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Timeout, sleep, spawn } from '../../src';
import { originalOf } from '../../src/patch/green-function';
import { greenFs } from '../../src/patch/green-fs';
import { originals, variants } from '../fixtures/patch-fs/table';
import { green } from '../helpers';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'green-fs-suspend-'));
  fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(64 * 1024 * 1024, 0x61));
  fs.mkdirSync(path.join(dir, 'many'));
  for (let i = 0; i < 2000; i++) fs.writeFileSync(path.join(dir, 'many', `f${i}`), '');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('other green threads run while readFileSync of a large file and readdirSync are in progress', async () => {
  const { ticksDuring, data, names } = await green(() => {
    let pending = 2;
    let ticks = 0;
    const ticker = spawn(() => { while (pending > 0) { ticks++; sleep(0); } });
    const during: number[] = [];
    const reader = spawn(() => {
      const before = ticks;
      try { return variants.readFileSync(path.join(dir, 'big')) as Buffer; } finally { during.push(ticks - before); pending--; }
    });
    const lister = spawn(() => {
      const before = ticks;
      try { return variants.readdirSync(path.join(dir, 'many')) as string[]; } finally { during.push(ticks - before); pending--; }
    });
    const result = { data: reader.wait(), names: lister.wait(), ticksDuring: during };
    ticker.wait();
    return result;
  });
  expect(ticksDuring).toHaveLength(2);
  for (const t of ticksDuring) expect(t).toBeGreaterThan(0);
  expect(data.equals(fs.readFileSync(path.join(dir, 'big')))).toBe(true);
  expect(names).toEqual(fs.readdirSync(path.join(dir, 'many')));
});

test('outside green threads every variant is its original, called through', () => {
  for (const [name, variant] of Object.entries(variants)) {
    expect(originalOf(variant)).toBe(originals[name]);
    expect(variant.name).toBe(originals[name].name);
    expect(variant.length).toBe(originals[name].length);
  }
  const file = path.join(dir, 'many', 'f1');
  expect(variants.readFileSync(file, 'utf8')).toBe('');
  expect(variants.existsSync(file)).toBe(true);
  expect(variants.statSync(path.join(dir, 'nope'), { throwIfNoEntry: false })).toBeUndefined();
  expect(() => variants.readFileSync(path.join(dir, 'nope'))).toThrow(expect.objectContaining({ code: 'ENOENT', syscall: 'open' }));
  // The stack of an error thrown outside is the original's own: nothing of greenthread's in it
  // but the variant's one frame.
  const stack = (() => { try { variants.accessSync(path.join(dir, 'nope')); } catch (e) { return (e as Error).stack; } })();
  expect(stack).toMatch(/ENOENT/);
  expect((variants.realpathSync as unknown as typeof fs.realpathSync).native(dir)).toBe(fs.realpathSync.native(dir));
});

test('realpathSync.native is green too, its original behind it', () => {
  const native = (variants.realpathSync as unknown as { native: (...a: unknown[]) => unknown }).native;
  expect(native).not.toBe(fs.realpathSync.native);
  expect(originalOf(native)).toBe(fs.realpathSync.native);
  expect(native.name).toBe(fs.realpathSync.native.name);
});

test('every fs.*Sync function is patched or listed as unpatched with a reason', () => {
  const names = Object.keys(fs).filter((k) => k.endsWith('Sync') && typeof (fs as Record<string, unknown>)[k] === 'function');
  const unlisted = names.filter((n) => variants[n] === undefined && greenFs.unpatched[n] === undefined);
  expect(unlisted).toEqual([]);
  for (const reason of Object.values(greenFs.unpatched)) expect(reason.length).toBeGreaterThan(20);
});

/**
 * Whether the FIFO's reader has closed it: writing then fails with EPIPE, while a reader that
 * is still open (or still opening) lets the write into the pipe. Waits up to 5 s for it.
 */
function readerClosed(writer: number): boolean {
  for (let i = 0; i < 500; i++) {
    try {
      fs.writeSync(writer, 'x');
    } catch (error) {
      if ((error as { code?: unknown }).code === 'EPIPE') return true;
      throw error;
    }
    sleep(0.01);
  }
  return false;
}

/**
 * Opens the FIFO for writing once its reader (the green openSync, on the thread pool) is
 * waiting for one, which lets that open complete. ENXIO: no reader yet; tried again.
 */
function openWriter(fifo: string): number {
  for (let i = 0; ; i++) {
    try {
      return fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'ENXIO' || i > 500) throw error;
      sleep(0.01);
    }
  }
}

// Opening a FIFO for reading blocks until a writer comes: the green openSync cannot complete
// before the interruption, and completes (handing over an fd nobody will get) only after it.
test.each(['kill', 'Timeout'])('a caller interrupted (%s) while openSync waits leaves no fd open', async (how) => {
  const fifo = path.join(dir, `fifo-${how}`);
  execFileSync('mkfifo', [fifo]);
  const result = await green(() => {
    let reached = false;
    const opener = spawn(() => {
      const timeout = how === 'Timeout' ? new Timeout(0) : undefined;
      reached = true;
      try {
        return variants.openSync(fifo, 'r');
      } finally {
        timeout?.cancel();
      }
    });
    if (how === 'kill') {
      while (!reached) sleep(0);
      opener.kill();
    }
    let outcome: string;
    try { outcome = `returned ${String(opener.wait())}`; } catch (error) { outcome = (error as Error).constructor.name; }
    const writer = openWriter(fifo);
    // The abandoned fd is closed as soon as the open completes, in its callback.
    const closed = readerClosed(writer);
    fs.closeSync(writer);
    return { outcome, closed };
  });
  expect(result.outcome).toBe(how === 'kill' ? 'GreenletExit' : 'Timeout');
  expect(result.closed).toBe(true);
});

test('an error from a green call has the caller\'s stack, as the sync one would', async () => {
  const stack = await green(function callerOfReadFile() {
    try {
      variants.readFileSync(path.join(dir, 'nope'));
    } catch (error) {
      return (error as Error).stack ?? '';
    }
    return '';
  });
  const lines = stack.split('\n');
  expect(lines[0]).toMatch(/^Error: ENOENT: no such file or directory, open '.*nope'$/);
  expect(lines.slice(1).join('\n')).toMatch(/callerOfReadFile/);
  expect(stack).not.toMatch(/src[/\\]patch[/\\]/);
});
