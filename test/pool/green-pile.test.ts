// eventlet's tests/greenpool_test.py (GreenPile part) restated in greenthread's API: results in
// spawn order, the empty pile, a spawn interrupted by a Timeout, piles sharing one pool, and
// the ordering stress test; plus what our API adds: async iteration, waits interrupted without
// losing a result, and argument checks. No test depends on timing.
import { GreenletExit, GreenPile, GreenPool, NotInGreenThreadError, Timeout, run, sleep, spawn } from '../../src';
import { Gate, captureReported, green, makePassthru, rng, stepThrough } from '../helpers';

const reported = captureReported();

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('GreenPile', () => {
  test('yields results in spawn order', async () => {
    const results = await green(() => {
      const pile = new GreenPile<number>(4);
      const passthru = makePassthru(3);
      for (let i = 0; i < 10; i++) pile.spawn(passthru, i);
      return [...pile];
    });
    expect(results).toEqual(range(0, 10));
  });

  test('an empty pile ends at once, from a green thread or plain JavaScript', async () => {
    expect([...new GreenPile()]).toEqual([]);
    expect(new GreenPile(2).next()).toEqual({ value: undefined, done: true });
    expect(await green(() => [...new GreenPile(4)])).toEqual([]);
  });

  test('the pile is its own iterator and can be resumed after it ended', async () => {
    await green(() => {
      const pile = new GreenPile<string>(2);
      expect(pile[Symbol.iterator]()).toBe(pile);
      pile.spawn(() => 'a');
      expect([...pile]).toEqual(['a']);
      pile.spawn(() => 'b');
      pile.spawn(() => 'c');
      expect([...pile]).toEqual(['b', 'c']);
    });
  });

  test('a call that threw rethrows at its position; iteration continues after it', async () => {
    const failure = new Error('item 2 failed');
    const results = await green(() => {
      const pile = new GreenPile<number>(3);
      for (let i = 0; i < 5; i++) pile.spawn((n: number) => { sleep(0); if (n === 2) throw failure; return n; }, i);
      return stepThrough(pile, (error) => (error === failure ? 'failed' : 'unexpected'));
    });
    expect(results).toEqual([0, 1, 'failed', 3, 4]);
    expect(reported).toEqual([failure]);  // a pool member's exception, reported as spawn's are
  });

  test('a spawn interrupted by a Timeout while the pool is full leaves the sequence intact', async () => {
    const results = await green(() => {
      const pile = new GreenPile<number | string>(4);
      const gate = new Gate();
      for (let i = 0; i < 4; i++) pile.spawn((n: number) => { gate.wait(); return n; }, i);
      // The pool is full: this spawn blocks until the Timeout fires.
      const timeout = new Timeout(0.001);
      expect(() => pile.spawn((s: string) => s, 'time out')).toThrow(timeout);
      gate.open();
      const passthru = makePassthru(5);
      for (let i = 4; i < 10; i++) pile.spawn(passthru, i);
      return [...pile];
    });
    expect(results).toEqual(range(0, 10));
  });

  test('two piles sharing one pool each keep their own order', async () => {
    const [second, first] = await green(() => {
      const pool = new GreenPool(2);
      const pile1 = new GreenPile<number>(pool);
      const pile2 = new GreenPile<number>(pool);
      expect(pile1.pool).toBe(pool);
      const passthru = makePassthru(9);
      const bunchOfWork = (pile: GreenPile<number>, unique: number) => {
        for (let i = 0; i < 10; i++) pile.spawn(passthru, i + unique);
      };
      spawn(bunchOfWork, pile1, 0);
      spawn(bunchOfWork, pile2, 100);
      sleep(0);
      // Both feeders are blocked on the shared pool now; each pile waits for its own.
      return [[...pile2], [...pile1]];
    });
    expect(second).toEqual(range(100, 110));
    expect(first).toEqual(range(0, 10));
  });

  test('stress: piles stay strictly ordered under three feeders and failing calls', async () => {
    for (const concurrency of [5, 50]) {
      const latest = await green(() => {
        const pile = new GreenPile<[number, number]>(concurrency);
        const random = rng(concurrency);
        class StressError extends Error {
          constructor(readonly token: [number, number]) { super('stress'); }
        }
        const pressure = (token: [number, number]): [number, number] => {
          while (random() < 0.5) sleep(0);
          if (random() < 0.2) throw new StressError(token);
          return token;
        };
        const iterations = 200;
        const makeWork = (unique: number) => {
          for (let i = 0; i < iterations; i++) pile.spawn(pressure, [unique, i]);
        };
        spawn(makeWork, 1);
        spawn(makeWork, 2);
        spawn(makeWork, 3);
        pile.spawn(pressure, [0, 0]);
        const latestSeen = [-1, -1, -1, -1];
        let received = 0;
        for (;;) {
          let token: [number, number];
          try {
            const step = pile.next();
            if (step.done) break;
            token = step.value;
          } catch (error) {
            token = (error as StressError).token;
          }
          received++;
          if (received % 5 === 0) sleep(0);
          const [unique, order] = token;
          expect(order).toBeGreaterThan(latestSeen[unique]);
          latestSeen[unique] = order;
        }
        return latestSeen;
      });
      expect(latest.slice(1)).toEqual([199, 199, 199]);
    }
  });

  test('over a full pool a member spawns inline into the pile, in order', async () => {
    const results = await green(() => {
      const pool = new GreenPool(1);
      return pool.spawn(() => {
        const pile = new GreenPile<string>(pool);
        pile.spawn(() => 'inline 1');
        pile.spawn(() => 'inline 2');
        return [...pile];
      }).wait();
    });
    expect(results).toEqual(['inline 1', 'inline 2']);
  });

  test('a consumer waiting for a spawn that gives up sees the end instead of hanging', async () => {
    await green(() => {
      const pool = new GreenPool(1);
      const gate = new Gate();
      pool.spawn(() => gate.wait());  // fills the pool, outside the pile
      const pile = new GreenPile<string>(pool);
      const spawner = spawn(() => pile.spawn(() => 'never'));
      const consumer = spawn(() => pile.next());
      sleep(0);
      expect(consumer.dead).toBe(false);  // waiting for the spawner's handle
      spawner.kill();
      expect(consumer.wait()).toEqual({ value: undefined, done: true });
      gate.open();
    });
  });

  test('a wait for a result that is interrupted leaves the result in the pile', async () => {
    const results = await green(() => {
      const pile = new GreenPile<string>(2);
      const gate = new Gate();
      pile.spawn(() => { gate.wait(); return 'first'; });
      pile.spawn(() => 'second');
      const consumer = spawn(() => pile.next());
      sleep(0);
      consumer.kill();
      expect(() => consumer.wait()).toThrow(GreenletExit);
      const timeout = new Timeout(0.001);
      expect(() => pile.next()).toThrow(timeout);
      gate.open();
      return [...pile];
    });
    expect(results).toEqual(['first', 'second']);
  });

  test('next() from plain JavaScript: finished results are returned, a pending one throws and stays', async () => {
    const pile = new GreenPile<number>(3);
    const gate = new Gate();
    pile.spawn(() => 1);
    pile.spawn(() => { gate.wait(); return 2; });
    await pile.pool.spawn(() => undefined);  // let a hub turn run: the first call has ended
    expect(pile.next()).toEqual({ value: 1, done: false });
    expect(() => pile.next()).toThrow(NotInGreenThreadError);
    gate.open();
    expect(await green(() => [...pile])).toEqual([2]);
  });

  test('bad arguments are refused and change nothing', async () => {
    for (const bad of ['x', 1.5, NaN, null, {}, [3]]) {
      expect(() => new GreenPile(bad as never)).toThrow(TypeError);
    }
    expect(() => new GreenPile(-1)).toThrow(RangeError);
    expect(() => new GreenPile('x' as never)).toThrow(/new GreenPile\(\): sizeOrPool must be a GreenPool or a size/);
    expect(new GreenPile().pool.size).toBe(1000);
    expect(new GreenPile(0).pool.size).toBe(0);
    const pile = new GreenPile(2);
    expect(() => pile.spawn(42 as never)).toThrow(/GreenPile.spawn\(\): fn must be a function/);
    expect(pile.pool.free()).toBe(2);
    expect([...pile]).toEqual([]);
  });
});

