// AbortSignals on blocking calls: `{ signal }` on every call that waits, timeoutSignal(), and a
// thread's own `signal` (aborted by kill). Aborting throws the signal's reason in the waiting
// thread and leaves the primitive as a timeout would (nothing handed over is lost); an
// already-aborted signal throws at once without suspending; listeners never pile up.
import { getEventListeners } from 'node:events';
import {
  BoundedSemaphore, CappedSemaphore, Event, GreenletExit, LifoQueue, LightQueue, NotInGreenThreadError, PriorityQueue,
  Queue, Semaphore, Timeout, getCurrent, sleep, spawn, timeoutSignal, waitFor, withTimeout,
} from '../../src';
import { PKG, captureReported, green, runChild, stallEventLoop, thrownBy } from '../helpers';

const LONG = 10;  // a wait that would outlast any test

const reported = captureReported();

function listeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length;
}

// Every blocking call, started with `signal` so that it blocks (nothing ever arrives).
interface BlockingCase {
  name: string;
  call: (signal: AbortSignal) => unknown;
}

function blockingCases(): BlockingCase[] {
  const never = new Event();
  const full = new Queue<number>(1);
  full.put(0);
  const joined = new Queue<number>();
  joined.put(1);
  return [
    { name: 'sleep()', call: (signal) => sleep(LONG, { signal }) },
    { name: 'sleep(0)', call: (signal) => { sleep(0, { signal }); sleep(LONG, { signal }); } },
    { name: 'Queue.get()', call: (signal) => new Queue().get({ signal }) },
    { name: 'Queue.get() with a timeout', call: (signal) => new Queue().get({ timeout: LONG, signal }) },
    { name: 'LightQueue.get()', call: (signal) => new LightQueue().get({ signal }) },
    { name: 'PriorityQueue.get()', call: (signal) => new PriorityQueue().get({ signal }) },
    { name: 'LifoQueue.get()', call: (signal) => new LifoQueue().get({ signal }) },
    { name: 'Queue.put()', call: (signal) => full.put(1, { signal }) },
    { name: 'channel put()', call: (signal) => new LightQueue(0).put(1, { signal }) },
    { name: 'Queue.join()', call: (signal) => joined.join({ signal }) },
    { name: 'Event.wait()', call: (signal) => never.wait({ signal }) },
    { name: 'Event.wait() with a timeout', call: (signal) => never.wait({ signal, timeout: LONG }) },
    { name: 'Semaphore.acquire()', call: (signal) => new Semaphore(0).acquire({ signal }) },
    { name: 'Semaphore.hold()', call: (signal) => new Semaphore(0).hold({ signal }) },
    { name: 'BoundedSemaphore.acquire()', call: (signal) => new BoundedSemaphore(0).acquire({ signal, timeout: LONG }) },
    { name: 'CappedSemaphore.acquire()', call: (signal) => new CappedSemaphore(0, 1).acquire({ signal }) },
    { name: 'CappedSemaphore.release()', call: (signal) => new CappedSemaphore(1, 1).release({ signal }) },
    { name: 'GreenThread.wait()', call: (signal) => {
      const other = spawn(() => sleep(LONG));
      try { return other.wait({ signal }); } finally { other.kill(); }
    } },
    { name: 'waitFor(promise)', call: (signal) => waitFor(new Promise(() => {}), { signal }) },
    { name: 'waitFor(factory)', call: (signal) => waitFor(() => new Promise(() => {}), { signal }) },
  ];
}

