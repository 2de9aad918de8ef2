#!/usr/bin/env node
// `greenthread [options] [node options] <script> [args…]`: runs a script's top level inside a
// green thread, so it can block (sleep, wait, waitFor, ...) from the first line. CommonJS
// scripts, ES modules without top-level await (through require(esm)), and TypeScript where Node
// runs it. Node options before the script start a Node with them, which runs this CLI (see
// below); a deadlock of the script's thread is reported and exits 13, as Node's unsettled await
// does. With --workers N it is the primary of N such processes (src/cluster/).
import { spawn as spawnProcess } from 'node:child_process';
import cluster from 'node:cluster';
import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { inspect, parseArgs } from 'node:util';
import { superviseWorkers, WORKER_ENV } from './cluster/supervisor';
import { stopGracefullyWhenAsked } from './cluster/worker-stop';
import { isLoopDryDeadlock, lastDeadlock } from './green/deadlock-report';
import { run } from './index';

const usage = `Usage: greenthread [options] [node options] <script> [args...]

Runs <script>'s top level inside a green thread. Arguments after <script> are passed to it in
process.argv. Node options before <script> (--inspect, -r mod, --import mod, --enable-source-maps,
...) apply to the Node process that runs it. An uncaught exception prints its stack and exits
with code 1; if the script stays blocked with nothing left that could wake it, the blocked
threads are reported and the exit code is 13.

Options:
  -h, --help                print this help
  -v, --version             print greenthread's version
  --workers <n>             run <script> in <n> worker processes (node:cluster), which share
                            the ports they listen on; 'auto' is one per CPU
                            (os.availableParallelism()). A worker that dies is restarted; one
                            that keeps dying within 5 s of starting (5 times in a row) stops
                            them all, exit code 1. SIGTERM or SIGINT stops the workers
                            gracefully: they close their listening sockets, finish the
                            connections they have, and exit; then exit code 0. Each worker's
                            script sees its number, 1 to <n>, in process.env.GREENTHREAD_WORKER.
  --graceful-timeout <s>    with --workers: seconds the workers have to stop before they are
                            killed (default 30); a second SIGTERM or SIGINT kills them at once`;

/** greenthread's own options, for node:util.parseArgs; every other option before the script is Node's. */
const OWN_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'v' },
  workers: { type: 'string' },
  'graceful-timeout': { type: 'string' },
} as const;

/** Most workers --workers takes: a typo (4000 for 4) must not start thousands of processes. */
const MAX_WORKERS = 1024;
const DEFAULT_GRACEFUL_TIMEOUT = 30;

/** The exit code of a command-line mistake (Node's own for a bad option). */
const USAGE_ERROR = 9;

// Node options whose value may come as the next argument (`-r mod`); all of them also take
// `--option=value`, and options not listed here must use that form for a value.
const NODE_OPTIONS_WITH_VALUE = new Set([
  '-r', '--require', '--import', '--loader', '--experimental-loader', '-C', '--conditions',
  '--inspect-port', '--debug-port', '--env-file', '--env-file-if-exists', '--input-type', '--title',
  '--disable-warning', '--cpu-prof-dir', '--cpu-prof-name', '--cpu-prof-interval', '--heap-prof-dir',
  '--heap-prof-name', '--heap-prof-interval', '--diagnostic-dir', '--redirect-warnings', '--report-dir',
  '--report-directory', '--report-filename', '--report-signal', '--unhandled-rejections',
  '--max-http-header-size', '--openssl-config', '--icu-data-dir', '--dns-result-order', '--secure-heap',
  '--secure-heap-min', '--disable-proto', '--heapsnapshot-signal', '--heapsnapshot-near-heap-limit',
  '--trace-event-categories', '--trace-event-file-pattern', '--tls-cipher-list', '--tls-keylog',
  '--experimental-default-type', '--experimental-config-file', '--localstorage-file', '--watch-path',
  '--allow-fs-read', '--allow-fs-write', '--stack-trace-limit', '--use-largepages', '--v8-pool-size',
]);

