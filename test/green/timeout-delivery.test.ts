// How a Timeout reaches its owner in the awkward cases: an error class it cannot construct is
// refused up front, one whose constructor throws delivers that error (D3); a Timeout whose
// timer fires while its owner runs (fake timers ticked inside it) is thrown at the owner's
// next suspension point (D7); and a kill that races the victim's own due Timeout is not lost
// (D10). The races are built with fake timers and a Gate, so nothing depends on timing luck.
import { GreenletExit, Timeout, sleep, spawn, withTimeout } from '../../src';
import { Gate, PKG, REPORTING, captureReported, green, resultOf, runChild, thrownBy } from '../helpers';

const reported = captureReported();

// Fake only setTimeout/clearTimeout (what sleep and Timeout use); the hub keeps its real clock.
function fakeTimeouts(): void {
  jest.useFakeTimers({ doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'performance', 'hrtime', 'Date'] });
}

class CustomError extends Error {}

describe('D3: the error class of a Timeout', () => {
  test('a function that cannot be constructed is a TypeError at construction', async () => {
    const results = await green(() => {
      const notConstructors: Array<[string, unknown]> = [
        ['arrow', () => new Error('x')],
        ['async', async () => undefined],
        ['method', { m() { return new Error('x'); } }.m],
        ['generator', function* gen() { yield 1; }],
        ['bound arrow', (() => new Error('x')).bind(null)],
      ];
      return notConstructors.map(([name, fn]) => {
        const error = thrownBy(() => new Timeout(0.01, fn as never));
        return [name, error instanceof TypeError && /cannot be called with new/.test((error as Error).message)];
      });
    });
    for (const [name, ok] of results) expect([name, ok]).toEqual([name, true]);
  });

  test('classes, bound classes and plain functions are accepted and thrown as new instances', async () => {
    await green(() => {
      const t1 = new Timeout(0.001, CustomError);
      expect(thrownBy(() => sleep(10))).toBeInstanceOf(CustomError);
      t1.cancel();
      const t2 = new Timeout(0.001, CustomError.bind(null));
      expect(thrownBy(() => sleep(10))).toBeInstanceOf(CustomError);
      t2.cancel();
    });
  });

  test('a class whose constructor throws, or suspends: the owner gets that error, nothing is thrown from the timer', () => {
    const child = runChild(`'use strict';
      const g = require(${PKG});
      ${REPORTING}
      class Bad extends Error { constructor() { throw new RangeError('boom'); } }
      class Sleepy extends Error { constructor() { super('sleepy'); g.sleep(0.001); } }
      g.run(() => {
        const out = {};
        for (const [name, cls] of [['throws', Bad], ['suspends', Sleepy]]) {
          const t = new g.Timeout(0.005, cls);
          try { g.sleep(1); out[name] = 'slept'; } catch (e) { out[name] = [e.name, e.message.slice(0, 40)]; }
          t.cancel();
        }
        return out;
      }).then(report);
    `);
    expect(resultOf(child)).toEqual({
      throws: ['RangeError', 'boom'],
      // The timer callback is plain JavaScript: sleep() there cannot block.
      suspends: ['NotInGreenThreadError', expect.stringMatching(/^sleep\(\) blocks/)],
    });
  });
});

