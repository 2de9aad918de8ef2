// importPatched() of CommonJS, in-process: what the loaded module and its dependencies get (the
// green copies, transitively, packages included), what the rest of the process keeps (the
// originals, require.cache), separate instances, resolution and errors. eventlet's
// tests/patcher_test.py (ImportPatched, import_patched defaults and sub-modules) is the
// checklist. ES modules need the loader, which jest sandboxes: test/process/import-patched.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NotInGreenThreadError, importPatched, isPatched, sleep, spawn } from '../../src';
import { originalOf } from '../../src/patch/green-function';
import { findGreenModule, greenCopy } from '../../src/patch/green-modules';
import { green, thrownBy } from '../helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'import-patched');
const ROOT = path.join(FIXTURES, 'root.js');

// The real module objects (a namespace import would be a copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const liveFs = require('node:fs') as typeof fs;
const nodeReadFileSync = liveFs.readFileSync;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeModuleCache = (require('node:module') as { _cache: Record<string, unknown> })._cache;

interface Root {
  fs: typeof fs;
  nodeFs: typeof fs;
  childProcess: unknown;
  crypto: unknown;
  zlib: unknown;
  path: unknown;
  helper: { fs: typeof fs; read(file: string): string };
  dep: { fs: typeof fs; zlib: unknown };
  data: unknown;
  resolvedHelper: string;
  requireCache: unknown;
  read(file: string): string;
}

function copyOf(name: string): Record<string, unknown> {
  return greenCopy(findGreenModule(name)!);
}

