// eventlet's tests/greenpool_test.py (GreenPool part) restated in greenthread's API: spawn and
// spawnN through a bounded pool, blocking spawns, the reentrant inline spawn, waitAll, the
// running/free/waiting counters, resize, exceptions, imap/starmap (order, zip, null function,
// a throwing element, bounded read-ahead on endless input). Nothing here depends on timing:
// ordering comes from the hub's FIFO run queue, and gates open when the test says so.
import {
  GreenletExit, GreenPool, GreenThread, NotInGreenThreadError, Timeout, getCurrent, hub, sleep, spawn, waitFor,
} from '../../src';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Gate, captureReported, green, makePassthru, stepThrough } from '../helpers';

const reported = captureReported();

/** Counts how many calls of `fn` are inside it at once. */
function concurrencyProbe<A extends unknown[], R>(fn: (...args: A) => R) {
  const probe = {
    active: 0,
    max: 0,
    call: (...args: A): R => {
      probe.active++;
      probe.max = Math.max(probe.max, probe.active);
      try {
        return fn(...args);
      } finally {
        probe.active--;
      }
    },
  };
  return probe;
}

describe('construction', () => {
  test('size defaults to 1000 and is readable; 0 and integral floats are fine', () => {
    expect(new GreenPool().size).toBe(1000);
    expect(new GreenPool(0).size).toBe(0);
    expect(new GreenPool(1).size).toBe(1);
    expect(new GreenPool(1e3).size).toBe(1000);
    const pool = new GreenPool(7);
    expect(pool.free()).toBe(7);
    expect(pool.running()).toBe(0);
    expect(pool.waiting()).toBe(0);
  });

  test('a non-integer size is a TypeError, a negative one a RangeError (constructor and resize)', () => {
    for (const bad of ['foo', '4', 2.5, NaN, Infinity, null, {}, 10n]) {
      expect(() => new GreenPool(bad as never)).toThrow(TypeError);
      expect(() => new GreenPool(3).resize(bad as never)).toThrow(TypeError);
    }
    expect(() => new GreenPool(-1)).toThrow(RangeError);
    expect(() => new GreenPool(3).resize(-1)).toThrow(RangeError);
    expect(() => new GreenPool('foo' as never)).toThrow(/new GreenPool\(\): size must be an integer, got string "foo"/);
  });

  test('spawn, spawnN, imap and starmap reject a non-function', () => {
    const pool = new GreenPool(2);
    expect(() => pool.spawn(42 as never)).toThrow(TypeError);
    expect(() => pool.spawnN('x' as never)).toThrow(TypeError);
    expect(() => pool.imap(42 as never, [1])).toThrow(TypeError);
    expect(() => pool.starmap({} as never, [[1]])).toThrow(TypeError);
    expect(() => pool.imap((x: number) => x, 5 as never)).toThrow(/iterable 1 must be iterable/);
    expect(() => pool.imap((x: number, y: number) => x + y, [1], null as never)).toThrow(/iterable 2 must be iterable/);
    expect(() => pool.starmap((x: number) => x, undefined as never)).toThrow(TypeError);
    // Nothing was taken by the refused calls.
    expect(pool.free()).toBe(2);
  });
});

