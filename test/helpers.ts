// Shared test helpers: run a body in a green thread from a jest test, and run a script in a
// child process (for exit paths, the CLI and anything that may take a process down).
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from '../src';

export const root = path.join(__dirname, '..');

/** Runs `fn` in a green thread and returns its result (the test awaits it). */
export function green<T>(fn: () => T): Promise<T> {
  return run(fn);
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
  const result = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '-e', source, ...(options.args ?? [])], {
    cwd: options.cwd ?? root,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 30000,
    env: { ...process.env, ...options.env },
    input: options.input,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
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
