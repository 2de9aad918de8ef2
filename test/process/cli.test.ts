// The `greenthread` CLI (dist/cli.js), in child processes: the script's top level runs in a
// green thread (CommonJS, ES modules, TypeScript where Node runs it), Node options before the
// script apply to the Node that runs it (exit codes and signals pass through), errors are
// reported in the user's terms and never make the CLI itself throw, and a script that stays
// blocked with nothing left to wake it is reported and exits 13.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ChildResult, CRASH_TEXT, fixtureDir, PKG, root, runNode, startNode } from '../helpers';

jest.setTimeout(60000);

const CLI = path.join(root, 'dist', 'cli.js');

/** The process ended by itself with `status`, and nothing on stderr hints at a crash. */
function expectExit(result: ChildResult, status: number): void {
  expect({ status: result.status, signal: result.signal }).toEqual({ status, signal: null });
  expect(result.stderr).not.toMatch(CRASH_TEXT);
}

const dir = fixtureDir({
  'main.js': `'use strict';
const g = require(${PKG});
console.log('in green thread:', g.inGreenThread());
g.sleep(0.01);
console.log('argv:', JSON.stringify(process.argv.slice(2)));
console.log('main:', require.main === module, __filename === process.argv[1]);
g.spawn(() => { g.sleep(0.01); console.log('spawned thread outlives the top level'); });
console.log('top level done');
`,
  'esm.mjs': `import { inGreenThread, sleep } from ${JSON.stringify(pathToFileURL(path.join(root, 'dist', 'index.js')).href)};
console.log('in green thread:', inGreenThread());
sleep(0.01);
console.log('argv:', JSON.stringify(process.argv.slice(2)));
`,
  'tla.mjs': `await new Promise((resolve) => setTimeout(resolve, 10));
console.log('after top-level await');
`,
  'throws.js': `'use strict';
const g = require(${PKG});
g.spawn(() => g.waitFor(new Promise(() => {})));
function failingFunction() { throw new Error('top-level failure'); }
g.sleep(0.01);
failingFunction();
`,
  'throws-at-once.js': `function failNow() { throw new TypeError('failed before any suspension'); }
failNow();
`,
  'exits.js': `'use strict';
const g = require(${PKG});
g.spawn(() => g.waitFor(new Promise(() => {})));
g.sleep(0.01);
process.exit(4);
`,
  'spawn-fails.js': `'use strict';
const g = require(${PKG});
g.spawn(() => { g.sleep(0.01); throw new Error('spawned thread failed'); });
g.sleep(0.05);
console.log('top level carries on');
`,
  'dead.js': `'use strict';
const g = require(${PKG});
g.spawn(function helper() { new g.Event().wait(); });
function consume(queue) { return queue.get(); }
console.log('before');
consume(new g.Queue());
console.log('never printed');
`,
  'parked.js': `'use strict';
const g = require(${PKG});
g.spawn(function background() { new g.Event().wait(); });
g.sleep(0.01);
console.log('top level done');
`,
  'catches-deadlock.js': `'use strict';
const g = require(${PKG});
try { new g.Queue().get(); } catch (error) { console.log('caught', error.name, error.code); }
`,
  'null-prototype.js': `require(${PKG}).sleep(0);
throw Object.assign(Object.create(null), { answer: 42 });
`,
  'revoked-proxy.js': `const { proxy, revoke } = Proxy.revocable({}, {});
revoke();
throw proxy;
`,
  'throwing-stack.js': `const error = new Error('its stack cannot be read');
Object.defineProperty(error, 'stack', { get() { throw new Error('no stack for you'); } });
throw error;
`,
  'preload.js': `globalThis.preloaded = (globalThis.preloaded || []).concat('require');
`,
  'preload-b.js': `globalThis.preloaded = (globalThis.preloaded || []).concat('require-b');
`,
  'preload.mjs': `globalThis.preloaded = (globalThis.preloaded || []).concat('import');
`,
  'flags.js': `'use strict';
const g = require(${PKG});
g.sleep(0);
console.log(JSON.stringify({ green: g.inGreenThread(), preloaded: globalThis.preloaded || [], execArgv: process.execArgv, argv: process.argv.slice(2) }));
`,
  'exit-code.js': `require(${PKG}).sleep(0.01);
process.exit(Number(process.argv[2]));
`,
  'waits.js': `'use strict';
const g = require(${PKG});
console.log('ready');
g.sleep(30);
`,
  'typeless.js': `import { inGreenThread, sleep } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};
sleep(0.001);
console.log('module syntax in a .js file outside "type": "module", in green thread:', inGreenThread());
`,
  'types.ts': `import { inGreenThread, sleep } from ${JSON.stringify(path.join(root, 'dist', 'index.js'))};
const seconds: number = 0.001;
sleep(seconds);
console.log('typescript in green thread:', inGreenThread());
`,
  'types-cjs.ts': `const g = require(${PKG});
const seconds: number = 0.001;
g.sleep(seconds);
console.log('commonjs typescript in green thread:', g.inGreenThread(), require.main === module);
`,
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function cli(args: string[]): ChildResult {
  return runNode([CLI, ...args], { cwd: dir });
}

describe('running a script', () => {

  test('runs the script\'s top level in a green thread: sleep, process.argv, require.main', () => {
    const result = cli(['main.js', 'a', 'b c', '--flag', '-x']);
    expectExit(result, 0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe([
      'in green thread: true',
      'argv: ["a","b c","--flag","-x"]',
      'main: true true',
      'top level done',
      'spawned thread outlives the top level',
      '',
    ].join('\n'));
  });

  test('an absolute script path works the same', () => {
    const result = runNode([CLI, path.join(dir, 'main.js'), 'z'], { cwd: root });
    expectExit(result, 0);
    expect(result.stdout).toContain('argv: ["z"]');
  });

  test('runs an ES module script (.mjs without top-level await) in a green thread', () => {
    const result = cli(['esm.mjs', 'q', 'r']);
    expectExit(result, 0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('in green thread: true\nargv: ["q","r"]\n');
  });

  test('runs a .js ES module (package.json "type": "module") in a green thread', () => {
    const pkgDir = path.join(dir, 'esm-package');
    fs.mkdirSync(pkgDir, { recursive: true });
    fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify({ type: 'module' }));
    fs.writeFileSync(path.join(pkgDir, 'main.js'), fs.readFileSync(path.join(dir, 'esm.mjs'), 'utf8'));
    const result = cli([path.join('esm-package', 'main.js'), 'x']);
    expectExit(result, 0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('in green thread: true\nargv: ["x"]\n');
  });

  test('an ES module with top-level await is refused in the user\'s terms (waitFor), exit 1', () => {
    const result = cli(['tla.mjs']);
    expectExit(result, 1);
    expect(result.stderr).toContain('tla.mjs uses top-level await, which cannot run inside a green thread');
    expect(result.stderr).toContain('use waitFor(promise) instead of await');
    // Not Node's wording about a require() the script never wrote.
    expect(result.stderr).not.toContain('require() cannot be used');
    expect(result.stdout).toBe('');
  });

  test('an uncaught exception at the top level prints its stack and exits 1', () => {
    const result = cli(['throws.js']);
    expectExit(result, 1);
    expect(result.stderr).toContain('Error: top-level failure');
    expect(result.stderr).toContain('at failingFunction');
    expect(result.stderr).toContain('throws.js');
  });

  test('an exception before the first suspension also prints its stack and exits 1', () => {
    const result = cli(['throws-at-once.js']);
    expectExit(result, 1);
    expect(result.stderr).toContain('TypeError: failed before any suspension');
    expect(result.stderr).toContain('at failNow');
  });

  test('process.exit() in the script (other green threads parked) gives its code', () => {
    expectExit(cli(['exits.js']), 4);
  });

  test('an exception in a thread the script spawned is reported; the script carries on', () => {
    const result = cli(['spawn-fails.js']);
    expectExit(result, 0);
    expect(result.stdout).toBe('top level carries on\n');
    expect(result.stderr).toContain('spawned thread failed');
  });

  test('a script that does not exist: exit 1 with a one-line message', () => {
    const result = cli(['no-such-script.js']);
    expectExit(result, 1);
    expect(result.stderr).toBe(`greenthread: cannot find the script ${path.join(dir, 'no-such-script.js')}\n`);
  });

  test('--help prints usage and exits 0', () => {
    for (const flag of ['--help', '-h']) {
      const result = cli([flag]);
      expectExit(result, 0);
      expect(result.stdout).toMatch(/Usage: greenthread/);
    }
  });

  test('--version prints the package version and exits 0', () => {
    const { version } = require('../../package.json') as { version: string };
    for (const flag of ['--version', '-v']) {
      const result = cli([flag]);
      expectExit(result, 0);
      expect(result.stdout.trim()).toBe(version);
    }
  });

  test('runs a .js file with ES module syntax and no "type": "module" (Node detects it) in a green thread', () => {
    const result = cli(['typeless.js']);
    expectExit(result, 0);
    expect(result.stdout).toBe('module syntax in a .js file outside "type": "module", in green thread: true\n');
  });

  test('options after the script belong to the script', () => {
    const result = cli(['main.js', '--help', '--version']);
    expectExit(result, 0);
    expect(result.stdout).toContain('argv: ["--help","--version"]');
    expect(result.stdout).not.toMatch(/Usage: greenthread/);
  });

  test('no script: usage on stderr and a non-zero exit', () => {
    const result = cli([]);
    expect(result.signal).toBeNull();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/Usage: greenthread/);
    expect(result.stdout).toBe('');
  });

  test('an option neither greenthread nor Node knows: Node\'s message and its exit code 9', () => {
    const result = cli(['--no-such-option', 'main.js']);
    expectExit(result, 9);
    expect(result.stderr).toContain('bad option: --no-such-option');
    expect(result.stdout).toBe('');
  });
});

describe('Node options before the script', () => {
  test('-r, --require and --import preload modules, in order; the script still runs in a green thread', () => {
    const result = cli(['-r', './preload.js', '--import', './preload.mjs', '--require=./preload-b.js', 'flags.js', 'x', '--y']);
    expectExit(result, 0);
    expect(result.stderr).toBe('');
    const seen = JSON.parse(result.stdout);
    expect(seen).toEqual({
      green: true,
      preloaded: ['require', 'require-b', 'import'],
      execArgv: ['-r', './preload.js', '--import', './preload.mjs', '--require=./preload-b.js'],
      argv: ['x', '--y'],
    });
  });

  test('flags without a value (--enable-source-maps, --no-warnings) and greenthread\'s own -- separator', () => {
    const result = cli(['--enable-source-maps', '--no-warnings', '--', 'flags.js', '--enable-source-maps']);
    expectExit(result, 0);
    expect(JSON.parse(result.stdout)).toMatchObject({ green: true, execArgv: ['--enable-source-maps', '--no-warnings'], argv: ['--enable-source-maps'] });
  });

  test('--inspect: the inspector listens in the Node that runs the script', () => {
    const result = cli(['--inspect=127.0.0.1:0', 'flags.js']);
    expectExit(result, 0);
    expect(result.stderr).toMatch(/Debugger listening on ws:\/\/127\.0\.0\.1:\d+\//);
    expect(JSON.parse(result.stdout)).toMatchObject({ green: true, execArgv: ['--inspect=127.0.0.1:0'] });
  });

  test('the script\'s exit code passes through', () => {
    expectExit(cli(['--enable-source-maps', 'exit-code.js', '7']), 7);
  });

  test('a signal that ends the script ends the CLI the same way', async () => {
    const child = startNode([CLI, '--enable-source-maps', 'waits.js'], { cwd: dir });
    await child.waitForOutput('ready');
    child.child.kill('SIGTERM');
    const result = await child.exited;
    expect({ status: result.status, signal: result.signal }).toEqual({ status: null, signal: 'SIGTERM' });
    expect(result.stderr).not.toMatch(CRASH_TEXT);
  });

  test('--cpu-prof reaches Node: a profile is written', () => {
    const profiles = fs.mkdtempSync(path.join(dir, 'profiles-'));
    const result = cli(['--cpu-prof', '--cpu-prof-dir', profiles, 'flags.js']);
    expectExit(result, 0);
    expect(fs.readdirSync(profiles).filter((name) => name.endsWith('.cpuprofile'))).toHaveLength(1);
  });
});

describe('TypeScript scripts', () => {
  const strips = Boolean((process.features as { typescript?: unknown }).typescript);

  (strips ? test : test.skip)('run where Node strips types by itself (ES module and CommonJS syntax)', () => {
    const esm = cli(['types.ts']);
    expectExit(esm, 0);
    expect(esm.stdout).toBe('typescript in green thread: true\n');
    const cjs = cli(['types-cjs.ts']);
    expectExit(cjs, 0);
    expect(cjs.stdout).toBe('commonjs typescript in green thread: true true\n');
  });

  (strips ? test.skip : test)('on a Node that does not strip types: says which Node does, or to load a loader', () => {
    const result = cli(['types.ts']);
    expectExit(result, 1);
    expect(result.stderr).toContain('greenthread: cannot run types.ts: ');
    expect(result.stderr).toContain(`this Node (${process.version}) does not run TypeScript by itself`);
    expect(result.stderr).toContain('Node 22.18');
    expect(result.stderr).toContain('--import');
  });
});

describe('what the script throws is printed as Node prints it, never making the CLI throw (D13)', () => {
  test('a null-prototype object', () => {
    const result = cli(['null-prototype.js']);
    expectExit(result, 1);
    expect(result.stderr).toBe('Uncaught [Object: null prototype] { answer: 42 }\n');
  });

  test('a revoked Proxy', () => {
    const result = cli(['revoked-proxy.js']);
    expectExit(result, 1);
    expect(result.stderr).toBe('Uncaught <Revoked Proxy>\n');
  });

  test('an Error whose stack getter throws', () => {
    const result = cli(['throwing-stack.js']);
    expectExit(result, 1);
    expect(result.stderr).toContain('its stack cannot be read');
    expect(result.stderr).not.toContain('TypeError');
  });
});

describe('deadlocks', () => {
  test('the script blocked with nothing left to wake it: the blocked threads, the script\'s stack, exit 13', () => {
    const result = cli(['dead.js']);
    expectExit(result, 13);
    expect(result.stdout).toBe('before\n');
    const lines = result.stderr.split('\n');
    expect(lines[0]).toBe('greenthread: the event loop ran dry while these green threads were still blocked (deadlock):');
    expect(lines[1]).toMatch(/^GreenThread#1\b.* suspended in Queue\.get\(\)$/);
    // The script's own frames at the blocking call, and none of greenthread's.
    expect(lines[2]).toBe(`    at consume (${path.join(dir, 'dead.js')}:4:40)`);
    expect(lines[3]).toMatch(new RegExp(`^    at .*\\(${path.join(dir, 'dead.js')}:6:1\\)$`));
    expect(result.stderr).toMatch(/\nGreenThread#2\b.* suspended in Event\.wait\(\)\n/);
    expect(result.stderr).not.toContain(path.join(root, 'dist'));
  });

  test('a background thread parked when the script is done stays silent: exit 0', () => {
    const result = cli(['parked.js']);
    expectExit(result, 0);
    expect(result.stdout).toBe('top level done\n');
    expect(result.stderr).toBe('');
  });

  test('the script can catch the DeadlockError thrown at its blocking call, and end normally', () => {
    const result = cli(['catches-deadlock.js']);
    expectExit(result, 0);
    expect(result.stdout).toBe('caught DeadlockError ERR_GREENTHREAD_DEADLOCK\n');
    expect(result.stderr).toBe('');
  });
});