describe('aborting a blocking call', () => {
  test.each(blockingCases())('$name throws the reason in the waiting thread and removes its listener', async ({ call }) => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const g = spawn(() => thrownBy(() => call(controller.signal)));
    await green(() => {
      sleep(0.01);
      expect(listeners(controller.signal)).toBe(1);
      controller.abort(reason);
    });
    expect(await g).toBe(reason);
    expect(listeners(controller.signal)).toBe(0);
  });

  test.each(blockingCases())('$name with an already-aborted signal throws at once without suspending', async ({ call }) => {
    const reason = new Error('already');
    const signal = AbortSignal.abort(reason);
    await green(() => {
      let ran = false;
      const other = spawn(() => { ran = true; });
      expect(thrownBy(() => call(signal))).toBe(reason);
      expect(ran).toBe(false);  // no suspension: the other thread has not had a turn
      other.wait();
    });
  });

  test('a call that gets what it waits for removes its listener and never throws the reason later', async () => {
    const controller = new AbortController();
    const q = new Queue<number>();
    const g = spawn(() => {
      const got = q.get({ signal: controller.signal });
      sleep(0.01);
      return got;
    });
    await green(() => {
      sleep(0.001);
      q.put(7);
      sleep(0.001);
      controller.abort(new Error('after the call'));
    });
    expect(await g).toBe(7);
    expect(listeners(controller.signal)).toBe(0);
  });

  test('from plain JavaScript: an aborted signal throws; one that is not changes nothing', () => {
    const q = new Queue<number>();
    q.put(1);
    const reason = new Error('x');
    expect(thrownBy(() => q.get({ signal: AbortSignal.abort(reason) }))).toBe(reason);
    expect(q.qsize()).toBe(1);
    const signal = new AbortController().signal;
    expect(q.get({ signal })).toBe(1);
    expect(listeners(signal)).toBe(0);
    expect(() => q.get({ signal })).toThrow(NotInGreenThreadError);
    expect(new Semaphore(1).acquire({ signal })).toBe(true);
    expect(new Semaphore(0).acquire({ blocking: false, signal })).toBe(false);
  });

  test('the reason may be any value, and a plain abort() throws the DOMException AbortError', async () => {
    await green(() => {
      const a = new AbortController();
      spawn(() => a.abort('just a string'));
      expect(thrownBy(() => sleep(LONG, { signal: a.signal }))).toBe('just a string');
      const b = new AbortController();
      spawn(() => b.abort());
      const error = thrownBy(() => new Event().wait({ signal: b.signal })) as Error;
      expect(error.name).toBe('AbortError');
      expect(error).toBe(b.signal.reason);
    });
  });

  test('AbortSignal.timeout() and AbortSignal.any() work as signals', async () => {
    await green(() => {
      const error = thrownBy(() => sleep(LONG, { signal: AbortSignal.timeout(10) })) as Error;
      expect(error.name).toBe('TimeoutError');
      const a = new AbortController();
      spawn(() => a.abort(new Error('a')));
      expect((thrownBy(() => new Queue().get({ signal: AbortSignal.any([a.signal, new AbortController().signal]) })) as Error).message).toBe('a');
    });
  });
});

