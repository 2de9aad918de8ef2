// The fiber backend's V8-free core (native/engine/fiber-stack.*, fiber-switch.*), tested on its
// own: the C++ program in fiber-core/ is compiled with the system compiler into a temp dir and run;
// its checks (switches, stacks, guard page, pool, touched pages, FP control state, failures) and
// figures are read from its output. Skipped, saying why, where no compiler or no switch exists.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '../..');
const CXX = process.env.CXX || 'c++';
const SOURCES = ['native/engine/fiber-stack.cc', 'native/engine/fiber-switch.cc', 'test/engine/fiber-core/fiber-core-test.cc'];

function skipReason(): string | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return `the fiber switch is x86-64 Linux only (this is ${process.platform}/${process.arch})`;
  const probe = spawnSync(CXX, ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `no C++ compiler ("${CXX}" does not run; set CXX to use another)`;
  return undefined;
}

const why = skipReason();

(why ? describe.skip : describe)(`fiber core, standalone C++${why ? ` (skipped: ${why})` : ''}`, () => {
  let dir = '';
  const binaries = { release: '', debug: '', unoptimised: '' };

  // Warnings are errors: the same files go into the addon, which must build without any.
  function compile(out: string, extra: string[]): void {
    const args = ['-std=c++20', '-O2', ...extra, '-Wall', '-Wextra', '-Werror', '-I', path.join(ROOT, 'native'),
      ...SOURCES.map((file) => path.join(ROOT, file)), '-o', out];
    const result = spawnSync(CXX, args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${CXX} ${args.join(' ')} failed:\n${result.stderr}`);
  }

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-fiber-core-'));
    binaries.release = path.join(dir, 'fiber-core-test');
    binaries.debug = path.join(dir, 'fiber-core-test-debug');
    compile(binaries.release, []);
    compile(binaries.debug, ['-DGREENTHREAD_DEBUG']);
    binaries.unoptimised = path.join(dir, 'fiber-core-test-O0');
    compile(binaries.unoptimised, ['-O0']);
  });

  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  // Runs one build of the program; returns its figures. Every section must have run and passed.
  function runChecks(binary: string): string[] {
    const result = spawnSync(binary, [], { encoding: 'utf8', timeout: 120000 });
    const lines = result.stdout.split('\n').filter(Boolean);
    if (lines[0]?.startsWith('skip:')) {
      console.log(`fiber core checks skipped by the program: ${lines[0]}`);
      return [];
    }
    expect(lines.filter((line) => line.startsWith('FAIL'))).toEqual([]);
    // A broken switch usually crashes rather than fails a check: show where the program got to.
    if (result.status !== 0 || result.signal !== null || result.stderr !== '') {
      throw new Error(`the test program ended with status ${result.status}, signal ${result.signal}; stderr: ${result.stderr}\nlast output:\n${lines.slice(-5).join('\n')}`);
    }
    expect(lines[lines.length - 1]).toBe('all passed');
    // Every section ran (a check silently left out would otherwise pass).
    const passed = lines.filter((line) => line.startsWith('ok ')).join('\n');
    for (const topic of ['shadow stacks: the /proc', 'ping-pong', 'deep recursion: 256 KiB', 'deep recursion: 1024 KiB', 'guard page:', 'guard page (PROT_NONE',
      'pool: the most recently released', 'pool: released stacks stay idle', 'pool: aged idle stacks', 'pool: decay keeps', 'pool: a decay step', 'lifecycle:', 'touched pages: 10,000', 'FP control: a new fiber',
      'FP control: each stack', 'trim (default): aged', 'failure: mmap refused', 'scale: 100,000', 'scale, PROT_NONE']) {
      expect(passed).toContain(topic);
    }
    const figures = lines.filter((line) => line.startsWith('figure ')).map((line) => line.slice('figure '.length));
    expect(figures.some((line) => line.startsWith('switch_round_trip '))).toBe(true);
    return figures;
  }

  test('every check of the test program passes; its figures are printed', () => {
    const figures = runChecks(binaries.release);
    if (figures.length > 0) console.log(`fiber core figures:\n  ${figures.join('\n  ')}`);
  });

  test('an unoptimised build (-O0: other register and frame choices) passes the same checks', () => {
    runChecks(binaries.unoptimised);
  });

  test('a fiber whose entry returns: a debug build aborts naming the bug (child process)', () => {
    const result = spawnSync(binaries.debug, ['entry-returns'], { encoding: 'utf8', timeout: 30000 });
    expect(result.signal).toBe('SIGABRT');
    expect(result.stderr).toContain('internal invariant broken: a fiber\'s entry function returned');
  });

  test('a fiber whose entry returns: a release build switches to its return-to context, handing it the fiber', () => {
    const result = spawnSync(binaries.release, ['entry-returns'], { encoding: 'utf8', timeout: 30000 });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: 'returned to main with the fiber\'s context\n' });
  });
});

test('fiber stacks accept exactly the stack sizes configure() accepts (engine.h and fiber-stack.h agree)', () => {
  const engine = fs.readFileSync(path.join(ROOT, 'native/engine/engine.h'), 'utf8');
  const fiber = fs.readFileSync(path.join(ROOT, 'native/engine/fiber-stack.h'), 'utf8');
  // Each constant's initialiser, evaluated (they are products of integer literals).
  const value = (source: string, name: string): number => {
    const match = new RegExp(`\\b${name}\\s*=\\s*([0-9* ull]+);`).exec(source);
    if (!match) throw new Error(`${name} not found`);
    return match[1].split('*').map((factor) => Number.parseInt(factor.trim(), 10)).reduce((a, b) => a * b, 1);
  };
  expect(value(fiber, 'kFiberStackMinSize')).toBe(value(engine, 'kMinStackSize'));
  expect(value(fiber, 'kFiberStackMaxSize')).toBe(value(engine, 'kMaxStackSize'));
  expect(value(fiber, 'kFiberStackMinSize')).toBe(256 * 1024);
});

test('the addon compiles the fiber core (binding.gyp lists its sources)', () => {
  const gyp = fs.readFileSync(path.join(ROOT, 'binding.gyp'), 'utf8');
  expect(gyp).toContain('"native/engine/fiber-stack.cc"');
  expect(gyp).toContain('"native/engine/fiber-switch.cc"');
});
