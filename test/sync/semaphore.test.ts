// Semaphore, BoundedSemaphore and CappedSemaphore: eventlet's semaphore_test.py restated in
// greenthread's API (capped balances, zero limit, non-blocking, timeouts, contention, type
// checks), plus our contract's additions: strict FIFO hand-over with no barging, units never
// lost when a waiter is killed or timed out after being handed one, hold() with `using`,
// plain-JavaScript use, and argument checks. Sleeps only force an order.
import {
  BoundedSemaphore, CappedSemaphore, GreenletExit, NotInGreenThreadError, Semaphore, Timeout, hub, sleep, spawn,
} from '../../src';
import { captureReported, green, stallEventLoop, thrownBy } from '../helpers';

const reported = captureReported();

describe('Semaphore: acquire and release', () => {
  test('counts units down and up; locked() and balance follow', async () => {
    await green(() => {
      const sem = new Semaphore(2);
      expect([sem.counter, sem.balance, sem.locked()]).toEqual([2, 2, false]);
      expect(sem.acquire()).toBe(true);
      expect(sem.acquire()).toBe(true);
      expect([sem.counter, sem.balance, sem.locked()]).toEqual([0, 0, true]);
      sem.release();
      expect([sem.counter, sem.balance, sem.locked()]).toEqual([1, 1, false]);
      sem.release();
      sem.release();   // an unbounded Semaphore may go above its initial value
      expect(sem.counter).toBe(3);
      expect(sem.bounded()).toBe(false);
    });
  });

  test('the default value is 1: a lock', async () => {
    await green(() => {
      const sem = new Semaphore();
      expect(sem.counter).toBe(1);
      expect(sem.acquire(false)).toBe(true);
      expect(sem.acquire(false)).toBe(false);
    });
  });

  test('acquire blocks until a release; balance counts the waiters', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const log: string[] = [];
      const waiters = ['a', 'b'].map((name) => spawn(() => { sem.acquire(); log.push(name); }));
      sleep(0);
      expect([sem.counter, sem.balance]).toEqual([0, -2]);
      expect(hub.threads().find((info) => info.thread === waiters[0])?.suspendedIn).toBe('Semaphore.acquire()');
      sem.release();
      expect([sem.counter, sem.balance]).toEqual([0, -1]);
      waiters[0].wait();
      expect(log).toEqual(['a']);
      sem.release();
      waiters[1].wait();
      expect(log).toEqual(['a', 'b']);
      expect([sem.counter, sem.balance]).toEqual([0, 0]);
    });
  });

  test('non-blocking acquire returns false at once when no unit is left', async () => {
    await green(() => {
      expect(new Semaphore(0).acquire(false)).toBe(false);
      expect(new Semaphore(1).acquire(false)).toBe(true);
    });
  });

  test('acquire with a timeout returns false when it runs out, and leaves nothing behind', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      expect(sem.acquire(true, 0.01)).toBe(false);
      expect(sem.acquire(true, 0)).toBe(false);
      expect(sem.balance).toBe(0);
      sleep(0.02);   // nothing armed is left to fire
      sem.release();
      expect(sem.acquire(true, 0.01)).toBe(true);
    });
  });

  test('acquire with a timeout returns true when released in time', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      spawn(() => { sleep(0.005); sem.release(); });
      expect(sem.acquire(true, 10)).toBe(true);
      expect(sem.counter).toBe(0);
    });
  });

  test('timeout -1, null or undefined means no limit', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      spawn(() => { sleep(0.005); sem.release(); sem.release(); sem.release(); });
      expect(sem.acquire(true, -1)).toBe(true);
      expect(sem.acquire(true, null)).toBe(true);
      expect(sem.acquire(true, undefined)).toBe(true);
      expect(sem.acquire(false, -1)).toBe(false);
    });
  });
});

