// importPatched(): eventlet's import_patched for Node. It loads a module, and everything the
// module requires or imports in turn, again, apart from the normal instances, so that its own
// require/import of fs, child_process, crypto and zlib get the green copies; nothing global is
// patched. CommonJS goes through a private registry (import-patched-cjs.ts), ES modules through
// loader hooks (import-patched-esm.ts).
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { typeError } from '../errors';
import { describe } from '../validate';
import { fileFormat } from './import-patched-format';
import { loadPatched, patchedBuiltin, resolutionParent, resolvePatched } from './import-patched-cjs';
import { importPatchedEsm } from './import-patched-esm';

function isFileUrl(value: unknown): value is URL | string {
  return value instanceof URL || (typeof value === 'string' && value.startsWith('file:'));
}

/** The file a module path, file URL or URL object names, or undefined for anything else. */
function filePath(value: unknown): string | undefined {
  if (isFileUrl(value)) return fileURLToPath(value);
  if (typeof value === 'string' && path.isAbsolute(value)) return value;
  return undefined;
}

/** The file of whoever called importPatched: the first stack frame above it. */
function callerFile(): string {
  const savedPrepare = Error.prepareStackTrace;
  const savedLimit = Error.stackTraceLimit;
  let name: string | null | undefined;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_error, frames) => frames;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, importPatched);
    name = holder.stack?.[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = savedPrepare;
    Error.stackTraceLimit = savedLimit;
  }
  // Code without a file (node -e, eval, the REPL) resolves from the current directory, as its require does.
  if (name === null || name === undefined || name === '') return path.join(process.cwd(), '[eval]');
  return filePath(name) ?? path.resolve(process.cwd(), name);
}

/**
 * Loads the module `specifier` so that its own `require`/`import` of `fs`, `child_process`,
 * `crypto` and `zlib` (with or without `node:`) get green copies of those modules: their
 * blocking `*Sync` functions suspend only the calling green thread (and are the originals
 * outside green threads). What the module requires or imports in turn, packages included, is
 * loaded the same way, transitively. Nothing is patched globally: the rest of the process
 * sees the original modules, and a plain `require` of the same file gives a separate,
 * unpatched instance. Each file is loaded once under importPatched: calling it again returns
 * the same instance (as eventlet's import_patched does).
 *
 * `specifier` is resolved as `require` resolves it (a relative path, an absolute path, a
 * `file:` URL or a package name) from `parent`: a file path or `file:` URL, normally
 * `__filename` or `import.meta.url`. Without it, from the file of the function that called
 * importPatched.
 *
 * Returns `module.exports` for CommonJS (and JSON), the namespace object for an ES module. A
 * CommonJS module can be loaded anywhere; an ES module loads asynchronously, so only a green
 * thread can wait for it.
 * @throws TypeError if `specifier` is not a non-empty string or URL, or `parent` is not an
 *   absolute path or file URL.
 * @throws The error Node's `require` gives for a module it cannot find (`MODULE_NOT_FOUND`).
 * @throws NotInGreenThreadError for an ES module, from plain JavaScript.
 */
export function importPatched(specifier: string | URL, parent?: string | URL): unknown {
  if (!(specifier instanceof URL) && (typeof specifier !== 'string' || specifier === '')) {
    throw typeError(`importPatched(): specifier must be a non-empty string or a URL, got ${describe(specifier)}`);
  }
  if (specifier instanceof URL && specifier.protocol !== 'file:') {
    throw typeError(`importPatched(): a URL specifier must be a file: URL, got ${specifier.href}`);
  }
  let from: string;
  if (parent === undefined) {
    from = callerFile();
  } else {
    const file = filePath(parent);
    if (file === undefined) {
      throw typeError(`importPatched(): parent must be an absolute path or a file: URL (__filename or import.meta.url), got ${describe(parent)}`);
    }
    // A directory (trailing separator) resolves from inside it, as in createRequire.
    const raw = parent instanceof URL ? parent.href : parent;
    from = /[\\/]$/.test(raw) ? path.join(file, 'noop.js') : file;
  }
  const request = isFileUrl(specifier) ? fileURLToPath(specifier) : specifier;
  const builtin = patchedBuiltin(request);
  if (builtin !== undefined) return builtin;
  const parentModule = resolutionParent(from);
  const filename = resolvePatched(request, parentModule);
  if (fileFormat(filename) === 'module') return importPatchedEsm(filename);
  return loadPatched(filename, parentModule);
}
