// The green child_process: execSync, execFileSync and spawnSync run the child through the
// asynchronous spawn, while only the calling green thread waits for it to finish. Their own
// JavaScript (lib/child_process.js: argument shuffling, stderr echo, "Command failed" errors) is
// restated here on top of runSyncSpawn; any call shape not reproduced exactly goes to the original.
import { restackAtCaller } from '../hub/call-site';
import { planSyncSpawn } from './green-child-process-plan';
import { runSyncSpawn, type SpawnSyncResult } from './green-child-process-run';
import type { AnyFunction } from './green-function';
import type { GreenModule } from './green-module';

/** lib/child_process.js checkExecSyncError: the error execSync and execFileSync throw, if any. */
function execSyncError(ret: SpawnSyncResult, args: readonly unknown[] | undefined, cmd?: string): Error | undefined {
  if (ret.error !== undefined) {
    return Object.assign(ret.error, ret);
  }
  if (ret.status !== 0) {
    let message = `Command failed: ${cmd || (args ?? []).join(' ')}`;
    if (ret.stderr && ret.stderr.length > 0) message += `\n${ret.stderr.toString()}`;
    return Object.assign(restackAtCaller(new Error(message)), ret);
  }
  return undefined;
}

function isOptionsObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** child_process, for monkeyPatch({ childProcess }) and importPatched. */
export const greenChildProcess: GreenModule = {
  option: 'childProcess',
  moduleName: 'child_process',
  build(cp) {
    const spawn = cp.spawn as AnyFunction;
    const originalSpawnSync = cp.spawnSync as AnyFunction;
    const originalExecSync = cp.execSync as AnyFunction;
    const originalExecFileSync = cp.execFileSync as AnyFunction;

    // spawnSync's work on the asynchronous spawn, or undefined where the original must run.
    const greenSpawnSync = (call: string, file: unknown, args: unknown, options?: unknown): SpawnSyncResult | undefined => {
      const plan = planSyncSpawn(file, args, options);
      return plan === undefined ? undefined : runSyncSpawn(call, spawn, plan);
    };

    return {
      spawnSync(this: unknown, ...params: unknown[]): unknown {
        const [file, args, options] = params;
        return greenSpawnSync('child_process.spawnSync()', file, args, options) ?? Reflect.apply(originalSpawnSync, this, params);
      },

      execSync(this: unknown, ...params: unknown[]): unknown {
        const [command, options] = params;
        // normalizeExecArgs: a string command without null bytes; a function in place of the
        // options is ignored; the options are copied with `shell` defaulting to true.
        if (typeof command !== 'string' || command.includes('\u0000')) return Reflect.apply(originalExecSync, this, params);
        const opts: Record<string, unknown> = { ...(typeof options === 'function' ? undefined : options as object) };
        opts.shell = typeof opts.shell === 'string' ? opts.shell : true;
        const inheritStderr = !opts.stdio;
        const ret = greenSpawnSync('child_process.execSync()', command, opts);
        if (ret === undefined) return Reflect.apply(originalExecSync, this, params);
        if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
        const error = execSyncError(ret, undefined, command);
        if (error !== undefined) throw error;
        return ret.stdout;
      },

      execFileSync(this: unknown, ...params: unknown[]): unknown {
        // normalizeExecFileArgs, for the shapes without a callback: (file, args?, options?)
        // and (file, options).
        let [file, args, options] = params;
        if (Array.isArray(args)) {
          args = args.slice();
        } else if (args === undefined || args === null) {
          args = [];
        } else if (isOptionsObject(args) && options === undefined) {
          options = args;
          args = [];
        } else {
          return Reflect.apply(originalExecFileSync, this, params);
        }
        if (options !== undefined && options !== null && !isOptionsObject(options)) return Reflect.apply(originalExecFileSync, this, params);
        const opts = (options ?? {}) as Record<string, unknown>;
        const argv0 = opts.argv0;
        if (argv0 !== undefined && argv0 !== null && (typeof argv0 !== 'string' || argv0.includes('\u0000'))) {
          return Reflect.apply(originalExecFileSync, this, params);
        }
        const inheritStderr = !opts.stdio;
        const ret = greenSpawnSync('child_process.execFileSync()', file, args, opts);
        if (ret === undefined) return Reflect.apply(originalExecFileSync, this, params);
        if (inheritStderr && ret.stderr) process.stderr.write(ret.stderr);
        const error = execSyncError(ret, [opts.argv0 || file, ...(args as unknown[])]);
        if (error !== undefined) throw error;
        return ret.stdout;
      },
    };
  },
  unpatched: {
    'execSync, execFileSync, spawnSync with a stream or `{ fd }` object in `stdio`': 'spawnSync hands such entries to its private event loop in ways the asynchronous spawn does not reproduce; these calls (and any argument Node rejects) run the original, blocking',
  },
};
