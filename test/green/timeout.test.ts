// Timeout and withTimeout: eventlet's timeout_test.py and timeout_with_statement_test.py
// restated in greenthread's API (`using t = new Timeout(s)` for `with Timeout(s) as t:`), plus
// what a Timeout must interrupt (every kind of suspension) and what it must leave alone.
// Timings only force an order (a 10 ms timeout against a 10 s sleep); nothing asserts how long
// anything took.
import {
  Empty, Event, GreenletExit, NotInGreenThreadError, Queue, Semaphore, Timeout, sleep, spawn, waitFor, withTimeout,
} from '../../src';
import { PKG, REPORTING, captureReported, green, resultOf, runChild, thrownBy } from '../helpers';

const SHORT = 0.01;   // a timeout that fires soon
const LONG = 10;      // a wait that would outlast any test

const reported = captureReported();

class CustomError extends Error {}

describe('where a Timeout is thrown', () => {
  test('at the suspension point the owner is blocked in, as the Timeout itself', async () => {
    const log: string[] = [];
    await green(() => {
      const t = new Timeout(SHORT);
      expect(t.pending).toBe(true);
      const caught = thrownBy(() => { sleep(LONG); log.push('slept on'); });
      expect(caught).toBe(t);
      expect(t.pending).toBe(false);
      // The owner caught it and carries on: later suspensions are unaffected.
      sleep(0.001);
      log.push('after');
    });
    expect(log).toEqual(['after']);
  });

  test('at the next suspension point when it expired while the owner was busy', async () => {
    await green(() => {
      const t = new Timeout(0.001);
      const until = Date.now() + 20;
      // Not suspending: nothing can interrupt this loop, however long it runs.
      while (Date.now() < until) { /* busy */ }
      expect(thrownBy(() => sleep(0))).toBe(t);
    });
  });

  test('only in its owner: other green threads keep running and are not interrupted', async () => {
    await green(() => {
      const other = spawn(() => { sleep(0.03); return 'other done'; });
      const owner = spawn(() => {
        const t = new Timeout(SHORT);
        return thrownBy(() => sleep(LONG)) === t;
      });
      expect(owner.wait()).toBe(true);
      expect(other.wait()).toBe('other done');
    });
  });

  test('not at all once its owner has ended', async () => {
    await green(() => {
      const g = spawn(() => { new Timeout(0.001); return 'ended first'; });
      expect(g.wait()).toBe('ended first');
      sleep(0.02);   // the timer fires now, into a dead thread: nothing happens
    });
    expect(reported).toEqual([]);
  });

  test('is disarmed when its owner ends: a forgotten Timeout neither fires nor keeps the process alive', async () => {
    let forgotten: Timeout | null = null;
    await green(() => {
      spawn(() => { forgotten = new Timeout(3600); }).wait();
    });
    expect((forgotten as unknown as Timeout).pending).toBe(false);
    // In a child: if the hour-long timer were still armed, the process would not exit (the
    // child is killed after 20 s and the status check fails).
    const child = runChild(`${REPORTING}
      const g = require(${PKG});
      g.run(() => { new g.Timeout(3600); return 'ended'; }).then(report);
    `, { timeoutMs: 20000 });
    expect(resultOf(child)).toBe('ended');
  });

  test('a kill is never lost to the victim\'s own timeout firing before the victim runs', async () => {
    // The victim treats its timeout (Empty) as "try again". It is killed, and before it gets to
    // run, a thread ahead of it in line runs past the hub's 1 ms turn budget, so the event loop
    // runs and the victim's own Timeout fires too. Both errors must reach it: the kill at the
    // latest at its next suspension point.
    const outcome = await green(() => {
      const q = new Queue<number>();
      const go = new Event();
      const seen: string[] = [];
      const ahead = spawn(() => {
        go.wait();
        const until = Date.now() + 5;
        while (Date.now() < until) { /* busy past the turn budget */ }
      });
      const victim = spawn(() => {
        for (;;) {
          try {
            q.get(true, 0.001);
          } catch (error) {
            seen.push((error as Error).name);
            if (error instanceof Empty) continue;
            throw error;
          }
        }
      });
      sleep(0);           // both blocked: ahead in go.wait(), victim in its timed get
      go.send();          // ahead is queued first...
      victim.kill();      // ...then the killed victim
      ahead.wait();
      return { error: thrownBy(() => victim.wait()) instanceof GreenletExit, last: seen[seen.length - 1], dead: victim.dead };
    });
    expect(outcome).toEqual({ error: true, last: 'GreenletExit', dead: true });
  });

  test('a Timeout can also be thrown directly, like any error', async () => {
    await green(() => {
      const t = new Timeout();
      expect(thrownBy(() => { throw t; })).toBe(t);
      expect(t.pending).toBe(false);
    });
  });
});

