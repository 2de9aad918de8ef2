// Event: eventlet's event_test.py restated in greenthread's API (send/wait, many waiters,
// reset, exceptions, wait with a timeout), plus what our contract adds: send and non-blocking
// waits from plain JavaScript, poll, sendException's forms, waiters that are killed or timed
// out, and argument checks. Sleeps only force an order; nothing asserts how long anything took.
import * as vm from 'node:vm';
import { Event, GreenletExit, NotInGreenThreadError, Timeout, hub, sleep, spawn, spawnAfter, spawnN } from '../../src';
import { captureReported, green, stallEventLoop, thrownBy } from '../helpers';

const reported = captureReported();

describe('send and wait', () => {
  test('wait blocks until another green thread sends, then returns the value', async () => {
    const value = await green(() => {
      const event = new Event<string>();
      spawnN(() => event.send('some stuff'));
      return event.wait();
    });
    expect(value).toBe('some stuff');
  });

  test('one send wakes every waiter, each with the value', async () => {
    const results = await green(() => {
      const event = new Event<number>();
      const waiters = Array.from({ length: 5 }, () => spawn(() => event.wait()));
      sleep(0);   // all five are blocked now
      event.send(7);
      return waiters.map((w) => w.wait());
    });
    expect(results).toEqual([7, 7, 7, 7, 7]);
  });

  test('waiters that throw after waking do not disturb the others', async () => {
    const woke: number[] = [];
    await green(() => {
      const event = new Event();
      const waiters = Array.from({ length: 5 }, (_, i) => spawn(() => {
        event.wait();
        woke.push(i);
        throw new Error(`waiter ${i}`);
      }));
      sleep(0);
      event.send();
      for (const w of waiters) expect(() => w.wait()).toThrow(/waiter/);
    });
    expect(woke).toEqual([0, 1, 2, 3, 4]);
    expect(reported).toHaveLength(5);
  });

  test('send never blocks: the sender runs on, the waiters run at the next turn in arrival order', async () => {
    const log: string[] = [];
    await green(() => {
      const event = new Event<string>();
      const a = spawn(() => log.push(`a got ${event.wait()}`));
      const b = spawn(() => log.push(`b got ${event.wait()}`));
      sleep(0);
      event.send('x');
      log.push('sender continues');
      a.wait();
      b.wait();
    });
    expect(log).toEqual(['sender continues', 'a got x', 'b got x']);
  });

  test('wait after send returns at once, as often as asked', async () => {
    await green(() => {
      const event = new Event<number>();
      event.send(1);
      expect(event.wait()).toBe(1);
      expect(event.wait()).toBe(1);
      expect(event.wait(0)).toBe(1);
    });
  });

  test('send with no argument sends undefined', async () => {
    await green(() => {
      const event = new Event();
      const w = spawn(() => event.wait());
      sleep(0);
      event.send();
      expect(w.wait()).toBeUndefined();
      expect(event.hasResult()).toBe(true);
    });
  });

  test('a second send (or sendException) without reset throws and changes nothing', async () => {
    await green(() => {
      const event = new Event<string>();
      event.send('first');
      expect(() => event.send('second')).toThrow(/already been sent.*reset\(\)/);
      expect(() => event.sendException(new Error('x'))).toThrow(/already been sent/);
      expect(event.wait()).toBe('first');
      const failed = new Event();
      failed.sendException(new Error('first'));
      expect(() => failed.send('x')).toThrow(/already been sent/);
      expect(() => failed.wait()).toThrow('first');
    });
  });
});

describe('plain JavaScript', () => {
  test('send from a timer callback wakes green threads', async () => {
    const event = new Event<string>();
    const waiter = spawn(() => event.wait());
    setTimeout(() => event.send('from a callback'), 5);
    expect(await waiter).toBe('from a callback');
  });

  test('wait returns or throws at once when sent; would block → NotInGreenThreadError', () => {
    const event = new Event<number>();
    expect(() => event.wait()).toThrow(NotInGreenThreadError);
    expect(() => event.wait(1)).toThrow(/Event\.wait\(\)/);
    event.send(3);
    expect(event.wait()).toBe(3);
    const failed = new Event();
    const boom = new Error('boom');
    failed.sendException(boom);
    expect(thrownBy(() => failed.wait())).toBe(boom);
  });

  test('wait(0) polls instead of throwing: waiting zero seconds needs no blocking', () => {
    const event = new Event<number>();
    expect(event.wait(0)).toBeUndefined();
    expect(event.wait(-1)).toBeUndefined();
  });
});

