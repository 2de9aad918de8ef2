// GreenModule: what the patching layer knows about one core module: the monkeyPatch option
// that selects it, and how to build the green replacements of its blocking functions.
import type { AnyFunction } from './green-function';

/** The monkeyPatch option naming each patchable module. */
export type PatchOption = 'fs' | 'childProcess' | 'crypto' | 'zlib';

/** A core module the patching layer covers. */
export interface GreenModule {
  /** The monkeyPatch option that selects it. */
  readonly option: PatchOption;
  /** Node's name for it (without `node:`). */
  readonly moduleName: 'fs' | 'child_process' | 'crypto' | 'zlib';
  /**
   * The green implementations, by export name, built from the module's original functions.
   * Each is only ever called inside a green thread that may suspend (greenVariant sends every
   * other call to the original), and must return and throw exactly what the original would.
   */
  build(original: Readonly<Record<string, unknown>>): Record<string, AnyFunction>;
  /** Blocking functions deliberately left alone, each with the reason (the README lists them). */
  readonly unpatched: Readonly<Record<string, string>>;
}