describe('what a Timeout throws', () => {
  test('an error class: a new instance of it', async () => {
    await green(() => {
      using t = new Timeout(SHORT, CustomError);
      const caught = thrownBy(() => sleep(LONG));
      expect(caught).toBeInstanceOf(CustomError);
      expect(Timeout.isTimeout(caught)).toBe(false);
      expect(t.pending).toBe(false);
    });
  });

  test('an error instance: exactly that instance', async () => {
    await green(() => {
      const error = new Error('operation takes way too long');
      using _t = new Timeout(SHORT, error);
      expect(thrownBy(() => sleep(LONG))).toBe(error);
    });
  });

  test('true, false or nothing: the Timeout itself (`using` cannot swallow it, unlike eventlet\'s False)', async () => {
    await green(() => {
      for (const flag of [undefined, true, false]) {
        using t = new Timeout(SHORT, flag);
        expect(thrownBy(() => sleep(LONG))).toBe(t);
      }
    });
  });

  test('an error class instantiated anew each time it fires', async () => {
    await green(() => {
      const t = new Timeout(SHORT, CustomError);
      const first = thrownBy(() => sleep(LONG));
      t.start();
      const second = thrownBy(() => sleep(LONG));
      expect(first).toBeInstanceOf(CustomError);
      expect(second).toBeInstanceOf(CustomError);
      expect(second).not.toBe(first);
    });
  });
});

describe('pending, seconds, cancel and start', () => {
  test('null or undefined seconds: never fires and is never pending', async () => {
    await green(() => {
      for (const t of [new Timeout(null), new Timeout(undefined), new Timeout(), new Timeout(null, CustomError)]) {
        expect(t.seconds).toBeNull();
        expect(t.pending).toBe(false);
        expect(t.start()).toBe(t);
        expect(t.pending).toBe(false);
      }
      sleep(0.02);
      using _t = new Timeout(null);
      sleep(0.001);
    });
  });

  test('seconds is what it was made with (negative counts as 0)', async () => {
    await green(() => {
      const cases: Array<[number, number]> = [[0.5, 0.5], [2, 2], [0, 0], [-1, 0]];
      for (const [given, expected] of cases) {
        const t = new Timeout(given);
        expect(t.seconds).toBe(expected);
        t.cancel();
      }
    });
  });

  test('cancel disarms it: nothing is thrown later; cancelling again is harmless', async () => {
    await green(() => {
      // eventlet's test_cancellation. The block (a sleep(0)) must end before the deadline, so
      // the deadline is far enough off for a loaded machine; then we sleep past it.
      const t = new Timeout(0.2);
      sleep(0);
      expect(t.pending).toBe(true);
      t.cancel();
      expect(t.pending).toBe(false);
      sleep(0.25);
      t.cancel();
      expect(t.pending).toBe(false);
    });
  });

  test('start re-arms a cancelled or fired Timeout; start while pending throws', async () => {
    await green(() => {
      const t = new Timeout(SHORT);
      expect(() => t.start()).toThrow(/already pending/);
      t.cancel();
      expect(t.start()).toBe(t);
      expect(t.pending).toBe(true);
      expect(thrownBy(() => sleep(LONG))).toBe(t);
      expect(t.pending).toBe(false);
      t.start();
      expect(thrownBy(() => sleep(LONG))).toBe(t);
    });
  });

  test('cancel inside the block it guards', async () => {
    await green(() => {
      using t = new Timeout(SHORT);
      t.cancel();
      sleep(0.03);
    });
  });

  test('toString and message describe it', async () => {
    await green(() => {
      const t = new Timeout(1);
      expect(String(t)).toBe('Timeout(1)');
      expect(t.message).toMatch(/1 second/);
      expect(t.name).toBe('Timeout');
      expect(t.code).toBe('ERR_GREENTHREAD_TIMEOUT');
      t.cancel();
      expect(String(new Timeout(null))).toMatch(/never/);
      expect(String(new Timeout(null, false))).toMatch(/never/);
    });
  });

  test('Timeout.isTimeout and instanceof recognise Timeouts only', async () => {
    await green(() => {
      const t = new Timeout();
      expect(Timeout.isTimeout(t)).toBe(true);
      expect(t instanceof Timeout).toBe(true);
      expect(t).toBeInstanceOf(Error);
      for (const other of [new Error('x'), new CustomError(), null, undefined, 'Timeout', {}, { name: 'Timeout' }]) {
        expect(Timeout.isTimeout(other)).toBe(false);
        expect(other instanceof Timeout).toBe(false);
      }
    });
  });
});

