// tpool.execute() and friends, in process: results and cloning, errors coming back with their
// class, message, stack and properties, killed and timed-out callers (their worker terminated,
// the pool still working), 100 concurrent callers on 4 workers, other green threads running
// during a CPU-bound job, { module, export } with CommonJS and ESM, sizing, FIFO order,
// crashing workers and killall. eventlet's tests/tpool_test.py is the checklist; its Proxy
// tests have no Node counterpart (a worker shares no objects with the caller).
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  GreenPile, GreenletExit, NotInGreenThreadError, Timeout, TpoolWorkerError, sleep, spawn, tpool,
} from '../../src';
import { green, root, thrownBy } from '../helpers';

const FIXTURES = path.join(root, 'test', 'fixtures', 'tpool');
const CJS = path.join(FIXTURES, 'cjs-math.js');
const ESM = path.join(FIXTURES, 'esm-math.mjs');

// Functions sent to workers: by source, so each must be self-contained.
const threadIdOf = (): number => (require('node:worker_threads') as typeof import('node:worker_threads')).threadId;
const spinForever = (): never => { for (;;) { /* a runaway job */ } };
const busyFor = (ms: number): number => {
  const until = Date.now() + ms;
  let spins = 0;
  while (Date.now() < until) spins++;
  return spins;
};

/** Polls (green) until the pool reports `busy` busy workers. */
function waitBusy(busy: number): void {
  while (tpool.stats().busy !== busy) sleep(0.002);
}

afterEach(() => {
  tpool.killall();
  tpool.setSize(20);
});

describe('results and arguments', () => {
  test('returns the function\'s value; arguments and results are structured-cloned', async () => {
    await green(() => {
      expect(tpool.execute((a: number, b: number) => a + b, 1, 2)).toBe(3);
      const input = { map: new Map([['k', 1]]), when: new Date(0), bytes: new Uint8Array([1, 2]), big: 10n };
      const echoed = tpool.execute((value: typeof input) => value, input);
      expect(echoed).toEqual(input);
      expect(echoed).not.toBe(input);
      expect(tpool.execute(() => undefined)).toBeUndefined();
    });
  });

  test('async functions, returned promises, methods and named functions all run', async () => {
    const holder = {
      add(a: number, b: number): number { return a + b; },
      async later(x: number): Promise<number> { await new Promise((r) => setTimeout(r, 5)); return x + 1; },
    };
    function named(x: number): string { return `named ${x}`; }
    await green(() => {
      expect(tpool.execute(async (x: number) => { await new Promise((r) => setTimeout(r, 5)); return x * 2; }, 21)).toBe(42);
      expect(tpool.execute((x: number) => Promise.resolve(x), 7)).toBe(7);
      expect(tpool.execute(holder.add, 2, 3)).toBe(5);
      expect(tpool.execute(holder.later, 1)).toBe(2);
      expect(tpool.execute(named, 1)).toBe('named 1');
      expect(tpool.execute(function (this: unknown) { return this === undefined; })).toBe(true);
    });
  });

  test('the function runs on another thread, with require() available', async () => {
    await green(() => {
      expect(tpool.execute(threadIdOf)).not.toBe(threadIdOf());
      expect(tpool.execute(() => (require('node:os') as typeof import('node:os')).platform())).toBe(process.platform);
    });
  });

  test('a function that uses a variable from around it fails with ReferenceError: it is sent by source', async () => {
    const outside = 5;
    const error = await green(() => thrownBy(() => tpool.execute(() => outside)));
    expect(error).toBeInstanceOf(ReferenceError);
    expect((error as Error).message).toMatch(/outside is not defined/);
  });

  test('a non-cloneable argument throws DataCloneError at once, starting and queueing nothing', async () => {
    await green(() => {
      const now = thrownBy(() => tpool.execute((f: unknown) => f, () => 1));
      expect((now as DOMException).name).toBe('DataCloneError');
      expect(tpool.stats()).toEqual({ workers: expect.any(Number), busy: 0, queued: 0 });
      // With every worker busy the job would be queued: the argument is checked all the same.
      tpool.setSize(1);
      const busy = spawn(() => tpool.execute(busyFor, 50));
      waitBusy(1);
      const queued = thrownBy(() => tpool.execute((s: unknown) => s, Symbol('x')));
      expect((queued as DOMException).name).toBe('DataCloneError');
      expect(tpool.stats().queued).toBe(0);
      busy.wait();
    });
  });

  test('a result that cannot be cloned comes back as DataCloneError', async () => {
    const error = await green(() => thrownBy(() => tpool.execute(() => () => 1)));
    expect((error as DOMException).name).toBe('DataCloneError');
    expect((error as Error).message).toMatch(/^tpool\.execute\(\): the result could not be sent back: /);
  });
});

