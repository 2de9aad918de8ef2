// A real, process-wide monkeyPatch({ fs: true }) in a child process (dist/), in CommonJS and in
// ESM: require('fs'), require('node:fs'), the default import, the namespace and a named import
// binding all see the green variants afterwards; a reference copied before does not (statSync:
// some originals, like Node 20's readFileSync without an encoding, call fs.openSync/readSync
// through the module object and so go partly green even through an old reference). "Sees the
// green variant" is shown by behaviour: a ticker thread runs while the call is in progress.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root, runChild, runNode } from '../helpers';

const DIST = JSON.stringify(path.join(root, 'dist', 'index.js'));
let dir: string;
let file: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-fs-'));
  file = path.join(dir, 'big');
  fs.writeFileSync(file, Buffer.alloc(16 * 1024 * 1024, 0x61));
  fs.writeFileSync(path.join(dir, 'mod.js'), 'module.exports = 42;\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

// Shared by both scripts: whether each function suspended the calling green thread (a ticker
// got turns during it), and what it returned.
const probe = `
function suspends(gt, call) {
  let ticks = 0, stop = false;
  const ticker = gt.spawn(() => { while (!stop) { ticks++; gt.sleep(0); } });
  try { const value = call(); return { suspended: ticks > 0, value }; } finally { stop = true; ticker.kill(); }
}`;

function parse(result: { status: number | null; stdout: string; stderr: string }): Record<string, unknown> {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

test('CommonJS: require("fs") and require("node:fs") are patched; a copy taken before is not', () => {
  const out = parse(runChild(`${probe}
    const gt = require(${DIST});
    const fs = require('fs');
    const copy = fs.statSync;
    const nativeCopy = fs.realpathSync.native;
    gt.monkeyPatch({ fs: true });
    const nodeFs = require('node:fs');
    gt.run(() => ({
      patched: gt.isPatched('fs'),
      same: fs.readFileSync === nodeFs.readFileSync && fs.statSync !== copy,
      nativePatched: fs.realpathSync.native !== nativeCopy && gt.original('fs').realpathSync.native === nativeCopy,
      green: suspends(gt, () => fs.readFileSync(${JSON.stringify(file)}).length),
      nodeGreen: suspends(gt, () => nodeFs.statSync(${JSON.stringify(file)}).size),
      copy: suspends(gt, () => copy(${JSON.stringify(file)}).size),
      required: suspends(gt, () => require(${JSON.stringify(path.join(dir, 'mod.js'))})),
    })).then((r) => process.stdout.write(JSON.stringify({ ...r, outside: fs.existsSync(${JSON.stringify(file)}) })));
  `));
  expect(out).toEqual({
    patched: true,
    same: true,
    nativePatched: true,
    green: { suspended: true, value: 16 * 1024 * 1024 },
    nodeGreen: { suspended: true, value: 16 * 1024 * 1024 },
    copy: { suspended: false, value: 16 * 1024 * 1024 },
    // Node's module loader reads the file with the originals: a require() never suspends halfway.
    required: { suspended: false, value: 42 },
    outside: true,
  });
});

test('ESM: default, namespace and named import bindings see the green variants after monkeyPatch', () => {
  const script = `${probe}
    import fs from 'node:fs';
    import * as ns from 'node:fs';
    import { readFileSync, existsSync, statSync } from 'node:fs';
    const { default: gt } = await import(${DIST});
    const copy = statSync;
    const beforeNamed = readFileSync === fs.readFileSync;
    gt.monkeyPatch({ fs: true });
    const r = await gt.run(() => ({
      beforeNamed,
      named: readFileSync === fs.readFileSync && statSync === fs.statSync && statSync !== copy && ns.readFileSync === fs.readFileSync,
      namedExists: existsSync === fs.existsSync,
      green: suspends(gt, () => readFileSync(${JSON.stringify(file)}).length),
      copy: suspends(gt, () => copy(${JSON.stringify(file)}).size),
    }));
    process.stdout.write(JSON.stringify(r));
  `;
  const out = parse(runNode(['--input-type=module', '-e', script]));
  expect(out).toEqual({
    beforeNamed: true,
    named: true,
    namedExists: true,
    green: { suspended: true, value: 16 * 1024 * 1024 },
    copy: { suspended: false, value: 16 * 1024 * 1024 },
  });
});
