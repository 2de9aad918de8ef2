// runSyncSpawn(): spawnSync's work done by the asynchronous spawn while only the calling green
// thread waits, and spawnSync's result object rebuilt from it: what Node's SyncProcessRunner
// (src/spawn_sync.cc) and lib/internal/child_process.js spawnSync() produce, field by field.
import type { ChildProcess } from 'node:child_process';
import { getSystemErrorMap, getSystemErrorName } from 'node:util';
import { restackAtCaller } from '../hub/call-site';
import { blockOnCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';
import type { SyncSpawnPlan } from './green-child-process-plan';

/** spawnSync's result object. */
export interface SpawnSyncResult {
  error?: Error & Record<string, unknown>;
  status: number | null;
  signal: string | null;
  output: Array<Buffer | string | null> | null;
  pid: number;
  stdout?: Buffer | string | null;
  stderr?: Buffer | string | null;
}

function errnoOf(name: string): number {
  for (const [errno, [code]] of getSystemErrorMap()) if (code === name) return errno;
  throw new Error(`no libuv error ${name}`);
}
const UV_ETIMEDOUT = errnoOf('ETIMEDOUT');
const UV_ENOBUFS = errnoOf('ENOBUFS');
const UV_ESRCH = errnoOf('ESRCH');
// Node 22 made spawnSync's stdout/stderr `result.output?.[1]` (undefined when nothing was
// spawned) where Node 20 has `result.output && result.output[1]` (null).
const MISSING_OUTPUT = Number(process.versions.node.split('.')[0]) >= 22 ? undefined : null;

let errnoPrototype: object | undefined;
/**
 * Node's ErrnoException (internal; its instances report `Error` as their constructor), as
 * spawnSync builds it: own message and stack, then errno, code and syscall.
 */
function errnoException(errno: number, syscall: string): Error & Record<string, unknown> {
  if (errnoPrototype === undefined) {
    try {
      // process.kill throws an ErrnoException; no process has a pid above pid_max.
      process.kill(0x7fffffff, 0);
    } catch (error) {
      errnoPrototype = Object.getPrototypeOf(error) as object;
    }
    errnoPrototype ??= Error.prototype;
  }
  const code = getSystemErrorName(errno);
  const error = Object.setPrototypeOf(new Error(`${syscall} ${code}`), errnoPrototype) as Error & Record<string, unknown>;
  error.errno = errno;
  error.code = code;
  error.syscall = syscall;
  return error;
}

/** What the child did, collected on the event loop while the green thread waits. */
interface Outcome {
  spawned: boolean;
  exited: boolean;
  code: number | null;
  signal: string | null;
  error: number;
  pipeError: number;
  output: Array<Buffer[] | null>;
}

/**
 * Watches `child` to the end the way spawnSync's private loop would: input written then stdin
 * closed, output gathered up to maxBuffer, the timeout, the kill. `finish` is called once, when
 * the child has exited and its pipes are closed. Returns the kill, for an abandoned wait.
 */
function watch(child: ChildProcess, plan: SyncSpawnPlan, finish: (outcome: Outcome) => void): () => void {
  const outcome: Outcome = {
    spawned: child.pid !== undefined,
    exited: false,
    code: null,
    signal: null,
    error: 0,
    pipeError: 0,
    output: plan.kinds.map((kind, i) => (kind === 'pipe' && i !== 0 ? [] : null)),
  };
  let killed = false;
  let timer: NodeJS.Timeout | undefined;
  let total = 0;
  const setError = (errno: number): void => { if (outcome.error === 0) outcome.error = errno; };
  const setPipeError = (error: unknown): void => {
    const errno = (error as { errno?: unknown } | null)?.errno;
    if (outcome.pipeError === 0 && typeof errno === 'number' && errno !== 0) outcome.pipeError = errno;
  };
  // spawnSync's Kill(): signal the child once (if it still runs), then close every pipe and
  // stop the timer, so a grandchild holding a pipe open cannot keep the call waiting.
  const kill = (): void => {
    if (killed) return;
    killed = true;
    if (outcome.spawned && child.exitCode === null && child.signalCode === null) {
      try {
        child.kill(plan.killSignal);
      } catch (error) {
        onKillError(error);
      }
    }
    for (const stream of child.stdio) stream?.destroy();
    if (timer !== undefined) clearTimeout(timer);
  };
  const onKillError = (error: unknown): void => {
    const errno = (error as { errno?: unknown }).errno;
    if (typeof errno === 'number' && errno !== UV_ESRCH) {
      setError(errno);
      try { child.kill('SIGKILL'); } catch { /* no permission: nothing more to do */ }
    }
  };
  child.on('error', (error: Error & { errno?: number; syscall?: string }) => {
    if (error.syscall === 'kill') onKillError(error);
    else if (typeof error.errno === 'number') setError(error.errno);
  });
  child.on('exit', (code, signal) => {
    outcome.exited = true;
    outcome.code = code;
    outcome.signal = signal;
  });
  child.on('close', () => {
    if (timer !== undefined) clearTimeout(timer);
    finish(outcome);
  });
  child.stdio.forEach((stream, i) => {
    if (stream === null || stream === undefined) return;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // As spawnSync: a shutdown of stdin the child already closed is no error.
      if (i === 0 && error.code === 'ENOTCONN') return;
      setPipeError(error);
    });
    const chunks = outcome.output[i];
    if (chunks === null || chunks === undefined) return;
    stream.on('data', (chunk: Buffer) => {
      if (killed) return;
      chunks.push(chunk);
      total += chunk.length;
      if (plan.maxBuffer > 0 && total > plan.maxBuffer) {
        setError(UV_ENOBUFS);
        kill();
      }
    });
  });
  if (child.stdin !== null) {
    if (plan.input !== null && plan.input.length > 0) child.stdin.end(plan.input);
    else child.stdin.end();
  }
  if (plan.timeout > 0 && outcome.spawned) {
    timer = setTimeout(() => {
      setError(UV_ETIMEDOUT);
      kill();
    }, plan.timeout);
  }
  return kill;
}