describe('spawn and spawnN', () => {
  test('results come back through each handle, whatever the interleaving', async () => {
    const results = await green(() => {
      const pool = new GreenPool(4);
      const passthru = makePassthru(7);
      const threads = Array.from({ length: 10 }, (_, i) => pool.spawn(passthru, i));
      expect(threads.every((t) => t instanceof GreenThread)).toBe(true);
      return threads.map((t) => t.wait());
    });
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('never more than size members run at once, and the pool is used to the full', async () => {
    const probe = concurrencyProbe(makePassthru(3));
    const pool = new GreenPool(3);
    let runningSeen = 0;
    await green(() => {
      for (let i = 0; i < 30; i++) {
        pool.spawn((n: number) => {
          runningSeen = Math.max(runningSeen, pool.running());
          return probe.call(n);
        }, i);
      }
      pool.waitAll();
    });
    expect(probe.max).toBe(3);
    expect(runningSeen).toBe(3);
    expect(pool.running()).toBe(0);
    expect(pool.free()).toBe(3);
  });

  test('spawnN runs everything; waitAll waits for it', async () => {
    const done: number[] = [];
    await green(() => {
      const pool = new GreenPool(4);
      const passthru = makePassthru(11);
      for (let i = 0; i < 10; i++) pool.spawnN((n: number) => { done.push(passthru(n)); }, i);
      pool.waitAll();
    });
    expect(done.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('spawn into a full pool blocks the spawner until a member ends', async () => {
    const log: string[] = [];
    await green(() => {
      const pool = new GreenPool(2);
      const gate = new Gate();
      const member = (name: string) => { log.push(`${name} starts`); gate.wait(); log.push(`${name} ends`); };
      const spawner = spawn(() => {
        for (const name of ['a', 'b', 'c']) {
          pool.spawn(member, name);
          log.push(`spawned ${name}`);
        }
      });
      sleep(0);
      sleep(0);
      // a and b hold both slots; the spawner is stuck on c.
      expect(log).toEqual(['spawned a', 'spawned b', 'a starts', 'b starts']);
      expect([pool.running(), pool.free(), pool.waiting()]).toEqual([2, 0, 1]);
      gate.open();
      spawner.wait();
      pool.waitAll();
    });
    expect(log.indexOf('spawned c')).toBeGreaterThan(log.indexOf('a ends'));
    expect(log.filter((l) => l.endsWith('ends'))).toHaveLength(3);
  });

  test('spawners blocked on a full pool get slots in the order they blocked', async () => {
    const order: string[] = [];
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      pool.spawn(() => gate.wait());
      const spawners = ['first', 'second', 'third'].map((name) => spawn(() => {
        pool.spawn(() => { order.push(name); });
      }));
      sleep(0);
      expect(pool.waiting()).toBe(3);
      gate.open();
      for (const s of spawners) s.wait();
      pool.waitAll();
    });
    expect(order).toEqual(['first', 'second', 'third']);
  });

  test('producer and consumer in one pool interleave as their waits dictate', async () => {
    const results: string[] = [];
    await green(() => {
      const gate = new Gate();
      const pool = new GreenPool(2);
      const done = pool.spawn(() => { results.push('cons1'); gate.wait(); results.push('cons2'); });
      pool.spawnN(() => { results.push('prod'); gate.open(); });
      done.wait();
    });
    expect(results).toEqual(['cons1', 'prod', 'cons2']);
  });

  test('free counts slots as spawns take them; a full pool makes spawnN yield', async () => {
    await green(() => {
      const pool = new GreenPool(2);
      const seen: number[] = [];
      const record = (n: number) => { seen.push(n); };
      expect(pool.free()).toBe(2);
      const g = pool.spawn(record, 1);
      expect(pool.free()).toBe(1);
      g.wait();
      expect(seen).toEqual([1]);
      expect(pool.free()).toBe(2);  // the slot is back as soon as the member has ended

      pool.spawnN(record, 2);
      expect(pool.free()).toBe(1);
      pool.spawnN(record, 3);
      expect(pool.free()).toBe(0);
      expect(seen).toEqual([1]);    // nothing ran yet: spawning does not yield...
      pool.spawnN(record, 4);       // ...until the pool is full
      expect(new Set(seen)).toEqual(new Set([1, 2, 3]));
      sleep(0);
      expect(new Set(seen)).toEqual(new Set([1, 2, 3, 4]));
    });
  });

  test('from plain JavaScript: spawn works while there is room, and throws when it would block', async () => {
    const pool = new GreenPool(1);
    const g = pool.spawn((x: number) => x * 2, 21);
    expect(pool.free()).toBe(0);
    expect(() => pool.spawn(() => 0)).toThrow(NotInGreenThreadError);
    expect(() => pool.spawnN(() => 0)).toThrow(/GreenPool.spawnN\(\) blocks/);
    expect(pool.waiting()).toBe(0);
    expect(await g).toBe(42);
    expect(pool.free()).toBe(1);
  });

  test('a member that is killed or cancelled before it starts gives its slot back', async () => {
    const ran: string[] = [];
    await green(() => {
      const pool = new GreenPool(1);
      const a = pool.spawn(() => { ran.push('a'); });
      expect(pool.free()).toBe(0);
      a.kill();
      expect([pool.free(), pool.running()]).toEqual([1, 0]);
      expect(() => a.wait()).toThrow(GreenletExit);
      const b = pool.spawn(() => { ran.push('b'); });
      b.cancel(new Error('never mind'));
      expect([pool.free(), pool.running()]).toEqual([1, 0]);
      expect(() => b.wait()).toThrow('never mind');
      pool.waitAll();
    });
    expect(ran).toEqual([]);
  });

  test('a member killed while it runs gives its slot back, and a blocked spawner gets it', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      const victim = pool.spawn(() => gate.wait());
      const spawner = spawn(() => pool.spawn(() => 'next').wait());
      sleep(0);
      expect(pool.waiting()).toBe(1);
      victim.kill();
      expect(spawner.wait()).toBe('next');
      expect(pool.free()).toBe(1);
    });
  });

  test('the slot is free before the member\'s links run, as eventlet frees it in the first link', async () => {
    const seen: number[][] = [];
    await green(() => {
      const pool = new GreenPool(1);
      const g = pool.spawn(() => sleep(0));
      g.link(() => { seen.push([pool.free(), pool.running()]); });
      g.wait();
    });
    expect(seen).toEqual([[1, 0]]);
  });

  test('a spawner handed a slot and killed before using it passes the slot on', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      pool.spawn(() => gate.wait());
      const first = spawn(() => pool.spawn(() => 'first').wait());
      const second = spawn(() => pool.spawn(() => 'second').wait());
      sleep(0);
      expect(pool.waiting()).toBe(2);
      gate.open();
      sleep(0);  // the member ends and hands its slot to `first`, which has not run yet
      expect(pool.waiting()).toBe(1);
      first.kill();
      expect(() => first.wait()).toThrow(GreenletExit);
      expect(second.wait()).toBe('second');
      pool.waitAll();
      expect([pool.free(), pool.running(), pool.waiting()]).toEqual([1, 0, 0]);
    });
  });

  test('a Timeout interrupts a spawn blocked on a full pool and costs no slot', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      pool.spawn(() => gate.wait());
      const timeout = new Timeout(0.001);
      expect(() => pool.spawn(() => 'late')).toThrow(Timeout);
      timeout.cancel();
      expect(pool.waiting()).toBe(0);
      gate.open();
      expect(pool.spawn(() => 'resumed').wait()).toBe('resumed');
      expect(pool.free()).toBe(1);
    });
  });
});

