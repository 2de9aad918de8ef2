// Pool sizes must be safe integers (defect D12): above Number.MAX_SAFE_INTEGER, `free - 1`
// rounds back to `free`, so the slot count is wrong and waitAll() returns early or never.
// checkPoolSize (validate.ts) refuses them with a RangeError.
import { GreenPile, GreenPool } from '../../src';

const tooBig = [2 ** 53, 2 ** 53 + 2, 1e300, Number.MAX_VALUE];

test.each(tooBig)('new GreenPool(%p) is a RangeError', (size) => {
  expect(() => new GreenPool(size)).toThrow(RangeError);
});

test.each(tooBig)('GreenPool.resize(%p) is a RangeError and keeps the size', (size) => {
  const pool = new GreenPool(3);
  expect(() => pool.resize(size)).toThrow(RangeError);
  expect(pool.size).toBe(3);
  expect(pool.free()).toBe(3);
});

test.each(tooBig)('new GreenPile(%p) is a RangeError', (size) => {
  expect(() => new GreenPile(size)).toThrow(RangeError);
});

test('Number.MAX_SAFE_INTEGER itself is a valid size', () => {
  expect(new GreenPool(Number.MAX_SAFE_INTEGER).free()).toBe(Number.MAX_SAFE_INTEGER);
  const pool = new GreenPool(1);
  pool.resize(Number.MAX_SAFE_INTEGER);
  expect(pool.size).toBe(Number.MAX_SAFE_INTEGER);
  expect(new GreenPile(Number.MAX_SAFE_INTEGER).pool.size).toBe(Number.MAX_SAFE_INTEGER);
});