describe('what the loaded module gets', () => {
  test('require of fs, child_process, crypto and zlib (with or without node:) gives the green copies', () => {
    const root = importPatched(ROOT) as Root;
    expect(root.fs).toBe(copyOf('fs'));
    expect(root.nodeFs).toBe(root.fs);
    expect(root.childProcess).toBe(copyOf('child_process'));
    expect(root.crypto).toBe(copyOf('crypto'));
    expect(root.zlib).toBe(copyOf('zlib'));
    for (const copy of [root.fs, root.childProcess, root.crypto, root.zlib]) expect(copy).not.toBe(liveFs);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(root.path).toBe(require('node:path'));
    // The blocking functions are green variants of Node's; the rest is Node's own.
    expect(root.fs.readFileSync).not.toBe(nodeReadFileSync);
    expect(originalOf(root.fs.readFileSync)).toBe(nodeReadFileSync);
    expect(Object.keys(root.fs).sort()).toEqual(Object.keys(liveFs).sort());
  });

  test('a transitive dependency and a package found by name are patched too', () => {
    const root = importPatched(ROOT) as Root;
    expect(root.helper.fs).toBe(root.fs);
    expect(root.dep.fs).toBe(root.fs);
    expect(root.dep.zlib).toBe(root.zlib);
  });

  test('JSON, require.resolve and require.cache work as under require', () => {
    const root = importPatched(ROOT) as Root;
    expect(root.data).toEqual({ answer: 42 });
    expect(root.resolvedHelper).toBe(path.join(FIXTURES, 'helper.js'));
    expect(root.requireCache).toBe(nodeModuleCache);
  });

  test('a require cycle sees the partial exports, as under require', () => {
    const a = importPatched('../fixtures/import-patched/cycle-a') as { early: string; late: string; b: { sawA: unknown; a: unknown } };
    expect(a.b.sawA).toEqual({ early: 'a-early', late: undefined });
    expect(a.b.a).toBe(a);
    expect(a.late).toBe('a-late');
  });

  test('a built-in specifier gives the green copy of a covered module, Node\'s module otherwise', () => {
    expect(importPatched('fs')).toBe(copyOf('fs'));
    expect(importPatched('node:child_process')).toBe(copyOf('child_process'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(importPatched('node:path')).toBe(require('node:path'));
  });
});

describe('what the rest of the process keeps', () => {
  test('nothing global is patched', () => {
    importPatched(ROOT);
    expect(liveFs.readFileSync).toBe(nodeReadFileSync);
    expect(isPatched('fs')).toBe(false);
    expect(isPatched('crypto')).toBe(false);
    // require.cache is untouched: no file loaded under importPatched is in it.
    expect(Object.keys(nodeModuleCache).filter((file) => file.startsWith(FIXTURES))).toEqual([]);
  });

  test('a plain require of the same module is a separate, unpatched instance', () => {
    const patched = importPatched(ROOT) as Root;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const plain = require('../fixtures/import-patched/root') as Root;
    expect(plain).not.toBe(patched);
    expect(plain.helper).not.toBe(patched.helper);
    expect(plain.fs).toBe(liveFs);
    expect(plain.helper.fs).toBe(liveFs);
    expect(plain.dep.fs).toBe(liveFs);
  });

  test('importPatched of the same file again gives the same patched instance (eventlet keeps one too)', () => {
    expect(importPatched(ROOT)).toBe(importPatched('../fixtures/import-patched/root.js'));
    expect((importPatched(ROOT) as Root).helper).toBe(importPatched('../fixtures/import-patched/helper'));
  });
});

describe('blocking calls', () => {
  test("inside a green thread, the module's fs.readFileSync suspends only its green thread", async () => {
    const root = importPatched(ROOT) as Root;
    const result = await green(() => {
      let reading = false;
      let done = false;
      let ticksWhileReading = 0;
      const ticker = spawn(() => {
        while (!done) {
          if (reading) ticksWhileReading++;
          sleep(0);
        }
      });
      sleep(0);
      reading = true;
      const text = root.helper.read(ROOT);
      reading = false;
      done = true;
      ticker.wait();
      return { text, ticksWhileReading };
    });
    expect(result.text).toBe(fs.readFileSync(ROOT, 'utf8'));
    expect(result.ticksWhileReading).toBeGreaterThan(0);
  });

  test('outside green threads the same function is the original: it returns at once', () => {
    const root = importPatched(ROOT) as Root;
    expect(root.read(ROOT)).toBe(fs.readFileSync(ROOT, 'utf8'));
  });
});

describe('resolution', () => {
  test('a relative specifier resolves from the calling file', () => {
    expect(importPatched('../fixtures/import-patched/root')).toBe(importPatched(ROOT));
  });

  test('or from parent: a path, a file: URL, a URL object or a directory ending in a separator', () => {
    const root = importPatched(ROOT);
    expect(importPatched('./root', path.join(FIXTURES, 'anything.js'))).toBe(root);
    expect(importPatched('./root', pathToFileURL(path.join(FIXTURES, 'esm', 'x.mjs')).href.replace('/esm/x.mjs', '/x.mjs'))).toBe(root);
    expect(importPatched('../root', pathToFileURL(path.join(FIXTURES, 'esm', 'x.mjs')))).toBe(root);
    expect(importPatched('./root', FIXTURES + path.sep)).toBe(root);
    expect(importPatched('green-dep', path.join(FIXTURES, 'x.js'))).toBe((root as Root).dep);
  });

  test('the specifier can be an absolute path, a file: URL or a URL object', () => {
    const root = importPatched(ROOT);
    expect(importPatched(pathToFileURL(ROOT))).toBe(root);
    expect(importPatched(pathToFileURL(ROOT).href)).toBe(root);
  });
});

describe('errors', () => {
  test('a module that cannot be found: the error require gives (MODULE_NOT_FOUND, with the require stack)', () => {
    const error = thrownBy(() => importPatched('./no-such-module')) as NodeJS.ErrnoException & { requireStack: string[] };
    expect(error.code).toBe('MODULE_NOT_FOUND');
    expect(error.message).toMatch(/^Cannot find module '\.\/no-such-module'\nRequire stack:\n- .*import-patched\.test\.ts/);
    expect(error.requireStack).toEqual([__filename]);
  });

  test('a missing transitive dependency names the chain of patched files', () => {
    const error = thrownBy(() => importPatched('../fixtures/import-patched/missing-dep')) as NodeJS.ErrnoException & { requireStack: string[] };
    expect(error.code).toBe('MODULE_NOT_FOUND');
    expect(error.message).toMatch(/^Cannot find module '\.\/no-such-file'/);
    expect(error.requireStack).toEqual([path.join(FIXTURES, 'missing-dep.js'), __filename]);
  });

  test.each([
    [undefined, /specifier must be a non-empty string or a URL, got undefined/],
    [42, /specifier must be a non-empty string or a URL, got number 42/],
    ['', /specifier must be a non-empty string or a URL/],
    [{ path: './x' }, /specifier must be a non-empty string or a URL/],
    [new URL('https://example.com/x.js'), /a URL specifier must be a file: URL/],
  ])('specifier %p is a TypeError', (specifier, message) => {
    const error = thrownBy(() => importPatched(specifier as never)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(message);
  });

  test.each([['relative/file.js'], [42], [null]])('parent %p is a TypeError', (parent) => {
    const error = thrownBy(() => importPatched('./root', parent as never)) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/parent must be an absolute path or a file: URL/);
  });

  test('require() with a bad argument inside a patched module is the TypeError require gives', () => {
    const mod = importPatched('../fixtures/import-patched/bad-require') as { tryRequire(value: unknown): unknown };
    expect((thrownBy(() => mod.tryRequire(42)) as NodeJS.ErrnoException).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((thrownBy(() => mod.tryRequire('')) as NodeJS.ErrnoException).code).toBe('ERR_INVALID_ARG_VALUE');
  });

  test('a module that throws while loading: the error propagates, and the next call runs it again (as require does)', () => {
    const first = thrownBy(() => importPatched('../fixtures/import-patched/throws')) as Error;
    const second = thrownBy(() => importPatched('../fixtures/import-patched/throws')) as Error;
    expect(first.message).toBe('throws.js failed to load');
    expect(second.message).toBe('throws.js failed to load');
    expect(second).not.toBe(first);
  });

  test('require() of an ES module from a patched CommonJS module is ERR_REQUIRE_ESM, pointing to importPatched', () => {
    const error = thrownBy(() => importPatched('../fixtures/import-patched/requires-esm')) as NodeJS.ErrnoException;
    expect(error.code).toBe('ERR_REQUIRE_ESM');
    expect(error.message).toMatch(/leaf\.mjs from .*requires-esm\.js is not supported under importPatched: call importPatched\(\) on the ES module itself/);
  });

  test('an ES module outside a green thread is a NotInGreenThreadError (it loads asynchronously)', () => {
    for (const spec of ['../fixtures/import-patched/esm/root.mjs', '../fixtures/import-patched/typed/index.js']) {
      const error = thrownBy(() => importPatched(spec)) as Error;
      expect(error).toBeInstanceOf(NotInGreenThreadError);
      expect(error.message).toMatch(/importPatched\(\) of an ES module waits for the module loader/);
    }
  });

  test("inside jest an ES module is refused with jest's own error (jest sandboxes the module loader)", async () => {
    const error = await green(() => thrownBy(() => importPatched('../fixtures/import-patched/esm/leaf.mjs'))) as Error;
    expect(error.message).toMatch(/not supported in Jest/);
  });
});