describe('reentrant spawn', () => {
  test('a member spawning into its own full pool runs the function inline and gets a finished handle', async () => {
    const log: string[] = [];
    await green(() => {
      const pool = new GreenPool(1);
      const outer = pool.spawn(() => {
        const me = getCurrent();
        const inner = pool.spawn((a: string) => {
          log.push(`inline in the member: ${getCurrent() === me}`);
          return a;
        }, 'reenter');
        log.push('spawn returned');
        expect(inner).toBeInstanceOf(GreenThread);
        expect([inner.dead, inner.started]).toEqual([true, true]);
        expect(inner.wait()).toBe('reenter');
        expect(pool.running()).toBe(1);  // the inline call took no slot
        return 'outer done';
      });
      expect(outer.wait()).toBe('outer done');
    });
    expect(log).toEqual(['inline in the member: true', 'spawn returned']);
  });

  test('the inline handle carries an exception like a spawned member: wait() rethrows, hub.onError hears', async () => {
    const boom = new Error('inline boom');
    await green(() => {
      const pool = new GreenPool(1);
      pool.spawn(() => {
        const inner = pool.spawn(() => { throw boom; });
        expect(inner.dead).toBe(true);
        expect(() => inner.wait()).toThrow(boom);
        let linked: unknown = null;
        inner.link((g) => { linked = g; });
        expect(linked).toBe(inner);
      }).wait();
    });
    expect(reported).toEqual([boom]);
  });

  test('reentrant spawnN runs inline too and reports an exception instead of throwing', async () => {
    const boom = new Error('spawnN boom');
    const log: string[] = [];
    await green(() => {
      const pool = new GreenPool(1);
      pool.spawnN(() => {
        pool.spawnN((a: string) => { log.push(a); }, 'reenter');
        pool.spawnN(() => { throw boom; });
        log.push('after');
      });
      pool.waitAll();
    });
    expect(log).toEqual(['reenter', 'after']);
    expect(reported).toEqual([boom]);
  });

  test('a GreenletExit or Timeout inside the inline call is aimed at the caller and propagates', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const exit = new GreenletExit('stop');
      pool.spawn(() => {
        expect(() => pool.spawn(() => { throw exit; })).toThrow(exit);
        const timeout = new Timeout(0.001);
        expect(() => pool.spawn(() => sleep(1))).toThrow(timeout);
      }).wait();
    });
    expect(reported).toEqual([]);
  });

  test('a member spawning into its own pool while there is room spawns normally', async () => {
    await green(() => {
      const pool = new GreenPool(2);
      pool.spawn(() => {
        const inner = pool.spawn(() => 'child');
        expect(inner.started).toBe(false);
        expect(pool.running()).toBe(2);
        expect(inner.wait()).toBe('child');
      }).wait();
    });
  });
});

