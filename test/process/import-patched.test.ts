// importPatched() in child processes, from the compiled package: ES module roots (the loader
// hooks, which jest's sandbox does not let through), mixed ES module / CommonJS graphs, a read
// that can only finish if the other green threads run, Node's errors, and what is shared on
// purpose (greenthread itself, native addons). A hang guard (SIGKILL) turns a hang into a failure.
import * as path from 'node:path';
import { PKG, REPORTING, resultOf, root, runChild } from '../helpers';

const FIX = path.join(root, 'test', 'fixtures', 'import-patched');
const F = JSON.stringify(FIX);

function run(body: string, options: { cwd?: string } = {}): any {
  return resultOf(runChild(`${REPORTING}
    const gt = require(${PKG});
    const path = require('node:path');
    const fs = require('node:fs');
    const FIX = ${F};
    const nodeReadFileSync = fs.readFileSync;
    ${body}`, { timeoutMs: 30000, ...options }));
}

test('an ES module root: default, namespace and named imports of the covered modules get the green copies, transitively', () => {
  expect(run(`
    gt.run(() => {
      const esm = gt.importPatched(path.join(FIX, 'esm', 'root.mjs'));
      const fsCopy = gt.importPatched('node:fs');
      const helper = gt.importPatched(path.join(FIX, 'helper.js'));
      const plain = gt.waitFor(import(require('node:url').pathToFileURL(path.join(FIX, 'esm', 'root.mjs')).href));
      report({
        defaultImport: esm.fs === fsCopy,
        namespace: esm.fsNamespace.default === fsCopy && esm.fsNamespace.readFileSync === fsCopy.readFileSync,
        named: esm.readFileSync === fsCopy.readFileSync && esm.readFileSync !== nodeReadFileSync,
        others: [esm.childProcess === gt.importPatched('child_process'), esm.pbkdf2Sync === gt.importPatched('crypto').pbkdf2Sync,
          esm.zlib === gt.importPatched('zlib'), esm.path === path],
        transitive: esm.leafFs === fsCopy,
        cjsDependency: esm.helper === helper && esm.helperRead === helper.read && helper.fs === fsCopy,
        packageDependency: esm.dep.fs === fsCopy && esm.dep === gt.importPatched('green-dep', path.join(FIX, 'x.js')),
        url: esm.url.endsWith('/esm/root.mjs?greenthread-patched'),
        read: esm.read(path.join(FIX, 'data.json')) === fs.readFileSync(path.join(FIX, 'data.json'), 'utf8'),
        again: gt.importPatched(path.join(FIX, 'esm', 'root.mjs')) === esm,
        plainIsSeparate: plain !== esm && plain.fs === fs && plain.readFileSync === nodeReadFileSync && plain.leafFs === fs,
        untouched: fs.readFileSync === nodeReadFileSync && !gt.isPatched('fs'),
      });
    });`)).toEqual({
    defaultImport: true, namespace: true, named: true, others: [true, true, true, true], transitive: true,
    cjsDependency: true, packageDependency: true, url: true, read: true, again: true, plainIsSeparate: true, untouched: true,
  });
});

test("an ES module's readFileSync of a FIFO suspends only its green thread: the writer runs meanwhile", () => {
  // The read can only finish once another green thread has written: with a blocking read the
  // process would hang (and the hang guard would fail the test).
  const result = run(`
    const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'import-patched-fifo-'));
    const fifo = path.join(dir, 'fifo');
    require('node:child_process').execFileSync('mkfifo', [fifo]);
    gt.run(() => {
      const esm = gt.importPatched(path.join(FIX, 'esm', 'root.mjs'));
      let ticks = 0;
      const writer = gt.spawn(() => {
        for (;;) {
          ticks++;
          try {
            // Non-blocking open: ENXIO until the reader has the FIFO open.
            const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
            fs.writeSync(fd, 'written by another green thread');
            fs.closeSync(fd);
            return;
          } catch (error) {
            if (error.code !== 'ENXIO') throw error;
            gt.sleep(0.001);
          }
        }
      });
      const text = esm.read(fifo);
      writer.wait();
      fs.rmSync(dir, { recursive: true });
      report({ text, writerTicked: ticks > 0 });
    });`);
  expect(result).toEqual({ text: 'written by another green thread', writerTicked: true });
});

