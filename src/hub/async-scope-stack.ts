// Setting Node's async-context stack aside across a suspension.
//
// The hub resumes every green thread inside the thread's own AsyncResource, so at a
// suspension point the top of Node's async-context stack is normally that resource. A green
// thread that suspends inside a nested AsyncResource#runInAsyncScope() would leave the nested
// entries on that shared stack, and the next pop on the event loop would find the wrong id and
// abort the process ("async hook stack has become corrupted"). So at such a suspension the
// nested entries are popped and kept with the thread, and pushed back when it resumes.
//
// That needs the stack's fields, which Node exposes only through its async_wrap binding
// (Node 20 and 22: process.binding('async_wrap'); gone on Node 24). Where the binding is gone
// the suspension is refused with AsyncScopeSuspendError: that Node leaves no safe way.
//
// The same fields let the hub switch straight from one green thread to another (hub.ts): the
// stack's top entry is swapped for the next thread's resource. On a Node without the binding,
// direct switches leave the top entry alone (it stays the resource of the thread the hub
// resumed). That is harmless where AsyncLocalStorage lives in AsyncContextFrame (Node 24's
// default), which the engine carries per green thread, and no async hook is enabled: what it
// changes is only what executionAsyncId() reports inside the threads of such a chain and the
// before/after callbacks they would have emitted. Enabled hooks are tracked by wrapping
// AsyncHook's enable/disable; while one is enabled, every switch goes through the hub. That
// wrapping is a process-wide change to Node's AsyncHook prototype, made at load and only on a
// Node without the binding (README, Limitations).
import { AsyncLocalStorage, AsyncResource, createHook, executionAsyncId, executionAsyncResource } from 'node:async_hooks';
import { AsyncScopeSuspendError } from '../errors';

interface AsyncWrapBinding {
  async_hook_fields: Uint32Array;
  async_id_fields: Float64Array;
  execution_async_resources: unknown[];
  constants: { kStackLength: number; kExecutionAsyncId: number; kTriggerAsyncId: number; kBefore: number; kAfter: number };
  pushAsyncContext(asyncId: number, triggerAsyncId: number): void;
  popAsyncContext(asyncId: number): boolean;
}

/** Nested scope entries set aside, innermost first: [asyncId, triggerAsyncId, resource]. */
export type SavedScopes = Array<[number, number, unknown]>;

let binding: AsyncWrapBinding | null | undefined;

/**
 * The fields of the stack's top entry, for writing it without a function call (the hub's
 * post-switch bookkeeping, which must not be able to overflow the stack halfway). Null until
 * the binding is loaded, and where it is missing.
 */
export interface ScopeTop {
  readonly ids: Float64Array;
  readonly resources: unknown[];
  readonly hooks: Uint32Array;
  readonly kExecutionAsyncId: number;
  readonly kTriggerAsyncId: number;
  readonly kStackLength: number;
}
export let scopeTop: ScopeTop | null = null;

function loadBinding(): AsyncWrapBinding | null {
  if (binding !== undefined) return binding;
  try {
    const candidate = quietly(() => (process as unknown as { binding(name: string): unknown }).binding('async_wrap')) as AsyncWrapBinding;
    binding = candidate && candidate.async_hook_fields && candidate.constants &&
      typeof candidate.pushAsyncContext === 'function' ? candidate : null;
    if (binding !== null) {
      scopeTop = {
        ids: binding.async_id_fields,
        resources: binding.execution_async_resources,
        hooks: binding.async_hook_fields,
        kExecutionAsyncId: binding.constants.kExecutionAsyncId,
        kTriggerAsyncId: binding.constants.kTriggerAsyncId,
        kStackLength: binding.constants.kStackLength,
      };
    }
  } catch {
    binding = null;
  }
  return binding;
}

/**
 * Runs `fn` with deprecation warnings off: process.binding is deprecated (DEP0111) and warns
 * on Node 20 and 22, and the access is greenthread's own business, so it must never print.
 * Node reads the flag on the real process object; under jest (and other sandboxes that copy
 * `process`) the global `process` is a copy whose prototype is the real one's, so the flag is
 * set there too, where the real process inherits it.
 */
function quietly<T>(fn: () => T): T {
  type Flagged = { noDeprecation?: boolean };
  const targets: Flagged[] = [process as Flagged];
  const proto = Object.getPrototypeOf(process) as Flagged | null;
  if (proto !== null && proto !== Object.prototype) targets.push(proto);
  const saved = targets.map((target) => ({ target, own: Object.prototype.hasOwnProperty.call(target, 'noDeprecation'), value: target.noDeprecation }));
  try {
    for (const target of targets) target.noDeprecation = true;
    return fn();
  } finally {
    for (const { target, own, value } of saved.reverse()) {
      if (own) target.noDeprecation = value;
      else delete target.noDeprecation;
    }
  }
}