describe('wait with a timeout', () => {
  test('returns the value when sent in time', async () => {
    await green(() => {
      const event = new Event<boolean>();
      spawnAfter(0.01, () => event.send(true));
      expect(event.wait(10)).toBe(true);
    });
  });

  test('returns undefined when the time runs out, and the Event stays usable', async () => {
    await green(() => {
      const event = new Event<string>();
      expect(event.wait(0.01)).toBeUndefined();
      expect(event.wait(0)).toBeUndefined();
      expect(event.wait(-5)).toBeUndefined();
      expect(String(event)).toMatch(/0 waiting/);
      spawnAfter(0.005, () => event.send('later'));
      expect(event.wait()).toBe('later');
    });
  });

  test('a wait that ends in time leaves no Timeout armed behind', async () => {
    await green(() => {
      const event = new Event();
      spawn(() => event.send('in time'));   // ready now: sends long before the deadline
      expect(event.wait(0.2)).toBe('in time');
      sleep(0.25);   // past the wait's deadline: nothing is thrown here
    });
  });

  test('a send that reached the waiter before its timeout fired wins', async () => {
    await green(() => {
      const event = new Event<string>();
      // Both 20 ms timers fire back to back after the stall, in the order they were made: the
      // send wakes the waiter, then the wait's own timeout fires before the waiter runs again.
      stallEventLoop(40);
      setTimeout(() => event.send('won'), 20);
      expect(event.wait(0.02)).toBe('won');
    });
  });

  test('an outer Timeout is not the wait\'s own: it propagates', async () => {
    await green(() => {
      const event = new Event();
      const outer = new Timeout(0.01);
      expect(thrownBy(() => event.wait(10))).toBe(outer);
      sleep(0.02);
    });
  });

  test('after reset, the old exception is gone: wait blocks again (eventlet\'s test_double_exception)', async () => {
    await green(() => {
      const event = new Event();
      event.sendException(new RangeError('from the first send'));
      expect(() => event.wait()).toThrow(RangeError);
      event.reset();
      const t = new Timeout(0.01);
      expect(thrownBy(() => event.wait())).toBe(t);
    });
  });
});

describe('sendException', () => {
  test('every waiter throws the error, and so does every later wait', async () => {
    const boom = new Error('boom');
    await green(() => {
      const event = new Event();
      const waiters = Array.from({ length: 3 }, () => spawn(() => thrownBy(() => event.wait())));
      sleep(0);
      event.sendException(boom);
      expect(waiters.map((w) => w.wait())).toEqual([boom, boom, boom]);
      expect(thrownBy(() => event.wait())).toBe(boom);
    });
  });

  test('an error class is instantiated once: every waiter throws the same instance', async () => {
    class Failed extends Error {}
    await green(() => {
      const event = new Event();
      const waiters = Array.from({ length: 2 }, () => spawn(() => thrownBy(() => event.wait())));
      sleep(0);
      event.sendException(Failed);
      const [a, b] = waiters.map((w) => w.wait());
      expect(a).toBeInstanceOf(Failed);
      expect(b).toBe(a);
      expect(thrownBy(() => event.wait())).toBe(a);
    });
  });

  test('no argument: waiters throw GreenletExit and, uncaught, end quietly as if killed', async () => {
    await green(() => {
      const event = new Event();
      const waiter = spawn(() => event.wait());
      sleep(0);
      event.sendException();
      expect(() => waiter.wait()).toThrow(GreenletExit);
      expect(event.hasException()).toBe(true);
    });
    expect(reported).toEqual([]);
  });

  test('an error from another realm (vm context) is accepted', async () => {
    const foreign = vm.runInNewContext('new TypeError("foreign")') as Error;
    const event = new Event();
    event.sendException(foreign);
    expect(thrownBy(() => event.wait())).toBe(foreign);
  });

  test('a class whose constructor throws leaves the Event unsent', () => {
    class Broken extends Error {
      constructor() { super('x'); throw new Error('constructor failed'); }
    }
    const event = new Event();
    expect(() => event.sendException(Broken)).toThrow('constructor failed');
    expect(event.ready()).toBe(false);
  });
});