describe('Semaphore: fairness', () => {
  test('waiters get units in arrival order', async () => {
    const order = await green(() => {
      const sem = new Semaphore(0);
      const got: number[] = [];
      const waiters = Array.from({ length: 5 }, (_, i) => spawn(() => { sem.acquire(); got.push(i); }));
      sleep(0);
      for (let i = 0; i < 5; i++) sem.release();
      waiters.forEach((w) => w.wait());
      return got;
    });
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  test('no barging: a released unit belongs to the waiter even before it runs', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const waiter = spawn(() => sem.acquire());
      sleep(0);
      sem.release();
      // The waiter has not run yet; the unit is already its own.
      expect(sem.acquire(false)).toBe(false);
      expect(sem.locked()).toBe(true);
      expect(waiter.wait()).toBe(true);
      expect(sem.counter).toBe(0);
    });
  });

  test('contention: two threads sharing a lock alternate strictly (eventlet\'s test_semaphore_contention)', async () => {
    const log = await green(() => {
      const mutex = new Semaphore();
      const turns: number[] = [];
      const worker = (no: number) => {
        for (let i = 0; i < 20; i++) {
          using _ = mutex.hold();
          turns.push(no);
          sleep(0.0005);
        }
      };
      const a = spawn(worker, 1);
      const b = spawn(worker, 2);
      a.wait();
      b.wait();
      return turns;
    });
    expect(log).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2) + 1));
  });
});

describe('Semaphore: waiters that are killed or time out', () => {
  test('killed after being handed a unit: it goes to the next waiter', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const a = spawn(() => sem.acquire());
      const b = spawn(() => sem.acquire());
      sleep(0);
      sem.release();   // handed to a, which has not run yet
      a.kill();
      expect(() => a.wait()).toThrow(GreenletExit);
      expect(b.wait()).toBe(true);
      expect([sem.counter, sem.balance]).toEqual([0, 0]);
    });
    expect(reported).toEqual([]);
  });

  test('killed after being handed a unit with nobody else waiting: it goes back to the counter', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const a = spawn(() => sem.acquire(true, 10));   // the timeout path gives back too
      sleep(0);
      sem.release();
      a.kill(new RangeError('stop'));
      expect(() => a.wait()).toThrow(RangeError);
      expect([sem.counter, sem.balance]).toEqual([1, 1]);
    });
    expect(reported).toHaveLength(1);   // a spawned thread's uncaught error other than GreenletExit
  });

  test('killed from plain JavaScript after being handed a unit: same', async () => {
    const sem = new Semaphore(0);
    const a = spawn(() => sem.acquire());
    const b = spawn(() => sem.acquire());
    await new Promise((resolve) => setTimeout(resolve, 5));
    sem.release();
    a.kill();
    expect(await b).toBe(true);
    await expect(a).rejects.toBeInstanceOf(GreenletExit);
    expect(sem.counter).toBe(0);
  });

  test('an outer Timeout that fires after the hand-over gives the unit back and propagates', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const a = spawn(() => {
        stallEventLoop(40);
        setTimeout(() => sem.release(), 20);   // runs just before the Timeout below fires
        const t = new Timeout(0.02);
        return thrownBy(() => sem.acquire()) === t;
      });
      expect(a.wait()).toBe(true);
      expect(sem.counter).toBe(1);
    });
  });

  test('its own timeout firing after the hand-over: the hand-over wins, the unit is kept', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      stallEventLoop(40);
      setTimeout(() => sem.release(), 20);
      expect(sem.acquire(true, 0.02)).toBe(true);
      expect([sem.counter, sem.balance]).toEqual([0, 0]);
    });
  });

  test('a waiter that times out before any release leaves the queue; the next release skips it', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const early = spawn(() => sem.acquire(true, 0.005));
      const late = spawn(() => sem.acquire());
      expect(early.wait()).toBe(false);
      expect(sem.balance).toBe(-1);
      sem.release();
      expect(late.wait()).toBe(true);
      expect(sem.counter).toBe(0);
    });
  });
});

describe('Semaphore: hold() and using', () => {
  test('using releases at the end of the block, also when it throws', async () => {
    await green(() => {
      const sem = new Semaphore(1);
      {
        using _ = sem.hold();
        expect(sem.counter).toBe(0);
      }
      expect(sem.counter).toBe(1);
      const boom = new Error('boom');
      expect(thrownBy(() => {
        using _ = sem.hold();
        throw boom;
      })).toBe(boom);
      expect(sem.counter).toBe(1);
    });
  });

  test('hold blocks like acquire; disposing the handle twice releases once', async () => {
    await green(() => {
      const sem = new Semaphore(1);
      const first = sem.hold();
      const other = spawn(() => { using _ = sem.hold(); return 'held'; });
      sleep(0);
      expect(other.dead).toBe(false);
      first[Symbol.dispose]();
      first[Symbol.dispose]();
      expect(other.wait()).toBe('held');
      expect(sem.counter).toBe(1);
    });
  });

  test('hold from plain JavaScript works while a unit is free, else throws NotInGreenThreadError', () => {
    const sem = new Semaphore(1);
    const handle = sem.hold();
    expect(() => sem.hold()).toThrow(NotInGreenThreadError);
    handle[Symbol.dispose]();
    expect(sem.counter).toBe(1);
  });
});

