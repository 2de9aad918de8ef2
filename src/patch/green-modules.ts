// The core modules the patching layer covers, and the green functions of each: built once per
// module from its original functions, then shared by monkeyPatch (which puts them on the
// module itself) and importPatched (which hands a module a private green copy).
import { greenChildProcess } from './green-child-process';
import { greenCrypto } from './green-crypto';
import { greenFs } from './green-fs';
import { greenVariant, type AnyFunction } from './green-function';
import type { GreenModule } from './green-module';
import { greenZlib } from './green-zlib';

/** Every module monkeyPatch knows, in option order. */
export const GREEN_MODULES: readonly GreenModule[] = [greenFs, greenChildProcess, greenCrypto, greenZlib];

/**
 * The covered module called `name`: its monkeyPatch option ('childProcess') or Node's name
 * ('child_process', 'node:child_process'). Undefined for anything else.
 */
export function findGreenModule(name: string): GreenModule | undefined {
  const bare = name.startsWith('node:') ? name.slice(5) : name;
  return GREEN_MODULES.find((m) => m.option === bare || m.moduleName === bare);
}

/** Node's own module object (the one `require('fs')` and `import fs from 'node:fs'` share). */
export function coreModule(m: GreenModule): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`node:${m.moduleName}`) as Record<string, unknown>;
}

interface Built {
  /** The functions as they were before anything was patched, by export name. */
  originals: Record<string, AnyFunction>;
  /** Their green variants (original outside green threads, green inside), by export name. */
  variants: Record<string, AnyFunction>;
}

const built = new Map<GreenModule, Built>();

/**
 * The originals and green variants of `m`'s patched functions, built on first use. Called
 * before monkeyPatch touches the module, so the originals are Node's (or whatever the module
 * held then, if other code had replaced them).
 */
export function greenFunctions(m: GreenModule): Built {
  let entry = built.get(m);
  if (entry === undefined) {
    const mod = coreModule(m);
    const green = m.build(mod);
    const originals: Record<string, AnyFunction> = {};
    const variants: Record<string, AnyFunction> = {};
    for (const [name, impl] of Object.entries(green)) {
      const original = mod[name];
      if (typeof original !== 'function') continue;  // absent on this Node version
      originals[name] = original as AnyFunction;
      // Node's module loaders read source files through the public fs functions.
      variants[name] = greenVariant(original as AnyFunction, impl, m.option === 'fs');
    }
    entry = { originals, variants };
    built.set(m, entry);
  }
  return entry;
}

/**
 * A private copy of module `m` whose blocking functions are the green variants, for code
 * loaded by importPatched: the module itself is left as it is. Same keys as the module
 * (getters read once, now), one copy per module.
 */
export function greenCopy(m: GreenModule): Record<string, unknown> {
  let copy = copies.get(m);
  if (copy === undefined) {
    copy = { ...coreModule(m), ...greenFunctions(m).variants };
    copies.set(m, copy);
  }
  return copy;
}

const copies = new Map<GreenModule, Record<string, unknown>>();