describe('bad calls', () => {
  test('from plain JavaScript: NotInGreenThreadError', () => {
    expect(thrownBy(() => tpool.execute(() => 1))).toBeInstanceOf(NotInGreenThreadError);
  });

  test.each([
    ['a number', 1, /fn must be a function or \{ module, export \}, got number 1/],
    ['null', null, /got null/],
    ['a plain object', {}, /got an instance of Object/],
    ['a class', class Foo {}, /fn is a class/],
    ['a bound function', ((x: number) => x).bind(null), /built-in or bound function/],
    ['a built-in', Math.max, /built-in or bound function/],
    ['a module that is not a string', { module: 1 }, /module must be a path, a URL or a package name, got number 1/],
    ['an empty module', { module: '' }, /module must be/],
    ['an export that is not a string', { module: CJS, export: 3 }, /export must be a non-empty string, got number 3/],
    ['an unknown key', { module: CJS, exports: 'x' }, /unknown key 'exports'/],
  ])('%s: TypeError', (_, fn, message) => {
    const error = thrownBy(() => (tpool.execute as (fn: unknown) => unknown)(fn));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(message);
  });
});

describe('errors thrown by the function', () => {
  test('come back with their class, message, code, and the worker\'s stack followed by the caller\'s', async () => {
    const error = await green(function callerFrame() {
      return thrownBy(() => tpool.execute(function thrower(code: string) {
        const e = new RangeError('out of range');
        (e as Error & { code?: string; detail?: unknown }).code = code;
        (e as Error & { detail?: unknown }).detail = { at: [1, 2] };
        throw e;
      }, 'E_RANGE'));
    }) as RangeError & { code: string; detail: unknown };
    expect(error).toBeInstanceOf(RangeError);
    expect(error.name).toBe('RangeError');
    expect(error.message).toBe('out of range');
    expect(error.code).toBe('E_RANGE');
    expect(error.detail).toEqual({ at: [1, 2] });
    expect(error.stack).toMatch(/^RangeError: out of range\n/);
    expect(error.stack).toMatch(/at thrower \(tpool-fn:thrower:\d+:\d+\)/);
    expect(error.stack).toMatch(/at <tpool\.execute\(\) in GreenThread#\d+[^>]*>\n[^]*callerFrame/);
  });

  test('each built-in class is itself again; another class becomes the built-in it extends, named after it', async () => {
    const results = await green(() => ({
      type: thrownBy(() => tpool.execute(() => { throw new TypeError('t'); })),
      syntax: thrownBy(() => tpool.execute(() => JSON.parse('{'))),
      custom: thrownBy(() => tpool.execute(() => { class HttpError extends Error {} throw new HttpError('404'); })),
      customType: thrownBy(() => tpool.execute(() => { class BadInput extends TypeError {} throw new BadInput('no'); })),
      renamed: thrownBy(() => tpool.execute(() => {
        class Named extends Error { constructor(m: string) { super(m); this.name = 'Renamed'; } }
        throw new Named('n');
      })),
      aggregate: thrownBy(() => tpool.execute(() => { throw new AggregateError([new Error('a'), new TypeError('b')], 'both'); })),
      cause: thrownBy(() => tpool.execute(() => { throw new Error('outer', { cause: new RangeError('inner') }); })),
    }));
    expect(results.type).toBeInstanceOf(TypeError);
    expect(results.syntax).toBeInstanceOf(SyntaxError);
    expect(results.custom).toBeInstanceOf(Error);
    expect(results.custom).toMatchObject({ name: 'HttpError', message: '404' });
    expect(results.customType).toBeInstanceOf(TypeError);
    expect(results.customType).toMatchObject({ name: 'BadInput', message: 'no' });
    expect(results.renamed).toMatchObject({ name: 'Renamed', message: 'n' });
    const aggregate = results.aggregate as AggregateError;
    expect(aggregate).toBeInstanceOf(AggregateError);
    expect(aggregate.errors.map((e: Error) => [e.constructor, e.message])).toEqual([[Error, 'a'], [TypeError, 'b']]);
    const cause = (results.cause as Error).cause as Error;
    expect(cause).toBeInstanceOf(RangeError);
    expect(cause.message).toBe('inner');
  });

  test('a system error keeps code, errno, syscall and path', async () => {
    const error = await green(() => thrownBy(() => tpool.execute(
      (file: string) => (require('node:fs') as typeof import('node:fs')).readFileSync(file), '/no/such/file')));
    expect(error).toMatchObject({ name: 'Error', code: 'ENOENT', errno: -2, syscall: 'open', path: '/no/such/file' });
  });

  test('a thrown non-error comes back as the value', async () => {
    const results = await green(() => [
      thrownBy(() => tpool.execute(() => { throw 'a string'; })),
      thrownBy(() => tpool.execute(() => { throw { status: 7 }; })),
      thrownBy(() => tpool.execute(() => Promise.reject(42))),
    ]);
    expect(results).toEqual(['a string', { status: 7 }, 42]);
  });

  test('an error named Timeout from the worker is not the caller\'s Timeout (eventlet test_eventlet_timeout)', async () => {
    const error = await green(() => thrownBy(() => tpool.execute(() => {
      class Timeout extends Error {}
      throw new Timeout('worker side');
    })));
    expect(error).toMatchObject({ name: 'Timeout', message: 'worker side' });
    expect(Timeout.isTimeout(error)).toBe(false);
  });

  test('many failing calls leave nothing behind (eventlet test_leakage_from_tracebacks)', async () => {
    await green(() => {
      for (let i = 0; i < 50; i++) expect(thrownBy(() => tpool.execute(() => { throw new Error('hi'); }))).toBeInstanceOf(Error);
    });
    expect(tpool.stats()).toEqual({ workers: 1, busy: 0, queued: 0 });
  });
});

describe('callers that stop waiting', () => {
  test('a killed caller gets GreenletExit at once; its worker is terminated and the pool still works', async () => {
    await green(() => {
      tpool.setSize(1);
      const first = tpool.execute(threadIdOf);
      const caller = spawn(() => tpool.execute(spinForever));
      waitBusy(1);
      caller.kill();
      expect(thrownBy(() => caller.wait())).toBeInstanceOf(GreenletExit);
      expect(tpool.stats()).toEqual({ workers: 0, busy: 0, queued: 0 });
      // The only slot was not left to the runaway job: a fresh worker runs the next one.
      const next = tpool.execute(threadIdOf);
      expect(next).not.toBe(first);
      expect(tpool.execute((x: number) => x + 1, 1)).toBe(2);
    });
  });

  test('a timed-out caller gets its Timeout; the worker is terminated and the pool still works (eventlet test_timeout)', async () => {
    await green(() => {
      tpool.setSize(1);
      const timeout = new Timeout(0.05);
      try {
        const error = thrownBy(() => tpool.execute(spinForever));
        expect(error).toBe(timeout);
      } finally {
        timeout.cancel();
      }
      expect(tpool.stats().workers).toBe(0);
      expect(tpool.execute(() => 'after')).toBe('after');
    });
  });

  test('a caller killed while its job is queued: the job is dropped, the others run', async () => {
    await green(() => {
      tpool.setSize(1);
      const running = spawn(() => tpool.execute(busyFor, 200));
      waitBusy(1);
      const queued = spawn(() => tpool.execute(() => 'never wanted'));
      sleep(0);
      expect(tpool.stats().queued).toBe(1);
      queued.kill();
      expect(tpool.stats().queued).toBe(0);
      expect(running.wait()).toBeGreaterThan(0);
      expect(tpool.execute(() => 'next')).toBe('next');
      expect(tpool.stats()).toEqual({ workers: 1, busy: 0, queued: 0 });
    });
  });
});

describe('concurrency', () => {
  test('100 callers from 100 green threads on a pool of 4 all get their own result', async () => {
    const { results, threads } = await green(() => {
      tpool.setSize(4);
      const callers = Array.from({ length: 100 }, (_, i) => spawn(() => tpool.execute((n: number) => {
        const { threadId } = require('node:worker_threads') as typeof import('node:worker_threads');
        return { square: n * n, threadId };
      }, i)));
      return { results: callers.map((c) => c.wait()), threads: new Set<number>() };
    });
    results.forEach((r, i) => { expect(r.square).toBe(i * i); threads.add(r.threadId); });
    expect(threads.size).toBeLessThanOrEqual(4);
    expect(tpool.stats()).toEqual({ workers: expect.any(Number), busy: 0, queued: 0 });
    expect(tpool.stats().workers).toBeLessThanOrEqual(4);
  });

  test('other green threads run while a CPU-bound job runs (eventlet test_wrap_iterator2)', async () => {
    await green(() => {
      let ticks = 0;
      let stop = false;
      const ticker = spawn(() => { while (!stop) { ticks++; sleep(0.005); } });
      sleep(0);
      // Green threads take turns only at suspensions: every tick counted between these two
      // reads happened while this thread waited for the worker.
      const before = ticks;
      const spins = tpool.execute(busyFor, 200);
      const during = ticks - before;
      stop = true;
      ticker.wait();
      expect(spins).toBeGreaterThan(0);
      expect(during).toBeGreaterThan(0);
    });
  });

  test('jobs beyond the pool size wait in FIFO order', async () => {
    const order = await green(() => {
      tpool.setSize(1);
      const done: number[] = [];
      const callers = [0, 1, 2, 3, 4].map((i) => spawn(() => { done.push(tpool.execute((n: number) => n, i)); }));
      callers.forEach((c) => c.wait());
      return done;
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test('workers start lazily, only as many as concurrent jobs need', async () => {
    await green(() => {
      expect(tpool.stats().workers).toBe(0);
      for (let i = 0; i < 3; i++) tpool.execute(() => 1);
      expect(tpool.stats().workers).toBe(1);
      const pair = [spawn(() => tpool.execute(busyFor, 20)), spawn(() => tpool.execute(busyFor, 20))];
      pair.forEach((c) => c.wait());
      expect(tpool.stats().workers).toBe(2);
    });
  });

  test('a GreenPile of callers, and senders interleaving sleeps and calls (eventlet test_contention, test_a_buncha_stuff)', async () => {
    await green(() => {
      const pile = new GreenPile<number>(4);
      for (const n of [1, 2, 3]) pile.spawn(() => tpool.execute((x: number) => x, n));
      expect([...pile].sort()).toEqual([1, 2, 3]);
      const senders = Array.from({ length: 10 }, (_, loop) => spawn(() => {
        for (let n = 0; n < 20; n++) {
          sleep(Math.random() / 500);
          const token = loop * 100 + n;
          expect(tpool.execute((when: number, t: number) => (when > 0 ? t : -1), Date.now(), token)).toBe(token);
        }
        return loop;
      }));
      expect(senders.map((s) => s.wait())).toEqual([...Array(10).keys()]);
    });
  });
});

describe('{ module, export }', () => {
  test('a CommonJS module: named exports, and module.exports as the default', async () => {
    await green(() => {
      expect(tpool.execute({ module: CJS }, 7)).toBe(49);
      expect(tpool.execute({ module: CJS, export: 'cube' }, 2)).toBe(8);
      expect(tpool.execute({ module: CJS, export: 'whereAmI' })).not.toBe(threadIdOf());
      const error = thrownBy(() => tpool.execute({ module: CJS, export: 'fails' }, 'E_FIX'));
      expect(error).toBeInstanceOf(RangeError);
      expect(error).toMatchObject({ message: 'failed with E_FIX', code: 'E_FIX' });
      expect((error as Error).stack).toContain(CJS);
    });
  });

  test('an ES module: default, named and async exports', async () => {
    await green(() => {
      expect(tpool.execute({ module: ESM }, 21)).toBe(42);
      expect(tpool.execute({ module: ESM, export: 'default' }, 1)).toBe(2);
      expect(tpool.execute({ module: ESM, export: 'slowSum' }, [1, 2, 3])).toBe(6);
      expect(tpool.execute({ module: ESM, export: 'whereAmI' })).not.toBe(threadIdOf());
    });
  });

  test('as a file URL (string or URL), a path relative to process.cwd(), or a package specifier', async () => {
    await green(() => {
      expect(tpool.execute({ module: pathToFileURL(ESM) }, 1)).toBe(2);
      expect(tpool.execute({ module: pathToFileURL(ESM).href }, 2)).toBe(4);
      const relative = './' + path.relative(process.cwd(), CJS);
      expect(tpool.execute({ module: relative }, 3)).toBe(9);
      expect(tpool.execute({ module: 'node:path', export: 'basename' }, '/a/b.txt')).toBe('b.txt');
    });
  });

  test('a missing export or module fails in the caller with a clear error', async () => {
    const [noExport, notFunction, noModule] = await green(() => [
      thrownBy(() => tpool.execute({ module: ESM, export: 'nothing' })),
      thrownBy(() => tpool.execute({ module: ESM, export: 'notAFunction' })),
      thrownBy(() => tpool.execute({ module: path.join(FIXTURES, 'missing.js') })),
    ]);
    expect(noExport).toBeInstanceOf(TypeError);
    expect((noExport as Error).message).toMatch(/has no function export "nothing" \(found undefined\)/);
    expect((notFunction as Error).message).toMatch(/has no function export "notAFunction" \(found number\)/);
    expect(noModule).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });
});

describe('size', () => {
  test('setSize sets size; bad sizes are refused', () => {
    tpool.setSize(5);
    expect(tpool.size).toBe(5);
    expect(thrownBy(() => tpool.setSize(0))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => tpool.setSize(-1))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => tpool.setSize(1.5))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => (tpool.setSize as (n: unknown) => void)('2'))).toBeInstanceOf(TypeError);
    expect(tpool.size).toBe(5);
  });

  test('growing starts workers for queued jobs; shrinking retires workers beyond the size', async () => {
    await green(() => {
      tpool.setSize(1);
      const callers = [0, 1, 2].map(() => spawn(() => tpool.execute(busyFor, 200)));
      waitBusy(1);
      expect(tpool.stats().queued).toBe(2);
      tpool.setSize(3);
      expect(tpool.stats()).toEqual({ workers: 3, busy: 3, queued: 0 });
      callers.forEach((c) => c.wait());
      tpool.setSize(1);
      expect(tpool.stats().workers).toBe(1);
      expect(tpool.execute(() => 'still works')).toBe('still works');
    });
  });
});

describe('workers that die, and killall', () => {
  test('process.exit() in the function: TpoolWorkerError with the exit code; the pool recovers', async () => {
    await green(() => {
      const error = thrownBy(() => tpool.execute(() => process.exit(7))) as TpoolWorkerError;
      expect(error).toBeInstanceOf(TpoolWorkerError);
      expect(error.exitCode).toBe(7);
      expect(error.message).toMatch(/exited \(code 7\) before the job ended/);
      expect(tpool.execute(() => 'recovered')).toBe('recovered');
    });
  });

  test('an uncaught error in a callback the function left: TpoolWorkerError whose cause is that error', async () => {
    await green(() => {
      const error = thrownBy(() => tpool.execute(() => new Promise(() => {
        setTimeout(() => { throw new TypeError('thrown from a timer'); }, 1);
      }))) as TpoolWorkerError;
      expect(error).toBeInstanceOf(TpoolWorkerError);
      expect(error.message).toMatch(/TypeError: thrown from a timer/);
      expect((error.cause as Error).message).toBe('thrown from a timer');
      expect(tpool.execute(() => 'recovered')).toBe('recovered');
    });
  });

  test('jobs queued behind a worker that dies are not lost', async () => {
    await green(() => {
      tpool.setSize(1);
      const crasher = spawn(() => thrownBy(() => tpool.execute(() => { setTimeout(() => process.exit(1), 20); return new Promise(() => {}); })));
      waitBusy(1);
      const queued = [1, 2, 3].map((n) => spawn(() => tpool.execute((x: number) => x * 10, n)));
      expect(crasher.wait()).toBeInstanceOf(TpoolWorkerError);
      expect(queued.map((q) => q.wait())).toEqual([10, 20, 30]);
    });
  });

  test('killall() fails the running and the queued jobs with TpoolWorkerError; the pool is usable after (eventlet test_killall_remaining_results)', async () => {
    await green(() => {
      tpool.setSize(1);
      const running = spawn(() => thrownBy(() => tpool.execute(busyFor, 500)));
      waitBusy(1);
      const queued = spawn(() => thrownBy(() => tpool.execute(() => 'queued')));
      sleep(0);
      tpool.killall();
      expect(tpool.stats()).toEqual({ workers: 0, busy: 0, queued: 0 });
      for (const caller of [running, queued]) {
        const error = caller.wait() as TpoolWorkerError;
        expect(error).toBeInstanceOf(TpoolWorkerError);
        expect(error.message).toMatch(/tpool\.killall\(\)/);
      }
      expect(tpool.execute(() => 'after killall')).toBe('after killall');
    });
  });

  test('killall() with nothing running, twice, is harmless (eventlet test_killall)', () => {
    tpool.killall();
    tpool.killall();
    expect(tpool.stats()).toEqual({ workers: 0, busy: 0, queued: 0 });
  });
});
