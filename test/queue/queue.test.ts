// eventlet's queue behaviours (tests/queue_test.py) restated in greenthread's API, plus what our
// API adds: every method of LightQueue/Queue/PriorityQueue/LifoQueue, channels, resize,
// taskDone/join, getNowait/putNowait from plain JavaScript with parked green threads, killed
// and timed-out waiters never swallowing items, async iteration, and argument checks.
import {
  Empty, Full, GreenletExit, GreenThread, LifoQueue, LightQueue, NotInGreenThreadError,
  PriorityQueue, Queue, Timeout, hub, kill, sleep, spawn, spawnN,
} from '../../src';
import { captureReported, green } from '../helpers';

const reported = captureReported();

/** Lets the event loop and the hub run until `condition()` holds (no time limit: jest's). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** Takes every buffered item with getNowait, in the order the queue gives them. */
function drain<T>(q: LightQueue<T>): T[] {
  const out: T[] = [];
  while (q.qsize() > 0) out.push(q.getNowait());
  return out;
}

/**
 * In a green thread: a channel (maxsize 0) with a green thread `sender` blocked putting 'hi'
 * into it; `sent()` tells whether that put has returned.
 */
function channelWithBlockedPutter(): { q: Queue<string>; sender: GreenThread<void>; sent: () => boolean } {
  const q = new Queue<string>(0);
  let sent = false;
  const sender = spawn(() => { q.put('hi'); sent = true; });
  sleep(0);
  expect(sent).toBe(false);
  return { q, sender, sent: () => sent };
}