describe('bad signals and options', () => {
  const notSignals: unknown[] = [null, 42, 'signal', {}, { aborted: false }, new AbortController()];
  test.each([
    ['sleep()', (s: unknown) => sleep(0, { signal: s as AbortSignal })],
    ['Queue.get()', (s: unknown) => new Queue().get({ signal: s as AbortSignal })],
    ['Queue.put()', (s: unknown) => new Queue().put(1, { signal: s as AbortSignal })],
    ['LifoQueue.get()', (s: unknown) => new LifoQueue().get({ signal: s as AbortSignal })],
    ['Event.wait()', (s: unknown) => new Event().wait({ signal: s as AbortSignal })],
    ['Semaphore.acquire()', (s: unknown) => new Semaphore().acquire({ signal: s as AbortSignal })],
    ['BoundedSemaphore.hold()', (s: unknown) => new BoundedSemaphore().hold({ signal: s as AbortSignal })],
    ['CappedSemaphore.release()', (s: unknown) => new CappedSemaphore(0, 1).release({ signal: s as AbortSignal })],
    ['GreenThread.wait()', (s: unknown) => (getCurrent() as NonNullable<ReturnType<typeof getCurrent>>).wait({ signal: s as AbortSignal })],
    ['waitFor()', (s: unknown) => waitFor(Promise.resolve(1), { signal: s as AbortSignal })],
  ])('%s: a signal that is not an AbortSignal is a TypeError naming the call', async (name, call) => {
    await green(() => {
      for (const bad of notSignals) {
        const error = thrownBy(() => call(bad)) as Error;
        expect(error).toBeInstanceOf(TypeError);
        expect(error.message).toContain(`${name}: options.signal must be an AbortSignal`);
      }
      expect(() => call(new AbortController())).toThrow(/got an instance of AbortController \(pass controller\.signal, not the controller\)$/);
    });
  });

  test('unknown option keys, and an options object followed by another argument, are TypeErrors', async () => {
    await green(() => {
      expect(() => sleep(0, { sigmal: 1 } as never)).toThrow(/sleep\(\): unknown option 'sigmal'/);
      expect(() => new Queue().get({ blocking: false } as never)).toThrow(/Queue\.get\(\): unknown option 'blocking'/);
      expect(() => new Semaphore().acquire({ block: false } as never)).toThrow(/Semaphore\.acquire\(\): unknown option 'block'/);
      expect(() => (new Queue().get as (...args: unknown[]) => unknown)({ block: false }, 1)).toThrow(/give the timeout in it/);
      expect(() => new Queue().get({ block: 'no' as never })).toThrow(/block must be a boolean/);
      expect(() => new Semaphore(0).acquire({ blocking: false, timeout: 1 })).toThrow(/timeout cannot be given for a non-blocking call/);
    });
  });

  test('the options objects do what the positional arguments do', async () => {
    await green(() => {
      const q = new Queue<number>(1);
      expect(() => q.get({ block: false })).toThrow('Queue is empty');
      expect(() => q.get({ timeout: 0.001 })).toThrow(/timed out after 0.001 s/);
      q.put(1, { block: false });
      expect(() => q.put(2, { block: false })).toThrow(/full/);
      expect(() => q.put(2, { timeout: 0.001 })).toThrow(/timed out/);
      expect(q.get({})).toBe(1);
      const sem = new Semaphore(0);
      expect(sem.acquire({ blocking: false })).toBe(false);
      expect(sem.acquire({ timeout: 0.001 })).toBe(false);
      const ev = new Event<number>();
      expect(ev.wait({ timeout: 0.001 })).toBeUndefined();
      ev.send(3);
      expect(ev.wait({})).toBe(3);
      const capped = new CappedSemaphore(1, 1);
      expect(capped.release({ blocking: false })).toBe(false);
      expect(capped.acquire({ timeout: 1 })).toBe(true);
    });
  });
});