/** spawnSync's result from what the child did (built on the green thread, for its stack). */
function resultOf(child: ChildProcess, plan: SyncSpawnPlan, outcome: Outcome): SpawnSyncResult {
  const errno = outcome.error !== 0 ? outcome.error : outcome.pipeError;
  const result = {} as SpawnSyncResult;
  if (errno !== 0) (result as { error?: unknown }).error = errno;
  result.status = outcome.exited && outcome.signal === null ? outcome.code : null;
  result.signal = outcome.exited ? outcome.signal : null;
  result.output = outcome.exited
    ? outcome.output.map((chunks) => {
        if (chunks === null) return null;
        const buffer = Buffer.concat(chunks);
        return plan.encoding !== null ? buffer.toString(plan.encoding) : buffer;
      })
    : null;
  result.pid = child.pid ?? 0;
  result.stdout = result.output === null ? MISSING_OUTPUT : result.output[1];
  result.stderr = result.output === null ? MISSING_OUTPUT : result.output[2];
  if (errno !== 0) {
    const file = child.spawnfile;
    const error = restackAtCaller(errnoException(errno, `spawnSync ${file}`));
    error.path = file;
    error.spawnargs = child.spawnargs.slice(1);
    result.error = error;
  }
  return result;
}

/**
 * Runs `plan` through `spawn` (child_process.spawn) and returns what spawnSync would have,
 * suspending only the calling green thread; undefined if spawn refused the arguments (the
 * caller then calls the original, which throws the same error). If the waiting green thread
 * is killed or times out, the child is sent the plan's killSignal and its pipes are closed.
 */
export function runSyncSpawn(call: string, spawn: AnyFunction, plan: SyncSpawnPlan): SpawnSyncResult | undefined {
  let child: ChildProcess;
  try {
    child = spawn(plan.file, plan.args, plan.spawnOptions) as ChildProcess;
  } catch {
    return undefined;
  }
  let kill: (() => void) | undefined;
  let outcome: Outcome;
  try {
    [outcome] = blockOnCallback(call, (done) => {
      kill = watch(child, plan, (o) => done(null, o));
    }) as [Outcome];
  } catch (error) {
    kill?.();
    throw error;
  }
  return resultOf(child, plan, outcome);
}
