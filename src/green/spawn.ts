// Starting green threads: run (the way in from promise-based code), spawn, spawnN,
// spawnAfter and spawnAfterLocal.
import { unwatch, watchForDeadlock } from './deadlock-report';
import { ErrorReporting, GreenThread } from './green-thread';
import { theHub } from '../hub/hub';
import { validateGreenFunction, validateSeconds } from '../validate';

/**
 * Starts `fn(...args)` as a new green thread at the hub's next turn; the caller keeps running.
 * Its uncaught exception (other than GreenletExit) is rethrown by `wait()` and also reported
 * to hub.onError, as eventlet prints it. Its OS thread is taken when it starts: if the OS
 * refuses one then, the thread ends with ThreadLimitError (spawn itself does not throw it).
 * @throws TypeError if `fn` is not a function, or is an async function.
 */
export function spawn<A extends unknown[], T>(fn: (...args: A) => T, ...args: A): GreenThread<T> {
  validateGreenFunction(fn, 'spawn()');
  const thread = new GreenThread<T>(fn, args, ErrorReporting.Hub);
  theHub.start(thread);
  return thread;
}

/**
 * Like {@link spawn} without a handle, the cheapest way to start a green thread. An uncaught
 * exception is reported through hub.onError (stderr by default) and the process keeps running.
 */
export function spawnN<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
  validateGreenFunction(fn, 'spawnN()');
  theHub.start(new GreenThread(fn, args, ErrorReporting.Hub));
}

/**
 * Runs `fn()` as a new green thread and returns a promise of its result: the way into green
 * threads from ordinary (async) code. The promise rejects with the thread's exception (or with
 * ThreadLimitError if no OS thread could be had); nothing else reports it. If the event loop
 * runs dry while the thread is still blocked (nothing left could wake it), a DeadlockError is
 * thrown into it at the blocking call, with the thread's stack there, so the promise rejects
 * instead of never settling.
 * @throws TypeError if `fn` is not a function, or is an async function.
 */
export function run<T>(fn: () => T): Promise<T> {
  validateGreenFunction(fn, 'run()');
  const thread = new GreenThread<T>(fn, [], ErrorReporting.None);
  try {
    theHub.start(thread);
  } catch (error) {
    return Promise.reject(error);  // the engine refused to register it: async callers expect a rejection
  }
  // Its promise is taken as awaited: blocked when the event loop runs dry, it gets a DeadlockError.
  watchForDeadlock(thread);
  return new Promise<T>((resolve, reject) => {
    thread.then((value) => { unwatch(thread); resolve(value); }, (error: unknown) => { unwatch(thread); reject(error); });
  });
}

/**
 * Starts `fn(...args)` as a green thread after `seconds`. `cancel()` (or `kill()`) before then
 * means it never runs. Its OS thread is taken when it starts (at the hub turn after the timer);
 * if the OS refuses one then, the thread ends with ThreadLimitError (reported to hub.onError).
 */
export function spawnAfter<A extends unknown[], T>(seconds: number, fn: (...args: A) => T, ...args: A): GreenThread<T> {
  const delay = validateSeconds(seconds, 'spawnAfter()');
  validateGreenFunction(fn, 'spawnAfter()');
  return startLater(delay, fn, args, null);
}

/**
 * Like {@link spawnAfter}, but dropped (never runs, `wait()` throws GreenletExit) if the
 * green thread that called it has ended by then. From plain JavaScript it is spawnAfter.
 */
export function spawnAfterLocal<A extends unknown[], T>(seconds: number, fn: (...args: A) => T, ...args: A): GreenThread<T> {
  const delay = validateSeconds(seconds, 'spawnAfterLocal()');
  validateGreenFunction(fn, 'spawnAfterLocal()');
  return startLater(delay, fn, args, theHub.current as GreenThread | null);
}

function startLater<A extends unknown[], T>(delay: number, fn: (...args: A) => T, args: A, owner: GreenThread | null): GreenThread<T> {
  const thread = new GreenThread<T>(fn, args, ErrorReporting.Hub);
  const timer = setTimeout(() => {
    thread.cancelStart = null;
    if (thread.dead) return;
    if (owner !== null && owner.dead) {
      thread.cancel();
      return;
    }
    try {
      theHub.start(thread);
    } catch (error) {
      thread.cancel(error);  // the engine refused to register it: ends it with the error (reported)
    }
  }, delay * 1000);
  thread.cancelStart = () => clearTimeout(timer);
  return thread;
}