describe('the primitive stays consistent', () => {
  test('Queue.get: an item handed over just before the abort is returned, not lost', async () => {
    const q = new Queue<string>();
    const controller = new AbortController();
    const g = spawn(() => q.get({ signal: controller.signal }));
    await green(() => {
      sleep(0.001);
      q.put('item');            // handed to g, which has not run yet
      controller.abort(new Error('late'));
    });
    expect(await g).toBe('item');
    expect(q.qsize()).toBe(0);
    expect(q.getting()).toBe(0);
  });

  test('Queue.get: a getter aborted before anything came leaves; the next put is kept for the next getter', async () => {
    const q = new LightQueue<string>();
    const controller = new AbortController();
    await green(() => {
      const a = spawn(() => thrownBy(() => q.get({ signal: controller.signal })));
      const b = spawn(() => q.get());
      sleep(0.001);
      expect(q.getting()).toBe(2);
      controller.abort(new Error('gone'));
      q.put('x');               // a left the line: b gets it
      expect((a.wait() as Error).message).toBe('gone');
      expect(b.wait()).toBe('x');
      q.put('y');
      expect(q.qsize()).toBe(1);
    });
  });

  test('Queue.get: an item handed over and then cut short by a kill goes back, even with a signal', async () => {
    const q = new Queue<string>();
    const controller = new AbortController();
    const g = spawn(() => thrownBy(() => q.get({ signal: controller.signal })));
    await green(() => {
      sleep(0.001);
      q.put('item');
      g.kill();
      controller.abort(new Error('after the kill'));
      expect(g.wait()).toBeInstanceOf(GreenletExit);
    });
    expect(q.qsize()).toBe(1);
    expect(q.getNowait()).toBe('item');
  });

  test('Queue.put: an aborted putter leaves without its item; one accepted just before the abort returns normally', async () => {
    const q = new Queue<string>(1);
    q.put('first');
    await green(() => {
      const c1 = new AbortController();
      const p1 = spawn(() => thrownBy(() => q.put('dropped', { signal: c1.signal })));
      sleep(0.001);
      c1.abort(new Error('no'));
      expect((p1.wait() as Error).message).toBe('no');
      expect(q.qsize()).toBe(1);
      expect(q.putting()).toBe(0);
      expect(q.unfinishedTasks).toBe(1);

      const c2 = new AbortController();
      const p2 = spawn(() => { q.put('second', { signal: c2.signal }); return 'returned'; });
      sleep(0.001);
      expect(q.get()).toBe('first');   // admits p2's item
      c2.abort(new Error('too late'));
      expect(p2.wait()).toBe('returned');
      expect(q.get()).toBe('second');
    });
  });

  test('Semaphore.acquire: a unit handed over just before the abort is kept; an aborted waiter takes none', async () => {
    const sem = new Semaphore(0);
    await green(() => {
      const c1 = new AbortController();
      const a = spawn(() => sem.acquire({ signal: c1.signal }));
      sleep(0.001);
      sem.release();             // handed to a
      c1.abort(new Error('late'));
      expect(a.wait()).toBe(true);
      expect(sem.counter).toBe(0);

      const c2 = new AbortController();
      const b = spawn(() => thrownBy(() => sem.acquire({ signal: c2.signal })));
      sleep(0.001);
      c2.abort(new Error('no'));
      expect((b.wait() as Error).message).toBe('no');
      sem.release();
      expect(sem.counter).toBe(1);  // nobody waits: the unit is on the counter
      expect(sem.balance).toBe(1);
    });
  });

  test('CappedSemaphore: aborted acquirers and releasers change nothing', async () => {
    const sem = new CappedSemaphore(0, 1);
    await green(() => {
      const c = new AbortController();
      const a = spawn(() => thrownBy(() => sem.acquire({ signal: c.signal })));
      sleep(0.001);
      c.abort(new Error('a'));
      a.wait();
      expect(sem.release()).toBe(true);
      expect(sem.counter).toBe(1);
      const d = new AbortController();
      const r = spawn(() => thrownBy(() => sem.release({ signal: d.signal })));
      sleep(0.001);
      d.abort(new Error('r'));
      r.wait();
      expect(sem.counter).toBe(1);
      expect(sem.acquire()).toBe(true);
      expect(sem.counter).toBe(0);
    });
  });

  test('Event.wait: an aborted waiter leaves; the others get the send; a send that came first wins', async () => {
    const ev = new Event<number>();
    await green(() => {
      const c = new AbortController();
      const aborted = spawn(() => thrownBy(() => ev.wait({ signal: c.signal })));
      const plain = spawn(() => ev.wait());
      const late = new AbortController();
      const first = spawn(() => ev.wait({ signal: late.signal }));
      sleep(0.001);
      c.abort(new Error('x'));
      ev.send(5);
      late.abort(new Error('after the send'));
      expect((aborted.wait() as Error).message).toBe('x');
      expect(plain.wait()).toBe(5);
      expect(first.wait()).toBe(5);
    });
  });

  test('GreenThread.wait: aborting the waiter leaves the awaited thread alone', async () => {
    await green(() => {
      // The worker waits for an event, not for time: a stalled machine cannot finish it early.
      const go = new Event<string>();
      const worker = spawn(() => go.wait());
      const c = new AbortController();
      const waiter = spawn(() => thrownBy(() => worker.wait({ signal: c.signal })));
      sleep(0.001);
      c.abort(new Error('stop waiting'));
      expect((waiter.wait() as Error).message).toBe('stop waiting');
      expect(worker.dead).toBe(false);
      go.send('done');
      expect(worker.wait()).toBe('done');
    });
  });
});

