// hub.threads() shows every live green thread's JavaScript stack where it is suspended, without
// hub.captureStacks: the hub resumes each parked thread for a moment to take it (introspection).
// Besides the stacks, these tests check that the look never wakes anyone: values, errors,
// epochs, run-queue order and AsyncLocalStorage stores are as if nobody had looked.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Event, GreenletExit, hub, Queue, sleep, spawn, waitFor } from '../../src';
import type { GreenThread, GreenThreadInfo } from '../../src';
import { green } from '../helpers';

function infoOf(thread: GreenThread<unknown>): GreenThreadInfo {
  const info = hub.threads().find((i) => i.thread === thread);
  if (info === undefined) throw new Error(`${String(thread)} is not listed`);
  return info;
}

/** The function names of a stack's frames, innermost first. */
function frames(stack: string | undefined): string[] {
  return (stack ?? '').split('\n').slice(1).map((line) => line.trim().split(' ')[1]);
}

describe('hub.threads() stacks, without captureStacks', () => {
  test('show the function that called each blocking call, under a line naming the call', async () => {
    const result = await green(() => {
      const q = new Queue();
      const e = new Event();
      const sleeper = spawn(function napper() { sleep(10); });
      const getter = spawn(function consumer() { return q.get(); });
      const waiter = spawn(function eventWaiter() { return e.wait(); });
      const joiner = spawn(function joinSleeper() { return sleeper.wait(); });
      const promised = spawn(function awaitsPromise() { return waitFor(new Promise(() => {})); });
      sleep(0);
      const out: Record<string, { state: string; suspendedIn: string | null; head: string; top: string }> = {};
      for (const [name, t] of Object.entries({ sleeper, getter, waiter, joiner, promised })) {
        const info = infoOf(t);
        out[name] = { state: info.state, suspendedIn: info.suspendedIn, head: (info.stack ?? '').split('\n')[0], top: frames(info.stack)[0] };
      }
      for (const t of [sleeper, getter, waiter, joiner, promised]) t.kill();
      return out;
    });
    expect(result).toEqual({
      sleeper: { state: 'suspended', suspendedIn: 'sleep()', head: 'suspended in sleep()', top: 'napper' },
      getter: { state: 'suspended', suspendedIn: 'Queue.get()', head: 'suspended in Queue.get()', top: 'consumer' },
      waiter: { state: 'suspended', suspendedIn: 'Event.wait()', head: 'suspended in Event.wait()', top: 'eventWaiter' },
      joiner: { state: 'suspended', suspendedIn: 'GreenThread.wait()', head: 'suspended in GreenThread.wait()', top: 'joinSleeper' },
      promised: { state: 'suspended', suspendedIn: 'waitFor()', head: 'suspended in waitFor()', top: 'awaitsPromise' },
    });
  });

  test('show the whole chain of callers, innermost first, without greenthread\'s own frames', async () => {
    const stack = await green(() => {
      function inner() { sleep(10); }
      function middle() { inner(); }
      const t = spawn(function outer() { middle(); });
      sleep(0);
      const info = infoOf(t);
      t.kill();
      return info.stack as string;
    });
    expect(frames(stack).slice(0, 3)).toEqual(['inner', 'middle', 'outer']);
    expect(stack).not.toMatch(/[/\\]src[/\\](hub|green)[/\\]/);
  });

  test('from plain JavaScript too; the caller of hub.threads() in a green thread gets its own stack', async () => {
    const t = spawn(function parkedOne() { sleep(10); });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(frames(infoOf(t).stack)[0]).toBe('parkedOne');
    const own = await green(function asksForThreads() {
      const me = hub.threads().find((i) => i.state === 'running') as GreenThreadInfo;
      return me.stack as string;
    });
    expect(own.split('\n')[0]).toBe('running (the caller of hub.threads())');
    expect(frames(own)[0]).toBe('asksForThreads');
    t.kill();
  });

  test('follow the thread: each call shows where it is now', async () => {
    const result = await green(() => {
      const q = new Queue<number>();
      const t = spawn(function mover() {
        (function firstStop() { q.get(); })();
        (function secondStop() { sleep(10); })();
      });
      sleep(0);
      const first = frames(infoOf(t).stack)[0];
      q.put(1);
      sleep(0);
      const second = frames(infoOf(t).stack)[0];
      t.kill();
      return [first, second];
    });
    expect(result).toEqual(['firstStop', 'secondStop']);
  });

  test('an unstarted thread is listed without a stack and is not started by the look', async () => {
    const result = await green(() => {
      let ran = false;
      const later = spawn(() => { ran = true; });  // queued for the next turn, not started
      const info = infoOf(later);
      later.kill();
      return { state: info.state, stack: info.stack, ran };
    });
    expect(result).toEqual({ state: 'unstarted', stack: undefined, ran: false });
  });

  test('a deeply recursed parked thread shows its innermost frames, no crash', async () => {
    const top = await green(() => {
      function deep(n: number): number { return n === 0 ? (sleep(10), 0) : deep(n - 1) + 1; }
      const t = spawn(deep, 3000);
      sleep(0);
      const stack = infoOf(t).stack;
      t.kill();
      return frames(stack).slice(0, 3);
    });
    expect(top).toEqual(['deep', 'deep', 'deep']);
  });

  test('captureStacks(true) (deprecated) still gives the same stacks, taken at suspension', async () => {
    const top = await green(() => {
      hub.captureStacks(true);
      try {
        const t = spawn(function eager() { sleep(10); });
        sleep(0);
        const stack = infoOf(t).stack;
        t.kill();
        return frames(stack)[0];
      } finally {
        hub.captureStacks(false);
      }
    });
    expect(top).toBe('eager');
  });
});

