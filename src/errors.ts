// Every error class greenthread throws, each documented by the misuse or event that raises it.
// One base, GreenthreadError. Each class has a fixed `name`, a default message and a `code`
// 'ERR_GREENTHREAD_...'; `instanceof` also recognises instances made by another loaded copy of
// the package (each class brands its prototype with a `Symbol.for` key, as undici does).
// Every error greenthread makes for the user (these, and the TypeError/RangeError of bad
// arguments, made with typeError()/rangeError()) has greenthread's own frames left out of its
// stack, as Node leaves out its internals: the stack starts at the user's call.

import { readFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

// --- Stacks without greenthread's own frames. The stack is captured once, into a holder,
// with V8's own capture in the Error constructor turned off meanwhile; it is formatted and
// filtered only if it is ever read (a stack read costs microseconds, and `getNowait()` in a
// polling loop throws Empty by the thousand, unread).

// Frames captured beyond Error.stackTraceLimit, so the ones of ours left out of the stack do
// not leave the user with fewer than the limit of their own (each costs ~0.1 µs to capture).
const OWN_FRAMES_EXTRA = 4;

// What starts the location of a frame of ours in a stack line: `(` or `at ` and then
// <package>/dist/ (compiled) or <package>/src/ (ts-jest, or a stack source-mapped to the
// TypeScript), as a path or a file: URL. The trailing separator keeps /app/greenthread-demo/
// from matching /app/greenthread/. Empty (nothing hidden) unless this file sits in the dist/
// or src/ of the greenthread package: bundled into someone's app, __dirname is theirs.
const OWN_PREFIXES: readonly string[] = ownPrefixes();

function ownPrefixes(): string[] {
  try {
    const here = path.basename(__dirname);
    const root = path.dirname(__dirname);
    if (here !== 'dist' && here !== 'src') return [];
    const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name?: unknown };
    if (manifest.name !== 'greenthread') return [];
    const dirs = ['dist', 'src'].map((dir) => path.join(root, dir) + path.sep);
    const locations = [...dirs, ...dirs.map((dir) => pathToFileURL(dir).href)];
    return locations.flatMap((location) => [`(${location}`, `at ${location}`]);
  } catch {
    return [];
  }
}

/** @internal True for a stack line (`    at ...`) that is a frame of greenthread's own code. */
export function isOwnFrame(line: string): boolean {
  if (!line.startsWith('    at ')) return false;
  for (const prefix of OWN_PREFIXES) if (line.includes(prefix)) return true;
  return false;
}

/** A stack captured into a plain object, and the Error.stackTraceLimit it was captured for. */
interface RawStack {
  readonly limit: number;
  stack?: unknown;
}

// Set by stackless(): the next greenthread error constructed captures no frames.
let nextStackless = false;

/**
 * Turns V8's capture off for an error about to be constructed, and returns the
 * Error.stackTraceLimit to restore and capture with; undefined when frames are not to be hidden
 * (stack traces off, a limit that cannot be set, nothing known to hide): the error is then
 * constructed as usual. Never throws.
 */
function suspendCapture(): number | undefined {
  if (OWN_PREFIXES.length === 0) return undefined;
  try {
    const limit: unknown = Error.stackTraceLimit;
    if (typeof limit !== 'number' || !(limit > 0) || typeof Error.captureStackTrace !== 'function') return undefined;
    // A non-number makes V8 skip the capture altogether (0 would still capture and format).
    (Error as { stackTraceLimit: unknown }).stackTraceLimit = undefined;
    if (Error.stackTraceLimit === undefined) return limit;
    return undefined;
  } catch {
    return undefined;
  }
}

function restoreLimit(limit: number | undefined): void {
  if (limit === undefined) return;
  try {
    Error.stackTraceLimit = limit;
  } catch {
    // It was writable a moment ago; nothing more to do.
  }
}

/**
 * Captures the stack below `boundary` (the constructor or factory the user's code called, so
 * its frames and those above are skipped), `limit` frames and a few to spare. Never throws.
 */