describe('put and get (eventlet TestQueue)', () => {
  test('an item put first is got back', async () => {
    await green(() => {
      const q = new Queue<string>();
      q.put('hi');
      expect(q.get()).toBe('hi');
    });
  });

  test('a getter that waits gets the item put later', async () => {
    await green(() => {
      const q = new Queue<string>();
      const getter = spawn(() => q.get());
      sleep(0);
      sleep(0);
      expect(q.getting()).toBe(1);
      q.put('hi2');
      expect(getter.wait()).toBe('hi2');
    });
  });

  test('a bounded queue blocks the putter at maxsize until a get makes room', async () => {
    await green(() => {
      const q = new Queue<string>(2);
      const done: string[] = [];
      const putter = spawn(() => {
        for (const item of ['a', 'b', 'c']) { q.put(item); done.push(item); }
      });
      sleep(0);
      expect(done).toEqual(['a', 'b']);
      expect(q.putting()).toBe(1);
      expect(q.full()).toBe(true);
      expect(q.get()).toBe('a');
      sleep(0);
      expect(done).toEqual(['a', 'b', 'c']);
      expect(q.get()).toBe('b');
      expect(q.get()).toBe('c');
      putter.wait();
    });
  });

  test('several blocked getters each get one of the items put', async () => {
    await green(() => {
      const q = new Queue<string>();
      const sent = ['1', '2', '3', '4'];
      const getters = sent.map(() => spawn(() => q.get()));
      do sleep(0); while (q.getting() < 4);
      for (const item of sent) q.put(item);
      // Ours are served in arrival order (eventlet does not promise an order).
      expect(getters.map((g) => g.wait())).toEqual(sent);
    });
  });

  test('a putter spawned before the get hands its item over', async () => {
    await green(() => {
      const q = new Queue<string>();
      const putter = spawn(() => q.put('sent'));
      expect(q.get()).toBe('sent');
      putter.wait();
    });
  });

  test('getting() counts the green threads blocked in get', async () => {
    await green(() => {
      const q = new Queue<string>();
      const getter = spawn(() => q.get());
      sleep(0);
      expect(q.getting()).toBe(1);
      q.put('hi');
      sleep(0);
      expect(q.getting()).toBe(0);
      expect(getter.wait()).toBe('hi');
      expect(q.getting()).toBe(0);
    });
  });

  test('putting() counts the green threads blocked in put', async () => {
    await green(() => {
      const q = new Queue<number>(1);
      q.put(0);
      const putters = [spawn(() => q.put(1)), spawn(() => q.put(2))];
      sleep(0);
      expect(q.putting()).toBe(2);
      expect([q.get(), q.get(), q.get()]).toEqual([0, 1, 2]);
      putters.forEach((p) => p.wait());
      expect(q.putting()).toBe(0);
    });
  });

  test('a getter that throws right after its get does not disturb the putter', async () => {
    await green(() => {
      const q = new Queue<null>();
      const boom = new Error('after get');
      const getter = spawn(() => { q.get(); throw boom; });
      sleep(0);
      q.put(null);
      sleep(0);
      expect(() => getter.wait()).toThrow(boom);
    });
    expect(reported).toHaveLength(1);
  });

  test('qsize, empty, full and maxsize follow the buffered items', async () => {
    await green(() => {
      const q = new Queue<number>(2);
      expect([q.maxsize, q.qsize(), q.empty(), q.full()]).toEqual([2, 0, true, false]);
      q.put(1);
      expect([q.qsize(), q.empty(), q.full()]).toEqual([1, false, false]);
      q.put(2);
      expect([q.qsize(), q.empty(), q.full()]).toEqual([2, false, true]);
      q.get();
      expect([q.qsize(), q.full()]).toEqual([1, false]);
      const unbounded = new Queue<number>();
      for (let i = 0; i < 1000; i++) unbounded.put(i);
      expect([unbounded.maxsize, unbounded.qsize(), unbounded.full()]).toEqual([null, 1000, false]);
      expect(drain(unbounded)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    });
  });

  test('the ring buffer keeps FIFO order while it wraps and grows', async () => {
    await green(() => {
      const q = new LightQueue<number>();
      const got: number[] = [];
      let next = 0;
      for (let round = 0; round < 50; round++) {
        for (let i = 0; i < (round % 7) + 3; i++) q.put(next++);
        for (let i = 0; i < (round % 5) + 1 && !q.empty(); i++) got.push(q.get());
      }
      got.push(...drain(q));
      expect(got).toEqual(Array.from({ length: next }, (_, i) => i));
    });
  });

  test('hub.threads() shows a blocked getter and putter by call', async () => {
    await green(() => {
      const q = new Queue<number>(0);
      const g = spawn(() => new Queue<number>().get());
      const p = spawn(() => q.put(1));
      sleep(0);
      const where = new Map(hub.threads().map((info) => [info.thread, info.suspendedIn]));
      expect(where.get(g)).toBe('Queue.get()');
      expect(where.get(p)).toBe('Queue.put()');
      g.kill();
      p.kill();
    });
  });

  test('toString describes the queue', () => {
    const q = new PriorityQueue<number>(3);
    q.putNowait(1);
    expect(String(q)).toBe('PriorityQueue(maxsize=3, 1 item)');
  });
});

describe('timeouts and non-blocking calls in green threads', () => {
  test('get(true, timeout) on an empty queue throws Empty and leaves no getter behind', async () => {
    await green(() => {
      const q = new Queue<number>();
      expect(() => q.get(true, 0.005)).toThrow(Empty);
      expect(q.getting()).toBe(0);
      q.put(1);
      expect(q.get(true, 0.005)).toBe(1);
    });
  });

  test('put(item, true, timeout) on a full queue throws Full and the item is not queued', async () => {
    await green(() => {
      const q = new Queue<string>(1);
      q.put('in');
      expect(() => q.put('out', true, 0.005)).toThrow(Full);
      expect(q.putting()).toBe(0);
      expect(q.unfinishedTasks).toBe(1);
      expect(drain(q)).toEqual(['in']);
    });
  });

  test('the timeout message says what ran out', async () => {
    await green(() => {
      expect(() => new Queue().get(true, 0.001)).toThrow(/Queue\.get\(\) timed out after 0\.001 s/);
      const full = new LifoQueue<number>(0);
      expect(() => full.put(1, true, 0.001)).toThrow(/LifoQueue\.put\(\) timed out/);
    });
  });

  test('get(false) and put(item, false) never block', async () => {
    await green(() => {
      const q = new Queue<number>(1);
      expect(() => q.get(false)).toThrow(Empty);
      q.put(1, false);
      expect(() => q.put(2, false)).toThrow(Full);
      expect(() => q.put(2, false, 10)).toThrow(Full);  // timeout ignored without block
      expect(q.get(false, 10)).toBe(1);
    });
  });

  test('an outer Timeout interrupting a get propagates as itself, not Empty', async () => {
    await green(() => {
      const q = new Queue<number>();
      const t = new Timeout(0.005);
      let thrown: unknown;
      try {
        q.get(true, 10);
      } catch (error) {
        thrown = error;
      } finally {
        t.cancel();
      }
      expect(thrown).toBe(t);
      expect(q.getting()).toBe(0);
    });
  });
});

describe('channels (maxsize 0)', () => {
  test('put blocks until a getter takes the item', async () => {
    await green(() => {
      const { q, sender, sent } = channelWithBlockedPutter();
      expect(q.putting()).toBe(1);
      const receiver = spawn(() => q.get());
      expect(receiver.wait()).toBe('hi');
      sender.wait();
      expect(sent()).toBe(true);
    });
  });

  test('a channel is both empty and full', async () => {
    await green(() => {
      const q = new Queue<number>(0);
      expect([q.empty(), q.full(), q.qsize(), q.maxsize]).toEqual([true, true, 0, 0]);
      const p = spawn(() => q.put(5));
      sleep(0);
      expect([q.empty(), q.full(), q.qsize()]).toEqual([true, true, 0]);
      expect(q.get()).toBe(5);
      p.wait();
    });
  });

  test('sending: each put returns after the getter has run with the item', async () => {
    const events: string[] = [];
    await green(() => {
      const channel = new Queue<string>(0);
      const other = spawn(() => { events.push(channel.get()); events.push(channel.get()); });
      events.push('sending');
      channel.put('hello');
      events.push('sent hello');
      channel.put('world');
      events.push('sent world');
      other.wait();
    });
    expect(events).toEqual(['sending', 'hello', 'sent hello', 'world', 'sent world']);
  });

  test('waiting: the getter runs before the putter that handed it the item', async () => {
    const events: string[] = [];
    await green(() => {
      const channel = new Queue<string>(0);
      spawn(() => {
        events.push('sending hello');
        channel.put('hello');
        events.push('sending world');
        channel.put('world');
        events.push('sent world');
      });
      events.push('waiting');
      events.push(channel.get());
      events.push(channel.get());
      expect(events).toEqual(['waiting', 'sending hello', 'hello', 'sending world', 'world']);
      sleep(0);
    });
    expect(events).toEqual(['waiting', 'sending hello', 'hello', 'sending world', 'world', 'sent world']);
  });

  test('three getters and three putters pair up', async () => {
    await green(() => {
      const c = new Queue<number>(0);
      const getters = [spawn(() => c.get()), spawn(() => c.get()), spawn(() => c.get())];
      sleep(0);
      expect(c.getting()).toBe(3);
      const putters = [1, 2, 3].map((n) => spawn(() => c.put(n)));
      putters.forEach((p) => p.wait());
      expect(c.getting()).toBe(0);
      expect(getters.map((g) => g.wait()).sort()).toEqual([1, 2, 3]);
    });
  });

  test('a put with nobody to take it times out with Full; getNowait finds nothing', async () => {
    await green(() => {
      const c = new Queue<string>(0);
      expect(() => c.put('hi', true, 0.001)).toThrow(Full);
      expect(() => c.getNowait()).toThrow(Empty);
      expect(c.putting()).toBe(0);
      expect(c.unfinishedTasks).toBe(0);
    });
  });

  test('killed getters are skipped: the live ones get the items in order', async () => {
    const got: number[] = [];
    await green(() => {
      const q = new Queue<number>(0);
      const bad: GreenThread[] = [];
      for (let i = 0; i < 10; i++) {
        spawn(() => { got.push(q.get()); });
        bad.push(spawn(() => { got.push(q.get()); }));
      }
      sleep(0);
      for (const g of bad) g.kill(new Error('kaboom'));
      for (let i = 0; i < 10; i++) q.put(i);
      sleep(0);
    });
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  test('put(item, false) on a channel hands to a waiting getter, else throws Full', async () => {
    await green(() => {
      const c = new LightQueue<string>(0);
      expect(() => c.put('nobody', false)).toThrow(Full);
      const g = spawn(() => c.get());
      sleep(0);
      c.put('somebody', false);
      expect(g.wait()).toBe('somebody');
    });
  });
});

describe('resize', () => {
  test('growing a channel wakes the blocked putter', async () => {
    await green(() => {
      const { q, sender, sent } = channelWithBlockedPutter();
      q.resize(1);
      expect(q.maxsize).toBe(1);
      sleep(0);
      expect(sent()).toBe(true);
      expect(q.qsize()).toBe(1);
      sender.wait();
    });
  });

  test('resize(null) makes the queue unbounded and wakes every blocked putter', async () => {
    await green(() => {
      const q = new Queue<number>(0);
      const senders = [1, 2, 3].map((n) => spawn(() => q.put(n)));
      sleep(0);
      expect(q.putting()).toBe(3);
      q.resize(null);
      expect(q.maxsize).toBe(null);
      senders.forEach((s) => s.wait());
      expect(drain(q)).toEqual([1, 2, 3]);
    });
  });

  test('growing admits only as many putters as the new room allows, in order', async () => {
    await green(() => {
      const q = new Queue<number>(1);
      q.put(0);
      const senders = [1, 2, 3].map((n) => spawn(() => q.put(n)));
      sleep(0);
      q.resize(3);
      expect(q.putting()).toBe(1);
      expect(q.qsize()).toBe(3);
      expect(drain(q)).toEqual([0, 1, 2, 3]);
      senders.forEach((s) => s.wait());
    });
  });

  test('shrinking keeps the items it has; puts block until it drains below the limit', async () => {
    await green(() => {
      const q = new Queue<number>(5);
      for (let i = 0; i < 5; i++) q.put(i);
      q.resize(1);
      sleep(0);
      expect(q.qsize()).toBe(5);
      expect(q.full()).toBe(true);
      expect(() => q.put(5, false)).toThrow(Full);
      expect(drain(q)).toEqual([0, 1, 2, 3, 4]);
      q.put(5, false);
      expect(q.full()).toBe(true);
    });
  });

  test('a negative size means unbounded; a bad size is a TypeError', () => {
    const q = new Queue<number>(1);
    q.resize(-1);
    expect(q.maxsize).toBe(null);
    expect(() => q.resize(1.5)).toThrow(TypeError);
    expect(() => q.resize('2' as unknown as number)).toThrow(/Queue\.resize\(\): maxsize must be/);
  });
});

describe('taskDone, join and unfinishedTasks', () => {
  test('each item put is a task, on a channel too; taskDone marks it done', async () => {
    await green(() => {
      const channel = new Queue<object>(0);
      const x = {};
      const p = spawn(() => channel.put(x));
      expect(channel.get()).toBe(x);
      expect(channel.unfinishedTasks).toBe(1);
      channel.taskDone();
      expect(channel.unfinishedTasks).toBe(0);
      p.wait();
    });
  });

  test('join returns at once when nothing is unfinished, from plain JavaScript too', async () => {
    const q = new Queue();
    q.join();
    await green(() => q.join());
  });

  test('join blocks until every item is marked done; every joiner wakes', async () => {
    const log: string[] = [];
    await green(() => {
      const q = new Queue<number>();
      for (let i = 0; i < 3; i++) q.put(i);
      expect(q.unfinishedTasks).toBe(3);
      const joiners = [spawn(() => { q.join(); log.push('joined A'); }), spawn(() => { q.join(); log.push('joined B'); })];
      spawn(() => {
        for (let i = 0; i < 3; i++) { q.get(); sleep(0); log.push(`done ${i}`); q.taskDone(); }
      });
      joiners.forEach((j) => j.wait());
    });
    expect(log).toEqual(['done 0', 'done 1', 'done 2', 'joined A', 'joined B']);
  });

  test('join from plain JavaScript with unfinished tasks throws NotInGreenThreadError', () => {
    const q = new Queue<number>();
    q.putNowait(1);
    expect(() => q.join()).toThrow(NotInGreenThreadError);
    expect(() => q.join()).toThrow(/Queue\.join\(\)/);
  });

  test('taskDone past zero is a RangeError', () => {
    const q = new Queue<number>();
    expect(() => q.taskDone()).toThrow(RangeError);
    q.putNowait(1);
    q.getNowait();
    q.taskDone();
    expect(() => q.taskDone()).toThrow(/taskDone\(\) called more times than items were put/);
  });

  test('a killed joiner leaves the others waiting for the count', async () => {
    await green(() => {
      const q = new Queue<number>();
      q.put(1);
      const a = spawn(() => q.join());
      const b = spawn(() => { q.join(); return 'b joined'; });
      sleep(0);
      a.kill();
      q.get();
      q.taskDone();
      expect(b.wait()).toBe('b joined');
    });
  });

  test('LightQueue has no task tracking', () => {
    const q = new LightQueue<number>();
    expect('taskDone' in q).toBe(false);
    expect('join' in q).toBe(false);
    expect('unfinishedTasks' in q).toBe(false);
    expect(new Queue()).toBeInstanceOf(LightQueue);
  });
});

describe('getNowait and putNowait from plain JavaScript (eventlet TestNoWait)', () => {
  test('putNowait: the first fits, the second throws Full', () => {
    const q = new Queue<number>(1);
    const results: unknown[] = [];
    for (const item of [2, 3]) {
      try { q.putNowait(item); results.push('ok'); } catch (e) { results.push(e); }
    }
    expect(results[0]).toBe('ok');
    expect(results[1]).toBeInstanceOf(Full);
  });

  test('getNowait: the item, then Empty', () => {
    const q = new Queue<number>(1);
    q.putNowait(4);
    expect(q.getNowait()).toBe(4);
    expect(() => q.getNowait()).toThrow(Empty);
  });

  test('getNowait on a channel takes the item of a parked putter and wakes it', async () => {
    const q = new Queue<number>(0);
    const p = spawn(() => q.put(5));
    expect([q.empty(), q.full()]).toEqual([true, true]);
    await until(() => q.putting() === 1);
    expect([q.empty(), q.full()]).toEqual([true, true]);
    expect(q.getNowait()).toBe(5);
    await p;
    expect(p.dead).toBe(true);
    expect([q.empty(), q.full(), q.putting()]).toEqual([true, true, 0]);
  });

  test('putNowait on a channel hands to a parked getter, and throws Full without one', async () => {
    const q = new Queue<number>(0);
    expect(() => q.putNowait(9)).toThrow(Full);
    const g = spawn(() => q.get());
    await until(() => q.getting() === 1);
    q.putNowait(10);
    expect([q.empty(), q.full()]).toEqual([true, true]);
    expect(await g).toBe(10);
  });

  test('getNowait on a full bounded queue moves a parked putter in', async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const p = spawn(() => q.put(2));
    await until(() => q.putting() === 1);
    expect(q.getNowait()).toBe(1);
    expect(q.qsize()).toBe(1);
    await p;
    expect(q.getNowait()).toBe(2);
  });

  test('blocking calls from plain JavaScript work when they need not wait, and throw when they would', () => {
    const q = new Queue<number>(1);
    q.put(1);
    expect(() => q.put(2)).toThrow(NotInGreenThreadError);
    expect(() => q.put(2)).toThrow(/Queue\.put\(\) blocks/);
    expect(q.get()).toBe(1);
    expect(() => q.get()).toThrow(NotInGreenThreadError);
    expect(() => q.get(true, 1)).toThrow(/Queue\.get\(\) blocks/);
    expect(q.qsize()).toBe(0);
  });

  test('a parked putter that was killed is skipped by getNowait', async () => {
    const q = new Queue<number>(0);
    const p = spawn(() => q.put(1));
    await until(() => q.putting() === 1);
    kill(p);
    expect(() => q.getNowait()).toThrow(Empty);
    expect([q.putting(), q.unfinishedTasks]).toEqual([0, 0]);
  });

  test('a parked getter that was killed is skipped by putNowait', async () => {
    const q = new Queue<number>(0);
    const g = spawn(() => q.get());
    await until(() => q.getting() === 1);
    kill(g);
    expect(() => q.putNowait(1)).toThrow(Full);
    expect(q.getting()).toBe(0);
  });
});

describe('a waiter that is killed or times out never swallows an item', () => {
  test('a getter that times out before any put leaves the next item to the live getter', async () => {
    await green(() => {
      const q = new Queue<string>();
      const bail = () => {
        const t = new Timeout(0, new Error('bail'));
        try { return q.get(); } catch (e) { return (e as Error).message; } finally { t.cancel(); }
      };
      const dying = spawn(bail);
      const waiting = spawn(() => q.get());
      sleep(0);
      sleep(0.005);
      q.put('hi');
      expect(dying.wait()).toBe('bail');
      expect(waiting.wait()).toBe('hi');
    });
  });

  test('two getters that time out leave the item in the queue', async () => {
    await green(() => {
      const q = new Queue<string>();
      const bail = () => { try { return q.get(true, 0); } catch (e) { return e instanceof Empty ? 'timed out' : 'other'; } };
      const a = spawn(bail);
      const b = spawn(bail);
      // Put only once both have given up (had the put come first, it would have won).
      do sleep(0.001); while (!(a.dead && b.dead));
      q.put('sent');
      expect([a.wait(), b.wait()]).toEqual(['timed out', 'timed out']);
      expect(q.get()).toBe('sent');
    });
  });

  test('a getter handed an item and killed before it ran passes the item to the next getter', async () => {
    const q = new Queue<string>();
    const first = spawn(() => q.get());
    const second = spawn(() => q.get());
    await until(() => q.getting() === 2);
    q.putNowait('item');        // handed to `first`, which has not run yet
    kill(first);                // runs it now: it gives the item back
    await expect(first).rejects.toBeInstanceOf(GreenletExit);
    expect(await second).toBe('item');
    expect(q.qsize()).toBe(0);
  });

  test('with no other getter, the item goes back to the front of the queue', async () => {
    const q = new Queue<string>();
    const getter = spawn(() => q.get());
    await until(() => q.getting() === 1);
    q.putNowait('a');           // handed to the getter
    q.putNowait('b');
    q.putNowait('c');
    kill(getter);
    await expect(getter).rejects.toBeInstanceOf(GreenletExit);
    expect(drain(q)).toEqual(['a', 'b', 'c']);
    expect(q.unfinishedTasks).toBe(3);  // given back, not counted again
  });

  test('on a channel, an item given back by a killed getter waits in the channel', async () => {
    const q = new Queue<string>(0);
    const getter = spawn(() => q.get());
    await until(() => q.getting() === 1);
    q.putNowait('x');
    kill(getter);
    expect(q.qsize()).toBe(1);
    expect(q.empty()).toBe(false);
    expect(q.getNowait()).toBe('x');
  });

  test('an item given back goes to a waiting async iterator', async () => {
    const q = new Queue<string>();
    const getter = spawn(() => q.get());
    await until(() => q.getting() === 1);
    const it = q[Symbol.asyncIterator]();
    const next = it.next();
    q.putNowait('x');           // green getters first
    kill(getter);
    expect(await next).toEqual({ value: 'x', done: false });
    await it.return?.();
  });

  // The killed getter had been handed the first item put; it gives it back.
  test.each<[string, () => LightQueue<number>, number[], number[]]>([
    ['a LifoQueue puts a given-back item on top', () => new LifoQueue<number>(), [1, 2, 3], [1, 3, 2]],
    ['a PriorityQueue puts a given-back item back in its order', () => new PriorityQueue<number>(), [5, 9, 1, 5], [1, 5, 5, 9]],
  ])('%s', async (_name, make, items, drained) => {
    const q = make();
    const getter = spawn(() => q.get());
    await until(() => q.getting() === 1);
    for (const item of items) q.putNowait(item);
    kill(getter);
    expect(drain(q)).toEqual(drained);
  });

  test('a putter killed while blocked leaves the queue untouched', async () => {
    await green(() => {
      const q = new Queue<string>(1);
      q.put('a');
      const p = spawn(() => q.put('never'));
      sleep(0);
      p.kill();
      expect(() => p.wait()).toThrow(GreenletExit);
      expect(q.putting()).toBe(0);
      expect(drain(q)).toEqual(['a']);
      expect(q.unfinishedTasks).toBe(1);
    });
  });

  test('a putter killed after its item was accepted: the item stays, put throws the kill error', async () => {
    const q = new Queue<string>(1);
    q.putNowait('a');
    const p = spawn(() => q.put('b'));
    await until(() => q.putting() === 1);
    expect(q.getNowait()).toBe('a');   // admits 'b' and wakes the putter
    kill(p);
    await expect(p).rejects.toBeInstanceOf(GreenletExit);
    expect(drain(q)).toEqual(['b']);
  });

  describe('a timed call that succeeds as its timeout fires returns normally', () => {
    // Fake setTimeout (what Timeout uses) so the timeout fires exactly between the hand-over
    // and the waiter's resumption; the hub runs on node:timers and keeps going.
    beforeEach(() => { jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'performance', 'hrtime', 'Date'] }); });
    afterEach(() => { jest.useRealTimers(); });

    test('a timed get handed an item returns it', async () => {
      const q = new Queue<string>();
      const getter = spawn(() => q.get(true, 1));
      await until(() => q.getting() === 1);
      q.putNowait('x');           // the getter is woken with 'x' ...
      jest.advanceTimersByTime(2000);  // ... and its timeout fires before it runs
      expect(await getter).toBe('x');
      expect(q.qsize()).toBe(0);
    });

    test('a timed put whose item was accepted returns', async () => {
      const q = new Queue<string>(1);
      q.putNowait('a');
      const putter = spawn(() => { q.put('b', true, 1); return 'put'; });
      await until(() => q.putting() === 1);
      expect(q.getNowait()).toBe('a');  // admits 'b'
      jest.advanceTimersByTime(2000);
      expect(await putter).toBe('put');
      expect(drain(q)).toEqual(['b']);
    });

    test('an outer Timeout after the hand-over: the item goes back and the Timeout propagates', async () => {
      const q = new Queue<string>();
      const outcomes: unknown[] = [];
      const getter = (timed: boolean) => spawn(() => {
        const outer = new Timeout(1);
        try { return q.get(true, timed ? 5 : null); } catch (error) { outcomes.push(error === outer); return 'interrupted'; } finally { outer.cancel(); }
      });
      const getters = [getter(true), getter(false)];
      await until(() => q.getting() === 2);
      q.putNowait('a');           // handed to the timed getter
      q.putNowait('b');           // handed to the untimed one
      jest.advanceTimersByTime(1000);  // both outer Timeouts fire before either runs
      expect(await Promise.all(getters)).toEqual(['interrupted', 'interrupted']);
      expect(outcomes).toEqual([true, true]);
      expect(drain(q).sort()).toEqual(['a', 'b']);
    });

    test('a timed get killed after the hand-over still gives the item back', async () => {
      const q = new Queue<string>();
      const getter = spawn(() => q.get(true, 1));
      await until(() => q.getting() === 1);
      q.putNowait('x');
      kill(getter);
      await expect(getter).rejects.toBeInstanceOf(GreenletExit);
      expect(q.getNowait()).toBe('x');
      jest.advanceTimersByTime(2000);
    });
  });
});

