// monkeyPatch, isPatched, original and the machinery every patched function shares
// (greenVariant, blockOnCallback): option handling as in eventlet's patcher_test.py, the
// variant's disguise as its original, the routing between green and original, and what a kill
// or Timeout does to a call in progress. The per-module coverage is in green-*.test.ts.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import {
  GreenletExit, NotInGreenThreadError, PriorityQueue, Timeout, isPatched, monkeyPatch, original, sleep, spawn,
} from '../../src';
import { blockOnCallback } from '../../src/patch/block-on-callback';
import { greenVariant } from '../../src/patch/green-function';
import { greenFunctions, greenCopy, findGreenModule } from '../../src/patch/green-modules';
import { greenFs } from '../../src/patch/green-fs';
import { unpatchAll } from '../../src/patch/monkey-patch';
import { green, thrownBy } from '../helpers';

// The real module objects: a namespace import would be a copy that patching does not reach.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const liveFs = require('node:fs') as typeof fs;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const liveCrypto = require('node:crypto') as typeof crypto;
const nodeReadFileSync = liveFs.readFileSync;
const nodePbkdf2Sync = liveCrypto.pbkdf2Sync;

afterEach(() => unpatchAll());

describe('options', () => {
  test.each([
    [{ fs: 1 }, /option 'fs' must be a boolean, got number 1/],
    [{ socket: true }, /unknown option 'socket'; expected one of: all, fs, childProcess, crypto, zlib/],
    [[], /options must be a plain object/],
    [null, /options must be a plain object, got null/],
    ['fs', /options must be a plain object/],
  ])('%p is a TypeError', (options, message) => {
    const error = thrownBy(() => monkeyPatch(options as never)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
    expect(isPatched('fs')).toBe(false);
  });

  test('no option patches every module', () => {
    monkeyPatch();
    for (const name of ['fs', 'childProcess', 'crypto', 'zlib']) expect(isPatched(name)).toBe(true);
  });

  test('an option set to true patches only the modules set to true', () => {
    monkeyPatch({ crypto: true, fs: false });
    expect([isPatched('fs'), isPatched('childProcess'), isPatched('crypto'), isPatched('zlib')]).toEqual([false, false, true, false]);
  });

  test('options only set to false patch all the others', () => {
    monkeyPatch({ crypto: false });
    expect([isPatched('fs'), isPatched('childProcess'), isPatched('crypto'), isPatched('zlib')]).toEqual([true, true, false, true]);
  });

  test('all: true patches everything, whatever else is said', () => {
    monkeyPatch({ all: true, fs: false });
    expect(isPatched('fs')).toBe(true);
  });

  test('calling it again is safe and can add modules', () => {
    monkeyPatch({ fs: true });
    const first = liveFs.readFileSync;
    monkeyPatch({ fs: true });
    monkeyPatch({ crypto: true });
    expect(liveFs.readFileSync).toBe(first);
    expect(isPatched('crypto')).toBe(true);
    expect(original('fs').readFileSync).toBe(nodeReadFileSync);
  });
});

describe('isPatched and original', () => {
  test('accept the option name and Node\'s module name, with or without node:', () => {
    monkeyPatch({ childProcess: true });
    for (const name of ['childProcess', 'child_process', 'node:child_process']) expect(isPatched(name)).toBe(true);
    expect(isPatched('node:fs')).toBe(false);
  });

  test.each([['socket'], ['os'], [''], [undefined], [42]])('%p is a TypeError listing the names', (name) => {
    for (const call of [() => isPatched(name as never), () => original(name as never)]) {
      const error = thrownBy(call) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/expected one of 'fs', 'childProcess' \('child_process'\), 'crypto', 'zlib'/);
    }
  });

  test('original() holds the module\'s properties with the unpatched functions, before and after patching', () => {
    const before = original('node:fs');
    monkeyPatch({ fs: true });
    const after = original('fs');
    for (const o of [before, after]) {
      expect(o.readFileSync).toBe(nodeReadFileSync);
      expect(o.readFile).toBe(liveFs.readFile);
      expect(o.constants).toBe(liveFs.constants);
      expect(Object.isFrozen(o)).toBe(true);
    }
    expect(liveFs.readFileSync).not.toBe(nodeReadFileSync);
  });

  test('unpatching (for tests) puts the originals back', () => {
    monkeyPatch();
    unpatchAll();
    expect(liveFs.readFileSync).toBe(nodeReadFileSync);
    expect(liveCrypto.pbkdf2Sync).toBe(nodePbkdf2Sync);
    expect(isPatched('fs')).toBe(false);
  });
});