function captureRaw(limit: number, boundary: Function): RawStack | undefined {
  const raw: RawStack = { limit };
  try {
    Error.stackTraceLimit = limit + OWN_FRAMES_EXTRA;
    Error.captureStackTrace(raw, boundary);
    return raw;
  } catch {
    return undefined;
  } finally {
    restoreLimit(limit);
  }
}

/**
 * `error`'s stack from a raw capture: its header (`Name: message`, read now, as V8 does when it
 * formats lazily) and the captured frames without greenthread's, at most the limit. Never throws.
 */
function formatStack(error: Error, raw: RawStack): unknown {
  try {
    const stack = raw.stack;
    if (typeof stack !== 'string') return stack;
    const lines = stack.split('\n');
    // The first line is the holder's own header ("Error", or "[object Object]" from a custom
    // Error.prepareStackTrace); frames and anything else a formatter added are kept.
    const kept: string[] = [];
    let frames = 0;
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      if (line.startsWith('    at ')) {
        if (isOwnFrame(line) || frames >= raw.limit) continue;
        frames++;
      }
      kept.push(line);
    }
    return [headerOf(error), ...kept].join('\n');
  } catch {
    return undefined;
  }
}

function headerOf(error: Error): string {
  try {
    return Error.prototype.toString.call(error);
  } catch {
    return 'Error';
  }
}

// A `stack` read or written replaces the lazy one with a plain data property (as V8's is).
function settleStack(error: object, value: unknown): void {
  try {
    Object.defineProperty(error, 'stack', { value, writable: true, enumerable: false, configurable: true });
  } catch {
    // A frozen error keeps computing it.
  }
}

// For stackless(): Error.stackTraceLimit set to 0 (a header-only stack, formatted lazily);
// returns the limit to restore, or undefined when it is not a number or cannot be set.
function zeroLimit(): number | undefined {
  try {
    const limit: unknown = Error.stackTraceLimit;
    if (typeof limit !== 'number') return undefined;
    Error.stackTraceLimit = 0;
    return limit;
  } catch {
    return undefined;
  }
}

/**
 * @internal Runs `make` (which constructs one greenthread error, e.g. `new Timeout(s)`) so that
 * the error captures no frames: for an error that never reaches the user (a timed wait's own
 * Timeout, recognised by identity and turned into a result), whose capture would be wasted.
 */
export function stackless<T>(make: () => T): T {
  nextStackless = true;
  try {
    return make();
  } finally {
    nextStackless = false;
  }
}

function builtinError<E extends Error>(ctor: new (message: string) => E, message: string, boundary: Function): E {
  const limit = suspendCapture();
  let error: E;
  try {
    error = new ctor(message);
  } finally {
    restoreLimit(limit);
  }
  if (limit === undefined) return error;
  const raw = captureRaw(limit, boundary);
  try {
    if (raw === undefined) {
      Error.captureStackTrace(error, boundary);
    } else {
      Object.defineProperty(error, 'stack', {
        get(this: E) {
          const stack = formatStack(this, raw);
          settleStack(this, stack);
          return stack;
        },
        set(this: E, value: unknown) {
          settleStack(this, value);
        },
        enumerable: false,
        configurable: true,
      });
    }
  } catch {
    // Left with the header-only stack V8 made.
  }
  return error;
}

/**
 * @internal A TypeError (for a bad argument) whose stack starts at the user's call, without
 * greenthread's frames. `throw typeError(...)` where the API would `throw new TypeError(...)`.
 */
export function typeError(message: string): TypeError {
  return builtinError(TypeError, message, typeError);
}