describe('ready, hasResult, hasException, poll, reset', () => {
  test('state queries through a value, a reset and an exception', () => {
    const event = new Event<string>();
    expect([event.ready(), event.hasResult(), event.hasException()]).toEqual([false, false, false]);
    event.send('v');
    expect([event.ready(), event.hasResult(), event.hasException()]).toEqual([true, true, false]);
    event.reset();
    expect([event.ready(), event.hasResult(), event.hasException()]).toEqual([false, false, false]);
    event.sendException(new Error('e'));
    expect([event.ready(), event.hasResult(), event.hasException()]).toEqual([true, false, true]);
  });

  test('poll: notReady (default undefined) until sent, then the value; a sent exception is thrown', () => {
    const event = new Event<number>();
    expect(event.poll()).toBeUndefined();
    expect(event.poll('not yet')).toBe('not yet');
    event.send(0);
    expect(event.poll('not yet')).toBe(0);
    const failed = new Event();
    const boom = new Error('boom');
    expect(failed.poll(null)).toBeNull();
    failed.sendException(boom);
    expect(thrownBy(() => failed.poll('not yet'))).toBe(boom);
  });

  test('reset before any send throws; after a send it allows a new one (eventlet\'s test_reset)', async () => {
    await green(() => {
      const event = new Event<string>();
      expect(() => event.reset()).toThrow(/not been sent/);
      spawnN(() => event.send('some stuff'));
      expect(event.wait()).toBe('some stuff');
      expect(() => event.send('second stuff')).toThrow(/already been sent/);
      expect(event.wait()).toBe('some stuff');
      event.reset();
      expect(() => event.reset()).toThrow(/not been sent/);
      spawnN(() => event.send('second stuff'));
      expect(event.wait()).toBe('second stuff');
    });
  });

  test('waiters keep the outcome that woke them even if reset and resent before they run', async () => {
    await green(() => {
      const event = new Event<string>();
      const early = spawn(() => event.wait());
      sleep(0);
      event.send('first');
      event.reset();
      event.send('second');
      expect(early.wait()).toBe('first');
      expect(event.wait()).toBe('second');
    });
  });

  test('toString tells the state and the number of waiters', async () => {
    await green(() => {
      const event = new Event();
      const w = spawn(() => event.wait());
      sleep(0);
      expect(String(event)).toBe('Event(not sent, 1 waiting)');
      event.send();
      expect(String(event)).toBe('Event(sent, 0 waiting)');
      w.wait();
      event.reset();
      event.sendException(new Error('x'));
      expect(String(event)).toBe('Event(sent an exception, 0 waiting)');
    });
  });
});

describe('waiters that leave', () => {
  test('a killed waiter leaves; the others still get the value', async () => {
    await green(() => {
      const event = new Event<string>();
      const a = spawn(() => event.wait());
      const b = spawn(() => event.wait());
      sleep(0);
      a.kill();
      expect(String(event)).toMatch(/1 waiting/);
      event.send('value');
      expect(() => a.wait()).toThrow(GreenletExit);
      expect(b.wait()).toBe('value');
    });
  });

  test('a waiter killed after the send woke it but before it ran throws the kill error', async () => {
    await green(() => {
      const event = new Event<string>();
      const a = spawn(() => event.wait());
      sleep(0);
      event.send('value');
      a.kill(new RangeError('stop'));
      expect(() => a.wait()).toThrow(RangeError);
      expect(event.wait()).toBe('value');
    });
  });

  test('hub.threads() shows a waiter suspended in Event.wait()', async () => {
    await green(() => {
      const event = new Event();
      const w = spawn(() => event.wait());
      sleep(0);
      expect(hub.threads().find((info) => info.thread === w)?.suspendedIn).toBe('Event.wait()');
      event.send();
      w.wait();
    });
  });
});

describe('argument validation', () => {
  test('wait rejects a non-numeric timeout, even when already sent', async () => {
    await green(() => {
      const event = new Event();
      for (const timeout of ['1', NaN, [], true, 1n]) { // ([] rather than {}: a plain object is the options form)
        expect(() => event.wait(timeout as never)).toThrow(TypeError);
      }
      expect(() => event.wait(Infinity)).toThrow(RangeError);
      event.send(1);
      expect(() => event.wait('1' as never)).toThrow(TypeError);
    });
  });

  test('sendException rejects what is neither an Error nor a class', () => {
    for (const error of [42, 'boom', {}, null, true, { message: 'x' }]) {
      const event = new Event();
      expect(() => event.sendException(error as never)).toThrow(TypeError);
      expect(event.ready()).toBe(false);
    }
  });
});