/** What the command line asks for. */
interface Command {
  help: boolean;
  version: boolean;
  /** --workers; null without it. */
  workers: number | null;
  gracefulTimeout: number;
  /** greenthread's own options as given, for parseArgs. */
  ownArgs: string[];
  nodeOptions: string[];
  script: string | null;
  scriptArgs: string[];
}

/** A command line that cannot be run: the message goes before the usage text, exit code 9. */
class UsageError extends Error {}

// Options are greenthread's or Node's up to the script; everything after it is the script's.
// Node's options cannot be told apart by a general parser (whether `-r x` takes x is Node's
// knowledge, see above), so this loop only sorts them out; greenthread's own then go through
// parseArgs, which checks them and gives their values.
function parseCommandLine(argv: string[]): Command {
  const command: Command = {
    help: false, version: false, workers: null, gracefulTimeout: DEFAULT_GRACEFUL_TIMEOUT, ownArgs: [],
    nodeOptions: [], script: null, scriptArgs: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      if (i + 1 < argv.length) {
        command.script = argv[i + 1];
        command.scriptArgs = argv.slice(i + 2);
      }
      return command;
    }
    if (!arg.startsWith('-') || arg === '-') {
      command.script = arg;
      command.scriptArgs = argv.slice(i + 1);
      return command;
    }
    const own = ownOption(arg);
    if (own !== null) {
      command.ownArgs.push(arg);
      if (own.type === 'string' && !arg.includes('=') && i + 1 < argv.length) command.ownArgs.push(argv[++i]);
    } else {
      command.nodeOptions.push(arg);
      if (NODE_OPTIONS_WITH_VALUE.has(arg) && i + 1 < argv.length) command.nodeOptions.push(argv[++i]);
    }
  }
  return command;
}

function ownOption(arg: string): { type: 'boolean' | 'string' } | null {
  const options: Record<string, { type: 'boolean' | 'string'; short?: string }> = OWN_OPTIONS;
  if (arg.startsWith('--')) return options[arg.slice(2).split('=')[0]] ?? null;
  return Object.values(options).find((option) => option.short !== undefined && arg === `-${option.short}`) ?? null;
}

