// The shared argument checks (src/validate.ts) and the public calls that use them: options
// objects (unknown keys are a TypeError naming the key), counts and sizes (safe integers only).
import {
  BoundedSemaphore, CappedSemaphore, configure, GreenPile, GreenPool, PriorityQueue, Semaphore, sleep, withTimeout,
} from '../src';
import { validateCount, validateOptions } from '../src/validate';
import { green, thrownBy } from './helpers';

describe('validateOptions', () => {
  test('undefined and plain objects with known keys pass', () => {
    expect(() => validateOptions(undefined, 'f()', ['a'])).not.toThrow();
    expect(() => validateOptions({}, 'f()', ['a'])).not.toThrow();
    expect(() => validateOptions({ a: 1 }, 'f()', ['a', 'b'])).not.toThrow();
    expect(() => validateOptions(Object.assign(Object.create(null), { b: 2 }), 'f()', ['a', 'b'])).not.toThrow();
    // Made in another realm: still a plain object.
    const vmObject = require('node:vm').runInNewContext('({ a: 1 })') as object;
    expect(() => validateOptions(vmObject, 'f()', ['a'])).not.toThrow();
  });

  test('anything else that is not a plain object is a TypeError naming the call', () => {
    class Options { a = 1; }
    for (const value of [null, 5, 'a', true, [], () => {}, new Options(), new Map()]) {
      const error = thrownBy(() => validateOptions(value, 'f()', ['a']));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/^f\(\): options must be a plain object, got /);
    }
  });

  test('an unknown key is a TypeError naming the key, the call and the keys it takes', () => {
    const error = thrownBy(() => validateOptions({ a: 1, timoutValue: 2 }, 'withTimeout()', ['a', 'timeoutValue']));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe("withTimeout(): unknown option 'timoutValue'; expected one of: a, timeoutValue");
    // A key that would garble the message is escaped and shortened.
    expect(() => validateOptions({ ['x\n'.repeat(50)]: 1 }, 'f()', ['a'])).toThrow(/unknown option 'x\\nx\\n.*…'/);
  });
});

describe('every call that takes options rejects unknown keys', () => {
  test('withTimeout', async () => {
    await green(() => {
      expect(() => withTimeout(1, () => 1, { timoutValue: 2 } as never))
        .toThrow("withTimeout(): unknown option 'timoutValue'; expected one of: timeoutValue");
      expect(() => withTimeout(1, () => 1, null as never)).toThrow(/withTimeout\(\): options must be a plain object, got null/);
      expect(() => withTimeout(1, () => 1, [] as never)).toThrow(TypeError);
      expect(withTimeout(0.001, () => sleep(1), { timeoutValue: 'late' })).toBe('late');
      expect(withTimeout(1, () => 'ok', {})).toBe('ok');
    });
  });

  test('PriorityQueue', () => {
    expect(() => new PriorityQueue(null, { comparator: (a: number, b: number) => a - b } as never))
      .toThrow("new PriorityQueue(): unknown option 'comparator'; expected one of: compare");
    expect(() => new PriorityQueue(null, 'x' as never)).toThrow(TypeError);
    const q = new PriorityQueue<number>(null, { compare: (a, b) => b - a });
    q.putNowait(1);
    q.putNowait(2);
    expect(q.getNowait()).toBe(2);
  });

  test('configure', () => {
    const before = configure();
    expect(() => configure({ stacksize: 1 << 20 } as never)).toThrow("configure(): unknown option 'stacksize'; expected one of: stackSize");
    expect(() => configure(null as never)).toThrow(/configure\(\): options must be a plain object/);
    expect(configure(undefined)).toEqual(before);
  });
});

describe('validateCount: counts and sizes are safe integers >= 0', () => {
  test('the range', () => {
    expect(validateCount(0, 'f()', 'n')).toBe(0);
    expect(validateCount(Number.MAX_SAFE_INTEGER, 'f()', 'n')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => validateCount(-1, 'f()', 'n')).toThrow(new RangeError('f(): n must be >= 0, got -1'));
    expect(() => validateCount(2 ** 53, 'f()', 'n')).toThrow(RangeError);
    for (const value of [1.5, NaN, Infinity, '3', null, undefined, 3n]) {
      expect(() => validateCount(value, 'f()', 'n')).toThrow(TypeError);
    }
  });

  // D12: a pool size above MAX_SAFE_INTEGER was accepted, and then `free - 1 === free` broke
  // waitAll() (it returned early, or never).
  test.each([2 ** 53, 2 ** 53 + 2, 1e300])('GreenPool, resize and GreenPile refuse %p with RangeError (D12)', (size) => {
    expect(() => new GreenPool(size)).toThrow(RangeError);
    expect(() => new GreenPool(size)).toThrow(/new GreenPool\(\): size must be at most Number\.MAX_SAFE_INTEGER/);
    const pool = new GreenPool(2);
    expect(() => pool.resize(size)).toThrow(/GreenPool\.resize\(\): size must be at most Number\.MAX_SAFE_INTEGER/);
    expect(pool.size).toBe(2);
    expect(() => new GreenPile(size)).toThrow(/new GreenPile\(\): sizeOrPool must be at most Number\.MAX_SAFE_INTEGER/);
  });

  test('a pool of MAX_SAFE_INTEGER slots still waits for all its members', async () => {
    const done = await green(() => {
      const pool = new GreenPool(Number.MAX_SAFE_INTEGER);
      let ended = 0;
      for (let i = 0; i < 3; i++) pool.spawnN(() => { sleep(0.001); ended++; });
      pool.waitAll();
      return ended;
    });
    expect(done).toBe(3);
  });

  test('the semaphores use the same check', () => {
    expect(() => new Semaphore(2 ** 53)).toThrow(/new Semaphore\(\): value must be at most Number\.MAX_SAFE_INTEGER/);
    expect(() => new BoundedSemaphore(-1)).toThrow(RangeError);
    expect(() => new CappedSemaphore(1, 1.5)).toThrow(TypeError);
  });
});
