// Waiter, the single-slot switching primitive, against its written contract (src/hub/waiter.ts):
// who may wake it, who may wait, a wake that comes first, a kill or Timeout while waiting.
import { GreenletExit, InvalidStateError, NotInGreenThreadError, Timeout, sleep, spawn } from '../../src';
import { requireGreenThread, Waiter } from '../../src/hub/waiter';
import { WaitList } from '../../src/hub/wait-list';
import { green, thrownBy } from '../helpers';

function newWaiter<V>(): Waiter<V> {
  return new Waiter<V>(requireGreenThread('test'));
}

describe('who may wake it', () => {
  test('plain JavaScript (a timer callback)', async () => {
    expect(await green(() => {
      const w = newWaiter<string>();
      setTimeout(() => w.wake('timer'), 1);
      return w.wait('test');
    })).toBe('timer');
  });

  test('a promise reaction, with an error', async () => {
    const error = new Error('rejected');
    expect(await green(() => {
      const w = newWaiter<string>();
      Promise.reject(error).catch((e) => w.throw(e));
      return thrownBy(() => w.wait('test'));
    })).toBe(error);
  });

  test('another green thread; only the first wake counts', async () => {
    const counted: boolean[] = [];
    expect(await green(() => {
      const w = newWaiter<number>();
      spawn(() => { counted.push(w.wake(1), w.wake(2), w.throw(new Error('late'))); });
      return w.wait('test');
    })).toBe(1);
    expect(counted).toEqual([true, false, false]);
  });
});

describe('a wake that comes first', () => {
  test('is kept: wait() returns it at once, without suspending', async () => {
    const log: string[] = [];
    await green(() => {
      const w = newWaiter<string>();
      spawn(() => log.push('other ran'));
      expect(w.wake('early')).toBe(true);
      log.push(`got ${w.wait('test')}`);
      sleep(0);
    });
    expect(log).toEqual(['got early', 'other ran']);
  });

  test('an error that comes first is thrown at once', async () => {
    const error = new Error('early');
    await green(() => {
      const w = newWaiter();
      w.throw(error);
      expect(thrownBy(() => w.wait('test'))).toBe(error);
    });
  });

  test('a wake made while the owner was suspended on something else before wait() counts', async () => {
    expect(await green(() => {
      const w = newWaiter<string>();
      spawn(() => w.wake('meanwhile'));
      sleep(0.001);     // the owner is elsewhere when the wake comes
      return w.wait('test');
    })).toBe('meanwhile');
  });
});

describe('who may wait', () => {
  test('only the thread that made it, and only once', async () => {
    await green(() => {
      const w = newWaiter<number>();
      const other = spawn(() => thrownBy(() => w.wait('test')));
      expect(other.wait()).toBeInstanceOf(InvalidStateError);
      w.wake(1);
      expect(w.wait('test')).toBe(1);
      expect(thrownBy(() => w.wait('test'))).toBeInstanceOf(InvalidStateError);
    });
  });

  test('requireGreenThread from plain JavaScript names the call, without greenthread frames', () => {
    const error = thrownBy(() => requireGreenThread('frob()')) as Error;
    expect(error).toBeInstanceOf(NotInGreenThreadError);
    expect(error.message).toContain('frob()');
    expect(error.stack).not.toMatch(/src[/\\]hub[/\\]waiter/);
    expect(error.stack).toContain('waiter.test');
  });
});

describe('a kill or Timeout while waiting', () => {
  test('a kill is thrown by wait(); a later wake does not count', async () => {
    await green(() => {
      let w: Waiter<number> | null = null;
      const waiting = spawn(() => {
        w = newWaiter<number>();
        return w.wait('test');
      });
      sleep(0);
      waiting.kill();
      expect(thrownBy(() => waiting.wait())).toBeInstanceOf(GreenletExit);
      expect((w as unknown as Waiter<number>).wake(1)).toBe(false);
    });
  });

  test('a value handed over and then cut short goes to giveBack', async () => {
    const givenBack: number[] = [];
    await green(() => {
      let w: Waiter<number> | null = null;
      const waiting = spawn(() => {
        w = newWaiter<number>();
        return w.wait('test', (value) => givenBack.push(value));
      });
      sleep(0);
      expect((w as unknown as Waiter<number>).wake(7)).toBe(true);
      waiting.kill();   // before it ran with the 7
      expect(thrownBy(() => waiting.wait())).toBeInstanceOf(GreenletExit);
    });
    expect(givenBack).toEqual([7]);
  });

  test('a Timeout is thrown by wait()', async () => {
    await green(() => {
      const t = new Timeout(0.001);
      const w = newWaiter();
      expect(thrownBy(() => w.wait('test'))).toBe(t);
      expect(w.wake(1)).toBe(false);
    });
  });
});

describe('recycle', () => {
  test('a done Waiter waits again; an armed or filled one refuses and is left as it was', async () => {
    expect(await green(() => {
      const w = newWaiter<string>();
      expect(w.recycle()).toBe(false);  // empty: still in use
      w.wake('first');
      expect(w.recycle()).toBe(false);  // filled: its value must still be delivered
      const first = w.wait('test');
      expect(w.wake('stale')).toBe(false);
      expect(w.recycle()).toBe(true);
      setTimeout(() => w.wake('second'), 1);
      const second = w.wait('test');
      return [first, second];
    })).toEqual(['first', 'second']);
  });

  test('after a wait that threw (an error, or a kill), it waits again normally', async () => {
    expect(await green(() => {
      const w = newWaiter<string>();
      w.throw(new Error('boom'));
      expect(thrownBy(() => w.wait('test'))).toEqual(new Error('boom'));
      expect(w.recycle()).toBe(true);
      w.wake('after');
      return w.wait('test');
    })).toBe('after');
  });
});

describe('WaitList on Waiter', () => {
  test('a hand-over made while the entry runs its beforeSuspend code (which suspends) is kept', async () => {
    const list = new WaitList<string>();
    expect(await green(() => list.wait('test', undefined, undefined, () => {
      spawn(() => list.handOne('handed'));
      sleep(0.001);
    }))).toBe('handed');
  });

  test('beforeSuspend that throws after a hand-over gives the value back', async () => {
    const list = new WaitList<string>();
    const givenBack: string[] = [];
    const boom = new Error('boom');
    expect(await green(() => thrownBy(() => list.wait('test', undefined, (v) => givenBack.push(v), () => {
      list.handOne('handed');
      throw boom;
    })))).toBe(boom);
    expect(givenBack).toEqual(['handed']);
    expect(list.size).toBe(0);
  });
});