describe('interplay with kills and Timeouts', () => {
  test('a Timeout wins over an abort that comes before the thread runs: the abort is never thrown anywhere else', async () => {
    const c = new AbortController();
    const log: unknown[] = [];
    await green(() => {
      const t = new Timeout(0.001);
      setTimeout(() => c.abort(new Error('abort')), 1);
      // Both timers fire in one timers phase: the Timeout queues this thread to throw it, then
      // the abort comes while the thread is still queued.
      stallEventLoop(20);
      try {
        sleep(LONG, { signal: c.signal });
      } catch (error) {
        log.push(error === t ? 'timeout' : error);
      }
      sleep(0.01);               // the abort must not surface here
      log.push('slept');
    });
    expect(c.signal.aborted).toBe(true);
    expect(log).toEqual(['timeout', 'slept']);
  });

  test('an abort that came first wins over a later kill... which then comes at the next suspension', async () => {
    const c = new AbortController();
    const log: unknown[] = [];
    const g = spawn(() => {
      try {
        sleep(LONG, { signal: c.signal });
      } catch (error) {
        log.push((error as Error).message);
      }
      try {
        sleep(LONG);
      } catch (error) {
        log.push((error as Error).message);
      }
    });
    await green(() => {
      sleep(0.001);
      c.abort(new Error('abort'));
      g.kill(new Error('kill'));
      g.wait();
    });
    expect(log).toEqual(['abort', 'kill']);
  });

  test('the wait\'s own timeout and an outer Timeout are told apart from the signal', async () => {
    await green(() => {
      const c = new AbortController();
      expect(() => new Queue().get({ timeout: 0.001, signal: c.signal })).toThrow(/timed out/);
      expect(withTimeout(0.001, () => new Event().wait({ signal: c.signal }), { timeoutValue: 'outer' })).toBe('outer');
      expect(listeners(c.signal)).toBe(0);
      c.abort(new Error('later'));
      sleep(0.001);  // nothing is thrown
    });
  });

  test('a thread that aborts its own signal in the middle of a call gets the reason at the wait', async () => {
    await green(() => {
      const c = new AbortController();
      const thenable = { then(resolve: (v: number) => void) { c.abort(new Error('self')); setTimeout(() => resolve(1), 1); } };
      expect((thrownBy(() => waitFor(thenable as unknown as PromiseLike<number>, { signal: c.signal })) as Error).message).toBe('self');
      sleep(0.002);  // nothing left over
    });
  });
});