// Fills the command's own options in from the arguments parseCommandLine set aside.
function readOwnOptions(command: Command): void {
  let values: { help?: boolean; version?: boolean; workers?: string; 'graceful-timeout'?: string };
  try {
    ({ values } = parseArgs({ args: command.ownArgs, options: OWN_OPTIONS, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  command.help = values.help === true;
  command.version = values.version === true;
  if (values.workers !== undefined) command.workers = workerCount(values.workers);
  const timeout = values['graceful-timeout'];
  if (timeout !== undefined) {
    if (command.workers === null) throw new UsageError('--graceful-timeout applies only with --workers');
    if (!/^\d+(\.\d+)?$/.test(timeout)) {
      throw new UsageError(`--graceful-timeout must be a number of seconds (0 or more), got ${JSON.stringify(timeout)}`);
    }
    command.gracefulTimeout = Number(timeout);
  }
}

function workerCount(text: string): number {
  if (text === 'auto') return availableParallelism();
  const count = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_WORKERS)) {
    throw new UsageError(`--workers must be a whole number from 1 to ${MAX_WORKERS}, or 'auto', got ${JSON.stringify(text)}`);
  }
  return count;
}

function main(argv: string[]): void {
  const command = parseCommandLine(argv);
  try {
    readOwnOptions(command);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`greenthread: ${error.message}\n\n${usage}\n`);
    process.exit(USAGE_ERROR);
  }
  if (command.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (command.version) {
    process.stdout.write(`${require('../package.json').version}\n`);
    return;
  }
  if (command.script === null) {
    process.stderr.write(`greenthread: no script given\n\n${usage}\n`);
    process.exit(USAGE_ERROR);
  }
  const script = path.resolve(command.script);
  if (command.workers !== null) {
    // Each worker runs this CLI on the script, under the Node options given (and this
    // process's own). The primary itself needs none: no Node of its own for them, so it is the
    // only process between a signal and the workers (a forwarding parent would make one Ctrl-C,
    // which the terminal sends to both, look like two).
    superviseWorkers({
      workers: command.workers, gracefulTimeout: command.gracefulTimeout, exec: __filename,
      args: ['--', script, ...command.scriptArgs], execArgv: [...process.execArgv, ...command.nodeOptions],
    });
    return;
  }
  if (command.nodeOptions.length > 0) {
    runUnderNode(command.nodeOptions, command.script, command.scriptArgs);
    return;
  }
  if (cluster.isWorker && process.env[WORKER_ENV] !== undefined) stopGracefullyWhenAsked();
  runScript(script, command.scriptArgs);
}

/**
 * Node options apply to a Node process from its start, so they get a Node of their own: this
 * CLI runs again in `node <options> cli.js <script> args...`, which has none left to apply.
 * Where Node has process.execve (22.15+, 23.11+), that Node replaces this process (same pid,
 * signals and exit status as if started directly); elsewhere it is a child whose exit code or
 * fatal signal this process passes on, and to which it forwards the usual termination signals.
 */
function runUnderNode(nodeOptions: string[], script: string, scriptArgs: string[]): void {
  const args = [...nodeOptions, __filename, '--', script, ...scriptArgs];
  const execve = (process as unknown as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  if (typeof execve === 'function') {
    try {
      execve.call(process, process.execPath, [process.execPath, ...args], process.env);
    } catch {
      // Not permitted here (e.g. a Worker, or the permission model): fall back to a child.
    }
  }
  const child = spawnProcess(process.execPath, args, { stdio: 'inherit' });
  const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const forward = (signal: NodeJS.Signals): void => { child.kill(signal); };
  for (const signal of forwarded) process.on(signal, forward);
  child.on('error', (error) => {
    process.stderr.write(`greenthread: could not start ${process.execPath}: ${error.message}\n`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    for (const s of forwarded) process.removeListener(s, forward);
    if (signal !== null) {
      process.kill(process.pid, signal);  // die the same way (listeners removed: default action)
      return;
    }
    process.exit(code ?? 1);
  });
}

function runScript(script: string, scriptArgs: string[]): void {
  if (!canRunTypeScript(script)) {
    // Node 20 would hand the file to its ES module loader, which fails later, outside the
    // green thread, with ERR_UNKNOWN_FILE_EXTENSION.
    process.stderr.write(`greenthread: cannot run ${path.basename(script)}: ${NO_TYPESCRIPT}\n`);
    process.exit(1);
  }
  process.argv = [process.argv[0], script, ...scriptArgs];
  // Named after the script, so reports say `GreenThread#1 (app.js)`.
  const body = { [path.basename(script)]: () => { loadScript(script); } }[path.basename(script)];
  run(body).catch((error: unknown) => {
    if (isLoopDryDeadlock(error)) {
      process.stderr.write(deadlockReport(error));
      process.exit(13);
    }
    process.stderr.write(`${describeFailure(error, script)}\n`);
    process.exit(1);
  });
}

// The parts of node:module's CommonJS loader the CLI drives.
interface CjsModule {
  id: string;
  filename: string;
  paths: string[];
  load(filename: string): void;
}
interface CjsLoader {
  new (id: string, parent: null): CjsModule;
  _resolveFilename(request: string, parent: null, isMain: boolean): string;
  _nodeModulePaths(dir: string): string[];
  _cache: Record<string, CjsModule | undefined>;
}

// Runs the script's top level here, on the green thread.
function loadScript(script: string): void {
  if (isEsModule(script)) {
    // require(esm) evaluates the module synchronously, so its top level runs right here in
    // the green thread (Node's own ESM entry point would evaluate it later, outside it).
    require(script);
    return;
  }
  // The script becomes the main module (require.main === module, id '.') the way
  // Module._load(script, null, true) would make it, but loaded as a plain module: for the
  // main module, Node hands a file whose syntax turns out to be ES module syntax (a .ts file
  // with import, a .js file outside any "type": "module") to its asynchronous ESM entry point,
  // which would run its top level later, outside the green thread; a plain module gets
  // require(esm), synchronous, here.
  const Module = require('node:module') as unknown as CjsLoader;
  const filename = Module._resolveFilename(script, null, true);
  const main = new Module(filename, null);
  main.id = '.';
  main.filename = filename;
  main.paths = Module._nodeModulePaths(path.dirname(filename));
  (process as { mainModule?: unknown }).mainModule = main;
  Module._cache[filename] = main;
  try {
    main.load(filename);
  } catch (error) {
    delete Module._cache[filename];
    throw error;
  }
}

// .mjs, or .js under a package.json with "type": "module". (Other files go through the
// CommonJS loader, which hands ES module syntax to require(esm).)
function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

const TYPESCRIPT = /\.[cm]?ts$/;
const NO_TYPESCRIPT = `this Node (${process.version}) does not run TypeScript by itself. Node 22.18 and later ` +
  'strip types by default; elsewhere load a TypeScript loader, e.g. greenthread --import tsx script.ts';

// False for a TypeScript file that this Node cannot load: it strips no types and no loader
// has registered the extension (tsx and ts-node register it for require()).
function canRunTypeScript(script: string): boolean {
  if (!TYPESCRIPT.test(script) || (process.features as { typescript?: unknown }).typescript) return true;
  const Module = require('node:module') as unknown as { _extensions: Record<string, unknown> };
  return Object.prototype.hasOwnProperty.call(Module._extensions, path.extname(script));
}

/**
 * What to print for the script's uncaught exception: its stack as Node prints an uncaught
 * error (util.inspect), and in greenthread's terms what Node's wording hides (top-level
 * await, TypeScript on a Node that does not run it, a missing script). Never throws, whatever
 * was thrown (a null-prototype object, a throwing getter, a revoked Proxy).
 */
function describeFailure(error: unknown, script: string): string {
  const code = safely(() => (error as { code?: unknown } | null)?.code, undefined);
  const isError = safely(() => error instanceof Error, false);
  const shown = safely(() => (isError ? inspect(error) : `Uncaught ${inspect(error)}`),
    safely(() => `Uncaught ${String((error as Error).message ?? error)}`, 'Uncaught exception (it could not be printed)'));
  if (code === 'ERR_REQUIRE_ASYNC_MODULE') {
    // Node's text speaks of a require() the user never wrote: say it in the script's terms.
    const where = process.allowedNodeEnvironmentFlags.has('--experimental-print-required-tla')
      ? `\nTo see where it is: greenthread --experimental-print-required-tla ${path.basename(script)}` : '';
    return `greenthread: ${path.basename(script)} uses top-level await, which cannot run inside a green ` +
      `thread. Blocking calls work at the top level of a greenthread script: use waitFor(promise) instead of await.${where}`;
  }
  if (code === 'MODULE_NOT_FOUND' && safely(() => !fs.existsSync(script) && (error as Error).message.includes(script), false)) {
    return `greenthread: cannot find the script ${script}`;  // Node's stack would show only loaders
  }
  const hint = safely(() => hintFor(code, error, script), null);
  return hint === null ? shown : `greenthread: ${hint}\n\n${shown}`;
}

function hintFor(code: unknown, error: unknown, script: string): string | null {
  if (TYPESCRIPT.test(script) && !(process.features as { typescript?: unknown }).typescript &&
      (code === 'ERR_UNKNOWN_FILE_EXTENSION' || error instanceof SyntaxError)) {
    return NO_TYPESCRIPT;  // a loader is registered, yet the file did not load
  }
  return null;
}

/** The report of a deadlock of the script's thread: the threads blocked, with the stack of each one a DeadlockError was thrown into. */
function deadlockReport(error: unknown): string {
  const stack = safely(() => String((error as Error).stack), '');
  // The thread's frames, without Node's module loader under the script's top level.
  const frames = stack.split('\n').filter((line) => line.startsWith('    at ') && !line.includes('(node:internal/')).join('\n');
  const blocked = lastDeadlock();
  const [first, ...others] = blocked;
  const lines = ['greenthread: the event loop ran dry while these green threads were still blocked (deadlock):'];
  if (first !== undefined) lines.push(`${first.thread} suspended in ${first.call}`);
  if (frames !== '') lines.push(frames);
  for (const other of others) lines.push(`${other.thread} suspended in ${other.call}`);
  lines.push('Nothing was left that could wake them, so the script could never finish. Exit code 13.');
  return `${lines.join('\n')}\n`;
}

function safely<T, F>(fn: () => T, fallback: F): T | F {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

main(process.argv.slice(2));
