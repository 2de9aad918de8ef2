// monkeyPatch(): eventlet's monkey_patch for Node. It replaces the blocking *Sync functions of
// fs, child_process, crypto and zlib on the module objects themselves (which every require and
// import of them shares) with green variants, then refreshes ESM named-import bindings.
import { syncBuiltinESMExports } from 'node:module';
import { typeError } from '../errors';
import { describe, validateOptions } from '../validate';
import { coreModule, findGreenModule, GREEN_MODULES, greenFunctions } from './green-modules';
import type { GreenModule, PatchOption } from './green-module';

/**
 * Which modules {@link monkeyPatch} patches. With no option given, all of them. As in
 * eventlet: if any module is set to `true`, only those are patched; if some are only set to
 * `false`, all others are. `all: true` patches everything.
 */
export interface MonkeyPatchOptions {
  /** Every module below. */
  all?: boolean;
  /** Every fs.*Sync function that touches the disk, and fs.existsSync. */
  fs?: boolean;
  /** child_process.execSync, execFileSync and spawnSync. */
  childProcess?: boolean;
  /** crypto.pbkdf2Sync, scryptSync, randomFillSync, randomBytes without callback, the key and prime generators, ... */
  crypto?: boolean;
  /** Every zlib.*Sync function. */
  zlib?: boolean;
}

const OPTION_KEYS: readonly string[] = ['all', ...GREEN_MODULES.map((m) => m.option)];
const patched = new Set<GreenModule>();

function selected(options: MonkeyPatchOptions): GreenModule[] {
  validateOptions(options, 'monkeyPatch()', OPTION_KEYS);
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && typeof value !== 'boolean') {
      throw typeError(`monkeyPatch(): option '${key}' must be a boolean, got ${describe(value)}`);
    }
  }
  if (options.all === true) return [...GREEN_MODULES];
  const on = GREEN_MODULES.filter((m) => options[m.option] === true);
  if (on.length > 0) return on;
  return GREEN_MODULES.filter((m) => options[m.option] !== false);
}

/**
 * Makes Node's blocking functions green: afterwards, inside a green thread, each patched
 * `*Sync` function of the selected modules does its work off the event loop and suspends only
 * the calling green thread; it returns and throws what the original would. Outside green
 * threads every function behaves exactly as before. Calling it again is safe (and can add
 * modules). ES modules' named imports of these functions (`import { readFileSync } from
 * 'node:fs'`) see the green variants too, from the moment this returns; only a reference
 * copied into a variable before it ran keeps the original.
 * @throws TypeError for an unknown option or a non-boolean value.
 */
export function monkeyPatch(options?: MonkeyPatchOptions): void {
  const modules = selected(options === undefined ? {} : options);
  let changed = false;
  for (const m of modules) {
    if (patched.has(m)) continue;
    const mod = coreModule(m);
    Object.assign(mod, greenFunctions(m).variants);
    patched.add(m);
    changed = true;
  }
  if (changed) syncBuiltinESMExports();
}

function lookUp(call: string, name: unknown): GreenModule {
  const m = typeof name === 'string' ? findGreenModule(name) : undefined;
  if (m === undefined) {
    const names = GREEN_MODULES.map((g) => (g.option === g.moduleName ? `'${g.option}'` : `'${g.option}' ('${g.moduleName}')`));
    throw typeError(`${call}: expected one of ${names.join(', ')}, got ${describe(name)}`);
  }
  return m;
}

/**
 * Whether {@link monkeyPatch} has patched the module named `name`: a monkeyPatch option
 * (`'childProcess'`) or Node's module name (`'child_process'`, `'node:child_process'`).
 * @throws TypeError for any other name.
 */
export function isPatched(name: string): boolean {
  return patched.has(lookUp('isPatched()', name));
}

/**
 * The module named `name` as it was before patching: an object with all of the module's
 * properties, the blocking functions being the originals, whether or not it has been patched.
 * @throws TypeError for a name monkeyPatch does not cover.
 */
export function original(name: string): Readonly<Record<string, unknown>> {
  const m = lookUp('original()', name);
  return Object.freeze({ ...coreModule(m), ...greenFunctions(m).originals });
}

/**
 * @internal Puts every original back, for tests that must leave the process as they found it.
 * Not public: eventlet has no unpatching either, and code that captured a green function keeps it.
 */
export function unpatchAll(): void {
  for (const m of patched) Object.assign(coreModule(m), greenFunctions(m).originals);
  patched.clear();
  syncBuiltinESMExports();
}

export type { PatchOption };