describe('Semaphore: plain JavaScript', () => {
  test('non-blocking calls work; a call that would block throws NotInGreenThreadError', () => {
    const sem = new Semaphore(1);
    expect(sem.acquire()).toBe(true);
    expect(sem.acquire(false)).toBe(false);
    expect(sem.acquire(true, 0)).toBe(false);   // waiting zero seconds needs no blocking
    expect(() => sem.acquire()).toThrow(NotInGreenThreadError);
    expect(() => sem.acquire(true, 1)).toThrow(/Semaphore\.acquire\(\)/);
    sem.release();
    expect(sem.counter).toBe(1);
  });

  test('release from a timer callback wakes a green waiter', async () => {
    const sem = new Semaphore(0);
    const waiter = spawn(() => sem.acquire());
    setTimeout(() => sem.release(), 5);
    expect(await waiter).toBe(true);
  });
});

describe('Semaphore: argument validation (eventlet\'s test_semaphore_type_check)', () => {
  test('value must be a non-negative integer', () => {
    expect(new Semaphore(0).counter).toBe(0);
    expect(new Semaphore(1).counter).toBe(1);
    expect(new Semaphore(1e2).counter).toBe(100);
    for (const value of ['foo', '1', 1.5, NaN, Infinity, -Infinity, null, {}, true, 1n]) {
      expect(() => new Semaphore(value as never)).toThrow(TypeError);
    }
    expect(() => new Semaphore(-1)).toThrow(RangeError);
    expect(() => new Semaphore(2 ** 53)).toThrow(RangeError);
    expect(() => new Semaphore('foo' as never)).toThrow(/new Semaphore\(\): value must be an integer/);
  });

  test('acquire: blocking must be a boolean; timeout a number >= 0 (or -1); no timeout when non-blocking', async () => {
    await green(() => {
      const sem = new Semaphore(1);
      for (const blocking of [1, 0, 'yes', null, []]) { // [] rather than {}: a plain object is the options form
        expect(() => sem.acquire(blocking as never)).toThrow(TypeError);
      }
      for (const timeout of ['1', NaN, {}, true]) {
        expect(() => sem.acquire(true, timeout as never)).toThrow(TypeError);
      }
      expect(() => sem.acquire(true, Infinity)).toThrow(RangeError);
      expect(() => sem.acquire(true, -0.5)).toThrow(RangeError);
      expect(() => sem.acquire(true, -2)).toThrow(RangeError);
      expect(() => sem.acquire(false, 1)).toThrow(TypeError);
      expect(() => sem.acquire(false, 0)).toThrow(/non-blocking/);
      expect(sem.counter).toBe(1);   // no failed call took a unit
      expect(sem.acquire(false, null)).toBe(true);
    });
  });

  test('toString', () => {
    expect(String(new Semaphore(3))).toBe('Semaphore(counter=3, waiting=0)');
    expect(String(new BoundedSemaphore(2))).toBe('BoundedSemaphore(counter=2, waiting=0)');
  });
});

