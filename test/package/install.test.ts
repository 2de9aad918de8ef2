// The install experience: what the packed manifest declares (platforms, no `prepare`), which
// files a tarball carries, the load error when no binary fits (says how to fix it, keeps the
// original as `cause`), and source maps that work from an installed copy (no src/ shipped).
// The "installed copy" is the file list `npm pack` would pack, copied into a temporary
// node_modules/greenthread, plus the locally built binary where a test needs one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root, runNode } from '../helpers';

jest.setTimeout(60000);

const manifest = require('../../package.json') as { os: string[]; cpu: string[]; files: string[]; scripts: Record<string, string> };

/** The files `npm pack` puts in the tarball (scripts skipped: only the list is wanted). */
function packedFiles(): string[] {
  const result = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json', '--loglevel=error'], { cwd: root, encoding: 'utf8' });
  expect(result.status).toBe(0);
  return (JSON.parse(result.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
}

let files: string[];
let app: string;
beforeAll(() => {
  files = packedFiles();
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-installed-'));
  const pkg = path.join(app, 'node_modules', 'greenthread');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(pkg, file)), { recursive: true });
    fs.copyFileSync(path.join(root, file), path.join(pkg, file));
  }
  // Its one dependency, as npm would install it beside it.
  fs.symlinkSync(path.join(root, 'node_modules', 'node-gyp-build'), path.join(app, 'node_modules', 'node-gyp-build'), 'dir');
});
afterAll(() => fs.rmSync(app, { recursive: true, force: true }));

/** Puts the locally built binary into the installed copy (or takes it away). */
function withBinary(present: boolean): void {
  const dest = path.join(app, 'node_modules', 'greenthread', 'build', 'Release');
  fs.rmSync(path.join(app, 'node_modules', 'greenthread', 'build'), { recursive: true, force: true });
  fs.rmSync(path.join(app, 'node_modules', 'greenthread', 'prebuilds'), { recursive: true, force: true });
  if (present) {
    fs.mkdirSync(dest, { recursive: true });
    fs.copyFileSync(path.join(root, 'build', 'Release', 'greenthread.node'), path.join(dest, 'greenthread.node'));
  }
}

describe('the packed manifest', () => {
  test('declares the platforms the binaries are built for', () => {
    expect(manifest.os).toEqual(['linux']);
    expect(manifest.cpu).toEqual(['x64']);
  });

  test('has no prepare script (it would only add to npm\'s install-scripts warning)', () => {
    expect(manifest.scripts).not.toHaveProperty('prepare');
    // The install script needs only what the tarball carries.
    expect(manifest.scripts.install).toBe('node scripts/install.js');
  });

  test('carries the compiled package, the native sources and the install script, not src/ or test/', () => {
    for (const file of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'binding.gyp', 'scripts/install.js']) {
      expect(files).toContain(file);
    }
    expect(files.some((f) => f.startsWith('native/engine/'))).toBe(true);
    expect(files.filter((f) => /^(src|test|scripts\/(?!install\.js))/.test(f))).toEqual([]);
  });
});

describe('loading from an installed copy', () => {
  test('with no binary that fits: an error that says how to fix it, the original as cause', () => {
    withBinary(false);
    const result = runNode(['-e', `
      try { require('greenthread'); console.log('loaded'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message, cause: e.cause && e.cause.message })); }
    `], { cwd: app, env: { GREENTHREAD_PREBUILD: '' } });  // no override (test:matrix sets one)
    expect(result.stderr).toBe('');
    const error = JSON.parse(result.stdout) as { code: string; message: string; cause: string };
    expect(error.code).toBe('ERR_GREENTHREAD_NO_ENGINE');
    expect(error.message).toContain('npm rebuild greenthread');
    expect(error.message).toContain('Linux x64 with Node 20, 22, 24 or 26');
    expect(error.message).toContain(`Node ${process.versions.node}`);
    expect(error.cause).toMatch(/No native build was found/);
  });

  test('with the binary: loads and runs green threads', () => {
    withBinary(true);
    const result = runNode(['-e', `const g = require('greenthread'); g.run(() => { g.sleep(0); return 'ran'; }).then(console.log);`], { cwd: app });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ran\n');
  });

  test('--enable-source-maps maps its code to the TypeScript sources, which the maps carry, and its frames stay hidden', () => {
    withBinary(true);
    expect(fs.existsSync(path.join(app, 'node_modules', 'greenthread', 'src'))).toBe(false);
    const result = runNode(['--enable-source-maps', '-e', `require('greenthread').spawn(42);`], { cwd: app });
    expect(result.status).toBe(1);
    // The throw points at the .ts file and line, and Node prints that line's source text.
    expect(result.stderr).toMatch(/node_modules\/greenthread\/src\/validate\.ts:\d+\n.*throw typeError\(/);
    // The stack itself starts at the user's call: mapped to src/, greenthread's frames are still its own.
    expect(result.stderr).toMatch(/TypeError: spawn\(\): fn must be a function[^\n]*\n\n? {4}at \[eval\]:1:/);
    expect(result.stderr).not.toMatch(/ {4}at .*node_modules\/greenthread\//);
  });
});