describe('using (eventlet\'s with Timeout)', () => {
  test('leaving the block cancels it', async () => {
    await green(() => {
      let kept: Timeout;
      {
        using t = new Timeout(0.2);
        kept = t;
        sleep(0.001);
        expect(t.pending).toBe(true);
      }
      expect(kept.pending).toBe(false);
      sleep(0.25);   // past its deadline: nothing is thrown
    });
  });

  test('the block is left with the Timeout itself when it fires', async () => {
    await green(() => {
      let inner: Timeout | undefined;
      const caught = thrownBy(() => {
        using t = new Timeout(SHORT);
        inner = t;
        sleep(LONG);
      });
      expect(caught).toBe(inner);
    });
  });

  test('leaving the block by an exception also cancels it', async () => {
    await green(() => {
      let kept: Timeout | undefined;
      const boom = new Error('boom');
      expect(thrownBy(() => {
        using t = new Timeout(0.02);
        kept = t;
        throw boom;
      })).toBe(boom);
      expect(kept?.pending).toBe(false);
      sleep(0.04);
    });
  });
});

describe('nested Timeouts are independent', () => {
  test('the inner one firing first is exactly the inner instance; the outer stays pending', async () => {
    await green(() => {
      using outer = new Timeout(LONG);
      {
        using inner = new Timeout(SHORT);
        expect(thrownBy(() => sleep(LONG))).toBe(inner);
        expect(inner.pending).toBe(false);
        expect(outer.pending).toBe(true);
      }
      expect(outer.pending).toBe(true);
    });
  });

  test('the outer one firing first is exactly the outer instance; the inner stays pending until disposed', async () => {
    await green(() => {
      let innerRef: Timeout | undefined;
      const outer = new Timeout(SHORT);
      {
        using inner = new Timeout(LONG);
        innerRef = inner;
        expect(thrownBy(() => sleep(LONG))).toBe(outer);
        expect(outer.pending).toBe(false);
        expect(inner.pending).toBe(true);
      }
      expect(innerRef.pending).toBe(false);
    });
  });

  test('an uncaught inner Timeout leaves both blocks; the outer is cancelled on the way', async () => {
    await green(() => {
      let outerRef: Timeout | undefined;
      let innerRef: Timeout | undefined;
      const caught = thrownBy(() => {
        using outer = new Timeout(LONG);
        outerRef = outer;
        using inner = new Timeout(SHORT);
        innerRef = inner;
        sleep(LONG);
      });
      expect(caught).toBe(innerRef);
      expect(outerRef?.pending).toBe(false);
    });
  });
});

