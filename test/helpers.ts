// Shared test helpers: run a body in a green thread from a jest test, the in-process helpers
// the primitives' tests share (reported errors, thrownBy, Gate, ...), and run a script in a
// child process (for exit paths, the CLI and anything that may take a process down).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { hub, run, sleep } from '../src';
import { WaitList } from '../src/hub/wait-list';

export const root = path.join(__dirname, '..');

/** Runs `fn` in a green thread and returns its result (the test awaits it). */
export function green<T>(fn: () => T): Promise<T> {
  return run(fn);
}

// --- In-process helpers for the tests of the green primitives.

/**
 * Collects what `hub.onError` reports: call it once at the top of a test file. The returned
 * array is emptied before each test (which then sees only its own reports); the handler is
 * removed after the file.
 */
export function captureReported(): unknown[] {
  const reported: unknown[] = [];
  beforeEach(() => {
    reported.length = 0;
    hub.onError((error) => { reported.push(error); });
  });
  afterAll(() => hub.onError(null));
  return reported;
}

/** Runs `fn` and returns what it threw (fails the test if it returned). */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/**
 * Blocks the event loop for `ms` as soon as the current hub turn returns to it (microtasks run
 * then), before any timer started now can fire: every timer due by then fires afterwards in
 * one timers phase, back to back, in the order they were started.
 */
export function stallEventLoop(ms: number): void {
  queueMicrotask(() => {
    const until = Date.now() + ms;
    while (Date.now() < until) { /* stall */ }
  });
}

/** A latch: wait() blocks green threads until open(). */
export class Gate {
  #open = false;
  readonly #waiters = new WaitList<undefined>();
  wait(): void {
    if (!this.#open) this.#waiters.wait('Gate.wait()');
  }
  open(): void {
    this.#open = true;
    this.#waiters.handAll(undefined);
  }
}

/**
 * Steps `it` to its end and returns what it gave; a next() that throws puts `mark(error)` in
 * that place and the stepping goes on (for iterators that rethrow a failed element in order).
 */
export function stepThrough<T, M>(it: { next(): IteratorResult<T> }, mark: (error: unknown) => M): Array<T | M> {
  const out: Array<T | M> = [];
  for (;;) {
    let step: IteratorResult<T>;
    try {
      step = it.next();
    } catch (error) {
      out.push(mark(error));
      continue;
    }
    if (step.done) return out;
    out.push(step.value);
  }
}

/** Deterministic pseudo-random numbers in [0, 1) (a seeded LCG, high bits). */
export function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) / 0x1000000;
  };
}

/** Returns its argument after yielding (sleep(0)) a pseudo-random, seeded number of times. */
export function makePassthru(seed = 1): <T>(value: T) => T {
  const random = rng(seed);
  return <T>(value: T): T => {
    while (random() < 0.5) sleep(0);
    return value;
  };
}

export interface ChildResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `require(PKG)` in a child script loads the compiled package of this repository. */
export const PKG = JSON.stringify(root);

/** Runs `source` as a CommonJS script with `node -e` in a child process. */
export function runChild(source: string, options: { args?: string[]; nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): ChildResult {
  return runNode([...(options.nodeArgs ?? []), '-e', source, ...(options.args ?? [])], options);
}

let home: string | undefined;
/**
 * A temporary directory whose node_modules/greenthread links to this repository, so scripts
 * run there can `require('greenthread')` and `import 'greenthread'` by the package name.
 */
export function packageHome(): string {
  if (home === undefined) {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-home-'));
    fs.mkdirSync(path.join(home, 'node_modules'));
    fs.symlinkSync(root, path.join(home, 'node_modules', 'greenthread'), 'dir');
  }
  return home;
}

// --- Child processes that run scripts from files, and children driven while they run (signals).

/** Text that only a crashed or aborted process prints (V8/Node fatal errors, sanitizer-style reports). */
export const CRASH_TEXT = /FATAL ERROR|Fatal error|Check failed|Aborted|Segmentation fault|core dumped|async hook stack has become corrupted|Native stack trace|Disposing the isolate/;

/** Writes `files` (name → contents) into a fresh temporary directory and returns its path. */
export function fixtureDir(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-fixture-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  return dir;
}

/** Runs `node ...args` synchronously (SIGKILL after `timeoutMs`, so a hang shows as signal SIGKILL). */
export function runNode(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): ChildResult {
  const result = spawnSync(process.execPath, args, {
    cwd: options.cwd ?? root,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30000,
    killSignal: 'SIGKILL',
    env: { ...process.env, ...options.env },
    input: options.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** A child process started by {@link startNode}, running while the test talks to it. */
export interface RunningChild {
  readonly child: import('node:child_process').ChildProcess;
  /** Resolves once the child's stdout contains `text` (rejects if it exits first). */
  waitForOutput(text: string): Promise<void>;
  /** Settles when the child has exited; SIGKILLed after `timeoutMs` if it never does. */
  readonly exited: Promise<ChildResult>;
}

/** Starts `node ...args` asynchronously (use `['-e', source]` for an inline script). */
export function startNode(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): RunningChild {
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const child = spawn(process.execPath, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let done = false;
  const watchers: Array<{ text: string; resolve: () => void; reject: (error: Error) => void }> = [];
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    for (let i = watchers.length - 1; i >= 0; i--) {
      if (stdout.includes(watchers[i].text)) watchers.splice(i, 1)[0].resolve();
    }
  });
  child.stderr.on('data', (chunk: string) => { stderr += chunk; });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30000);
  const exited = new Promise<ChildResult>((resolve) => {
    child.on('close', (status, signal) => {
      done = true;
      clearTimeout(killer);
      for (const w of watchers.splice(0)) w.reject(new Error(`child exited (${status ?? signal}) before printing ${JSON.stringify(w.text)}; stdout: ${stdout}; stderr: ${stderr}`));
      resolve({ status, signal, stdout, stderr });
    });
  });
  return {
    child,
    exited,
    waitForOutput(text: string): Promise<void> {
      if (stdout.includes(text)) return Promise.resolve();
      if (done) return Promise.reject(new Error(`child exited before printing ${JSON.stringify(text)}; stdout: ${stdout}; stderr: ${stderr}`));
      return new Promise((resolve, reject) => { watchers.push({ text, resolve, reject }); });
    },
  };
}

/**
 * Prelude for child scripts that end by calling `report(value)`: prints `RESULT <json>`, and
 * complains on stderr if the script exits 0 without reporting (so a silent early exit fails).
 */
export const REPORTING = `let resultReported = false;
function report(value) { resultReported = true; console.log('RESULT ' + JSON.stringify(value)); }
process.on('exit', (code) => { if (code === 0 && !resultReported) console.error('the script ended without reporting a result'); });`;

/** Checks a clean exit 0 (no crash text, nothing on stderr) and returns what the script reported. */
export function resultOf(child: ChildResult): any {
  expect(child.stderr).not.toMatch(CRASH_TEXT);
  expect({ status: child.status, signal: child.signal, stderr: child.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  expect(line).toBeDefined();
  return JSON.parse((line as string).slice('RESULT '.length));
}