describe('PriorityQueue', () => {
  test('numbers and strings come out smallest first', async () => {
    await green(() => {
      const q = new PriorityQueue<number>();
      for (const n of [5, 3, 8, 1, 9, 2, 7, 1]) q.put(n);
      expect(drain(q)).toEqual([1, 1, 2, 3, 5, 7, 8, 9]);
      const s = new PriorityQueue<string>();
      for (const w of ['pear', 'apple', 'fig', 'Zebra']) s.put(w);
      expect(drain(s)).toEqual(['Zebra', 'apple', 'fig', 'pear']);
    });
  });

  test('arrays compare element by element like Python tuples', () => {
    const q = new PriorityQueue<unknown[]>();
    const items = [[2, 'b'], [1, 'z'], [2, 'a'], [1], [1, 'z', 0], [0, 'x']];
    for (const item of items) q.putNowait(item);
    expect(drain(q)).toEqual([[0, 'x'], [1], [1, 'z'], [1, 'z', 0], [2, 'a'], [2, 'b']]);
  });

  test('numbers, bigints and Dates order by value', () => {
    const q = new PriorityQueue<number | bigint>();
    for (const v of [3n, 1.5, 2, 10n]) q.putNowait(v);
    expect(drain(q)).toEqual([1.5, 2, 3n, 10n]);
    const d = new PriorityQueue<Date>();
    const [a, b] = [new Date(2000, 0, 1), new Date(1990, 0, 1)];
    d.putNowait(a);
    d.putNowait(b);
    expect(drain(d)).toEqual([b, a]);
  });

  test('equal priorities come out in the order they were put', () => {
    const q = new PriorityQueue<{ p: number; n: number }>(null, { compare: (a, b) => a.p - b.p });
    const items = Array.from({ length: 40 }, (_, n) => ({ p: n % 3, n }));
    for (const item of items) q.putNowait(item);
    const out = drain(q);
    expect(out.map((i) => i.p)).toEqual([...Array(14).fill(0), ...Array(13).fill(1), ...Array(13).fill(2)]);
    for (const p of [0, 1, 2]) {
      const ns = out.filter((i) => i.p === p).map((i) => i.n);
      expect(ns).toEqual([...ns].sort((x, y) => x - y));
    }
  });

  test('a compare option overrides the order', () => {
    const q = new PriorityQueue<number>(undefined, { compare: (a, b) => b - a });
    for (const n of [1, 4, 2, 3]) q.putNowait(n);
    expect(drain(q)).toEqual([4, 3, 2, 1]);
  });

  test('a random workload: every get returns the smallest buffered item', () => {
    let seed = 12345;
    const rand = () => { seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; return seed >>> 8; };
    const q = new PriorityQueue<number>();
    const buffered: number[] = [];
    for (let i = 0; i < 3000; i++) {
      if (rand() % 3 !== 0 || q.empty()) {
        const v = rand() % 500;
        buffered.push(v);
        q.putNowait(v);
      } else {
        const min = Math.min(...buffered);
        expect(q.getNowait()).toBe(min);
        buffered.splice(buffered.indexOf(min), 1);
      }
      expect(q.qsize()).toBe(buffered.length);
    }
    expect(drain(q)).toEqual(buffered.sort((a, b) => a - b));
  });

  test('items with no order throw TypeError from put and leave the queue as it was', () => {
    const q = new PriorityQueue<unknown>();
    for (const n of [4, 2, 6, 1, 3]) q.putNowait(n);
    expect(() => q.putNowait('x')).toThrow(TypeError);
    expect(() => q.putNowait({})).toThrow(/cannot order an instance of Object and number/);
    expect(() => q.putNowait([1])).toThrow(TypeError);
    expect(q.qsize()).toBe(5);
    expect(q.unfinishedTasks).toBe(5);
    expect(drain(q)).toEqual([1, 2, 3, 4, 6]);
    const tuples = new PriorityQueue<[number, object]>();
    tuples.putNowait([1, {}]);
    expect(() => tuples.putNowait([1, {}])).toThrow(/pass a compare option/);
    tuples.putNowait([0, {}]);
    expect(tuples.qsize()).toBe(2);
  });

  test('a compare that throws while an item goes in leaves the heap as it was', () => {
    let poison = -1;
    const q = new PriorityQueue<number>(null, {
      compare: (a, b) => { if (a === poison || b === poison) throw new Error('no order'); return a - b; },
    });
    for (let i = 20; i > 0; i--) q.putNowait(i);
    // 0 rises to the root, so the comparison with the root (1) throws after three moves.
    poison = 1;
    expect(() => q.putNowait(0)).toThrow('no order');
    poison = -1;
    expect(q.unfinishedTasks).toBe(20);
    expect(drain(q)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  test('a compare that throws while an item comes out loses nothing and is reported', () => {
    let poison = -1;
    const q = new PriorityQueue<number>(null, {
      compare: (a, b) => { if (a === poison || b === poison) throw new Error('no order'); return a - b; },
    });
    for (let i = 1; i <= 20; i++) q.putNowait(i);
    poison = 20;  // the last item, which take() sifts down from the root
    expect(q.getNowait()).toBe(1);
    expect(reported).toEqual([new Error('no order')]);
    poison = -1;
    expect(drain(q).sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
  });

  test('a putter whose item cannot be ordered fails in its own put when admitted', async () => {
    await green(() => {
      const q = new PriorityQueue<unknown>(2);
      q.put(1);
      q.put(2);
      const bad = spawn(() => q.put('text'));
      const good = spawn(() => q.put(3));
      sleep(0);
      expect(q.get()).toBe(1);            // room for one: 'text' is tried, cannot be ordered
      expect(() => bad.wait()).toThrow(TypeError);
      good.wait();                        // ... so the next putter gets the room
      expect(drain(q)).toEqual([2, 3]);
      expect(q.unfinishedTasks).toBe(3);
    });
  });

  test('a PriorityQueue channel still hands items straight over', async () => {
    await green(() => {
      const q = new PriorityQueue<number>(0);
      const p = spawn(() => q.put(3));
      expect(q.get()).toBe(3);
      p.wait();
    });
  });

  test('bad options are TypeErrors', () => {
    expect(() => new PriorityQueue(null, { compare: 5 as unknown as () => number })).toThrow(/options\.compare must be a function/);
    expect(() => new PriorityQueue(null, 'x' as never)).toThrow(/options must be a plain object/);
  });
});

describe('LifoQueue', () => {
  test('the most recent item comes out first', async () => {
    await green(() => {
      const q = new LifoQueue<number>();
      for (let i = 0; i < 5; i++) q.put(i);
      expect(drain(q)).toEqual([4, 3, 2, 1, 0]);
    });
  });

  test('a blocked putter is admitted when a get makes room', async () => {
    await green(() => {
      const q = new LifoQueue<number>(2);
      q.put(1);
      q.put(2);
      const p = spawn(() => q.put(3));
      sleep(0);
      expect(q.get()).toBe(2);
      p.wait();
      expect(drain(q)).toEqual([3, 1]);
      expect(q.unfinishedTasks).toBe(3);
    });
  });
});

describe('async iteration', () => {
  test('for await gets items put by green threads, in order, until the consumer breaks', async () => {
    const q = new Queue<number>();
    spawnN(() => { for (let i = 0; i < 10; i++) { q.put(i); sleep(0.001); } });
    const got: number[] = [];
    for await (const item of q) {
      got.push(item);
      if (got.length === 6) break;
    }
    expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    await until(() => q.qsize() === 4);
    expect(drain(q)).toEqual([6, 7, 8, 9]);
  });

  test('buffered items come first; a channel putter is taken from directly', async () => {
    const q = new Queue<string>();
    q.putNowait('a');
    q.putNowait('b');
    const it = q[Symbol.asyncIterator]();
    expect(await it.next()).toEqual({ value: 'a', done: false });
    expect(await it.next()).toEqual({ value: 'b', done: false });
    const c = new Queue<string>(0);
    const putter = spawn(() => { c.put('direct'); return 'returned'; });
    await until(() => c.putting() === 1);
    expect(await c[Symbol.asyncIterator]().next()).toEqual({ value: 'direct', done: false });
    expect(await putter).toBe('returned');
  });

  test('an abandoned iterator with a pending next takes nothing', async () => {
    const q = new Queue<string>();
    const it = q[Symbol.asyncIterator]();
    const pending = it.next();
    await it.return?.();
    expect(await pending).toEqual({ value: undefined, done: true });
    q.putNowait('kept');
    expect(q.qsize()).toBe(1);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(q.getNowait()).toBe('kept');
  });

  test('green getters are served before async iterators; putNowait serves iterators too', async () => {
    const q = new Queue<number>(0);
    const it = q[Symbol.asyncIterator]();
    const pending = it.next();
    const g = spawn(() => q.get());
    await until(() => q.getting() === 1);
    q.putNowait(1);
    q.putNowait(2);
    expect(await g).toBe(1);
    expect(await pending).toEqual({ value: 2, done: false });
    expect(() => q.putNowait(3)).toThrow(Full);
  });

  test('many iterators abandoned on an idle queue leave nothing behind', async () => {
    const q = new LightQueue<number>();
    const live = q[Symbol.asyncIterator]();
    const livePending = live.next();
    for (let i = 0; i < 200; i++) {
      const it = q[Symbol.asyncIterator]();
      const p = it.next();
      await it.return?.();
      expect(await p).toEqual({ value: undefined, done: true });
    }
    q.putNowait(42);
    expect(await livePending).toEqual({ value: 42, done: false });
    expect(q.qsize()).toBe(0);
  });

  test('concurrent next() calls on one iterator each get one item', async () => {
    const q = new LightQueue<number>();
    const it = q[Symbol.asyncIterator]();
    const a = it.next();
    const b = it.next();
    q.putNowait(1);
    q.putNowait(2);
    expect(await Promise.all([a, b])).toEqual([{ value: 1, done: false }, { value: 2, done: false }]);
  });
});

describe('errors and bad arguments', () => {
  test('maxsize: undefined, null, negative and Infinity are unbounded; others must be integers', () => {
    for (const m of [undefined, null, -1, -Infinity, Infinity]) expect(new Queue(m).maxsize).toBe(null);
    expect(new Queue(0).maxsize).toBe(0);
    expect(new LightQueue(3).maxsize).toBe(3);
    expect(() => new Queue(1.5)).toThrow(TypeError);
    expect(() => new Queue(NaN)).toThrow(TypeError);
    expect(() => new Queue('3' as unknown as number)).toThrow(/new Queue\(\): maxsize must be an integer/);
    expect(() => new LifoQueue({} as unknown as number)).toThrow(/new LifoQueue\(\)/);
  });

  test('block must be a boolean; timeout a number of seconds', () => {
    const q = new Queue<number>();
    expect(() => q.put(1, 'yes' as unknown as boolean)).toThrow(/Queue\.put\(\): block must be a boolean/);
    expect(() => q.get(1 as unknown as boolean)).toThrow(TypeError);
    expect(() => q.put(1, true, 'soon' as unknown as number)).toThrow(/timeout must be a number of seconds/);
    expect(() => q.get(true, NaN)).toThrow(TypeError);
    expect(() => q.get(false, Infinity)).toThrow(RangeError);
    expect(q.qsize()).toBe(0);
  });

  test('Empty and Full: names, codes, messages, and instanceof across copies', () => {
    const empty = new Empty();
    const full = new Full();
    expect([empty.name, empty.code, empty.message]).toEqual(['Empty', 'ERR_GREENTHREAD_QUEUE_EMPTY', 'the queue is empty']);
    expect([full.name, full.code, full.message]).toEqual(['Full', 'ERR_GREENTHREAD_QUEUE_FULL', 'the queue is full']);
    expect(empty).toBeInstanceOf(Error);
    expect(empty instanceof Full).toBe(false);
    const foreign = new Error('from another copy');
    Object.defineProperty(foreign, Symbol.for('greenthread.error.Empty'), { value: true });
    expect(foreign instanceof Empty).toBe(true);
    expect(foreign instanceof Full).toBe(false);
    expect(() => new Queue(2).getNowait()).toThrow('Queue is empty');
    const q = new Queue(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow('Queue is full (maxsize 1)');
    expect(() => new Queue(0).putNowait(1)).toThrow('Queue is a channel with no getter waiting');
  });

  test('items of any kind, undefined included, pass through', async () => {
    await green(() => {
      const q = new Queue<unknown>();
      const values = [undefined, null, 0, '', NaN, {}, [], () => 1];
      const g = spawn(() => values.map(() => q.get()));
      sleep(0);
      for (const v of values) q.put(v);
      expect(g.wait()).toEqual(values);
    });
  });
});
