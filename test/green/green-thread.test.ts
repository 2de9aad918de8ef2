// eventlet's greenthread behaviours restated in greenthread's API: spawn/spawnN ordering,
// wait, kill (before start, while suspended, of itself, of a dead thread), link/unlink,
// spawnAfter/cancel, spawnAfterLocal, then/await, getCurrent/inGreenThread, run().
import {
  GreenletExit, GreenThread, NotInGreenThreadError, getCurrent, hub, hubTurn, inGreenThread, kill, run,
  sleep, spawn, spawnAfter, spawnAfterLocal, spawnN, waitFor,
} from '../../src';
import { green } from '../helpers';

let reported: Array<[unknown, unknown]> = [];
beforeEach(() => {
  reported = [];
  hub.onError((error, thread) => { reported.push([error, thread]); });
});
afterAll(() => hub.onError(null));

describe('spawn and wait', () => {
  test('spawn runs fn(...args) in a green thread and wait returns its value', async () => {
    const result = await green(() => {
      const g = spawn((a: number, b: number) => { sleep(0.001); return a + b; }, 2, 3);
      expect(g).toBeInstanceOf(GreenThread);
      return g.wait();
    });
    expect(result).toBe(5);
  });

  test('spawn starts at the next hub turn; the caller keeps running', async () => {
    const order: string[] = [];
    await green(() => {
      const g = spawn(() => { order.push('child'); });
      order.push('parent after spawn');
      expect(g.started).toBe(false);
      g.wait();
      expect(g.started).toBe(true);
      expect(g.dead).toBe(true);
    });
    expect(order).toEqual(['parent after spawn', 'child']);
  });

  test('threads start in spawn order and sleep(0) interleaves them round-robin', async () => {
    const log: string[] = [];
    await green(() => {
      const worker = (name: string) => { for (let i = 0; i < 3; i++) { log.push(`${name}${i}`); sleep(0); } };
      const a = spawn(worker, 'a');
      const b = spawn(worker, 'b');
      spawnN(worker, 'c');
      a.wait();
      b.wait();
      sleep(0.01);
    });
    expect(log).toEqual(['a0', 'b0', 'c0', 'a1', 'b1', 'c1', 'a2', 'b2', 'c2']);
  });

  test('wait rethrows the exception the thread ended with, and hub.onError hears of it', async () => {
    const boom = new Error('boom');
    await green(() => {
      const g = spawn(() => { throw boom; });
      expect(() => g.wait()).toThrow(boom);
      expect(() => g.wait()).toThrow(boom);
    });
    expect(reported.length).toBe(1);
    expect(reported[0][0]).toBe(boom);
  });

  test('wait on itself throws; wait from plain JavaScript throws NotInGreenThreadError', async () => {
    const g = spawn(() => {
      expect(() => (getCurrent() as GreenThread).wait()).toThrow(/cannot wait for itself/);
      sleep(0.001);
      return 'ok';
    });
    expect(() => g.wait()).toThrow(NotInGreenThreadError);
    expect(await g).toBe('ok');
    // Once dead, wait() works from anywhere: nothing left to block for.
    expect(g.wait()).toBe('ok');
  });

  test('many waiters are all woken with the result', async () => {
    const results = await green(() => {
      const g = spawn(() => { sleep(0.005); return 7; });
      const waiters = Array.from({ length: 5 }, () => spawn(() => g.wait()));
      return waiters.map((w) => w.wait());
    });
    expect(results).toEqual([7, 7, 7, 7, 7]);
  });

  test('spawnN exceptions go to hub.onError and the process keeps running', async () => {
    const err = new Error('from spawnN');
    await green(() => {
      spawnN(() => { throw err; });
      sleep(0.005);
    });
    expect(reported).toHaveLength(1);
    expect(reported[0][0]).toBe(err);
    expect(reported[0][1]).toBeInstanceOf(GreenThread);
  });

  test('a GreenletExit ending is not reported', async () => {
    await green(() => {
      const g = spawn(() => { throw new GreenletExit(); });
      expect(() => g.wait()).toThrow(GreenletExit);
    });
    expect(reported).toHaveLength(0);
  });
});