describe('exceptions', () => {
  test('a member that throws frees its slot, for spawn and spawnN, Error or GreenletExit', async () => {
    await green(() => {
      const pool = new GreenPool(2);
      const raiser = (error: Error) => { throw error; };
      const failure = new Error('member failed');
      const methods = [(e: Error) => { pool.spawn(raiser, e); }, (e: Error) => pool.spawnN(raiser, e)];
      for (const start of methods) {
        start(failure);
        expect(pool.free()).toBe(1);
        pool.waitAll();
        expect(pool.free()).toBe(2);
        start(new GreenletExit());
        expect(pool.free()).toBe(1);
        pool.waitAll();
        expect(pool.free()).toBe(2);
      }
      const g = pool.spawn(raiser, failure);
      expect(() => g.wait()).toThrow(failure);
    });
    // Reported like any spawned thread's exception; GreenletExit never is.
    expect(reported).toEqual([new Error('member failed'), new Error('member failed'), new Error('member failed')]);
  });
});

describe('waitAll', () => {
  test('returns at once on an idle pool, from green threads and plain JavaScript alike', async () => {
    new GreenPool().waitAll();
    new GreenPool(0).waitAll();
    await green(() => new GreenPool().waitAll());
  });

  test('waits for members and for spawns still blocked on a slot when it was called', async () => {
    const log: string[] = [];
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      spawn(() => {
        pool.spawn(() => { gate.wait(); log.push('a'); });
        pool.spawn(() => { sleep(0); log.push('b'); });  // blocks until a has ended
      });
      sleep(0);
      expect([pool.running(), pool.waiting()]).toEqual([1, 1]);
      const waiter = spawn(() => { pool.waitAll(); log.push('waitAll returned'); });
      sleep(0);
      gate.open();
      waiter.wait();
    });
    expect(log).toEqual(['a', 'b', 'waitAll returned']);
  });

  test('several waiters are all released', async () => {
    const returned = await green(() => {
      const pool = new GreenPool(2);
      const passthru = makePassthru(5);
      for (let i = 0; i < 6; i++) pool.spawn(passthru, i);
      const waiters = [1, 2, 3].map((n) => spawn(() => { pool.waitAll(); return n; }));
      return waiters.map((w) => w.wait());
    });
    expect(returned).toEqual([1, 2, 3]);
  });

  test('from inside a member it throws a clear Error instead of waiting for itself', async () => {
    await green(() => {
      const pool = new GreenPool();
      const g = pool.spawn(() => pool.waitAll());
      expect(() => g.wait()).toThrow(/waitAll\(\) was called from one of the pool's own green threads/);
    });
  });

  test('from plain JavaScript while members run it throws NotInGreenThreadError', async () => {
    const pool = new GreenPool(2);
    const g = pool.spawn(() => 1);
    expect(() => pool.waitAll()).toThrow(NotInGreenThreadError);
    await g;
    pool.waitAll();
  });

  test('a spawner giving up on a size-0 pool leaves it idle and releases waitAll', async () => {
    await green(() => {
      const pool = new GreenPool(0);
      const spawner = spawn(() => pool.spawn(() => 'never'));
      sleep(0);
      expect(pool.waiting()).toBe(1);
      const waiter = spawn(() => pool.waitAll());
      sleep(0);
      expect(waiter.dead).toBe(false);
      spawner.kill();
      waiter.wait();
      expect(pool.waiting()).toBe(0);
    });
  });
});