// Without the binding: AsyncHooks enabled now (tracked from when this module loaded), and
// whether AsyncLocalStorage keeps its stores in AsyncContextFrame.
const enabledHooks = new Set<object>();
let sharedTopAllowed = false;

function trackEnabledHooks(): void {
  const proto = Object.getPrototypeOf(createHook({})) as { enable(): unknown; disable(): unknown };
  const { enable, disable } = proto;
  proto.enable = function enableTracked(this: object) {
    const result = enable.call(this);
    enabledHooks.add(this);
    return result;
  };
  proto.disable = function disableTracked(this: object) {
    enabledHooks.delete(this);
    return disable.call(this);
  };
}

// With AsyncContextFrame, AsyncLocalStorage#enterWith changes the frame and leaves the current
// resource alone; without it, the store is written onto the current resource.
function storesLiveInContextFrame(): boolean {
  const storage = new AsyncLocalStorage<number>();
  return new AsyncResource('greenthread-probe').runInAsyncScope(() => {
    const resource = executionAsyncResource();
    const before = Object.getOwnPropertySymbols(resource).length;
    storage.enterWith(1);
    return Object.getOwnPropertySymbols(resource).length === before;
  });
}

if (loadBinding() === null) {
  sharedTopAllowed = storesLiveInContextFrame();
  if (sharedTopAllowed) trackEnabledHooks();
}

/**
 * Whether a green thread may hand the baton straight to another without the hub: with the
 * binding, while no async hook listens for before/after callbacks (a swap of the top entry
 * skips them); without it, while stores live in AsyncContextFrame and no hook is enabled.
 */
export function canSwitchDirect(): boolean {
  const b = binding as AsyncWrapBinding | null;
  if (b !== null) return b.async_hook_fields[b.constants.kBefore] === 0 && b.async_hook_fields[b.constants.kAfter] === 0;
  return sharedTopAllowed && enabledHooks.size === 0;
}

/**
 * Makes the top entry of the async-context stack (the entry of the green thread that is giving
 * up the baton) the entry of the one taking it: as if the hub had left the first one's
 * AsyncResource scope and entered the second's, without the round trip through the hub.
 * A no-op where the binding is missing (then no thread ever switches directly).
 */
export function retargetScope(asyncId: number, triggerAsyncId: number, resource: object): void {
  const b = binding;
  if (b === null || b === undefined) return;  // no direct switches happen without the binding
  const fields = b.async_id_fields;
  fields[b.constants.kExecutionAsyncId] = asyncId;
  fields[b.constants.kTriggerAsyncId] = triggerAsyncId;
  b.execution_async_resources[b.async_hook_fields[b.constants.kStackLength] - 1] = resource;
}

/**
 * Called by a green thread about to suspend. Returns null when no nested scope is open (the
 * common case, one integer comparison), the entries it popped otherwise.
 */
export function setAsideNestedScopes(baseAsyncId: number, call: string): SavedScopes | null {
  const top = scopeTop;
  if (top !== null ? top.ids[top.kExecutionAsyncId] === baseAsyncId : executionAsyncId() === baseAsyncId) return null;
  const b = loadBinding();
  if (b === null) throw new AsyncScopeSuspendError(call);
  const { kStackLength, kExecutionAsyncId, kTriggerAsyncId } = b.constants;
  const saved: SavedScopes = [];
  while (b.async_id_fields[kExecutionAsyncId] !== baseAsyncId) {
    const depth = b.async_hook_fields[kStackLength];
    if (depth === 0) {
      // The thread's own scope is not on the stack at all: put back what we took and refuse.
      restoreNestedScopes(saved);
      throw new AsyncScopeSuspendError(call);
    }
    const asyncId = b.async_id_fields[kExecutionAsyncId];
    saved.push([asyncId, b.async_id_fields[kTriggerAsyncId], b.execution_async_resources[depth - 1]]);
    b.popAsyncContext(asyncId);
  }
  return saved;
}

/** Pushes back, outermost first, what setAsideNestedScopes popped. */
export function restoreNestedScopes(saved: SavedScopes): void {
  const b = binding as AsyncWrapBinding;
  const { kStackLength } = b.constants;
  for (let i = saved.length - 1; i >= 0; i--) {
    const [asyncId, triggerAsyncId, resource] = saved[i];
    const depth = b.async_hook_fields[kStackLength];
    b.pushAsyncContext(asyncId, triggerAsyncId);
    b.execution_async_resources[depth] = resource;
  }
}
