// Every error class greenthread throws, each documented by the misuse or event that raises it.
// One base, GreenthreadError. Each class has a fixed `name`, a default message and a `code`
// 'ERR_GREENTHREAD_...'; `instanceof` also recognises instances made by another loaded copy of
// the package (each class brands its prototype with a `Symbol.for` key, as undici does).

import { constants as osConstants } from 'node:os';

// Greenthread's own error classes and the brand their instances carry. A constructor missing
// here (a user's subclass) gets ordinary `instanceof`.
const brands = new WeakMap<object, symbol>();
const ordinaryInstanceOf = Function.prototype[Symbol.hasInstance];

/**
 * @internal Makes `cls` one of greenthread's error classes: `name` becomes its fixed `name`
 * (on the prototype) and the brand its instances carry, so that `instanceof cls` recognises
 * instances of the same class from any loaded copy of the package. Call it in the class's
 * static block: `static { brand(this, 'Name'); }`.
 */
export function brand(cls: abstract new (...args: never[]) => Error, name: string): void {
  const key = Symbol.for(`greenthread.error.${name}`);
  brands.set(cls, key);
  // Read-only and inherited: subclass instances (of any copy) carry every ancestor's brand.
  Object.defineProperty(cls.prototype, key, { get: isBranded, enumerable: false, configurable: false });
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, enumerable: false, configurable: true });
}

function isBranded(): true {
  return true;
}

/**
 * The base of every error greenthread throws (not of the TypeError/RangeError it throws for
 * bad arguments). `error instanceof GreenthreadError` is true for any of them, from any loaded
 * copy of the package; `error.code` starts with `ERR_GREENTHREAD_`.
 */
export abstract class GreenthreadError extends Error {
  static { brand(this, 'GreenthreadError'); }

  /**
   * True for instances of this class, including ones made by another loaded copy of
   * greenthread. A subclass of your own recognises only its own instances.
   */
  static override [Symbol.hasInstance](this: object, value: unknown): boolean {
    const key = brands.get(this);
    if (key === undefined) return ordinaryInstanceOf.call(this, value);
    return (typeof value === 'object' || typeof value === 'function') && value !== null &&
      (value as { [key: symbol]: unknown })[key] === true;
  }

  /** A stable identifier of the error, `'ERR_GREENTHREAD_'` followed by the kind. */
  abstract readonly code: `ERR_GREENTHREAD_${string}`;
}

/**
 * The default error of {@link GreenThread.kill}: thrown inside the killed green thread at its
 * suspension point, and by `wait()` on a thread that ended because of it. Like eventlet's
 * `GreenletExit`, it is a normal way to end and is never reported to `hub.onError`.
 */
export class GreenletExit extends GreenthreadError {
  static { brand(this, 'GreenletExit'); }
  readonly code = 'ERR_GREENTHREAD_GREENLET_EXIT';
  constructor(message = 'green thread killed') {
    super(message);
  }
}

/**
 * A call that needs the calling green thread (a blocking call like `sleep`, `wait`, `waitFor`,
 * or `new Timeout()`) was made from plain JavaScript: the event loop's own stack, a callback,
 * or an async function after its first `await`. Only a green thread can wait without stopping
 * everything else; start one with `spawn()` or `run()`, and in it block with
 * `waitFor(promise)` where async code would `await`.
 */
