// EACCES and EPERM from permission bits, which root never gets: when the tests run as root, a
// child process drops to the `nobody` user and compares the green fs variants with the
// originals there (errors and whether the green call suspended). Skipped when not root (then
// the in-process table's EACCES cases run instead) or without a `nobody` user.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { root, runChild } from '../helpers';

const isRoot = process.getuid?.() === 0;
const hasNobody = isRoot && spawnSync('id', ['-u', 'nobody']).status === 0;
const NOBODY = 65534;

const script = `
process.setgid(${NOBODY});
process.setuid(${NOBODY});
const gt = require(${JSON.stringify(path.join(root, 'dist', 'index.js'))});
const { greenFunctions } = require(${JSON.stringify(path.join(root, 'dist', 'patch', 'green-modules.js'))});
const { greenFs } = require(${JSON.stringify(path.join(root, 'dist', 'patch', 'green-fs.js'))});
const fs = require('fs'), path = require('path'), os = require('os');
const { variants, originals } = greenFunctions(greenFs);
const made = [];
function place() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'green-fs-eacces-'));
  made.push(d);
  fs.writeFileSync(d + '/f', 'x');
  fs.chmodSync(d + '/f', 0);
  fs.mkdirSync(d + '/ro');
  fs.writeFileSync(d + '/ro/a', 'a');
  fs.mkdirSync(d + '/ro/e');
  fs.chmodSync(d + '/ro', 0o555);
  fs.mkdirSync(d + '/closed');
  fs.chmodSync(d + '/closed', 0);
  return d;
}
function outcome(d, call) {
  try {
    const v = call();
    return { value: typeof v === 'number' ? 'number' : v instanceof fs.Dir ? 'Dir' : v };
  } catch (e) {
    const text = (s) => typeof s === 'string' ? s.split(d).join('<dir>').replace(/t-[A-Za-z0-9]{6}/, 't-XXXXXX') : s;
    return { error: { class: e.constructor.name, message: text(e.message), code: e.code, errno: e.errno, syscall: e.syscall, path: text(e.path), dest: text(e.dest) } };
  }
}
const cases = {
  readFileSync: (d) => [d + '/f'],
  openSync: (d) => [d + '/f', 'r'],
  writeFileSync: (d) => [d + '/ro/new', 'x'],
  appendFileSync: (d) => [d + '/f', 'x'],
  accessSync: (d) => [d + '/f', fs.constants.R_OK],
  existsSync: (d) => [d + '/closed/x'],
  statSync: (d) => [d + '/closed/x'],
  lstatSync: (d) => [d + '/closed/x', { throwIfNoEntry: false }],
  readdirSync: (d) => [d + '/closed'],
  opendirSync: (d) => [d + '/closed'],
  mkdirSync: (d) => [d + '/ro/x'],
  mkdtempSync: (d) => [d + '/ro/t-'],
  unlinkSync: (d) => [d + '/ro/a'],
  rmSync: (d) => [d + '/ro/a'],
  'rmSync recursive': (d) => [d + '/ro', { recursive: true }],
  rmdirSync: (d) => [d + '/ro/e'],
  renameSync: (d) => [d + '/ro/a', d + '/ro/b'],
  copyFileSync: (d) => [d + '/f', d + '/g'],
  symlinkSync: (d) => ['x', d + '/ro/l'],
  linkSync: (d) => [d + '/ro/a', d + '/ro/h'],
  chownSync: (d) => [d + '/ro/a', 0, 0],
  realpathSync: (d) => [d + '/closed/x'],
  truncateSync: (d) => [d + '/f', 0],
};
gt.run(() => {
  const out = {};
  for (const [key, args] of Object.entries(cases)) {
    const name = key.split(' ')[0];
    const d1 = place(), d2 = place();
    const original = outcome(d1, () => originals[name](...args(d1)));
    let ticks = 0, stop = false;
    const ticker = gt.spawn(() => { while (!stop) { ticks++; gt.sleep(0); } });
    const green = outcome(d2, () => variants[name](...args(d2)));
    stop = true;
    ticker.kill();
    out[key] = { original, green, suspended: ticks > 0 };
  }
  return out;
}).then((out) => {
  for (const d of made) {
    for (const sub of ['/ro', '/closed']) try { fs.chmodSync(d + sub, 0o755); } catch {}
    fs.rmSync(d, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(out));
});
`;

(hasNobody ? test : test.skip)('as an unprivileged user, EACCES and EPERM are the originals\' and the green calls suspend', () => {
  const result = runChild(script);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  const out = JSON.parse(result.stdout) as Record<string, { original: { error?: { code?: string } }; green: unknown; suspended: boolean }>;
  const codes = new Set<string>();
  for (const [name, { original, green, suspended }] of Object.entries(out)) {
    expect([name, green]).toEqual([name, original]);
    expect([name, suspended]).toEqual([name, true]);
    if (original.error?.code !== undefined) codes.add(original.error.code);
  }
  // The fixture did produce permission errors (not only ENOENT).
  expect(codes).toContain('EACCES');
  expect(codes).toContain('EPERM');
});