/** @internal A RangeError whose stack starts at the user's call (see {@link typeError}). */
export function rangeError(message: string): RangeError {
  return builtinError(RangeError, message, rangeError);
}

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
  static {
    brand(this, 'GreenthreadError');
    // Instances whose frames were captured into #rawStack have no own `stack`: this computes
    // it when first read.
    Object.defineProperty(this.prototype, 'stack', {
      get(this: GreenthreadError) {
        const raw = this.#rawStack;
        if (raw === undefined) return undefined;
        const stack = formatStack(this, raw);
        settleStack(this, stack);
        return stack;
      },
      set(this: GreenthreadError, value: unknown) {
        settleStack(this, value);
      },
      enumerable: false,
      configurable: true,
    });
  }

  #rawStack: RawStack | undefined;

  /** The message of an instance made without one (each class sets its own). */
  static readonly defaultMessage: string | undefined = undefined;

  /**
   * Makes the error; its stack starts at the user's call (greenthread's frames left out).
   * @param message The error's message; the class's `defaultMessage` when omitted.
   * @param options Standard error options (`cause`).
   */
  constructor(message?: string, options?: ErrorOptions) {
    message ??= (new.target as { defaultMessage?: string }).defaultMessage;
    // InternalError is greenthread's bug: its own frames are the point of its stack.
    const stackless = nextStackless;
    nextStackless = false;
    const limit = stackless ? zeroLimit() : new.target === InternalError ? undefined : suspendCapture();
    try {
      super(message, options);
    } finally {
      restoreLimit(limit);
    }
    if (limit === undefined || stackless) return;
    const raw = captureRaw(limit, new.target);
    if (raw === undefined) {
      try {
        Error.captureStackTrace(this, new.target);
      } catch {
        // Left with the header-only stack.
      }
      return;
    }
    try {
      delete (this as { stack?: unknown }).stack;
      this.#rawStack = raw;
    } catch {
      // Kept V8's (frameless) stack.
    }
  }

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
  static override readonly defaultMessage = 'green thread killed';
  readonly code = 'ERR_GREENTHREAD_GREENLET_EXIT';
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
   * Makes the error, its message naming the call and how to reach a green thread.
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
   * Makes the error, its message naming the limit that was hit and how to raise it.
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
  /**
   * Makes the error, its message naming the call.
   * @param call The call that was refused, e.g. `'sleep()'`.
   */
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
  static override readonly defaultMessage = 'this call is not valid in the object\'s current state';
  readonly code = 'ERR_GREENTHREAD_INVALID_STATE';
}

/**
 * A wait that could never return: a green thread waiting for itself (`g.wait()` or
 * `waitFor(g)` from `g`), or `GreenPool.waitAll()` from one of the pool's own members.
 */
export class DeadlockError extends GreenthreadError {
  static { brand(this, 'DeadlockError'); }
  static override readonly defaultMessage = 'this wait could never return';
  readonly code = 'ERR_GREENTHREAD_DEADLOCK';
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
  /**
   * Makes the error, its message naming the call and the place.
   * @param call The blocking call that was refused, e.g. `'sleep()'`.
   * @param where Where it was made, completing "cannot suspend the green thread ...".
   */
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
  static override readonly defaultMessage = 'the queue is empty';
  readonly code = 'ERR_GREENTHREAD_QUEUE_EMPTY';
}

/**
 * A queue had no room for an item: `put(item, false)` / `putNowait(item)` on a full queue (or
 * on a channel, `maxsize` 0, with no getter parked to hand it to), or `put(item, true,
 * timeout)` whose timeout ran out first (eventlet's `queue.Full`).
 */
export class Full extends GreenthreadError {
  static { brand(this, 'Full'); }
  static override readonly defaultMessage = 'the queue is full';
  readonly code = 'ERR_GREENTHREAD_QUEUE_FULL';
}

/**
 * A check of greenthread's own consistency failed (checked in debug builds of the hub): a bug
 * in greenthread, not in your code. Please report it with the message and stack.
 */
