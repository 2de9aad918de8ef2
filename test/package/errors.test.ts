// Every error class, in one table: its name, code, default message, instanceof (own class,
// GreenthreadError, Error, and across two loaded copies of the package), its export from the
// package root; and misuse of an object's state throws a named class, never a bare Error.
import * as gt from '../../src';
import * as errors from '../../src/errors';
import {
  DeadlockError, Event, GreenPool, GreenletExit, GreenthreadError, InvalidStateError, NotInGreenThreadError, Timeout,
} from '../../src';
import { captureReported, green, thrownBy } from '../helpers';

type AnyClass = abstract new (...args: never[]) => Error;
type Constructible = new () => Error;

// Every concrete error class and its code. A class added to errors.ts without a row here fails
// 'the table lists every class' below.
const codes: Record<string, string> = {
  GreenletExit: 'ERR_GREENTHREAD_GREENLET_EXIT',
  NotInGreenThreadError: 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD',
  ThreadLimitError: 'ERR_GREENTHREAD_THREAD_LIMIT',
  AsyncScopeSuspendError: 'ERR_GREENTHREAD_ASYNC_SCOPE',
  InvalidStateError: 'ERR_GREENTHREAD_INVALID_STATE',
  DeadlockError: 'ERR_GREENTHREAD_DEADLOCK',
  SuspendNotAllowedError: 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED',
  Empty: 'ERR_GREENTHREAD_QUEUE_EMPTY',
  Full: 'ERR_GREENTHREAD_QUEUE_FULL',
  InternalError: 'ERR_GREENTHREAD_INTERNAL',
  ShuttingDownError: 'ERR_GREENTHREAD_SHUTTING_DOWN',
  EngineLoadError: 'ERR_GREENTHREAD_NO_ENGINE',
  SocketTimeoutError: 'ERR_GREENTHREAD_SOCKET_TIMEOUT',
  SocketBusyError: 'ERR_GREENTHREAD_SOCKET_BUSY',
  SocketClosedError: 'ERR_GREENTHREAD_SOCKET_CLOSED',
  StopServe: 'ERR_GREENTHREAD_STOP_SERVE',
  TpoolWorkerError: 'ERR_GREENTHREAD_TPOOL_WORKER',
  RedirectError: 'ERR_GREENTHREAD_REDIRECT',
  Timeout: 'ERR_GREENTHREAD_TIMEOUT',
};

function isErrorClass(value: unknown): value is AnyClass {
  return typeof value === 'function' && value.prototype instanceof Error;
}

function errorClassesOf(module: object): string[] {
  return Object.entries(module).filter(([, value]) => isErrorClass(value)).map(([name]) => name).sort();
}

// A default instance of each class, made by `api`'s copy of the package in one of its green
// threads (Timeout must be made in one).
async function makeAll(api: typeof gt): Promise<Record<string, Error>> {
  return api.run(() => Object.fromEntries(Object.keys(codes).map((name) => {
    const error = new (api as unknown as Record<string, Constructible>)[name]();
    if (error instanceof api.Timeout) error.cancel();
    return [name, error];
  })));
}

