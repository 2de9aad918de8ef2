// The CommonJS side of importPatched: a private module registry beside Node's require.cache.
// Each file reached is a Module of its own whose `require` is ours (Node's wrapper calls
// `module.require`), so the file and everything it requires in turn load again, once, apart
// from the normal instances, and get the green copies of the covered core modules. Node's own
// machinery does the rest: resolution, the wrapper, JSON, cycles, registered extensions.
import Module from 'node:module';
import * as path from 'node:path';
import { typeError } from '../errors';
import { describe } from '../validate';
import { findGreenModule, greenCopy } from './green-modules';
import { fileFormat } from './import-patched-format';

/** The parts of Node's Module that are not in its public typings. */
interface ModuleInternals {
  new (id: string, parent: NodeJS.Module | null): NodeJS.Module & { load(filename: string): void; paths: string[] };
  _resolveFilename(request: string, parent: NodeJS.Module, isMain: boolean): string;
  _nodeModulePaths(dir: string): string[];
  isBuiltin(name: string): boolean;
}
const NodeModule = Module as unknown as ModuleInternals;

/** greenthread's own code (this folder's parent): always the normal, shared instance (one hub). */
export const OWN_DIR = path.resolve(__dirname, '..') + path.sep;

/** Files loaded under importPatched, by absolute path: the patched twin of require.cache. */
const registry = new Map<string, NodeJS.Module>();
/** Errors of CommonJS files that failed while an ES module importing them was linked. */
const failures = new Map<string, unknown>();

function invalidRequest(request: unknown): TypeError {
  const error = typeof request === 'string'
    ? typeError("The argument 'id' must be a non-empty string. Received ''")
    : typeError(`The "id" argument must be of type string. Received ${describe(request)}`);
  Object.defineProperty(error, 'code', { value: typeof request === 'string' ? 'ERR_INVALID_ARG_VALUE' : 'ERR_INVALID_ARG_TYPE', enumerable: false, configurable: true, writable: true });
  return error;
}

/**
 * What a built-in module is under importPatched: the green copy for fs, child_process, crypto
 * and zlib (with or without `node:`), Node's own module for every other built-in.
 */
export function patchedBuiltin(name: string): unknown {
  if (!NodeModule.isBuiltin(name)) return undefined;
  const green = findGreenModule(name);
  // `findGreenModule` also knows monkeyPatch's option names; only Node's names mean a module here.
  if (green !== undefined && (name === green.moduleName || name === `node:${green.moduleName}`)) return greenCopy(green);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(name);
}

/** A stand-in parent for resolving from `filename` (a file that need not exist). */
export function resolutionParent(filename: string): NodeJS.Module {
  const parent = new NodeModule(filename, null);
  parent.filename = filename;
  parent.paths = NodeModule._nodeModulePaths(path.dirname(filename));
  return parent;
}

/** Resolves `request` as `require` would from `parent` (Node's errors, require stack included). */
export function resolvePatched(request: string, parent: NodeJS.Module): string {
  return NodeModule._resolveFilename(request, parent, false);
}

/** What `require(request)` gives inside a module loaded under importPatched. */
function requireFrom(request: unknown, parent: NodeJS.Module): unknown {
  if (typeof request !== 'string' || request === '') throw invalidRequest(request);
  if (NodeModule.isBuiltin(request)) return patchedBuiltin(request);
  return loadPatched(resolvePatched(request, parent), parent);
}

/**
 * The exports of `filename` (absolute, resolved) under importPatched: from the private
 * registry, or loaded into it now. greenthread's own files and native addons are loaded
 * normally (one instance per process). An ES module is refused: it loads asynchronously,
 * through importPatched itself.
 */
export function loadPatched(filename: string, parent: NodeJS.Module | null): unknown {
  if (filename.startsWith(OWN_DIR)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(filename);
  }
  const cached = registry.get(filename);
  if (cached !== undefined) return cached.exports;  // a cycle gets the exports as they are so far, as in Node
  const format = fileFormat(filename);
  if (format === 'addon') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(filename);
  }
  if (format === 'module') {
    const from = parent?.filename ? ` from ${parent.filename}` : '';
    const error = new Error(`require() of ES Module ${filename}${from} is not supported under importPatched: ` +
      'call importPatched() on the ES module itself (it loads it, and what it imports, patched)');
    Object.defineProperty(error, 'code', { value: 'ERR_REQUIRE_ESM', enumerable: false, configurable: true, writable: true });
    throw error;
  }
  const mod = new NodeModule(filename, parent);
  mod.require = function require(request: string): unknown {
    return requireFrom(request, mod);
  } as NodeJS.Require;
  registry.set(filename, mod);
  let loaded = false;
  try {
    mod.load(filename);
    loaded = true;
  } finally {
    if (!loaded) {
      // As Node does for require.cache: a failed file is forgotten, so a later load retries it.
      registry.delete(filename);
      const siblings = parent?.children;
      const index = siblings === undefined ? -1 : siblings.indexOf(mod);
      if (index !== -1) siblings?.splice(index, 1);
    }
  }
  return mod.exports;
}

/** For the loader hooks: loads a CommonJS file imported by a patched ES module, names its exports. */
export function cjsExportNames(filename: string): string[] {
  let exports: unknown;
  try {
    exports = loadPatched(filename, null);
  } catch (error) {
    failures.set(filename, error);  // thrown when the importing module is evaluated
    return [];
  }
  if (exports === null || (typeof exports !== 'object' && typeof exports !== 'function')) return [];
  return Object.keys(exports);
}

/** For the virtual module standing for a CommonJS file: its exports, or the error it threw. */
export function cjsExports(filename: string): unknown {
  if (failures.has(filename)) {
    const error = failures.get(filename);
    failures.delete(filename);
    throw error;
  }
  return loadPatched(filename, null);
}