describe('BoundedSemaphore', () => {
  test('release above the initial value throws RangeError', async () => {
    await green(() => {
      const sem = new BoundedSemaphore(2);
      expect(sem.initial).toBe(2);
      expect(() => sem.release()).toThrow(RangeError);
      expect(() => sem.release()).toThrow(/released too many times/);
      sem.acquire();
      sem.release();
      expect(() => sem.release()).toThrow(RangeError);
      expect(sem.counter).toBe(2);
      expect(sem).toBeInstanceOf(Semaphore);
    });
  });

  test('default 1; a value of 0 can never be released', () => {
    const lock = new BoundedSemaphore();
    expect([lock.counter, lock.initial]).toEqual([1, 1]);
    expect(() => new BoundedSemaphore(0).release()).toThrow(RangeError);
  });

  test('releasing to a waiter, and a killed waiter giving its unit back, keep the count honest', async () => {
    await green(() => {
      const sem = new BoundedSemaphore(1);
      sem.acquire();
      const waiter = spawn(() => sem.acquire());
      sleep(0);
      sem.release();       // handed to the waiter
      waiter.kill();       // ...which gives it back
      expect(sem.counter).toBe(1);
      expect(() => sem.release()).toThrow(RangeError);
    });
  });

  test('hold with using, blocking and fairness work as for Semaphore', async () => {
    const order = await green(() => {
      const sem = new BoundedSemaphore(1);
      const got: number[] = [];
      const threads = Array.from({ length: 3 }, (_, i) => spawn(() => { using _ = sem.hold(); got.push(i); sleep(0.001); }));
      threads.forEach((t) => t.wait());
      expect(sem.counter).toBe(1);
      return got;
    });
    expect(order).toEqual([0, 1, 2]);
  });

  test('bad values throw as for Semaphore, naming BoundedSemaphore', () => {
    expect(() => new BoundedSemaphore(1.5)).toThrow(/new BoundedSemaphore\(\)/);
    expect(() => new BoundedSemaphore(-1)).toThrow(RangeError);
    expect(() => new BoundedSemaphore('2' as never)).toThrow(TypeError);
  });
});