describe('GreenPile async iteration', () => {
  test('for await yields the results in spawn order from plain async code', async () => {
    const pile = new GreenPile<number>(3);
    const passthru = makePassthru(21);
    for (let i = 0; i < 3; i++) pile.spawn(passthru, i);  // room in the pool: fine from plain JS
    const out: number[] = [];
    for await (const value of pile) out.push(value);
    expect(out).toEqual([0, 1, 2]);
  });

  test('waits for a feeder that is blocked on a full pool', async () => {
    const pile = new GreenPile<number>(3);
    let startedFeeding!: () => void;
    const started = new Promise<void>((resolve) => { startedFeeding = resolve; });
    const passthru = makePassthru(23);
    const feeder = run(() => {
      pile.spawn(passthru, 0);
      startedFeeding();
      for (let i = 1; i < 10; i++) pile.spawn(passthru, i);
    });
    await started;
    const out: number[] = [];
    for await (const value of pile) out.push(value);
    await feeder;
    expect(out).toEqual(range(0, 10));
  });

  test('a call that threw rejects at its position; iteration continues after it', async () => {
    const failure = new Error('async failure');
    const pile = new GreenPile<string>(3);
    pile.spawn(() => 'a');
    pile.spawn(() => { throw failure; });
    pile.spawn(() => 'c');
    const it = pile[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 'a', done: false });
    await expect(it.next()).rejects.toBe(failure);
    expect(await it.next()).toEqual({ value: 'c', done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });
});
