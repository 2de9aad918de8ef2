// What console.log, util.inspect and String() show for a queue: one short line (class, limit,
// items, waiters), never the internal fields.
import { inspect } from 'node:util';
import { LifoQueue, LightQueue, PriorityQueue, Queue, sleep, spawn } from '../../src';
import { green } from '../helpers';

test('a queue prints its class, limit and buffered items', () => {
  const q = new Queue<number>(10);
  q.putNowait(1);
  q.putNowait(2);
  q.putNowait(3);
  expect(inspect(q)).toBe('Queue(maxsize=10, 3 items)');
  expect(String(q)).toBe('Queue(maxsize=10, 3 items)');
  expect(inspect({ q })).toBe('{ q: Queue(maxsize=10, 3 items) }');
  const one = new LightQueue<number>();
  one.putNowait(1);
  expect(inspect(one)).toBe('LightQueue(unbounded, 1 item)');
  expect(inspect(new PriorityQueue())).toBe('PriorityQueue(unbounded, 0 items)');
  expect(inspect(new LifoQueue(0))).toBe('LifoQueue(channel, 0 items)');
  class JobQueue extends Queue<string> {}
  expect(inspect(new JobQueue(5))).toBe('JobQueue(maxsize=5, 0 items)');
});

test('waiting getters and putters are counted, async iterators among the getters', async () => {
  await green(() => {
    const empty = new Queue<number>(1);
    spawn(() => empty.get());
    sleep(0);
    expect(inspect(empty)).toBe('Queue(maxsize=1, 0 items, 1 getter waiting)');
    const full = new Queue<number>(1);
    full.put(0);
    spawn(() => full.put(1));
    spawn(() => full.put(2));
    sleep(0);
    expect(inspect(full)).toBe('Queue(maxsize=1, 1 item, 2 putters waiting)');
    empty.put(1);
    full.get();
    full.get();
    full.get();
  });
  const q = new LightQueue<number>();
  const iterator = q[Symbol.asyncIterator]();
  const next = iterator.next();
  const other = q[Symbol.asyncIterator]().next();
  expect(String(q)).toBe('LightQueue(unbounded, 0 items, 2 getters waiting)');
  q.putNowait(1);
  q.putNowait(2);
  await Promise.all([next, other]);
  expect(String(q)).toBe('LightQueue(unbounded, 0 items)');
});