describe('withTimeout', () => {
  test('returns what fn returns when it finishes in time, and leaves no Timeout armed', async () => {
    await green(() => {
      expect(withTimeout(LONG, () => { sleep(0.001); return 'done'; })).toBe('done');
      expect(withTimeout(LONG, () => 'fast', { timeoutValue: 'late' })).toBe('fast');
      expect(withTimeout(null, () => { sleep(0.001); return 'no limit'; })).toBe('no limit');
      sleep(0.02);
    });
  });

  test('without timeoutValue, its own Timeout is thrown', async () => {
    await green(() => {
      const caught = thrownBy(() => withTimeout(SHORT, () => sleep(LONG)));
      expect(Timeout.isTimeout(caught)).toBe(true);
      expect((caught as Timeout).pending).toBe(false);
    });
  });

  test('with timeoutValue, its own Timeout becomes that value (undefined included)', async () => {
    await green(() => {
      const marker = { marker: true };
      expect(withTimeout(SHORT, () => { sleep(LONG); return 'never'; }, { timeoutValue: marker })).toBe(marker);
      expect(withTimeout(SHORT, () => { sleep(LONG); return 'never'; }, { timeoutValue: undefined })).toBeUndefined();
      expect(withTimeout(SHORT, () => { sleep(LONG); return 'never'; }, { timeoutValue: null })).toBeNull();
    });
  });

  test('fn\'s own errors propagate unchanged, and its Timeout is cancelled', async () => {
    await green(() => {
      const boom = new Error('boom');
      expect(thrownBy(() => withTimeout(0.02, () => { throw boom; }, { timeoutValue: 'x' }))).toBe(boom);
      sleep(0.04);
    });
  });

  test('an outer Timeout passes through an inner withTimeout, timeoutValue or not', async () => {
    await green(() => {
      const outer = new Timeout(SHORT);
      expect(thrownBy(() => withTimeout(LONG, () => sleep(LONG), { timeoutValue: 'b' }))).toBe(outer);
      // eventlet's test_with_outer_timer: the outer one is itself a withTimeout.
      const caught = thrownBy(() => withTimeout(SHORT, () => withTimeout(LONG, () => sleep(LONG), { timeoutValue: 'b' })));
      expect(Timeout.isTimeout(caught)).toBe(true);
      sleep(0.02);   // the inner one was cancelled on the way out: nothing fires now
    });
  });

  test('a Timeout thrown by hand inside fn is not mistaken for withTimeout\'s own', async () => {
    await green(() => {
      const other = new Timeout();
      expect(thrownBy(() => withTimeout(LONG, () => { throw other; }, { timeoutValue: 'mine' }))).toBe(other);
    });
  });
});

describe('a Timeout interrupts every kind of suspension', () => {
  test('GreenThread.wait: the waiter gives up, the awaited thread runs on', async () => {
    await green(() => {
      const slow = spawn(() => { sleep(0.05); return 'slow done'; });
      const t = new Timeout(SHORT);
      expect(thrownBy(() => slow.wait())).toBe(t);
      expect(slow.dead).toBe(false);
      expect(slow.wait()).toBe('slow done');
    });
  });

  test('Event.wait: the waiter leaves the Event, a later send still works', async () => {
    await green(() => {
      const event = new Event<string>();
      const t = new Timeout(SHORT);
      expect(thrownBy(() => event.wait())).toBe(t);
      // An outer Timeout is not the wait's own timeout: it propagates, not undefined.
      const u = new Timeout(SHORT);
      expect(thrownBy(() => event.wait(LONG))).toBe(u);
      expect(String(event)).toMatch(/0 waiting/);
      event.send('sent');
      expect(event.wait()).toBe('sent');
    });
  });

  test('Semaphore.acquire: the waiter leaves the queue and takes nothing', async () => {
    await green(() => {
      const sem = new Semaphore(0);
      const t = new Timeout(SHORT);
      expect(thrownBy(() => sem.acquire())).toBe(t);
      expect(sem.balance).toBe(0);
      const u = new Timeout(SHORT);
      expect(thrownBy(() => sem.acquire(true, LONG))).toBe(u);
      expect(sem.balance).toBe(0);
      sem.release();
      expect(sem.counter).toBe(1);
    });
  });

  test('waitFor: the promise settling later resumes nothing', async () => {
    let resolveIt: (value: string) => void = () => {};
    const promise = new Promise<string>((resolve) => { resolveIt = resolve; });
    await green(() => {
      const t = new Timeout(SHORT);
      expect(thrownBy(() => waitFor(promise))).toBe(t);
      resolveIt('late');
      sleep(0.005);
      expect(waitFor(promise)).toBe('late');
    });
  });

  test('a Timeout in a killed thread: kill wins, the Timeout is disposed by using', async () => {
    const log: string[] = [];
    await green(() => {
      let timeout: Timeout | undefined;
      const g = spawn(() => {
        using t = new Timeout(LONG);
        timeout = t;
        try { sleep(LONG); } catch (error) { log.push(error instanceof GreenletExit ? 'exit' : 'other'); throw error; }
      });
      sleep(0);
      expect(timeout?.pending).toBe(true);
      g.kill();
      expect(timeout?.pending).toBe(false);
    });
    expect(log).toEqual(['exit']);
    expect(reported).toEqual([]);
  });
});