describe('kill', () => {
  test('kill before start: never runs, wait throws GreenletExit, links run', async () => {
    let ran = false;
    const linked: unknown[] = [];
    await green(() => {
      const g = spawn(() => { ran = true; });
      g.link((t) => linked.push(t));
      g.kill();
      expect(g.dead).toBe(true);
      expect(g.started).toBe(false);
      expect(() => g.wait()).toThrow(GreenletExit);
      sleep(0.005);
      expect(linked).toEqual([g]);
    });
    expect(ran).toBe(false);
  });

  test('kill during sleep runs finally before kill returns (killer in a green thread)', async () => {
    const log: string[] = [];
    await green(() => {
      const g = spawn(() => {
        try { log.push('sleeping'); sleep(10); log.push('woke'); } finally { log.push('finally'); }
      });
      sleep(0);
      g.kill();
      log.push('kill returned');
      expect(g.dead).toBe(true);
      expect(() => g.wait()).toThrow(GreenletExit);
    });
    expect(log).toEqual(['sleeping', 'finally', 'kill returned']);
  });

  test('kill from plain JavaScript: the thread handles the error before kill returns', async () => {
    const log: string[] = [];
    const g = spawn(() => { try { sleep(10); } finally { log.push('finally'); } });
    // Once no thread is ready, g has started and is parked in sleep() (a timer could run first
    // on a loaded machine, before g ever started).
    await hubTurn();
    expect(g.started).toBe(true);
    kill(g);
    log.push('kill returned');
    expect(log).toEqual(['finally', 'kill returned']);
    await expect(g).rejects.toBeInstanceOf(GreenletExit);
  });

  test('kill with a custom error; the thread may catch it and return a value', async () => {
    class Stop extends Error {}
    const value = await green(() => {
      const g = spawn(() => { try { sleep(10); return 'slept'; } catch (e) { return e instanceof Stop ? 'stopped' : 'other'; } });
      sleep(0);
      g.kill(new Stop());
      return g.wait();
    });
    expect(value).toBe('stopped');
  });

  test('a killed thread that catches and blocks again suspends the killer only until then', async () => {
    const log: string[] = [];
    await green(() => {
      const g = spawn(() => {
        try { sleep(10); } catch { log.push('caught'); }
        sleep(0.01);
        log.push('g done');
      });
      sleep(0);
      g.kill();
      log.push('kill returned');
      g.wait();
    });
    expect(log).toEqual(['caught', 'kill returned', 'g done']);
  });

  test('killing a dead thread is a no-op; a thread may kill itself', async () => {
    await green(() => {
      const g = spawn(() => 1);
      expect(g.wait()).toBe(1);
      g.kill();
      expect(g.wait()).toBe(1);
      const self = spawn(() => { (getCurrent() as GreenThread).kill(new Error('self')); return 'unreached'; });
      expect(() => self.wait()).toThrow('self');
    });
  });

  test('kill() of a thread that was woken but not yet resumed throws in it', async () => {
    const seen = await green(() => {
      const g = spawn(() => { try { sleep(0); return 'ran'; } catch (e) { return (e as Error).name; } });
      sleep(0);  // g is now queued again by its own sleep(0)
      g.kill();
      return g.wait();
    });
    expect(seen).toBe('GreenletExit');
  });

  test('kill() rejects non-threads', () => {
    expect(() => kill(42 as unknown as GreenThread)).toThrow(TypeError);
  });
});

describe('link and unlink', () => {
  test('link runs fn(thread, ...args) at exit; unlink removes it', async () => {
    const calls: unknown[][] = [];
    await green(() => {
      const g = spawn(() => { sleep(0.001); return 'r'; });
      const a = (t: GreenThread, x: number) => calls.push(['a', t.wait(), x]);
      const b = () => calls.push(['b']);
      g.link(a, 1);
      g.link(b);
      expect(g.unlink(b)).toBe(true);
      expect(g.unlink(b)).toBe(false);
      g.wait();
    });
    expect(calls).toEqual([['a', 'r', 1]]);
  });

  test('link after exit runs at once', async () => {
    await green(() => {
      const g = spawn(() => 5);
      g.wait();
      let got: unknown;
      g.link((t) => { got = t.wait(); });
      expect(got).toBe(5);
    });
  });

  test('linking from inside a link callback does not recurse', async () => {
    const log: string[] = [];
    await green(() => {
      const g = spawn(() => 1);
      g.wait();
      g.link((t) => {
        log.push('outer start');
        t.link(() => log.push('inner'));
        log.push('outer end');
      });
    });
    expect(log).toEqual(['outer start', 'outer end', 'inner']);
  });

  test('exceptions in link callbacks go to hub.onError', async () => {
    const err = new Error('link failed');
    await green(() => {
      const g = spawn(() => 1);
      g.link(() => { throw err; });
      g.wait();
      sleep(0);
    });
    expect(reported.map(([e]) => e)).toContain(err);
  });

  test('link validates its callback', () => {
    const g = spawn(() => 1);
    expect(() => g.link(42 as never)).toThrow(TypeError);
    g.kill();
  });
});

