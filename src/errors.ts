// Every error class greenthread throws, each documented by the misuse or event that raises
// it. Each has a fixed `name` and `code`; `instanceof` also recognises instances made by
// another loaded copy of the package (they share the `Symbol.for` brand).

import { constants as osConstants } from 'node:os';

const brand = Symbol.for('greenthread.error');

/**
 * @internal The `static [Symbol.hasInstance]` of a greenthread error class: true for the class's
 * own instances and for any error branded with `name` by {@link setBrand}, whichever loaded copy
 * of the package made it.
 */
export function branded(name: string): (this: unknown, value: unknown) => boolean {
  return function hasInstance(this: unknown, value: unknown): boolean {
    if (typeof this === 'function' && Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    // A user's subclass inherits this method: it recognises only its own instances.
    if (typeof this !== 'function' || this.name !== name) return false;
    const tag = (value as { [brand]?: readonly string[] } | null | undefined)?.[brand];
    return Array.isArray(tag) && tag.includes(name);
  };
}

/** @internal Brands `error` with the class names it answers `instanceof` for (see {@link branded}). */
export function setBrand(error: Error, names: readonly string[]): void {
  Object.defineProperty(error, brand, { value: names, enumerable: false });
}

/**
 * The default error of {@link GreenThread.kill}: thrown inside the killed green thread at its
 * suspension point, and by `wait()` on a thread that ended because of it. Like eventlet's
 * `GreenletExit`, it is a normal way to end and is never reported to `hub.onError`.
 */
export class GreenletExit extends Error {
  static override [Symbol.hasInstance] = branded('GreenletExit');
  readonly code = 'ERR_GREENLET_EXIT';
  constructor(message = 'green thread killed') {
    super(message);
    this.name = 'GreenletExit';
    setBrand(this, ['GreenletExit']);
  }
}

/**
 * A call that can block (`sleep`, `wait`, `waitFor`, ...) was made from plain JavaScript: the
 * event loop's own stack, a callback or an async function. Only a green thread can wait
 * without stopping everything else; start one with `spawn()` or `run()`.
 */
export class NotInGreenThreadError extends Error {
  static override [Symbol.hasInstance] = branded('NotInGreenThreadError');
  readonly code = 'ERR_NOT_IN_GREEN_THREAD';
  constructor(call = 'this call') {
    super(`${call} blocks, so it can only be called inside a green thread; ` +
      'start one with spawn(fn) or run(fn) and call it from there');
    this.name = 'NotInGreenThreadError';
    setBrand(this, ['NotInGreenThreadError']);
  }
}

/**
 * The operating system refused a thread for a new green thread: every live green thread owns
 * an OS thread, and the kernel caps them (`ulimit -u`, `/proc/sys/kernel/threads-max`,
 * `pid_max`, a cgroup's `pids.max`: EAGAIN) or memory for their stacks ran out (`ulimit -v`,
 * `vm.max_map_count`: ENOMEM). `spawn` itself does not throw it: the thread ends with it when
 * it would have started (its `wait()` throws it, `run()` rejects with it, and a spawn/spawnN
 * thread reports it to `hub.onError`, once per burst: further refusals of the same burst are
 * reported as one summary with their count). Its stack shows where the thread was spawned
 * when that was recorded: once the OS has refused a thread in this process, or while
 * `hub.captureStacks(true)` is on.
 */
export class ThreadLimitError extends Error {
  static override [Symbol.hasInstance] = branded('ThreadLimitError');
  readonly code = 'ERR_GREENTHREAD_THREAD_LIMIT';
  /** The OS error number (e.g. 11, EAGAIN). */
  readonly errno: number | undefined;
  /** Its symbolic name ('EAGAIN', 'ENOMEM', ...), when known. */
  readonly errnoName: string | undefined;
  /**
   * @param errno The OS error number.
   * @param live Green threads alive when it happened.
   * @param more For a burst's summary: how many more threads were refused after the first.
   */
  constructor(errno?: number, live?: number, more?: number) {
    const name = errnoName(errno);
    const what = more === undefined ? 'cannot start another green thread' : `... and ${more} more green thread${more === 1 ? '' : 's'} could not start`;
    const facts = [name ?? (errno === undefined ? undefined : `errno ${errno}`), live === undefined ? undefined : `${live} green threads alive`]
      .filter((fact) => fact !== undefined).join(', ');
    super(`${what}: the operating system refused a new thread${facts === '' ? '' : ` (${facts})`}. ` +
      'Every live green thread needs an OS thread. ' + threadLimitAdvice(name));
    this.name = 'ThreadLimitError';
    this.errno = errno;
    this.errnoName = name;
    setBrand(this, ['ThreadLimitError']);
  }
}

// os.constants.errno reverse lookup: 11 → 'EAGAIN'.
function errnoName(errno: number | undefined): string | undefined {
  if (errno === undefined) return undefined;
  for (const [name, value] of Object.entries(osConstants.errno)) if (value === errno) return name;
  return undefined;
}

function threadLimitAdvice(name: string | undefined): string {
  const smallerStacks = 'give each a smaller stack with configure({ stackSize })';
  const fewer = 'or run fewer at once (a GreenPool caps them)';
  if (name === 'ENOMEM') {
    return `Memory for thread stacks ran out: ${smallerStacks}, raise the address-space limit ` +
      `(\`ulimit -v\`) or vm.max_map_count (/proc/sys/vm/max_map_count), ${fewer}.`;
  }
  if (name === 'EAGAIN') {
    // glibc's pthread_create also says EAGAIN when the stack cannot be mapped.
    return 'A limit on threads was hit (raise `ulimit -u`, /proc/sys/kernel/threads-max, ' +
      "/proc/sys/kernel/pid_max or the cgroup's pids.max) or on memory for their stacks (the " +
      `address space, \`ulimit -v\`, or vm.max_map_count: ${smallerStacks}); ${fewer}.`;
  }
  return `See the kernel's thread limits (\`ulimit -u\`, /proc/sys/kernel/threads-max, \`ulimit -v\`); ${smallerStacks}, ${fewer}.`;
}

/**
 * A green thread tried to suspend inside `AsyncResource#runInAsyncScope()` (what
 * `AsyncResource.bind` and `EventEmitterAsyncResource` listeners use) on a Node version that
 * gives no way to set Node's async-context stack aside. Suspending there would corrupt that
 * stack and abort the process, so the suspension is refused instead: call the blocking
 * function outside the scope, or from a green thread spawned inside it.
 */
export class AsyncScopeSuspendError extends Error {
  static override [Symbol.hasInstance] = branded('AsyncScopeSuspendError');
  readonly code = 'ERR_GREENTHREAD_ASYNC_SCOPE';
  constructor(call = 'this call') {
    super(`${call} cannot suspend inside AsyncResource#runInAsyncScope() on Node ` +
      `${process.versions.node}: it would corrupt Node's async-context stack. Call it outside ` +
      'the scope, or spawn a green thread inside the scope and block there');
    this.name = 'AsyncScopeSuspendError';
    setBrand(this, ['AsyncScopeSuspendError']);
  }
}

/**
 * A call made at a moment it cannot be: a second `Event.send()` without `reset()`, `reset()`
 * before any send, `Timeout.start()` while it is pending, and similar misuse of an object's
 * state. Fix the order of the calls the message names.
 */
export class InvalidStateError extends Error {
  static override [Symbol.hasInstance] = branded('InvalidStateError');
  readonly code = 'ERR_GREENTHREAD_INVALID_STATE';
  constructor(message = 'this call is not valid in the object\'s current state') {
    super(message);
    this.name = 'InvalidStateError';
    setBrand(this, ['InvalidStateError']);
  }
}

/**
 * A wait that could never return: a green thread waiting for itself (`g.wait()` or
 * `waitFor(g)` from `g`), or `GreenPool.waitAll()` from one of the pool's own members.
 */
export class DeadlockError extends Error {
  static override [Symbol.hasInstance] = branded('DeadlockError');
  readonly code = 'ERR_GREENTHREAD_DEADLOCK';
  constructor(message = 'this wait could never return') {
    super(message);
    this.name = 'DeadlockError';
    setBrand(this, ['DeadlockError']);
  }
}

/**
 * A blocking call was made where the green thread must not suspend: inside code greenthread
 * runs on the thread's behalf in the middle of an operation that cannot be interrupted (a
 * PriorityQueue `compare` function, a `vm` script run with a `timeout`, ...). The message
 * names the call and the place; move the blocking call out of it.
 */
export class SuspendNotAllowedError extends Error {
  static override [Symbol.hasInstance] = branded('SuspendNotAllowedError');
  readonly code = 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED';
  constructor(call = 'this call', where = 'here') {
    super(`${call} cannot suspend the green thread ${where}; move the blocking call out of it`);
    this.name = 'SuspendNotAllowedError';
    setBrand(this, ['SuspendNotAllowedError']);
  }
}
