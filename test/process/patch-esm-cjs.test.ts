// monkeyPatch() as CommonJS and ES modules see it, in child processes (a global patch): both
// require names share one patched object; an ES module's default import, namespace and named
// import bindings see the green functions (monkeyPatch refreshes the built-in ES exports), and
// only a reference copied before monkeyPatch keeps the original.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PKG, REPORTING, resultOf, root, runChild, runNode } from '../helpers';

const DIST = (file: string): string => JSON.stringify(pathToFileURL(path.join(root, 'dist', file)).href);

test("CommonJS: require('fs') and require('node:fs') are the same object, patched in place", () => {
  expect(resultOf(runChild(`${REPORTING}
    const fs = require('fs');
    const nodeFs = require('node:fs');
    const nodeReadFileSync = fs.readFileSync;
    const { monkeyPatch } = require(${PKG});
    const { originalOf } = require(${JSON.stringify(path.join(root, 'dist', 'patch', 'green-function.js'))});
    monkeyPatch();
    report({
      same: fs === nodeFs && require('fs') === fs,
      patched: fs.readFileSync !== nodeReadFileSync && originalOf(fs.readFileSync) === nodeReadFileSync,
      bothNames: nodeFs.readFileSync === fs.readFileSync,
    });`))).toEqual({ same: true, patched: true, bothNames: true });
});

test('ES modules: default import, namespace and named import see the green function after monkeyPatch; a copy made before keeps the original', () => {
  // The named import is bound before monkeyPatch runs (static imports are evaluated first).
  const source = `${REPORTING}
    import fs, { readFileSync } from 'node:fs';
    import * as ns from 'node:fs';
    import { createRequire } from 'node:module';
    import { monkeyPatch, run, spawn, sleep } from ${DIST('index.js')};
    const require = createRequire(import.meta.url);
    const copiedBefore = readFileSync;
    const namedBefore = readFileSync === require('fs').readFileSync;
    monkeyPatch();
    const live = require('fs').readFileSync;
    // How many turns another green thread gets while read() runs in this one.
    const ticksDuring = (read) => {
      let reading = false, done = false, ticks = 0;
      const ticker = spawn(() => { while (!done) { if (reading) ticks++; sleep(0); } });
      sleep(0);
      reading = true;
      const text = read(${JSON.stringify(path.join(root, 'package.json'))}, 'utf8');
      reading = false;
      done = true;
      ticker.wait();
      return text.includes('"greenthread"') ? ticks : -1;
    };
    const later = await import('data:text/javascript,import { readFileSync } from "node:fs"; export const r = readFileSync;');
    run(() => ({
      namedBefore,
      defaultImport: fs.readFileSync === live,
      namespace: ns.readFileSync === live,
      named: readFileSync === live,
      namedInLaterModule: later.r === live,
      copiedBeforeIsOriginal: copiedBefore !== live,
      namedTicks: ticksDuring(readFileSync) > 0,
      copiedTicks: ticksDuring(copiedBefore),
    })).then(report);`;
  expect(resultOf(runNode(['--input-type=module', '-e', source]))).toEqual({
    namedBefore: true,
    defaultImport: true,
    namespace: true,
    named: true,
    namedInLaterModule: true,
    copiedBeforeIsOriginal: true,
    namedTicks: true,
    copiedTicks: 0,  // the original blocks: no other green thread runs meanwhile
  });
});