describe('looking wakes nobody', () => {
  test('a sleeping thread sleeps on; a getter still gets its item; a killed one runs its finally', async () => {
    const result = await green(() => {
      const q = new Queue<string>();
      const log: string[] = [];
      const sleeper = spawn(() => { sleep(0.05); log.push('slept'); });
      const getter = spawn(() => { log.push(`got ${q.get()}`); });
      const victim = spawn(() => { try { sleep(10); } finally { log.push('finally'); } });
      sleep(0);
      for (let i = 0; i < 5; i++) hub.threads();
      log.push('looked');
      q.put('item');
      victim.kill();
      sleeper.wait();
      getter.wait();
      return { log, killed: (() => { try { victim.wait(); return 'no'; } catch (e) { return e instanceof GreenletExit; } })() };
    });
    expect(result).toEqual({ log: ['looked', 'got item', 'finally', 'slept'], killed: true });
  });

  test('ready threads stay ready, in their order, with the values they were woken with', async () => {
    const result = await green(() => {
      const q = new Queue<number>();
      const order: string[] = [];
      const getters = ['a', 'b', 'c'].map((name) => spawn(() => { order.push(`${name}:${q.get()}`); }));
      sleep(0);
      q.put(1);
      q.put(2);
      q.put(3);  // all three woken and queued, none has run yet
      const states = getters.map((t) => infoOf(t).state);
      const tops = hub.threads().filter((i) => getters.includes(i.thread as never)).map((i) => i.suspendedIn);
      for (const t of getters) t.wait();
      return { states, tops, order };
    });
    expect(result).toEqual({ states: ['ready', 'ready', 'ready'], tops: ['Queue.get()', 'Queue.get()', 'Queue.get()'], order: ['a:1', 'b:2', 'c:3'] });
  });

  test('a wake with the epoch seen before the look still counts; a stale one still does not', async () => {
    const result = await green(() => {
      const e = new Event<string>();
      const t = spawn(() => e.wait());
      sleep(0);
      hub.threads();
      e.send('value');
      return t.wait();
    });
    expect(result).toBe('value');
  });

  test('AsyncLocalStorage: a looked-at thread keeps its store; the looker keeps its own', async () => {
    const als = new AsyncLocalStorage<string>();
    const result = await als.run('outer', () => green(() => {
      const t = spawn(() => als.run('inner', () => { sleep(0.02); return als.getStore(); }));
      sleep(0);
      const before = als.getStore();
      hub.threads();
      const after = als.getStore();
      return { before, after, thread: t.wait() };
    }));
    expect(result).toEqual({ before: 'outer', after: 'outer', thread: 'inner' });
    const fromPlain = await als.run('plain', async () => {
      const t = spawn(() => als.run('inner2', () => { sleep(0.02); return als.getStore(); }));
      await new Promise((resolve) => setTimeout(resolve, 5));
      hub.threads();
      return { mine: als.getStore(), thread: await t };
    });
    expect(fromPlain).toEqual({ mine: 'plain', thread: 'inner2' });
  });

  test('many parked threads: all listed with stacks, then all end normally', async () => {
    const result = await green(() => {
      const e = new Event();
      const threads = Array.from({ length: 200 }, (_, i) => spawn(function waitsForGo() { e.wait(); return i; }));
      sleep(0);
      const withStacks = hub.threads().filter((i) => threads.includes(i.thread as never) && frames(i.stack)[0] === 'waitsForGo').length;
      e.send(undefined);
      const sum = threads.reduce((acc, t) => acc + (t.wait() as number), 0);
      return { withStacks, sum };
    });
    expect(result).toEqual({ withStacks: 200, sum: 199 * 200 / 2 });
  });
});

describe('called from async_hooks callbacks', () => {
  test('including those the hub runs mid-switch: no crash, every thread still ends with its value', async () => {
    const { createHook } = await import('node:async_hooks');
    let calls = 0;
    let inside = false;
    const hook = createHook({
      before() {
        if (inside) return;
        inside = true;
        try { hub.threads(); calls++; } finally { inside = false; }
      },
    });
    hook.enable();
    try {
      const e = new Event();
      const threads = Array.from({ length: 5 }, (_, i) => spawn(() => { sleep(0.001); e.wait(); sleep(0); return i; }));
      await new Promise((resolve) => setTimeout(resolve, 20));
      e.send(undefined);
      expect(await Promise.all(threads)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      hook.disable();
    }
    expect(calls).toBeGreaterThan(0);
  });
});

describe('in a Worker', () => {
  // Its exit is not awaited: Worker exit with green threads is tested in test/engine/workers.test.ts,
  // and on a loaded VM even a plain Worker can take tens of seconds to report it.
  test('hub.threads() shows the Worker\'s own threads with their stacks', async () => {
    const { Worker } = await import('node:worker_threads');
    const { PKG } = await import('../helpers');
    const source = `
      const { parentPort } = require('node:worker_threads');
      const g = require(${PKG});
      g.run(() => {
        const e = new g.Event();
        const t = g.spawn(function waitsInWorker() { return e.wait(); });
        g.sleep(0);
        const info = g.hub.threads().find((i) => i.thread === t);
        e.send(5);
        return { top: info.stack.split('\\n')[1].trim().split(' ')[1], value: t.wait() };
      }).then((result) => parentPort.postMessage(result));
    `;
    const worker = new Worker(source, { eval: true });
    const message = await new Promise((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    worker.unref();  // it ends by itself: its threads are done
    expect(message).toEqual({ top: 'waitsInWorker', value: 5 });
  });
});