test('a .js file that is an ES module by its package.json "type" loads through the loader', () => {
  expect(run(`
    gt.run(() => {
      const typed = gt.importPatched(path.join(FIX, 'typed'));
      report({ green: typed.typedFs === gt.importPatched('fs') });
    });`)).toEqual({ green: true });
});

test('a relative specifier from node -e resolves from the current directory, with the error require gives', () => {
  expect(run(`
    let requireMessage;
    try { require('./no-such-module'); } catch (error) { requireMessage = error.message; }
    let patchedError;
    try { gt.importPatched('./no-such-module'); } catch (error) { patchedError = error; }
    report({
      root: gt.importPatched('./root') === gt.importPatched(path.join(FIX, 'root.js')),
      code: patchedError.code,
      sameMessage: patchedError.message === requireMessage,
    });`, { cwd: FIX })).toEqual({ root: true, code: 'MODULE_NOT_FOUND', sameMessage: true });
});

test('errors inside an ES module graph: a missing import, and a CommonJS dependency that throws', () => {
  expect(run(`
    gt.run(() => {
      const caught = (fn) => { try { fn(); return 'no error'; } catch (error) { return { code: error.code, message: error.message.split('\\n')[0] }; } };
      report({
        missing: caught(() => gt.importPatched(path.join(FIX, 'esm', 'missing.mjs'))),
        throwing: caught(() => gt.importPatched(path.join(FIX, 'esm', 'imports-throwing-cjs.mjs'))),
      });
    });`)).toEqual({
    missing: { code: 'ERR_MODULE_NOT_FOUND', message: expect.stringMatching(/Cannot find module '.*no-such-module\.mjs' imported from .*missing\.mjs/) },
    throwing: { message: 'throws.js failed to load' },
  });
});

test('shared on purpose: greenthread itself (one hub) and native addons load normally; createRequire is the normal require', () => {
  expect(run(`
    const addon = require('node-gyp-build').path(${PKG});
    const viaPatched = gt.importPatched(path.join(FIX, 'bad-require.js')).tryRequire(addon);
    gt.run(() => {
      const esm = gt.importPatched(path.join(FIX, 'esm', 'imports-greenthread.mjs'));
      report({
        greenthread: esm.greenthread.spawn === gt.spawn && esm.greenthread.hub === gt.hub,
        addon: viaPatched === require(addon),
        createRequire: esm.requireFs === fs,
      });
    });`)).toEqual({ greenthread: true, addon: true, createRequire: true });
});

test('the loader is registered only by the first ES module importPatched, and the process still exits by itself', () => {
  expect(run(`
    const key = Symbol.for('greenthread.importPatched');
    gt.importPatched(path.join(FIX, 'root.js'));
    const afterCjs = key in globalThis;
    gt.run(() => {
      gt.importPatched(path.join(FIX, 'esm', 'leaf.mjs'));
      report({ afterCjs, afterEsm: key in globalThis });
    });`)).toEqual({ afterCjs: false, afterEsm: true });
});

test('an ES module outside a green thread is a NotInGreenThreadError; CommonJS loads anywhere', () => {
  expect(run(`
    let error;
    try { gt.importPatched(path.join(FIX, 'esm', 'leaf.mjs')); } catch (e) { error = e; }
    report({ esm: error instanceof gt.NotInGreenThreadError, cjs: gt.importPatched(path.join(FIX, 'helper.js')).fs === gt.importPatched('fs') });`))
    .toEqual({ esm: true, cjs: true });
});

test('inside a Worker (its own hub and its own loader hooks), ES module and CommonJS roots load patched', () => {
  expect(run(`
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(\`
      const gt = require(${PKG.replace(/\\/g, '\\\\')});
      const { parentPort } = require('node:worker_threads');
      gt.run(() => {
        const esm = gt.importPatched(\${JSON.stringify(path.join(FIX, 'esm', 'root.mjs'))});
        const root = gt.importPatched(\${JSON.stringify(path.join(FIX, 'root.js'))});
        parentPort.postMessage({ esm: esm.fs === gt.importPatched('fs'), cjs: root.helper.fs === esm.fs, read: esm.read(\${JSON.stringify(path.join(FIX, 'data.json'))}).includes('42') });
      });\`, { eval: true });
    worker.on('message', report);
    worker.on('error', (error) => { console.error(error); process.exitCode = 1; });`)).toEqual({ esm: true, cjs: true, read: true });
});