describe('a patched function', () => {
  test('looks like its original: name, length, own properties', () => {
    monkeyPatch({ fs: true, crypto: true });
    expect(liveFs.readFileSync.name).toBe('readFileSync');
    expect(liveFs.readFileSync.length).toBe(nodeReadFileSync.length);
    expect(liveCrypto.pbkdf2Sync.name).toBe('pbkdf2Sync');
    const original = Object.assign(function f(a: number, b: number) { return a + b; }, { extra: 1 });
    const variant = greenVariant(original, () => 0) as typeof original;
    expect([variant.name, variant.length, variant.extra]).toEqual(['f', 2, 1]);
  });

  test('outside green threads is the original: same result, same errors, no green thread needed', () => {
    monkeyPatch({ fs: true });
    expect(liveFs.readFileSync(__filename, 'utf8')).toBe(nodeReadFileSync(__filename, 'utf8'));
    const error = thrownBy(() => liveFs.readFileSync('/no/such/file')) as NodeJS.ErrnoException;
    expect(error.code).toBe('ENOENT');
    expect(error.syscall).toBe('open');
  });

  test('inside a green thread suspends only that thread: another thread runs meanwhile', async () => {
    monkeyPatch({ crypto: true });
    const result = await green(() => {
      let ticks = 0;
      const ticker = spawn(() => { for (;;) { sleep(0); ticks++; } });
      const key = liveCrypto.pbkdf2Sync('secret', 'salt', 200_000, 32, 'sha256');
      ticker.kill();
      return { key, ticks };
    });
    expect(result.key).toEqual(nodePbkdf2Sync('secret', 'salt', 200_000, 32, 'sha256'));
    expect(result.ticks).toBeGreaterThan(0);
  });

  test('an error comes back with the original\'s class, message and codes, its stack at the caller', async () => {
    const variant = greenFunctions(greenFs).variants.readFileSync;
    const expected = thrownBy(() => nodeReadFileSync('/no/such/file')) as NodeJS.ErrnoException;
    const error = await green(function readsAMissingFile() { return thrownBy(() => variant('/no/such/file')); }) as NodeJS.ErrnoException;
    expect(error.constructor).toBe(expected.constructor);
    expect([error.message, error.code, error.errno, error.syscall, error.path])
      .toEqual([expected.message, expected.code, expected.errno, expected.syscall, expected.path]);
    expect(error.stack).toMatch(/^Error: ENOENT: no such file or directory, open '\/no\/such\/file'\n {4}at /);
    expect(error.stack).toMatch(/readsAMissingFile/);
    expect(error.stack).not.toMatch(/oncomplete|FSReqCallback/);
  });

  test('where suspension is refused (a PriorityQueue compare function) runs the original', async () => {
    const variant = greenFunctions(greenFs).variants.readFileSync;
    const seen = await green(() => {
      const lengths: number[] = [];
      const q = new PriorityQueue<number>(null, { compare: (a, b) => { lengths.push((variant(__filename) as Buffer).length); return a - b; } });
      q.putNowait(2);
      q.putNowait(1);
      return lengths;
    });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[0]).toBe(nodeReadFileSync(__filename).length);
  });
});

describe('blockOnCallback', () => {
  test('returns the callback\'s results after the error argument', async () => {
    const results = await green(() => blockOnCallback('two()', (done) => setImmediate(() => done(null, 1, 'two'))));
    expect(results).toEqual([1, 'two']);
  });

  test('a synchronous throw of the starter propagates unchanged, nothing waits', async () => {
    const boom = new TypeError('bad argument');
    const caught = await green(() => thrownBy(() => blockOnCallback('x()', () => { throw boom; })));
    expect(caught).toBe(boom);
  });

  test('from plain JavaScript is NotInGreenThreadError', () => {
    expect(() => blockOnCallback('fs.readFileSync()', () => undefined)).toThrow(NotInGreenThreadError);
  });

  test('a kill while waiting is thrown at once, unchanged; the late completion is dropped', async () => {
    let complete: (() => void) | undefined;
    const outcome = await green(() => {
      const waiting = spawn(() => blockOnCallback('slow()', (done) => { complete = () => done(null, 'late'); }));
      sleep(0);
      waiting.kill();
      const error = thrownBy(() => waiting.wait());
      complete?.();
      sleep(0);
      return error;
    });
    expect(outcome).toBeInstanceOf(GreenletExit);
  });

  test('a Timeout while waiting is that Timeout, its stack untouched', async () => {
    const outcome = await green(() => {
      const t = new Timeout(0.01);
      try {
        return [thrownBy(() => blockOnCallback('never()', () => undefined)), t];
      } finally {
        t.cancel();
      }
    });
    expect(outcome[0]).toBe(outcome[1]);
  });
});

describe('the green copy for importPatched', () => {
  test('has the module\'s properties with green variants, and leaves the module alone', () => {
    const copy = greenCopy(findGreenModule('node:fs')!);
    expect(copy.readFileSync).toBe(greenFunctions(greenFs).variants.readFileSync);
    expect(copy.readFile).toBe(liveFs.readFile);
    expect(liveFs.readFileSync).toBe(nodeReadFileSync);
  });
});