describe('CappedSemaphore', () => {
  test('eventlet\'s test_bounded: acquires and releases block at each end; balances', async () => {
    await green(() => {
      const sem = new CappedSemaphore(2, 3);
      expect(sem.acquire()).toBe(true);
      expect(sem.acquire()).toBe(true);
      const releaser = spawn(() => sem.release());
      expect(sem.acquire()).toBe(true);   // blocks until the spawned release
      expect(sem.balance).toBe(-3);
      sem.release();
      sem.release();
      sem.release();
      const acquirer = spawn(() => sem.acquire());
      expect(sem.release()).toBe(true);   // at the limit: blocks until the spawned acquire
      expect(sem.balance).toBe(3);
      expect(releaser.wait()).toBe(true);
      expect(acquirer.wait()).toBe(true);
    });
  });

  test('eventlet\'s test_bounded_with_zero_limit: a release waits for an acquire to take its unit', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 0);
      const acquirer = spawn(() => sem.acquire());
      expect(sem.release()).toBe(true);
      expect(acquirer.wait()).toBe(true);
      expect(sem.counter).toBe(0);
    });
  });

  test('zero limit the other way round: an acquire takes a waiting release\'s unit', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 0);
      const releaser = spawn(() => sem.release());
      sleep(0);
      expect(sem.locked()).toBe(false);
      expect(sem.acquire(false)).toBe(true);
      expect(releaser.wait()).toBe(true);
      expect([sem.counter, sem.balance]).toEqual([0, 0]);
    });
  });

  test('counter, limit, locked(), bounded() and balance', async () => {
    await green(() => {
      const sem = new CappedSemaphore(1, 2);
      expect([sem.counter, sem.limit, sem.locked(), sem.bounded(), sem.balance]).toEqual([1, 2, false, false, 0]);
      sem.release();
      expect([sem.counter, sem.locked(), sem.bounded(), sem.balance]).toEqual([2, false, true, 2]);
      sem.acquire();
      sem.acquire();
      expect([sem.counter, sem.locked(), sem.bounded(), sem.balance]).toEqual([0, true, false, -2]);
      const waiter = spawn(() => sem.acquire());
      sleep(0);
      expect(sem.balance).toBe(-3);
      expect(sem.bounded()).toBe(false);
      sem.release();
      waiter.wait();
      expect(sem.balance).toBe(-2);
      expect(String(sem)).toBe('CappedSemaphore(counter=0, limit=2, acquiring=0, releasing=0)');
    });
  });

  test('non-blocking calls return false at either end', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 1);
      expect(sem.acquire(false)).toBe(false);
      expect(sem.release(false)).toBe(true);
      expect(sem.release(false)).toBe(false);
      expect(sem.acquire(false)).toBe(true);
    });
  });

  test('timeouts at either end return false and leave nothing behind', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 1);
      expect(sem.acquire(true, 0.005)).toBe(false);
      sem.release();
      expect(sem.release(true, 0.005)).toBe(false);
      expect(sem.release(true, 0)).toBe(false);
      expect([sem.counter, sem.balance]).toEqual([1, 1]);
      sleep(0.02);
    });
  });

  test('each side is served in arrival order', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 1);
      const log: string[] = [];
      const acquirers = [0, 1, 2].map((i) => spawn(() => { sem.acquire(); log.push(`a${i}`); }));
      sleep(0);
      for (let i = 0; i < 3; i++) sem.release();
      acquirers.forEach((t) => t.wait());
      sem.release();
      const releasers = [0, 1, 2].map((i) => spawn(() => { sem.release(); log.push(`r${i}`); }));
      sleep(0);
      expect(sem.bounded()).toBe(true);
      for (let i = 0; i < 3; i++) sem.acquire();
      releasers.forEach((t) => t.wait());
      expect(log).toEqual(['a0', 'a1', 'a2', 'r0', 'r1', 'r2']);
      expect(sem.counter).toBe(1);
    });
  });

  test('a killed acquirer that was handed a unit gives it back', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 2);
      const a = spawn(() => sem.acquire());
      const b = spawn(() => sem.acquire());
      sleep(0);
      sem.release();   // handed to a
      a.kill();
      expect(b.wait()).toBe(true);
      expect(sem.counter).toBe(0);
      const c = spawn(() => sem.acquire(true, 10));
      sleep(0);
      sem.release();
      c.kill();
      expect(sem.counter).toBe(1);
    });
  });

  test('a killed releaser whose unit was taken undoes its release', async () => {
    await green(() => {
      const sem = new CappedSemaphore(1, 1);
      const r = spawn(() => sem.release());
      sleep(0);
      expect(sem.acquire()).toBe(true);   // takes the count and lets r's unit in: count 1 again
      expect(sem.counter).toBe(1);
      r.kill();                           // r had not run yet: its release is undone
      expect(() => r.wait()).toThrow(GreenletExit);
      expect(sem.counter).toBe(0);
    });
  });

  test('with a zero limit, undoing a release whose unit an acquire already took leaves a debt the next release pays', async () => {
    await green(() => {
      const sem = new CappedSemaphore(0, 0);
      const r = spawn(() => sem.release());
      sleep(0);
      expect(sem.acquire()).toBe(true);   // takes r's unit directly
      r.kill();
      expect(sem.counter).toBe(-1);
      const waiter = spawn(() => sem.acquire(true, 0.01));
      sleep(0);
      expect(sem.release(false)).toBe(true);   // pays the debt; the waiter is not served
      expect(sem.counter).toBe(0);
      expect(waiter.wait()).toBe(false);
    });
  });

  test('hold with using acquires and releases', async () => {
    await green(() => {
      const sem = new CappedSemaphore(1, 1);
      {
        using _ = sem.hold();
        expect(sem.counter).toBe(0);
      }
      expect(sem.counter).toBe(1);
      const h = sem.hold();
      h[Symbol.dispose]();
      h[Symbol.dispose]();
      expect(sem.counter).toBe(1);
    });
  });

  test('plain JavaScript: calls that need not wait work; the others throw NotInGreenThreadError', () => {
    const sem = new CappedSemaphore(1, 1);
    expect(() => sem.release()).toThrow(NotInGreenThreadError);
    expect(() => sem.release()).toThrow(/CappedSemaphore\.release\(\)/);
    expect(sem.release(true, 0)).toBe(false);
    expect(sem.acquire()).toBe(true);
    expect(() => sem.acquire()).toThrow(/CappedSemaphore\.acquire\(\)/);
    expect(sem.acquire(true, 0)).toBe(false);
    expect(sem.release()).toBe(true);
  });

  test('argument validation', async () => {
    for (const [count, limit] of [[1.5, 2], ['1', 2], [1, '2'], [1, undefined], [undefined, 1], [1, null], [NaN, 1]]) {
      expect(() => new CappedSemaphore(count as never, limit as never)).toThrow(TypeError);
    }
    expect(() => new CappedSemaphore(-1, 2)).toThrow(RangeError);
    expect(() => new CappedSemaphore(0, -1)).toThrow(RangeError);
    expect(() => new CappedSemaphore(3, 2)).toThrow(/cannot be more than limit/);
    await green(() => {
      const sem = new CappedSemaphore(1, 2);
      for (const call of [sem.acquire, sem.release]) {
        expect(() => call.call(sem, 'yes' as never)).toThrow(TypeError);
        expect(() => call.call(sem, true, '1' as never)).toThrow(TypeError);
        expect(() => call.call(sem, true, -3)).toThrow(RangeError);
        expect(() => call.call(sem, false, 1)).toThrow(TypeError);
      }
      expect(sem.counter).toBe(1);
    });
  });
});