describe('running, free, waiting', () => {
  test('count members and blocked spawners as eventlet does', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      const waiter = () => pool.spawn(() => gate.wait()).wait();
      expect(pool.running()).toBe(0);
      const threads = [spawn(waiter)];
      sleep(0);
      expect(pool.waiting()).toBe(0);
      threads.push(spawn(waiter));
      sleep(0);
      expect(pool.waiting()).toBe(1);
      threads.push(spawn(waiter));
      sleep(0);
      expect([pool.waiting(), pool.running(), pool.free()]).toEqual([2, 1, 0]);
      gate.open();
      for (const t of threads) t.wait();
      expect([pool.waiting(), pool.running(), pool.free()]).toEqual([0, 0, 1]);
    });
  });
});

describe('resize', () => {
  test('shrinking lets running members finish; free goes negative, then back up', async () => {
    await green(() => {
      const pool = new GreenPool(2);
      const gate = new Gate();
      pool.spawn(() => gate.wait());
      pool.spawn(() => gate.wait());
      expect([pool.free(), pool.running()]).toEqual([0, 2]);
      pool.resize(1);
      expect([pool.size, pool.free(), pool.running()]).toEqual([1, -1, 2]);
      gate.open();
      pool.waitAll();
      expect([pool.free(), pool.running()]).toEqual([1, 0]);
      pool.resize(2);
      expect([pool.size, pool.free(), pool.running()]).toEqual([2, 2, 0]);
    });
  });

  test('after shrinking, no new member starts until the running ones are within the new size', async () => {
    const log: string[] = [];
    await green(() => {
      const pool = new GreenPool(3);
      const gates = [new Gate(), new Gate(), new Gate()];
      for (const gate of gates) pool.spawn(() => gate.wait());
      pool.resize(1);
      const spawner = spawn(() => { pool.spawn(() => { log.push('new member'); }).wait(); });
      sleep(0);
      for (let i = 0; i < 3; i++) {
        expect(pool.waiting()).toBe(1);
        expect(log).toEqual([]);
        gates[i].open();
        sleep(0);
        sleep(0);
      }
      spawner.wait();
      expect(log).toEqual(['new member']);
      expect(pool.free()).toBe(1);
    });
  });

  test('growing hands the new slots to blocked spawners at once', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      pool.spawn(() => gate.wait());
      const spawners = [1, 2, 3].map((n) => spawn(() => pool.spawn(() => { gate.wait(); return n; }).wait()));
      sleep(0);
      expect([pool.waiting(), pool.free()]).toEqual([3, 0]);
      pool.resize(3);
      expect([pool.waiting(), pool.free()]).toEqual([1, 0]);
      sleep(0);
      expect(pool.running()).toBe(3);
      gate.open();
      expect(spawners.map((s) => s.wait())).toEqual([1, 2, 3]);
      expect(pool.free()).toBe(3);
    });
  });

  test('a size-0 pool holds spawners until it grows', async () => {
    await green(() => {
      const pool = new GreenPool(0);
      const spawner = spawn(() => pool.spawn(() => 'finally').wait());
      sleep(0);
      sleep(0);
      expect([pool.waiting(), pool.running()]).toEqual([1, 0]);
      pool.resize(1);
      expect(spawner.wait()).toBe('finally');
    });
  });
});