export class InternalError extends GreenthreadError {
  static { brand(this, 'InternalError'); }
  readonly code = 'ERR_GREENTHREAD_INTERNAL';
  /**
   * Makes the error, its message asking for a report.
   * @param detail Which check failed.
   */
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
  static override readonly defaultMessage = 'this JavaScript thread is shutting down: no new green thread can start';
  readonly code = 'ERR_GREENTHREAD_SHUTTING_DOWN';
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
  /**
   * Makes the error, its message saying where prebuilt binaries exist and how to build one.
   * @param cause The loader's error (node-gyp-build's "No native build was found ...", a dlopen error).
   */
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

/**
 * A socket operation (`recv`, `sendall`, `accept`, `connect`, `recvfrom`, ...) waited longer
 * than the socket's timeout, set with `setTimeout(seconds)` or the `timeout` option of
 * `connect()` (Python's `socket.timeout`). Nothing is lost: bytes that arrive later stay
 * buffered for the next read, and the socket stays usable.
 */
export class SocketTimeoutError extends GreenthreadError {
  static { brand(this, 'SocketTimeoutError'); }
  static override readonly defaultMessage = 'timed out';
  readonly code = 'ERR_GREENTHREAD_SOCKET_TIMEOUT';
}

/**
 * A second green thread tried to read (or write, or accept) on a socket that another green
 * thread is already blocked reading (writing, accepting) — eventlet's "second simultaneous
 * read". Two readers of one stream would each get an unpredictable part of it; give each
 * direction of a socket one green thread, or hand the data over through a Queue.
 */
export class SocketBusyError extends GreenthreadError {
  static { brand(this, 'SocketBusyError'); }
  static override readonly defaultMessage = 'another green thread is already blocked on this socket';
  readonly code = 'ERR_GREENTHREAD_SOCKET_BUSY';
}

/**
 * A socket (or server) was used after `close()`, or was closed by another green thread while
 * this one was blocked on it; also a socket handed to `wrapSsl`, whose connection now belongs
 * to the TLS socket that call returned.
 */
export class SocketClosedError extends GreenthreadError {
  static { brand(this, 'SocketClosedError'); }
  static override readonly defaultMessage = 'the socket is closed';
  readonly code = 'ERR_GREENTHREAD_SOCKET_CLOSED';
}

/**
 * Thrown by a connection handler of `serve()` to make `serve` return (eventlet's `StopServe`).
 * The listening socket stays open; handlers still running go on to their end.
 */
export class StopServe extends GreenthreadError {
  static { brand(this, 'StopServe'); }
  static override readonly defaultMessage = 'stop serving';
  readonly code = 'ERR_GREENTHREAD_STOP_SERVE';
}

/**
 * `http.request()` was asked to follow redirects (`maxRedirects` > 0) and could not: the server
 * redirected more than `maxRedirects` times in a row (a redirect loop, or a longer chain than
 * allowed), or a redirect cannot be followed — its `Location` is not an http(s) URL, or a 307/308
 * must send the request body again but the body was a stream or a one-shot iterator that has
 * been consumed (pass a string, Buffer or array of chunks, or follow it yourself with
 * `maxRedirects: 0`). The redirect response itself has been released.
 */
export class RedirectError extends GreenthreadError {
  static { brand(this, 'RedirectError'); }
  static override readonly defaultMessage = 'the redirect could not be followed';
  readonly code = 'ERR_GREENTHREAD_REDIRECT';
  /** The status of the redirect response that was not followed (0 when unknown). */
  readonly status: number;
  /** The URLs requested, in order, the last being the one that answered with the redirect. */
  readonly urls: readonly string[];
  /**
   * Makes the error.
   * @param message What went wrong; the default message when omitted.
   * @param status The status of the redirect that was not followed.
   * @param urls The URLs requested so far, in order.
   */
  constructor(message?: string, status = 0, urls: readonly string[] = []) {
    super(message);
    this.status = status;
    this.urls = urls;
  }
}

/**
 * The worker thread running a `tpool.execute()` job ended before the job did: the job ended
 * it (`process.exit()` in the function, an error thrown where nothing catches it such as in a
 * timer callback it left, the worker running out of memory), or `tpool.killall()` terminated
 * it. The caller's green thread gets this error; the pool replaces the worker when a job needs
 * one. `cause` is the worker's own error, when it had one.
 */
export class TpoolWorkerError extends GreenthreadError {
  static { brand(this, 'TpoolWorkerError'); }
  static override readonly defaultMessage = 'the tpool worker thread running this job ended before the job did';
  readonly code = 'ERR_GREENTHREAD_TPOOL_WORKER';
  /** The worker's exit code, once it has exited; undefined while unknown (e.g. killed by killall). */
  readonly exitCode: number | undefined;
  /**
   * Makes the error.
   * @param message What happened to the worker; the default message when omitted.
   * @param exitCode The worker's exit code, when known.
   * @param options Standard error options (`cause`: the worker's own error).
   */
  constructor(message?: string, exitCode?: number, options?: ErrorOptions) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
