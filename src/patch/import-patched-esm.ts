// The ES module side of importPatched: registers the loader hooks (import-patched-hooks.ts)
// the first time an ES module is imported patched, once per thread, then imports the file
// with the marker in its URL and waits for it in the calling green thread.
import Module from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { requireGreenThread } from '../hub/waiter';
import { waitFor } from '../green/wait-for';
import { GREEN_MODULES, greenCopy } from './green-modules';
import { cjsExportNames, cjsExports, OWN_DIR } from './import-patched-cjs';
import { REGISTRY_KEY, syncHooks, type HookData, type Registry } from './import-patched-hooks';

/** The query parameter that marks the URL of every ES module loaded under importPatched. */
export const MARKER = 'greenthread-patched';

/** Node's hook registration APIs (registerHooks: Node >= 22.15; register: >= 20.6, deprecated in 26). */
interface Registration {
  registerHooks?: (hooks: ReturnType<typeof syncHooks>) => unknown;
  register?: (specifier: string | URL, options: { data: HookData; transferList: unknown[] }) => void;
}

let registered = false;

function registerLoader(): void {
  const greenNames: Record<string, string[]> = {};
  for (const m of GREEN_MODULES) greenNames[m.moduleName] = Object.keys(greenCopy(m));
  const registry: Registry = {
    green: (name) => greenCopy(GREEN_MODULES.find((m) => m.moduleName === name) as (typeof GREEN_MODULES)[number]),
    cjs: cjsExports,
  };
  Object.defineProperty(globalThis, Symbol.for(REGISTRY_KEY), { value: registry, configurable: true });
  const data: HookData = { marker: MARKER, ownPrefix: pathToFileURL(OWN_DIR).href, greenNames };
  const api = Module as unknown as Registration;
  if (typeof api.registerHooks === 'function') {
    // In-thread, synchronous hooks: no loader thread, and the CommonJS question is a call.
    api.registerHooks(syncHooks(data, cjsExportNames));
  } else if (typeof api.register === 'function') {
    // The hooks run on Node's loader thread; it asks this thread to load patched CommonJS.
    const { port1, port2 } = new MessageChannel();
    port1.on('message', ({ id, filename }: { id: number; filename: string }) => {
      port1.postMessage({ id, names: cjsExportNames(filename) });
    });
    port1.unref();
    api.register(pathToFileURL(path.join(__dirname, 'import-patched-hooks.js')), { data: { ...data, port: port2 }, transferList: [port2] });
  } else {
    throw new Error('importPatched(): ES modules need module.registerHooks() or module.register() (Node >= 20.6)');
  }
}

// A real import(): TypeScript compiles `import()` to require() for CommonJS output.
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const dynamicImport = new Function('url', 'return import(url)') as (url: string) => Promise<Record<string, unknown>>;

/**
 * Imports the ES module `filename` (absolute, resolved) under importPatched and returns its
 * namespace. Loading is asynchronous, so the calling green thread waits for it.
 * @throws NotInGreenThreadError from plain JavaScript.
 */
export function importPatchedEsm(filename: string): Record<string, unknown> {
  requireGreenThread('importPatched() of an ES module', 'waits for the module loader');
  if (!registered) {
    registerLoader();
    registered = true;
  }
  return waitFor(dynamicImport(`${pathToFileURL(filename).href}?${MARKER}`));
}