describe('misuse', () => {
  test('a Timeout or withTimeout outside a green thread throws NotInGreenThreadError', () => {
    expect(() => new Timeout(1)).toThrow(NotInGreenThreadError);
    expect(() => new Timeout(null)).toThrow(NotInGreenThreadError);
    expect(() => withTimeout(1, () => 1)).toThrow(NotInGreenThreadError);
    expect(() => new Timeout(1)).toThrow(/new Timeout\(\)/);
  });

  test('bad seconds and error arguments throw TypeError or RangeError', async () => {
    await green(() => {
      for (const seconds of ['1', NaN, {}, [], true, 1n]) {
        expect(() => new Timeout(seconds as never)).toThrow(TypeError);
        expect(() => withTimeout(seconds as never, () => 1)).toThrow(TypeError);
      }
      expect(() => new Timeout(Infinity)).toThrow(RangeError);
      expect(() => withTimeout(Infinity, () => 1)).toThrow(RangeError);
      for (const error of [42, 'boom', {}, null]) {
        expect(() => new Timeout(1, error as never)).toThrow(TypeError);
      }
      for (const fn of [undefined, null, 'fn', 42]) {
        expect(() => withTimeout(1, fn as never)).toThrow(TypeError);
      }
    });
  });
});

test('after cancel (and after using), a Timeout holds no reference to its error', () => {
  // Needs --expose-gc, so it runs in a child process on the compiled package (dist/).
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    const collectedAfter = (make) => {
      let error = new Error('big'); error.payload = new Array(1e5).fill(1);
      const ref = new WeakRef(error);
      const timeout = make(error);
      error = null;
      // WeakRef targets stay alive until the current job ends: suspend, then collect.
      for (let i = 0; i < 2; i++) { g.sleep(0.001); globalThis.gc(); }
      const result = [ref.deref() === undefined, timeout.pending];
      timeout.cancel();   // the Timeout itself stays alive until here
      return result;
    };
    g.run(() => ({
      cancelled: collectedAfter((error) => { const t = new g.Timeout(10, error); t.cancel(); return t; }),
      // What \`using\` does when its block is left (Node 20 has no using syntax).
      disposed: collectedAfter((error) => { const t = new g.Timeout(10, error); t[Symbol.dispose](); return t; }),
      armed: collectedAfter((error) => new g.Timeout(10, error)),
    })).then(report, (error) => { console.error(error); process.exitCode = 1; });
  `, { nodeArgs: ['--expose-gc'] });
  const result = resultOf(child);
  expect(result.cancelled).toEqual([true, false]);
  expect(result.disposed).toEqual([true, false]);
  // Control: while armed it does hold its error (else the check above proves nothing).
  expect(result.armed).toEqual([false, true]);
});