describe('spawnAfter and spawnAfterLocal', () => {
  test('spawnAfter starts later; cancel before then means it never runs', async () => {
    const log: string[] = [];
    await green(() => {
      const later = spawnAfter(0.01, () => { log.push('later'); return 3; });
      const cancelled = spawnAfter(0.005, () => { log.push('cancelled'); });
      expect(later.started).toBe(false);
      cancelled.cancel();
      log.push('now');
      expect(later.wait()).toBe(3);
      expect(() => cancelled.wait()).toThrow(GreenletExit);
      sleep(0.01);
    });
    expect(log).toEqual(['now', 'later']);
  });

  test('cancel after start has no effect', async () => {
    const value = await green(() => {
      const g = spawn(() => { sleep(0.005); return 'finished'; });
      sleep(0);
      g.cancel();
      return g.wait();
    });
    expect(value).toBe('finished');
  });

  test('spawnAfter(0) that has started: cancel has no effect, kill ends it', async () => {
    const results = await green(() => {
      const waiter = (x: number) => { sleep(0.01); return x; };
      const cancelled = spawnAfter(0, waiter, 22);
      const killed = spawnAfter(0, waiter, 23);
      sleep(0.002);  // both timers fired and both threads are asleep inside waiter
      cancelled.cancel();
      killed.kill();
      let killedOutcome: unknown;
      try { killedOutcome = killed.wait(); } catch (e) { killedOutcome = (e as Error).name; }
      return [cancelled.wait(), killedOutcome, killed.dead];
    });
    expect(results).toEqual([22, 'GreenletExit', true]);
  });

  test('a thread spawned by one that exits at once still runs (only spawnAfterLocal is local)', async () => {
    const log: string[] = [];
    await green(() => {
      spawn(() => { spawn(() => log.push('grandchild ran')); }).wait();
      sleep(0.002);
    });
    expect(log).toEqual(['grandchild ran']);
  });

  test('spawnAfterLocal is dropped if its spawner has exited', async () => {
    const log: string[] = [];
    let local: GreenThread | undefined;
    await green(() => {
      // The spawner returns without suspending, so it is dead before any timer can fire.
      const spawner = spawn(() => { local = spawnAfterLocal(0, () => log.push('local ran')); });
      spawner.wait();
      // A spawner still alive (blocked in wait) when the timer fires: its thread runs.
      spawn(() => spawnAfterLocal(0.001, () => log.push('alive spawner: runs')).wait()).wait();
      sleep(0.005);
      expect(() => (local as GreenThread).wait()).toThrow(GreenletExit);
    });
    expect(log).toEqual(['alive spawner: runs']);
  });
});

describe('entry points and promises', () => {
  test('run() resolves with the result and rejects with the exception, unreported', async () => {
    await expect(run(() => { sleep(0.001); return 'v'; })).resolves.toBe('v');
    const err = new Error('in run');
    await expect(run(() => { throw err; })).rejects.toBe(err);
    expect(reported).toHaveLength(0);
  });

  test('await thread gives its result', async () => {
    const g = spawn((x: number) => x * 2, 21);
    expect(await g).toBe(42);
    const bad = spawn(() => { throw new Error('bad'); });
    await expect(bad).rejects.toThrow('bad');
  });

  test('inGreenThread and getCurrent', async () => {
    expect(inGreenThread()).toBe(false);
    expect(getCurrent()).toBeNull();
    const [inside, current, g] = await green(() => {
      const me = getCurrent();
      return [inGreenThread(), me, me];
    });
    expect(inside).toBe(true);
    expect(current).toBeInstanceOf(GreenThread);
    expect(g).toBe(current);
  });

  test('blocking calls from plain JavaScript throw NotInGreenThreadError naming the call', () => {
    expect(() => sleep(0)).toThrow(NotInGreenThreadError);
    expect(() => sleep(0)).toThrow(/sleep\(\) .*spawn\(fn\) or run\(fn\)/);
    expect(() => waitFor(Promise.resolve(1))).toThrow(/waitFor\(\)/);
  });

  test('waitFor returns a promise value, throws a rejection, keeps other threads running', async () => {
    const log: string[] = [];
    await green(() => {
      const ticker = spawn(() => { for (let i = 0; i < 3; i++) { log.push(`tick${i}`); sleep(0.001); } });
      const value = waitFor(new Promise<string>((resolve) => setTimeout(() => resolve('late'), 20)));
      log.push(value);
      expect(() => waitFor(Promise.reject(new Error('nope')))).toThrow('nope');
      expect(waitFor({ then(ok: (v: number) => void) { ok(9); } } as PromiseLike<number>)).toBe(9);
      ticker.wait();
    });
    expect(log).toEqual(['tick0', 'tick1', 'tick2', 'late']);
  });
});