describe('D7: a Timeout that fires while its owner runs', () => {
  afterEach(() => jest.useRealTimers());

  test('is thrown at the next suspension point, and is no longer pending', async () => {
    fakeTimeouts();
    const result = await green(() => {
      const t = new Timeout(1);
      jest.advanceTimersByTime(2000);
      const pendingAfterFiring = t.pending;
      const thrown = thrownBy(() => sleep(0));
      sleep(0);  // thrown once only
      return { pendingAfterFiring, thrownIsT: thrown === t };
    });
    expect(result).toEqual({ pendingAfterFiring: false, thrownIsT: true });
  });

  test('with an error class or instance, and inside withTimeout (turned into its timeoutValue)', async () => {
    fakeTimeouts();
    const result = await green(() => {
      const t = new Timeout(1, CustomError);
      jest.advanceTimersByTime(2000);
      const cls = thrownBy(() => sleep(0)) instanceof CustomError;
      t.cancel();
      const value = withTimeout(1, () => { jest.advanceTimersByTime(2000); sleep(0); return 'finished'; }, { timeoutValue: 'tv' });
      return { cls, value };
    });
    expect(result).toEqual({ cls: true, value: 'tv' });
  });

  test('cancelled after firing but before it was thrown, it is withdrawn', async () => {
    fakeTimeouts();
    const value = await green(() => {
      const t = new Timeout(1);
      jest.advanceTimersByTime(2000);
      t.cancel();
      sleep(0);
      // withTimeout's own Timeout fired in the last moment of fn: fn's value stands.
      return withTimeout(1, () => { jest.advanceTimersByTime(2000); return 'finished'; }, { timeoutValue: 'tv' });
    });
    expect(value).toBe('finished');
  });

  test('the repro with node:test mock timers, in a child process', () => {
    const child = runChild(`'use strict';
      const g = require(${PKG});
      ${REPORTING}
      const { mock } = require('node:test');
      mock.timers.enable({ apis: ['setTimeout'] });
      g.run(() => {
        const t = new g.Timeout(1);
        mock.timers.tick(2000);
        const pending = t.pending;
        try { g.sleep(0); return { pending, thrown: 'nothing' }; } catch (e) { return { pending, thrown: e === t }; }
      }).then(report);
    `, { nodeArgs: ['--no-warnings'] });  // MockTimers is experimental
    expect(resultOf(child)).toEqual({ pending: false, thrown: true });
  });
});

describe('D10: a kill racing the victim\'s own due Timeout', () => {
  afterEach(() => jest.useRealTimers());

  // The victim waits on a gate inside `guarded`; its Timeout fires (the victim is now due to
  // throw it), then the killer kills it before it has run.
  function race(guarded: (gate: Gate) => unknown): Promise<{ outcome: string; killerSawAlive: boolean }> {
    fakeTimeouts();
    return green(() => {
      const gate = new Gate();
      const victim = spawn(() => guarded(gate));
      sleep(0);  // the victim runs up to the gate
      jest.advanceTimersByTime(1000);
      const killerSawAlive = !victim.dead;
      victim.kill();
      let outcome: string;
      try { outcome = `returned ${String(victim.wait())}`; } catch (error) { outcome = error instanceof GreenletExit ? 'GreenletExit' : String(error); }
      return { outcome, killerSawAlive };
    });
  }

  test('withTimeout with a timeoutValue: the victim ends with GreenletExit, not the value', async () => {
    expect(await race((gate) => withTimeout(0.5, () => gate.wait(), { timeoutValue: 'tv' }))).toEqual({ outcome: 'GreenletExit', killerSawAlive: true });
  });

  test('a body that catches its Timeout and returns: the pending kill becomes its outcome', async () => {
    expect(await race((gate) => {
      const t = new Timeout(0.5);
      try { gate.wait(); } catch (error) { if (error === t) return 'caught the timeout'; throw error; }
      return 'not reached';
    })).toEqual({ outcome: 'GreenletExit', killerSawAlive: true });
  });

  test('a victim that catches the kill still may: it returns what it chose', async () => {
    expect(await race((gate) => {
      try { return withTimeout(0.5, () => gate.wait(), { timeoutValue: 'tv' }); } catch (error) { if (error instanceof GreenletExit) return 'caught the kill'; throw error; }
    })).toEqual({ outcome: 'returned caught the kill', killerSawAlive: true });
    expect(reported).toEqual([]);
  });

  test('the repro from the review (real timers, both due in one timers phase), in a child process', () => {
    const child = runChild(`'use strict';
      const g = require(${PKG});
      ${REPORTING}
      const outcomes = [];
      function trial(n) {
        if (n === 0) return report(outcomes);
        let T;
        const K = g.spawn(() => { g.sleep(0.02); const alive = !T.dead; T.kill(); return alive; });
        T = g.spawn(() => g.withTimeout(0.02, () => g.sleep(1), { timeoutValue: 'tv' }));
        // Block the loop past both timers so they fire back to back in one timers phase.
        setTimeout(() => { const until = Date.now() + 40; while (Date.now() < until); }, 1);
        T.then((v) => outcomes.push('returned ' + v), (e) => outcomes.push(e instanceof g.GreenletExit ? 'GreenletExit' : String(e)))
          .then(() => trial(n - 1));
      }
      trial(5);
    `);
    expect(resultOf(child)).toEqual(Array(5).fill('GreenletExit'));
  });
});