describe('listeners', () => {
  test('10,000 waits on one long-lived signal leave no listener behind', async () => {
    const signal = new AbortController().signal;
    const ping = new Queue<number>();
    const pong = new Queue<number>();
    let most = 0;
    // Two threads take turns: every get blocks until the other thread puts.
    const echo = spawn(() => {
      for (let i = 0; i < 10000; i++) pong.put(ping.get({ signal }));
    });
    await green(() => {
      for (let i = 0; i < 10000; i++) {
        ping.put(i);
        expect(pong.get({ signal })).toBe(i);
        most = Math.max(most, listeners(signal));
      }
      echo.wait({ signal });
      for (let i = 0; i < 100; i++) sleep(i % 2 === 0 ? 0 : 0.0001, { signal });
    });
    expect(most).toBe(1);
    expect(listeners(signal)).toBe(0);
  });

  test('many threads waiting on one signal share a single listener and all wake on abort', async () => {
    const c = new AbortController();
    const warnings: unknown[] = [];
    const onWarning = (w: unknown): void => { warnings.push(w); };
    process.on('warning', onWarning);
    try {
      const threads = Array.from({ length: 50 }, () => spawn(() => thrownBy(() => new Queue().get({ signal: c.signal }))));
      await green(() => {
        sleep(0.01);
        expect(listeners(c.signal)).toBe(1);
        c.abort(new Error('all'));
      });
      for (const g of threads) expect(((await g) as Error).message).toBe('all');
      expect(listeners(c.signal)).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('timeoutSignal()', () => {
  test('aborts after the delay with a Timeout as its reason; calls that took it throw that Timeout', async () => {
    await green(() => {
      const signal = timeoutSignal(0.01);
      expect(signal.aborted).toBe(false);
      const error = thrownBy(() => new Queue().get({ signal }));
      expect(error).toBeInstanceOf(Timeout);
      expect(Timeout.isTimeout(error)).toBe(true);
      expect(error).toBe(signal.reason);
      expect((error as Timeout).message).toBe('timed out after 0.01 seconds');
      expect((error as Timeout).seconds).toBe(0.01);
      expect((error as Timeout).pending).toBe(false);
    });
  });

  test('throws nothing into the thread by itself', async () => {
    await green(() => {
      const signal = timeoutSignal(0.001);
      sleep(0.02);               // not given the signal: sleeps through
      expect(signal.aborted).toBe(true);
      sleep(0.001);
    });
  });

  test('a thread that ends first cancels it: it never aborts', async () => {
    const signal = await green(() => timeoutSignal(0.01));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(signal.aborted).toBe(false);
  });

  test('a thread that ends first does not keep the process alive (child process)', () => {
    const result = runChild(`
      const g = require(${PKG});
      g.run(() => { g.timeoutSignal(1000); console.log('ended'); });
    `, { timeoutMs: 20000 });
    expect(result.signal).toBeNull();
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('ended\n');
  });

  test('keeps the process alive while its thread waits on it', () => {
    const result = runChild(`
      const g = require(${PKG});
      g.run(() => {
        try { new g.Queue().get({ signal: g.timeoutSignal(0.05) }); }
        catch (e) { console.log(e instanceof g.Timeout ? 'timed out' : 'other: ' + e); }
      });
    `, { timeoutMs: 20000 });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('timed out\n');
    expect(result.status).toBe(0);
  });

  test('outside a green thread: NotInGreenThreadError; bad seconds: TypeError', async () => {
    expect(() => timeoutSignal(1)).toThrow(NotInGreenThreadError);
    expect(() => timeoutSignal(1)).toThrow(/timeoutSignal\(\) is tied to the calling green thread/);
    await green(() => {
      expect(() => timeoutSignal('1' as never)).toThrow(TypeError);
      expect(() => timeoutSignal(Infinity)).toThrow(RangeError);
    });
  });
});

describe('GreenThread.signal', () => {
  test('aborts when the thread is killed, with the kill error; a wait that took it throws the kill once', async () => {
    const log: unknown[] = [];
    const kill = new Error('kill');
    const g = spawn(() => {
      const me = getCurrent() as NonNullable<ReturnType<typeof getCurrent>>;
      try {
        new Queue().get({ signal: me.signal });
      } catch (error) {
        log.push(error);
      }
      sleep(0.005);              // the kill is not thrown a second time
      log.push(me.signal.reason);
    });
    await green(() => {
      sleep(0.001);
      g.kill(kill);
      g.wait();
    });
    expect(log).toEqual([kill, kill]);
    expect(g.signal.aborted).toBe(true);
  });

  test('operations the thread started and did not wait for are aborted by its kill', async () => {
    let pending: Promise<unknown> | undefined;
    const g = spawn(() => {
      const signal = (getCurrent() as NonNullable<ReturnType<typeof getCurrent>>).signal;
      pending = new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
      // Handled at once: the rejection comes during the kill, before the test awaits it.
      pending.catch(() => {});
      sleep(LONG);
    });
    await green(() => { sleep(0.001); g.kill(); });
    await expect(pending).rejects.toBeInstanceOf(GreenletExit);
  });

  test('does not abort when the thread returns or throws; read after a kill, it is aborted', async () => {
    const returned = spawn(() => 1);
    const signal = returned.signal;
    await returned;
    expect(signal.aborted).toBe(false);
    const threw = spawn(() => { throw new Error('x'); });
    await threw.then(() => {}, () => {});
    expect(threw.signal.aborted).toBe(false);
    const killed = spawn(() => sleep(LONG));
    await green(() => { sleep(0.001); killed.kill(); });
    expect(killed.signal.aborted).toBe(true);
    expect(killed.signal.reason).toBeInstanceOf(GreenletExit);
    const cancelled = spawn(() => 1);
    const early = cancelled.signal;
    cancelled.cancel(new Error('cancelled'));
    expect((early.reason as Error).message).toBe('cancelled');
    expect(reported.map((e) => (e as Error).message)).toEqual(['x', 'cancelled']);
  });
});