// Property-style: seeded random mixes of blocking, timed and non-blocking calls, outer
// Timeouts and kills (some of them landing just after a hand-over). Whatever the interleaving,
// no unit is lost or invented.
function lcg(seed: number): (n: number) => number {
  let state = seed >>> 0;
  // High bits: an LCG's low bits cycle.
  return (n) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return (state >>> 16) % n; };
}

describe('random interleavings', () => {
  test.each([1, 2, 3, 4, 5, 6])('Semaphore, seed %i: never more holders than units, every unit back at the end', async (seed) => {
    const rand = lcg(seed);
    const result = await green(() => {
      const units = 3;
      const sem = rand(2) === 0 ? new Semaphore(units) : new BoundedSemaphore(units);
      let held = 0;
      let overflows = 0;
      const worker = () => {
        for (let step = 0; step < 15; step++) {
          let got: boolean;
          const mode = rand(4);
          try {
            if (mode === 0) got = sem.acquire(false);
            else if (mode === 1) got = sem.acquire(true, rand(3) / 1000);
            else {
              using _t = new Timeout(rand(4) / 1000);
              got = sem.acquire();
            }
          } catch (error) {
            if (!Timeout.isTimeout(error)) throw error;
            continue;
          }
          if (!got) { sleep(0); continue; }
          held++;
          if (held > units) overflows++;
          try {
            if (rand(2) === 0) sleep(0); else sleep(rand(2) / 1000);
          } finally {
            held--;
            sem.release();
          }
        }
      };
      const workers = Array.from({ length: 12 }, () => spawn(worker));
      const killer = spawn(() => {
        for (let k = 0; k < 8; k++) {
          if (rand(2) === 0) sleep(0); else sleep(rand(2) / 1000);
          workers[rand(workers.length)].kill();
        }
      });
      killer.wait();
      for (const w of workers) { try { w.wait(); } catch { /* killed */ } }
      return { held, overflows, counter: sem.counter, balance: sem.balance };
    });
    expect(result).toEqual({ held: 0, overflows: 0, counter: 3, balance: 3 });
    expect(reported).toEqual([]);
  });

  test.each([1, 2, 3, 4, 5, 6])('CappedSemaphore, seed %i: the count always equals initial + releases − acquires that returned true', async (seed) => {
    const rand = lcg(seed);
    const result = await green(() => {
      const limit = rand(3);
      const initial = rand(limit + 1);
      const sem = new CappedSemaphore(initial, limit);
      let releases = 0;
      let acquires = 0;
      // Every call is bounded (non-blocking, timed, or under a Timeout), so nobody is left
      // waiting forever when the other side's threads have ended.
      const call = (op: () => boolean, timed: (s: number) => boolean, mode: number): boolean => {
        if (mode === 0) return op();
        if (mode === 1) return timed(rand(3) / 1000);
        try {
          using _t = new Timeout(rand(4) / 1000);
          return timed(-1);
        } catch (error) {
          if (!Timeout.isTimeout(error)) throw error;
          return false;
        }
      };
      const producer = () => {
        for (let step = 0; step < 15; step++) {
          if (call(() => sem.release(false), (s) => sem.release(true, s), rand(3))) releases++;
          if (rand(2) === 0) sleep(0);
        }
      };
      const consumer = () => {
        for (let step = 0; step < 15; step++) {
          if (call(() => sem.acquire(false), (s) => sem.acquire(true, s), rand(3))) acquires++;
          if (rand(2) === 0) sleep(0);
        }
      };
      const threads = Array.from({ length: 10 }, (_, i) => spawn(i % 2 === 0 ? producer : consumer));
      const killer = spawn(() => {
        for (let k = 0; k < 6; k++) {
          if (rand(2) === 0) sleep(0); else sleep(rand(2) / 1000);
          threads[rand(threads.length)].kill();
        }
      });
      killer.wait();
      for (const t of threads) { try { t.wait(); } catch { /* killed */ } }
      return { consistent: sem.counter === initial + releases - acquires, state: String(sem) };
    });
    expect(result.consistent).toBe(true);
    expect(result.state).toMatch(/acquiring=0, releasing=0/);
    expect(reported).toEqual([]);
  });
});