describe('argument validation', () => {
  test('bad arguments throw TypeError', async () => {
    expect(() => spawn(42 as never)).toThrow(TypeError);
    expect(() => spawnN('x' as never)).toThrow(TypeError);
    expect(() => run(null as never)).toThrow(TypeError);
    expect(() => spawnAfter('1' as never, () => 1)).toThrow(TypeError);
    expect(() => spawnAfter(1, 7 as never)).toThrow(TypeError);
    expect(() => hub.onError(5 as never)).toThrow(TypeError);
    await green(() => {
      expect(() => sleep('x' as never)).toThrow(TypeError);
      expect(() => sleep(NaN)).toThrow(TypeError);
      expect(() => sleep(Infinity)).toThrow(RangeError);
      expect(() => waitFor(5 as never)).toThrow(TypeError);
      sleep(-1);  // negative sleeps like sleep(0)
    });
  });
});

describe('scheduling fairness', () => {
  test('a thread looping on sleep(0) does not starve timers or I/O', async () => {
    let stop = false;
    let loops = 0;
    const spinner = spawn(() => { while (!stop) { loops++; sleep(0); } });
    await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setImmediate(resolve));
    stop = true;
    await spinner;
    expect(loops).toBeGreaterThan(0);
  });

  test('green threads switching straight to each other without end do not starve timers or I/O', async () => {
    // Two threads hand the baton back and forth forever (each switch direct, never through the
    // hub) until a timer stops them: the timer can only fire if the hub takes the baton back
    // at its turn budget and lets the event loop run.
    let stop = false;
    let rounds = 0;
    const threads = [0, 1].map((side) => spawn(() => {
      while (!stop) {
        rounds++;
        sleep(0);
      }
      return side;
    }));
    setTimeout(() => { stop = true; }, 20);
    expect(await Promise.all(threads)).toEqual([0, 1]);
    expect(rounds).toBeGreaterThan(2);
  });

  test('hub.threads() lists live threads with where they are suspended', async () => {
    const g = spawn(() => sleep(10));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const info = hub.threads().find((t) => t.thread === g);
    expect(info).toMatchObject({ state: 'suspended', suspendedIn: 'sleep()' });
    g.kill();
    expect(hub.threads().find((t) => t.thread === g)).toBeUndefined();
  });
});

describe('fake timers', () => {
  afterEach(() => jest.useRealTimers());

  test('the hub keeps scheduling when setImmediate is faked; sleep follows the fake clock', async () => {
    const realTimers = jest.requireActual<typeof import('node:timers')>('node:timers');
    jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask'] });
    const log: string[] = [];
    const sleeper = spawn(() => {
      spawn(() => log.push('spawned ran')).wait();
      sleep(5);  // fake time: advanced below
      log.push('slept 5 fake seconds');
    });
    // The hub runs on the real setImmediate: wait (in real time) until the thread is asleep.
    while (hub.threads().find((t) => t.thread === sleeper)?.suspendedIn !== 'sleep()') {
      await new Promise((resolve) => realTimers.setImmediate(resolve));
    }
    expect(log).toEqual(['spawned ran']);
    jest.advanceTimersByTime(5000);
    await sleeper;
    expect(log).toEqual(['spawned ran', 'slept 5 fake seconds']);
  });
});
