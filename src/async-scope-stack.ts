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
import { executionAsyncId } from 'node:async_hooks';
import { AsyncScopeSuspendError } from './errors';

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
  const quiet = process.noDeprecation;
  try {
    // process.binding is deprecated (DEP0111) and warns on Node 22; the access is internal to
    // greenthread and happens only when a nested scope is actually set aside, so keep it quiet.
    process.noDeprecation = true;
    const candidate = (process as unknown as { binding(name: string): unknown }).binding('async_wrap') as AsyncWrapBinding;
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
  } finally {
    process.noDeprecation = quiet;
  }
  return binding;
}

/**
 * Whether the top entry of the async-context stack can be swapped from one green thread's
 * resource to another's (see {@link retargetScope}): the stack's fields are reachable and no
 * async hook listens for before/after callbacks, which a swap would skip.
 */
export function canRetargetScope(): boolean {
  const b = binding === undefined ? loadBinding() : binding;
  if (b === null) return false;
  return b.async_hook_fields[b.constants.kBefore] === 0 && b.async_hook_fields[b.constants.kAfter] === 0;
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
