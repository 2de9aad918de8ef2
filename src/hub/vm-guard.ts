// vm scripts run with a watchdog (`timeout` or `breakOnSigint`): Node's watchdog ends the
// script with isolate->TerminateExecution(), which hits whatever JavaScript runs at that moment.
// If the script's green thread suspended, that is another thread or a hub turn, which then
// unwinds without its finally blocks and corrupts Node's async-context stack (an abort). So
// while a watched script runs, its green thread may not suspend (SuspendNotAllowedError), and
// a kill() from plain JavaScript does not run the killed thread there and then (see
// inWatchedVmScript). Every vm.runIn* function goes through these vm.Script methods.
import * as vm from 'node:vm';
import { theHub } from './hub';

const WHERE = 'inside a vm script run with a timeout or breakOnSigint (its watchdog would terminate ' +
  'whatever JavaScript runs when it fires, not the script)';

// Watched scripts running now (they nest); the wrappers keep it exact even when one throws.
let watched = 0;

/**
 * True while a vm script with a watchdog runs: nothing may run another green thread's
 * JavaScript then (a termination meant for the script would land in it).
 */
export function inWatchedVmScript(): boolean {
  return watched > 0;
}

function hasWatchdog(options: unknown): boolean {
  if (typeof options !== 'object' || options === null) return false;
  const { timeout, breakOnSigint } = options as { timeout?: unknown; breakOnSigint?: unknown };
  return timeout !== undefined || breakOnSigint === true;
}

function guarded<T>(run: () => T): T {
  watched++;
  try {
    return theHub.forbidSuspension(WHERE, run);
  } finally {
    watched--;
  }
}

// Installed once per loaded copy of greenthread (a second copy wraps the first's wrappers,
// each guarding its own hub's threads).
const proto = vm.Script.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
const { runInContext, runInNewContext, runInThisContext } = proto;
const wrappers: Record<string, (...args: never[]) => unknown> = {
  runInContext(this: vm.Script, context: unknown, options?: unknown, ...rest: unknown[]): unknown {
    if (!hasWatchdog(options)) return runInContext.call(this, context, options, ...rest);
    return guarded(() => runInContext.call(this, context, options, ...rest));
  },
  runInNewContext(this: vm.Script, context: unknown, options?: unknown, ...rest: unknown[]): unknown {
    if (!hasWatchdog(options)) return runInNewContext.call(this, context, options, ...rest);
    return guarded(() => runInNewContext.call(this, context, options, ...rest));
  },
  runInThisContext(this: vm.Script, options?: unknown, ...rest: unknown[]): unknown {
    if (!hasWatchdog(options)) return runInThisContext.call(this, options, ...rest);
    return guarded(() => runInThisContext.call(this, options, ...rest));
  },
};
for (const [name, fn] of Object.entries(wrappers)) {
  // Like the originals: class methods are writable, configurable and not enumerable.
  Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
