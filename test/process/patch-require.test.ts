// require() and import() inside green threads after a global monkeyPatch({ fs: true }). Node's
// module loaders read source files through the public fs.readFileSync and realpathSync; if those
// reads suspended, a require() halfway through loading a module would let another green
// thread's require() of the same file return its unfinished exports. They run the originals
// instead, while the module's own top-level code still gets the green functions.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root, runChild, runNode } from '../helpers';

const DIST = JSON.stringify(path.join(root, 'dist', 'index.js'));
let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patch-require-'));
  fs.writeFileSync(path.join(dir, 'replaces-exports.js'), 'module.exports = { ready: true };\n');
  fs.writeFileSync(path.join(dir, 'reads-at-top.js'),
    'module.exports = require("node:fs").readFileSync(__filename, "utf8").length;\n');
  fs.writeFileSync(path.join(dir, 'esm.mjs'), 'export const ready = true;\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function parse(result: { status: number | null; stdout: string; stderr: string }): unknown {
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  return JSON.parse(result.stdout);
}

test('two green threads requiring the same new module both get its finished exports', () => {
  const out = parse(runChild(`
    const gt = require(${DIST});
    gt.monkeyPatch({ fs: true });
    gt.run(() => {
      const file = ${JSON.stringify(path.join(dir, 'replaces-exports.js'))};
      const threads = [0, 1, 2].map(() => gt.spawn(() => require(file)));
      const got = threads.map((t) => t.wait());
      console.log(JSON.stringify({ got, same: got.every((m) => m === got[0]) }));
    });
  `));
  expect(out).toEqual({ got: [{ ready: true }, { ready: true }, { ready: true }], same: true });
});

test("a module's own top-level fs call is still green", () => {
  const out = parse(runChild(`
    const gt = require(${DIST});
    gt.monkeyPatch({ fs: true });
    gt.run(() => {
      let ticks = 0, stop = false;
      const ticker = gt.spawn(() => { while (!stop) { ticks++; gt.sleep(0); } });
      const length = require(${JSON.stringify(path.join(dir, 'reads-at-top.js'))});
      stop = true;
      ticker.kill();
      console.log(JSON.stringify({ length, ticked: ticks > 0 }));
    });
  `));
  expect(out).toEqual({ length: expect.any(Number), ticked: true });
});

test('ES modules imported from green threads load whole too', () => {
  const script = path.join(dir, 'main.mjs');
  fs.writeFileSync(script, `
    import { createRequire } from 'node:module';
    const gt = createRequire(import.meta.url)(${DIST});
    gt.monkeyPatch({ fs: true });
    await gt.run(() => {
      const threads = [0, 1].map(() => gt.spawn(() => gt.waitFor(import(${JSON.stringify(path.join(dir, 'esm.mjs'))}))));
      console.log(JSON.stringify(threads.map((t) => t.wait().ready)));
    });
  `);
  expect(parse(runNode([script]))).toEqual([true, true]);
});