describe('imap', () => {
  test('yields results in input order while calls finish in any order', async () => {
    const results = await green(() => [...new GreenPool(4).imap(makePassthru(13), Array.from({ length: 10 }, (_, i) => i))]);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('an empty input ends at once', async () => {
    await green(() => {
      const it = new GreenPool(4).imap((x: number) => x, []);
      expect(it.next()).toEqual({ value: undefined, done: true });
      expect(it.next()).toEqual({ value: undefined, done: true });
      expect([...new GreenPool(4).imap((() => 1) as () => number)]).toEqual([]);  // no iterables at all
    });
  });

  test('several iterables are zipped, stopping at the shortest, which closes the others', async () => {
    let closed = false;
    function* letters() {
      try {
        yield* 'abcdefgh';
      } finally {
        closed = true;
      }
    }
    const results = await green(() => {
      const passthru2 = (a: number, b: string) => { sleep(0); return `${a}${b}`; };
      return [...new GreenPool(4).imap(passthru2, [1, 2, 3], letters())];
    });
    expect(results).toEqual(['1a', '2b', '3c']);
    expect(closed).toBe(true);
  });

  test('fn === null yields the zipped tuples', async () => {
    await green(() => {
      const pool = new GreenPool(4);
      expect([...pool.imap(null, [0, 1, 2])]).toEqual([[0], [1], [2]]);
      expect([...pool.imap(null, [0, 1, 2], 'xyz', [true, false])]).toEqual([[0, 'x', true], [1, 'y', false]]);
    });
  });

  test('a call that threw rethrows at its position, and iteration continues after it', async () => {
    const results = await green(() => {
      const raiser = (item: number) => {
        sleep(0);
        if (item === 1 || item === 7) throw new Error('intentional error');
        return item;
      };
      const it = new GreenPool(4).imap(raiser, Array.from({ length: 10 }, (_, i) => i));
      return stepThrough(it, (error) => ((error as Error).message === 'intentional error' ? 'r' : 'unexpected'));
    });
    expect(results).toEqual([0, 'r', 2, 3, 4, 5, 6, 'r', 8, 9]);
    expect(reported).toEqual([]);  // delivered to the consumer, not reported
  });

  test('an input that throws: earlier results, then its error at its position, then the end', async () => {
    const failure = new Error('input broke');
    function* broken() {
      yield 1;
      yield 2;
      throw failure;
    }
    await green(() => {
      const it = new GreenPool(3).imap((x: number) => x * 10, broken());
      expect(it.next()).toEqual({ value: 10, done: false });
      expect(it.next()).toEqual({ value: 20, done: false });
      expect(() => it.next()).toThrow(failure);
      expect(it.next()).toEqual({ value: undefined, done: true });
    });
  });

  test('when one zipped input throws, the others are closed', async () => {
    const failure = new Error('left broke');
    let rightClosed = false;
    function* left() {
      yield 1;
      throw failure;
    }
    function* right() {
      try {
        yield* [10, 20, 30];
      } finally {
        rightClosed = true;
      }
    }
    await green(() => {
      const it = new GreenPool(2).imap((a: number, b: number) => a + b, left(), right());
      expect(it.next()).toEqual({ value: 11, done: false });
      expect(() => it.next()).toThrow(failure);
      expect(it.next().done).toBe(true);
    });
    expect(rightClosed).toBe(true);
  });

  test('at most size calls at once, and the limit is reached when the calls block', async () => {
    const probe = concurrencyProbe((x: number) => { sleep(0); sleep(0); return x; });
    const results = await green(() => [...new GreenPool(3).imap(probe.call, Array.from({ length: 20 }, (_, i) => i))]);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(probe.max).toBe(3);
  });

  test('an endless input is pulled no more than size items ahead of the consumer', async () => {
    let pulled = 0;
    let closed = false;
    function* naturals() {
      try {
        for (let n = 0; ; n++) {
          pulled++;
          yield n;
        }
      } finally {
        closed = true;
      }
    }
    const size = 5;
    await green(() => {
      const liveBefore = hub.stats().liveGreenThreads;
      const it = new GreenPool(size).imap((n: number) => { sleep(0); return n * n; }, naturals());
      let maxLead = 0;
      for (let consumed = 0; consumed < 50; consumed++) {
        expect(it.next()).toEqual({ value: consumed * consumed, done: false });
        // A slow consumer: workers get every chance to run ahead.
        for (let i = 0; i < 5; i++) sleep(0);
        maxLead = Math.max(maxLead, pulled - (consumed + 1));
      }
      // They did run ahead, but never more than size items.
      expect(maxLead).toBe(size);
      expect(it.return?.()).toEqual({ value: undefined, done: true });
      expect(closed).toBe(true);
      const pulledAtReturn = pulled;
      for (let i = 0; i < 5; i++) sleep(0);
      expect(pulled).toBe(pulledAtReturn);
      expect(it.next()).toEqual({ value: undefined, done: true });
      // Its workers have gone.
      expect(hub.stats().liveGreenThreads).toBe(liveBefore);
    });
  });

  test('breaking out of for…of stops pulling and ends the workers', async () => {
    let pulled = 0;
    function* counter() {
      for (let n = 0; ; n++) {
        pulled++;
        yield n;
      }
    }
    await green(() => {
      const liveBefore = hub.stats().liveGreenThreads;
      const seen: number[] = [];
      for (const x of new GreenPool(4).imap((n: number) => { sleep(0); return n; }, counter())) {
        seen.push(x);
        if (x === 9) break;
      }
      expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      const pulledAtBreak = pulled;
      expect(pulledAtBreak).toBeLessThanOrEqual(10 + 4);
      for (let i = 0; i < 5; i++) sleep(0);
      expect(pulled).toBe(pulledAtBreak);
      expect(hub.stats().liveGreenThreads).toBe(liveBefore);
    });
  });

  test('an iterator dropped without return() is collected and its parked workers end', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    await green(() => {
      const liveBefore = hub.stats().liveGreenThreads;
      let closed = false;
      function* endless() {
        try {
          for (let n = 0; ; n++) yield n;
        } finally {
          closed = true;
        }
      }
      // Take two results, then forget the iterator; its workers park on the full window.
      const firstTwo = (() => {
        const it = new GreenPool(3).imap((n: number) => { sleep(0); return n; }, endless());
        return [it.next().value, it.next().value];
      })();
      expect(firstTwo).toEqual([0, 1]);
      for (let i = 0; i < 5; i++) sleep(0);
      expect(hub.stats().liveGreenThreads).toBeGreaterThan(liveBefore);
      for (let round = 0; round < 100 && hub.stats().liveGreenThreads > liveBefore; round++) {
        gc();
        waitFor(new Promise((resolve) => setTimeout(resolve, 5)));
      }
      expect(hub.stats().liveGreenThreads).toBe(liveBefore);
      expect(closed).toBe(false);  // the input is left alone: closing it would run its code from a finalizer
    });
  });

  test('an iterator referenced only by a consumer parked in its next() is not closed under it', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const first = await green(() => {
      const slow = (n: number) => {
        // The consumer is parked in next() now: collect, and let finalizers run.
        gc();
        waitFor(new Promise((resolve) => setTimeout(resolve, 5)));
        return n;
      };
      return new GreenPool(2).imap(slow, [7, 8, 9]).next();
    });
    expect(first).toEqual({ value: 7, done: false });
  });

  test('calls that never block run on few threads, even with a large limit', async () => {
    let maxLive = 0;
    const results = await green(() => {
      const out: number[] = [];
      for (const x of new GreenPool(1000).imap((n: number) => n + 1, Array.from({ length: 5000 }, (_, i) => i))) {
        maxLive = Math.max(maxLive, hub.stats().liveGreenThreads);
        out.push(x);
      }
      return out;
    });
    expect(results).toEqual(Array.from({ length: 5000 }, (_, i) => i + 1));
    expect(maxLive).toBeLessThan(10);
  });

  test('a generator input that blocks is never re-entered by two workers', async () => {
    function* slowSource() {
      for (let n = 0; n < 12; n++) {
        sleep(0);  // a generator running while another worker wants the next item would throw
        yield n;
      }
    }
    const results = await green(() => [...new GreenPool(4).imap((n: number) => { sleep(0); return n * 2; }, slowSource())]);
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i * 2));
  });

  test('does not take pool slots: a member can imap over its own full pool', async () => {
    const results = await green(() => {
      const pool = new GreenPool(1);
      return pool.spawn(() => {
        expect(pool.free()).toBe(0);
        const out = [...pool.imap((x: number) => { sleep(0); return x + 1; }, [1, 2, 3])];
        expect(pool.running()).toBe(1);
        return out;
      }).wait();
    });
    expect(results).toEqual([2, 3, 4]);
  });

  test('next() from plain JavaScript throws NotInGreenThreadError while the result is not ready', async () => {
    const pool = new GreenPool(2);
    const it = pool.imap((x: number) => x, [1, 2]);
    expect(() => it.next()).toThrow(NotInGreenThreadError);
    // The iterator is still usable from a green thread.
    expect(await green(() => [...it])).toEqual([1, 2]);
  });

  test('a size-0 pool still maps, one call at a time', async () => {
    const results = await green(() => [...new GreenPool(0).imap((x: number) => x * 3, [1, 2, 3])]);
    expect(results).toEqual([3, 6, 9]);
  });
});