export class NotInGreenThreadError extends GreenthreadError {
  static { brand(this, 'NotInGreenThreadError'); }
  readonly code = 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD';
  /**
   * @param call The call that was made, e.g. `'sleep()'`.
   * @param reason Why it needs a green thread, completing "`call` ...": default `'blocks'`.
   */
  constructor(call = 'this call', reason = 'blocks') {
    super(`${call} ${reason}, so it can only be called inside a green thread; ` +
      'start one with spawn(fn) or run(fn) and call it from there. Inside an async function, ' +
      'code after `await` is no longer in the green thread: use waitFor(promise) instead of await');
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
export class ThreadLimitError extends GreenthreadError {
  static { brand(this, 'ThreadLimitError'); }
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
    this.errno = errno;
    this.errnoName = name;
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
export class AsyncScopeSuspendError extends GreenthreadError {
  static { brand(this, 'AsyncScopeSuspendError'); }
  readonly code = 'ERR_GREENTHREAD_ASYNC_SCOPE';
  constructor(call = 'this call') {
    super(`${call} cannot suspend inside AsyncResource#runInAsyncScope() on Node ` +
      `${process.versions.node}: it would corrupt Node's async-context stack. Call it outside ` +
      'the scope, or spawn a green thread inside the scope and block there');
  }
}

/**
 * A call made at a moment it cannot be: a second `Event.send()` without `reset()`, `reset()`
 * before any send, `Timeout.start()` while it is pending, and similar misuse of an object's
 * state. Fix the order of the calls the message names.
 */
export class InvalidStateError extends GreenthreadError {
  static { brand(this, 'InvalidStateError'); }
  readonly code = 'ERR_GREENTHREAD_INVALID_STATE';
  constructor(message = 'this call is not valid in the object\'s current state') {
    super(message);
  }
}

/**
 * A wait that could never return: a green thread waiting for itself (`g.wait()` or
 * `waitFor(g)` from `g`), or `GreenPool.waitAll()` from one of the pool's own members.
 */
export class DeadlockError extends GreenthreadError {
  static { brand(this, 'DeadlockError'); }
  readonly code = 'ERR_GREENTHREAD_DEADLOCK';
  constructor(message = 'this wait could never return') {
    super(message);
  }
}

/**
 * A blocking call was made where the green thread must not suspend: inside code greenthread
 * runs on the thread's behalf in the middle of an operation that cannot be interrupted (a
 * PriorityQueue `compare` function, a `vm` script run with a `timeout`, ...). The message
 * names the call and the place; move the blocking call out of it.
 */
export class SuspendNotAllowedError extends GreenthreadError {
  static { brand(this, 'SuspendNotAllowedError'); }
  readonly code = 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED';
  constructor(call = 'this call', where = 'here') {
    super(`${call} cannot suspend the green thread ${where}; move the blocking call out of it`);
  }
}

/**
 * A queue had no item to give: `get(false)` / `getNowait()` on an empty queue (with no putter
 * parked to take an item from), or `get(true, timeout)` whose timeout ran out first
 * (eventlet's `queue.Empty`).
 */
export class Empty extends GreenthreadError {
  static { brand(this, 'Empty'); }
  readonly code = 'ERR_GREENTHREAD_QUEUE_EMPTY';
  constructor(message = 'the queue is empty') {
    super(message);
  }
}

/**
 * A queue had no room for an item: `put(item, false)` / `putNowait(item)` on a full queue (or
 * on a channel, `maxsize` 0, with no getter parked to hand it to), or `put(item, true,
 * timeout)` whose timeout ran out first (eventlet's `queue.Full`).
 */
export class Full extends GreenthreadError {
  static { brand(this, 'Full'); }
  readonly code = 'ERR_GREENTHREAD_QUEUE_FULL';
  constructor(message = 'the queue is full') {
    super(message);
  }
}

/**
 * A check of greenthread's own consistency failed (checked in debug builds of the hub): a bug
 * in greenthread, not in your code. Please report it with the message and stack.
 */
export class InternalError extends GreenthreadError {
  static { brand(this, 'InternalError'); }
  readonly code = 'ERR_GREENTHREAD_INTERNAL';
  constructor(detail = 'an internal check failed') {
    super(`greenthread internal error: ${detail}; this is a bug in greenthread, please report it with this stack`);
  }
}

/**
 * A green thread was to be created while its JavaScript thread (the main thread, or a Worker
 * being terminated) is shutting down: greenthread's engine there has been torn down, so no new
 * green thread can start.
 */
export class ShuttingDownError extends GreenthreadError {
  static { brand(this, 'ShuttingDownError'); }
  readonly code = 'ERR_GREENTHREAD_SHUTTING_DOWN';
  constructor(message = 'this JavaScript thread is shutting down: no new green thread can start') {
    super(message);
  }
}

// The platforms prebuilt binaries are shipped for; package.json's `os`/`cpu` say the same.
const SUPPORTED_PLATFORMS = 'Linux x64 with Node 20, 22, 24 or 26';

/**
 * `require('greenthread')` found no native engine that loads on this Node and platform (no
 * prebuilt binary fits and none was built at install). Its message says how to build one
 * (`npm rebuild greenthread`); `cause` is the loader's own error.
 */
export class EngineLoadError extends GreenthreadError {
  static { brand(this, 'EngineLoadError'); }
  readonly code = 'ERR_GREENTHREAD_NO_ENGINE';
  /** @param cause The loader's error (node-gyp-build's "No native build was found ...", a dlopen error). */
  constructor(cause?: unknown) {
    const here = `${process.platform} ${process.arch}, Node ${process.versions.node} (ABI ${process.versions.modules})`;
    super(
      `greenthread could not load its native engine for ${here}.\n` +
      `Prebuilt binaries ship for ${SUPPORTED_PLATFORMS}; anywhere else the engine is compiled at install ` +
      'time, which needs Python 3 and a C++ compiler (node-gyp). npm 11 runs no install scripts ' +
      'unless allowed, so build it now with:\n' +
      '    npm rebuild greenthread' +
      (cause === undefined ? '' : `\n(underlying error: ${cause instanceof Error ? cause.message : String(cause)})`),
      cause === undefined ? undefined : { cause },
    );
  }
}
