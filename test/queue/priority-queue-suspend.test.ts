// A PriorityQueue compare function must not suspend (defect D6): while it runs, an insert or
// take has a hole open in the heap, and another thread's put or get would work on the half
// moved heap, duplicating and losing items. The suspension is refused with
// SuspendNotAllowedError, which the heap handles as any comparison that throws.
import { PriorityQueue, SuspendNotAllowedError, hub, sleep, spawn } from '../../src';
import { green } from '../helpers';

const reported: Array<{ error: unknown; thread: unknown }> = [];
beforeEach(() => {
  reported.length = 0;
  hub.onError((error, thread) => { reported.push({ error, thread }); });
});
afterAll(() => hub.onError(null));

const refusal = expect.objectContaining({
  name: 'SuspendNotAllowedError',
  code: 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED',
  message: expect.stringMatching(/^sleep\(\) cannot suspend the green thread inside a PriorityQueue compare function/),
});

test('a compare that sleeps: each put or get that hit it refuses the sleep, and no item is lost or duplicated', async () => {
  const result = await green(() => {
    let n = 0;
    const q = new PriorityQueue<number>(null, { compare: (a, b) => { if (++n % 3 === 0) sleep(0); return a - b; } });
    const accepted: number[] = [];
    const putErrors: unknown[] = [];
    const putters = [0, 1, 2].map((p) => spawn(() => {
      for (let i = p; i < 300; i += 3) {
        try {
          q.put(i);
          accepted.push(i);
        } catch (error) {
          putErrors.push(error);
        }
      }
    }));
    putters.forEach((t) => t.wait());
    const got: number[] = [];
    const getters = [0, 1, 2].map(() => spawn(() => {
      while (q.qsize() > 0) got.push(q.get(false));
    }));
    getters.forEach((t) => t.wait());
    return { accepted, putErrors, got, getters, unfinished: q.unfinishedTasks };
  });
  // Before the fix: 307 items got, 102 distinct, out of 300 put.
  expect(result.putErrors.length).toBeGreaterThan(0);
  expect(result.accepted.length + result.putErrors.length).toBe(300);
  for (const error of result.putErrors) {
    expect(error).toBeInstanceOf(SuspendNotAllowedError);
    expect(error).toEqual(refusal);
  }
  expect([...result.got].sort((a, b) => a - b)).toEqual([...result.accepted].sort((a, b) => a - b));
  expect(result.unfinished).toBe(result.accepted.length);
  // A get whose sift hit the refusal still returns its item; the error goes to hub.onError,
  // reported against the getter.
  expect(reported.length).toBeGreaterThan(0);
  for (const { error, thread } of reported) {
    expect(error).toEqual(refusal);
    expect(result.getters).toContain(thread);
  }
});

test('a put refused a suspension in compare leaves the heap as it was', async () => {
  await green(() => {
    let sleepy = false;
    const q = new PriorityQueue<number>(null, { compare: (a, b) => { if (sleepy) sleep(0); return a - b; } });
    for (let i = 20; i > 0; i--) q.put(i);
    sleepy = true;
    let error: unknown = null;
    try {
      q.put(0);
    } catch (e) {
      error = e;
    }
    expect(error).toEqual(refusal);
    sleepy = false;
    expect(q.unfinishedTasks).toBe(20);
    const out: number[] = [];
    while (q.qsize() > 0) out.push(q.get());
    expect(out).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });
});

test('a get refused a suspension in compare returns its item and keeps every other one', async () => {
  await green(() => {
    let sleepy = false;
    const q = new PriorityQueue<number>(null, { compare: (a, b) => { if (sleepy) sleep(0); return a - b; } });
    for (let i = 1; i <= 20; i++) q.put(i);
    sleepy = true;
    expect(q.get()).toBe(1);
    expect(reported.map((r) => r.error)).toEqual([refusal]);
    sleepy = false;
    const out: number[] = [];
    while (q.qsize() > 0) out.push(q.get());
    expect(out.sort((a, b) => a - b)).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
  });
});

test('a compare that blocks from plain JavaScript still gets NotInGreenThreadError', () => {
  let sleepy = false;
  const q = new PriorityQueue<number>(null, { compare: (a, b) => { if (sleepy) sleep(0); return a - b; } });
  q.putNowait(2);
  sleepy = true;
  expect(() => q.putNowait(1)).toThrow(expect.objectContaining({ name: 'NotInGreenThreadError' }));
  sleepy = false;
  expect(q.getNowait()).toBe(2);
});

test('a compare may still use the queue without blocking', async () => {
  await green(() => {
    const other = new PriorityQueue<number>();
    const q = new PriorityQueue<number>(null, { compare: (a, b) => { other.putNowait(a); return a - b; } });
    for (const x of [3, 1, 2]) q.put(x);
    expect([q.get(), q.get(), q.get()]).toEqual([1, 2, 3]);
    expect(other.qsize()).toBeGreaterThan(0);
  });
});
