// The module-loader hooks behind importPatched's ES modules. A file imported by a file loaded
// under importPatched gets a marker in its URL (a separate instance, itself marked), and its
// imports of the covered core modules resolve to virtual modules exporting the green copies.
// Self-contained (node: built-ins only): on Node 20 these hooks run on the loader's own thread.
import { fileURLToPath } from 'node:url';
import type { MessagePort } from 'node:worker_threads';

/** What the hooks need from the thread that registered them. */
export interface HookData {
  /** The query parameter that marks a file URL as loaded under importPatched. */
  marker: string;
  /** File URLs under this prefix (greenthread's own code) are never reloaded. */
  ownPrefix: string;
  /** Export names of each covered module's green copy, by Node's module name. */
  greenNames: Record<string, string[]>;
  /** Off-thread hooks only: asks the main thread to load a CommonJS file (see cjsRequests). */
  port?: MessagePort;
}

/** Where the virtual modules' code finds the main thread's green copies and patched CommonJS. */
export const REGISTRY_KEY = 'greenthread.importPatched';

/** The registry's shape, on globalThis under Symbol.for(REGISTRY_KEY). */
export interface Registry {
  /** The green copy of a covered core module, by Node's name. */
  green(name: string): Record<string, unknown>;
  /** The exports of a CommonJS file loaded under importPatched (loading it if needed). */
  cjs(filename: string): unknown;
}

const VIRTUAL = 'greenthread-patched:';

/** What `nextResolve` / `nextLoad` return; only the fields the hooks look at are typed. */
interface Resolved { url: string; format?: string | null; [key: string]: unknown }
interface Loaded { format?: string | null; source?: unknown; [key: string]: unknown }
interface Context { parentURL?: string; conditions?: readonly string[]; [key: string]: unknown }

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** An ES module's text: `default` is `expression`, and each name is one of its properties. */
function reexport(expression: string, names: readonly string[]): string {
  const lines = [`const m = ${expression};`, 'export default m;'];
  names.forEach((name, i) => {
    if (name === 'default') return;
    // Any string can be an export name; a quoted one works even for `delete` or `a-b`.
    const exported = IDENTIFIER.test(name) ? name : JSON.stringify(name);
    lines.push(`const v${i} = m == null ? undefined : m[${JSON.stringify(name)}];`, `export { v${i} as ${exported} };`);
  });
  return lines.join('\n');
}

/** The pieces both hook flavours share: synchronous (module.registerHooks) and async (module.register). */
export function makeHookLogic(data: HookData) {
  function marked(url: string): boolean {
    // Cheap test first: with module.registerHooks these hooks see every require() in the process.
    if (!url.startsWith('file:') || !url.includes(data.marker)) return false;
    try {
      return new URL(url).searchParams.has(data.marker);
    } catch {
      return false;
    }
  }
  /** Whether this resolution is an import from a marked file (not a require(), which is never patched here). */
  function fromMarked(context: Context): boolean {
    if (context.parentURL === undefined || !marked(context.parentURL)) return false;
    return !(Array.isArray(context.conditions) && context.conditions.includes('require'));
  }
  const registry = `globalThis[Symbol.for(${JSON.stringify(REGISTRY_KEY)})]`;
  return {
    /** The covered module a specifier from a marked parent names ('fs', 'node:fs'), if any. */
    greenTarget(specifier: string, context: Context): Resolved | undefined {
      if (!fromMarked(context)) return undefined;
      const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
      if (!Object.hasOwn(data.greenNames, bare)) return undefined;
      return { url: VIRTUAL + bare, format: 'module', shortCircuit: true };
    },
    /** `resolved`, marked when its parent was (a file of ours or a non-file URL stays as it is). */
    mark(resolved: Resolved, context: Context): Resolved {
      if (!fromMarked(context)) return resolved;
      const url = resolved.url;
      if (!url.startsWith('file:') || url.startsWith(data.ownPrefix) || marked(url)) return resolved;
      const u = new URL(url);
      u.search = u.search === '' ? `?${data.marker}` : `${u.search}&${data.marker}`;
      return { ...resolved, url: u.href };
    },
    /** The source of a virtual green module, or undefined for any other URL. */
    virtualSource(url: string): Loaded | undefined {
      if (!url.startsWith(VIRTUAL)) return undefined;
      const name = url.slice(VIRTUAL.length);
      return { format: 'module', shortCircuit: true, source: reexport(`${registry}.green(${JSON.stringify(name)})`, data.greenNames[name] ?? []) };
    },
    marked,
    /** An ES module standing for a CommonJS file loaded under importPatched. */
    cjsWrapper(filename: string, names: readonly string[]): Loaded {
      return { format: 'module', shortCircuit: true, source: reexport(`${registry}.cjs(${JSON.stringify(filename)})`, names) };
    },
  };
}

type HookLogic = ReturnType<typeof makeHookLogic>;

/** Synchronous hooks for module.registerHooks (Node >= 22.15): they run on the importing thread. */
export function syncHooks(data: HookData, cjsNames: (filename: string) => string[]) {
  const logic: HookLogic = makeHookLogic(data);
  return {
    resolve(specifier: string, context: Context, next: (s: string, c: Context) => Resolved): Resolved {
      return logic.greenTarget(specifier, context) ?? logic.mark(next(specifier, context), context);
    },
    load(url: string, context: Context, next: (u: string, c: Context) => Loaded): Loaded {
      const virtual = logic.virtualSource(url);
      if (virtual !== undefined) return virtual;
      const loaded = next(url, context);
      if (loaded.format !== 'commonjs' || !logic.marked(url)) return loaded;
      const filename = fileURLToPath(url);
      return logic.cjsWrapper(filename, cjsNames(filename));
    },
  };
}

// --- The module.register flavour (Node 20 and early 22): this file is the hooks module itself.

let asyncLogic: HookLogic | undefined;
let port: MessagePort | undefined;
const pending = new Map<number, (names: string[]) => void>();
let nextId = 0;

/**
 * The export names of a CommonJS file, from the main thread: it loads the file under
 * importPatched (which runs it) and replies. The port keeps this thread alive only while a
 * question is open.
 */
function askCjsNames(filename: string): Promise<string[]> {
  const p = port;
  if (p === undefined) return Promise.resolve([]);
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    p.ref();
    p.postMessage({ id, filename });
  });
}

/** module.register's initialize hook: receives the HookData. */
export function initialize(data: HookData): void {
  asyncLogic = makeHookLogic(data);
  port = data.port;
  port?.on('message', (reply: { id: number; names: string[] }) => {
    const resolve = pending.get(reply.id);
    pending.delete(reply.id);
    if (pending.size === 0) port?.unref();
    resolve?.(reply.names);
  });
  port?.unref();
}

/** module.register's resolve hook. */
export async function resolve(specifier: string, context: Context, next: (s: string, c: Context) => Promise<Resolved>): Promise<Resolved> {
  const logic = asyncLogic;
  if (logic === undefined) return next(specifier, context);
  return logic.greenTarget(specifier, context) ?? logic.mark(await next(specifier, context), context);
}

/** module.register's load hook. */
export async function load(url: string, context: Context, next: (u: string, c: Context) => Promise<Loaded>): Promise<Loaded> {
  const logic = asyncLogic;
  if (logic === undefined) return next(url, context);
  const virtual = logic.virtualSource(url);
  if (virtual !== undefined) return virtual;
  const loaded = await next(url, context);
  if (loaded.format !== 'commonjs' || !logic.marked(url)) return loaded;
  const filename = fileURLToPath(url);
  return logic.cjsWrapper(filename, await askCjsNames(filename));
}