describe('starmap', () => {
  test('calls fn(...args) for each argument array, in order', async () => {
    await green(() => {
      const pool = new GreenPool(4);
      const passthru = makePassthru(17);
      expect([...pool.starmap(passthru, Array.from({ length: 10 }, (_, i) => [i] as [number]))])
        .toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect([...pool.starmap((a: number, b: number) => a * b, [[2, 3], [4, 5]])]).toEqual([6, 20]);
      // Any iterable of arguments will do.
      expect([...pool.starmap((a: string, b: string) => a + b, [new Set(['x', 'y']) as unknown as [string, string]])]).toEqual(['xy']);
    });
  });

  test('fn === null yields the argument arrays', async () => {
    await green(() => {
      expect([...new GreenPool(2).starmap(null, [[1, 2], [3]])]).toEqual([[1, 2], [3]]);
    });
  });

  test('an item that is not an argument list throws a TypeError at its position only', async () => {
    await green(() => {
      const it = new GreenPool(2).starmap((a: number) => a, [[1], 5 as never, [3]]);
      expect(it.next()).toEqual({ value: 1, done: false });
      expect(() => it.next()).toThrow(/each item must be an array of arguments, got number 5/);
      expect(it.next()).toEqual({ value: 3, done: false });
      expect(it.next().done).toBe(true);
    });
  });
});