describe('every error class', () => {
  test('the table lists every class of errors.ts (plus Timeout), and the package root exports exactly those', () => {
    const inErrorsFile = errorClassesOf(errors);
    expect(inErrorsFile).toContain('GreenthreadError');
    expect([...inErrorsFile.filter((name) => name !== 'GreenthreadError'), 'Timeout'].sort()).toEqual(Object.keys(codes).sort());
    expect(errorClassesOf(gt)).toEqual([...inErrorsFile, 'Timeout'].sort());
    for (const name of inErrorsFile) expect((gt as unknown as Record<string, unknown>)[name]).toBe((errors as Record<string, unknown>)[name]);
  });

  let instances: Record<string, Error>;
  beforeAll(async () => { instances = await makeAll(gt); });

  test.each(Object.entries(codes))('%s: name, code, default message, instanceof', (name, code) => {
    const cls = (gt as unknown as Record<string, AnyClass>)[name];
    const error = instances[name];
    expect(error.name).toBe(name);
    expect((error as GreenthreadError).code).toBe(code);
    expect(code).toMatch(/^ERR_GREENTHREAD_[A-Z_]+$/);
    expect(error.message).toEqual(expect.any(String));
    expect(error.message.length).toBeGreaterThan(0);
    expect(error.stack).toContain(`${name}: ${error.message.split('\n')[0]}`);
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(GreenthreadError);
    expect(error).toBeInstanceOf(Error);
    // No other greenthread class claims it.
    for (const other of Object.keys(codes)) {
      if (other !== name) expect(error instanceof (gt as unknown as Record<string, AnyClass>)[other]).toBe(false);
    }
    // name and code are not own enumerable clutter for name; code is listed like Node's codes.
    expect(Object.keys(error)).toContain('code');
    expect(Object.keys(error)).not.toContain('name');
  });

  test('the codes are unique', () => {
    expect(new Set(Object.values(codes)).size).toBe(Object.keys(codes).length);
  });

  test('instanceof recognises instances made by another loaded copy of the package, both ways', async () => {
    let other!: typeof gt;
    jest.isolateModules(() => {
      other = require('../../src') as typeof gt;  // a second copy: its own classes and hub
    });
    expect(other.Empty).not.toBe(gt.Empty);
    expect(other.GreenthreadError).not.toBe(GreenthreadError);
    const foreign = await makeAll(other);
    for (const name of Object.keys(codes)) {
      const mine = (gt as unknown as Record<string, AnyClass>)[name];
      const theirs = (other as unknown as Record<string, AnyClass>)[name];
      expect([name, foreign[name] instanceof mine]).toEqual([name, true]);
      expect([name, instances[name] instanceof theirs]).toEqual([name, true]);
      expect([name, foreign[name] instanceof GreenthreadError]).toEqual([name, true]);
      expect([name, instances[name] instanceof other.GreenthreadError]).toEqual([name, true]);
      expect([name, foreign[name] instanceof gt.InternalError]).toEqual([name, name === 'InternalError']);
    }
    expect(Timeout.isTimeout(foreign.Timeout)).toBe(true);
    expect(other.Timeout.isTimeout(instances.Timeout)).toBe(true);
  });

  test('look-alikes are not instances', () => {
    const fakes = [new Error('x'), { name: 'Empty', code: 'ERR_GREENTHREAD_QUEUE_EMPTY' }, Object.create(null), null, undefined, 'Empty', 1];
    for (const fake of fakes) {
      expect(fake instanceof gt.Empty).toBe(false);
      expect(fake instanceof GreenthreadError).toBe(false);
    }
  });

  test('a subclass of your own recognises only its own instances, and its instances are its ancestors\'', () => {
    class MyExit extends GreenletExit {}
    class OtherExit extends GreenletExit {}
    const mine = new MyExit('bye');
    expect(mine).toBeInstanceOf(MyExit);
    expect(mine).toBeInstanceOf(GreenletExit);
    expect(mine).toBeInstanceOf(GreenthreadError);
    expect(mine.name).toBe('GreenletExit');
    expect(mine.code).toBe('ERR_GREENTHREAD_GREENLET_EXIT');
    expect(new GreenletExit()).not.toBeInstanceOf(MyExit);
    expect(new OtherExit()).not.toBeInstanceOf(MyExit);
    class Named extends InvalidStateError {
      override name = 'Named';
    }
    expect(new Named().name).toBe('Named');
    expect(new Named()).toBeInstanceOf(InvalidStateError);
  });
});

describe('misuse throws a named class, never a bare Error', () => {
  const reported = captureReported();

  test('a second Event.send() and a reset() before any send: InvalidStateError', () => {
    const event = new Event<number>();
    const early = thrownBy(() => event.reset());
    expect(early).toBeInstanceOf(InvalidStateError);
    expect((early as Error).message).toMatch(/Event\.reset\(\): this Event has not been sent/);
    event.send(1);
    for (const second of [() => event.send(2), () => event.sendException(new Error('x'))]) {
      const error = thrownBy(second);
      expect(error).toBeInstanceOf(InvalidStateError);
      expect((error as InvalidStateError).code).toBe('ERR_GREENTHREAD_INVALID_STATE');
      expect((error as Error).message).toMatch(/already been sent; call reset\(\)/);
    }
  });

  test('Timeout.start() while pending: InvalidStateError', async () => {
    await green(() => {
      const t = new Timeout(10);
      try {
        const error = thrownBy(() => t.start());
        expect(error).toBeInstanceOf(InvalidStateError);
        expect((error as Error).message).toMatch(/Timeout\.start\(\): this Timeout is already pending/);
      } finally {
        t.cancel();
      }
    });
  });

  test('GreenPool.waitAll() from one of its own members: DeadlockError', async () => {
    await green(() => {
      const pool = new GreenPool();
      const member = pool.spawn(() => pool.waitAll());
      const error = thrownBy(() => member.wait());
      expect(error).toBeInstanceOf(DeadlockError);
      expect((error as DeadlockError).code).toBe('ERR_GREENTHREAD_DEADLOCK');
    });
    expect(reported).toEqual([expect.any(DeadlockError)]);
  });

  test('new Timeout() outside a green thread does not claim that it blocks', () => {
    const error = thrownBy(() => new Timeout(1));
    expect(error).toBeInstanceOf(NotInGreenThreadError);
    expect((error as Error).message).toMatch(/^new Timeout\(\) /);
    expect((error as Error).message).not.toMatch(/blocks/);
  });

  test('NotInGreenThreadError explains what async code should do instead', () => {
    const error = thrownBy(() => gt.sleep(0));
    expect(error).toBeInstanceOf(NotInGreenThreadError);
    expect((error as Error).message).toMatch(/sleep\(\) blocks, so it can only be called inside a green thread/);
    expect((error as Error).message).toMatch(/after `await`.*use waitFor\(promise\) instead of await/);
  });
});
