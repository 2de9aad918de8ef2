// What console.log, util.inspect and String() show for a GreenPool or GreenPile: one short
// line (size, members running, spawners waiting; results left to take), not internal fields.
import { inspect } from 'node:util';
import { GreenPile, GreenPool, sleep, spawn } from '../../src';
import { Gate, green } from '../helpers';

test('a GreenPool prints its size, running members and waiting spawners', async () => {
  expect(inspect(new GreenPool(4))).toBe('GreenPool(size=4, 0 running, 0 waiting)');
  await green(() => {
    const gate = new Gate();
    const pool = new GreenPool(2);
    pool.spawn(() => gate.wait());
    expect(String(pool)).toBe('GreenPool(size=2, 1 running, 0 waiting)');
    pool.spawn(() => gate.wait());
    spawn(() => pool.spawn(() => gate.wait()));
    sleep(0);
    expect(inspect({ pool })).toBe('{ pool: GreenPool(size=2, 2 running, 1 waiting) }');
    gate.open();
    pool.waitAll();
    expect(String(pool)).toBe('GreenPool(size=2, 0 running, 0 waiting)');
  });
});

test('a GreenPile prints the results left to take, spawns waiting for a slot, and its pool', async () => {
  expect(inspect(new GreenPile(3))).toBe('GreenPile(0 results to take, GreenPool(size=3, 0 running, 0 waiting))');
  await green(() => {
    const gate = new Gate();
    const pile = new GreenPile<number>(1);
    pile.spawn(() => { gate.wait(); return 1; });
    expect(String(pile)).toBe('GreenPile(1 result to take, GreenPool(size=1, 1 running, 0 waiting))');
    spawn(() => pile.spawn(() => 2));
    sleep(0);
    expect(inspect(pile)).toBe('GreenPile(1 result to take, 1 spawn waiting, GreenPool(size=1, 1 running, 1 waiting))');
    gate.open();
    expect([...pile]).toEqual([1, 2]);
    expect(String(pile)).toBe('GreenPile(0 results to take, GreenPool(size=1, 0 running, 0 waiting))');
  });
});
