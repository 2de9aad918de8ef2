// waitFor((signal) => promise): the function is called at once on the green thread with an
// AbortSignal that aborts, with the error waitFor throws, when the wait ends before the promise
// settled (kill, Timeout, an outer signal, a failing function); after a settle it never aborts.
// Includes a real fetch against a local server that never answers, cancelled by a Timeout.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  Event, GreenletExit, NotInGreenThreadError, Timeout, getCurrent, inGreenThread, sleep, spawn, timeoutSignal, waitFor,
} from '../../src';
import { green, thrownBy } from '../helpers';

const LONG = 10;

// A factory that records the signal it was given and returns a promise that never settles.
function pending(seen: AbortSignal[]): (signal: AbortSignal) => Promise<never> {
  return (signal) => {
    seen.push(signal);
    return new Promise<never>(() => {});
  };
}

describe('waitFor(factory)', () => {
  test('calls the function at once, on the calling green thread, with a fresh AbortSignal', async () => {
    await green(() => {
      const me = getCurrent();
      let seen: AbortSignal | undefined;
      let where: unknown;
      const value = waitFor((signal) => {
        seen = signal;
        where = [inGreenThread(), getCurrent() === me];
        return Promise.resolve(42);
      });
      expect(value).toBe(42);
      expect(where).toEqual([true, true]);
      expect(seen).toBeInstanceOf(AbortSignal);
      expect(seen?.aborted).toBe(false);
    });
  });

  test('infers the result type from the promise the function returns', async () => {
    await green(() => {
      const n: number = waitFor((signal) => Promise.resolve(signal.aborted ? 0 : 1));
      const s: string = waitFor(async () => 'text');
      expect([n, s]).toEqual([1, 'text']);
    });
  });

  test('after the promise settles the signal never aborts, even when the thread is killed later', async () => {
    let signal: AbortSignal | undefined;
    let rejected: AbortSignal | undefined;
    const sleeping = new Event();
    const g = spawn(() => {
      waitFor((s) => { signal = s; return Promise.resolve(1); });
      thrownBy(() => waitFor((s) => { rejected = s; return Promise.reject(new Error('no')); }));
      sleeping.send();
      sleep(LONG);
    });
    await green(() => { sleeping.wait(); g.kill(); });
    await g.then(() => {}, () => {});
    expect(signal?.aborted).toBe(false);
    expect(rejected?.aborted).toBe(false);
  });

  test('a kill aborts the signal with the kill error, which the thread gets too', async () => {
    const seen: AbortSignal[] = [];
    const g = spawn(() => thrownBy(() => waitFor(pending(seen))));
    await green(() => { sleep(0.001); g.kill(); });
    const error = await g;
    expect(error).toBeInstanceOf(GreenletExit);
    expect(seen[0].aborted).toBe(true);
    expect(seen[0].reason).toBe(error);
  });

  test('a Timeout aborts the signal with that Timeout', async () => {
    await green(() => {
      const seen: AbortSignal[] = [];
      const t = new Timeout(0.005);
      expect(thrownBy(() => waitFor(pending(seen)))).toBe(t);
      expect(seen[0].reason).toBe(t);
    });
  });

  test('an outer { signal } aborts it with the outer reason', async () => {
    await green(() => {
      const seen: AbortSignal[] = [];
      const outer = new AbortController();
      const reason = new Error('outer');
      spawn(() => outer.abort(reason));
      expect(thrownBy(() => waitFor(pending(seen), { signal: outer.signal }))).toBe(reason);
      expect(seen[0].reason).toBe(reason);
    });
  });

  test('an already-aborted outer signal throws its reason without calling the function', async () => {
    await green(() => {
      const seen: AbortSignal[] = [];
      const reason = new Error('before');
      expect(thrownBy(() => waitFor(pending(seen), { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect(seen).toEqual([]);
    });
  });

  test('a function that throws: waitFor throws that error, and the signal aborts with it', async () => {
    await green(() => {
      let seen: AbortSignal | undefined;
      const error = new Error('factory failed');
      expect(thrownBy(() => waitFor((signal) => { seen = signal; throw error; }))).toBe(error);
      expect(seen?.reason).toBe(error);
    });
  });

  test('a function that returns no promise: TypeError, and the signal aborts with it', async () => {
    await green(() => {
      let seen: AbortSignal | undefined;
      const error = thrownBy(() => waitFor(((signal: AbortSignal) => { seen = signal; return 42; }) as never)) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toBe('waitFor(): the function must return a promise or thenable, got number 42');
      expect(seen?.reason).toBe(error);
    });
  });

  test('a function that suspends and is killed meanwhile: its signal aborts', async () => {
    let seen: AbortSignal | undefined;
    const g = spawn(() => waitFor((signal) => { seen = signal; sleep(LONG); return Promise.resolve(1); }));
    await green(() => { sleep(0.001); g.kill(); });
    await g.then(() => {}, () => {});
    expect(seen?.reason).toBeInstanceOf(GreenletExit);
  });

  test('from plain JavaScript: NotInGreenThreadError, without calling the function', () => {
    const seen: AbortSignal[] = [];
    expect(() => waitFor(pending(seen))).toThrow(NotInGreenThreadError);
    expect(seen).toEqual([]);
  });

  test('a function with a then method is a thenable, as before', async () => {
    await green(() => {
      const thenable = Object.assign(() => 'not called', { then: (resolve: (v: number) => void) => resolve(5) });
      expect(waitFor(thenable as unknown as PromiseLike<number>)).toBe(5);
    });
  });

  test('anything else is still a TypeError', async () => {
    await green(() => {
      expect(() => waitFor(42 as never)).toThrow('waitFor(): expected a promise, a thenable or a function returning one, got number 42');
    });
  });
});

describe('waitFor((signal) => fetch(url, { signal }))', () => {
  // Fails (instead of hanging the suite) when the server never sees the connection close.
  function closedWithin(closed: Promise<void>): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const guard = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('the request was not cancelled: its connection stayed open')), 30000);
    });
    return Promise.race([closed, guard]).finally(() => clearTimeout(timer));
  }

  // Resolves once every connection `server` has accepted is closed (at once when none is open).
  // A request aborted before it even connected (the Timeout can fire first on a loaded machine)
  // leaves nothing open either: either way, nothing of it stayed open.
  function trackConnections(server: http.Server): () => Promise<void> {
    let open = 0;
    const onNone: Array<() => void> = [];
    server.on('connection', (socket) => {
      open++;
      socket.on('close', () => {
        if (--open === 0) for (const done of onNone.splice(0)) done();
      });
    });
    return () => new Promise<void>((resolve) => {
      if (open === 0) resolve();
      else onNone.push(resolve);
    });
  }

  // A server that accepts requests and never answers; `closed()` as trackConnections says.
  function silentServer(): Promise<{ url: string; closed: () => Promise<void>; server: http.Server }> {
    return new Promise((resolve) => {
      const server = http.createServer(() => {});
      const closed = trackConnections(server);
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        resolve({ url: `http://127.0.0.1:${port}/never`, closed, server });
      });
    });
  }

  test('a Timeout cancels the request: the server sees its socket close and the thread gets the Timeout', async () => {
    const { url, closed, server } = await silentServer();
    try {
      const outcome = await green(() => {
        const t = new Timeout(0.2);
        try {
          waitFor((signal) => fetch(url, { signal }));
          return 'answered';
        } catch (error) {
          return error === t ? 'timeout' : error;
        } finally {
          t.cancel();
        }
      });
      expect(outcome).toBe('timeout');
      await closedWithin(closed());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an outer { signal } cancels the request through the function\'s signal', async () => {
    const { url, closed, server } = await silentServer();
    try {
      const controller = new AbortController();
      const reason = new Error('user cancelled');
      const g = spawn(() => thrownBy(() => waitFor((signal) => fetch(url, { signal }), { signal: controller.signal })));
      await green(() => { sleep(0.1); controller.abort(reason); });
      expect(await g).toBe(reason);
      await closedWithin(closed());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('fetch given timeoutSignal() directly: the thread gets the Timeout and the request is cancelled', async () => {
    const { url, closed, server } = await silentServer();
    try {
      const error = await green(() => thrownBy(() => waitFor(fetch(url, { signal: timeoutSignal(0.1) }))));
      expect(error).toBeInstanceOf(Timeout);
      await closedWithin(closed());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('headers and body read in one async factory: a Timeout during the body cancels the download', async () => {
    // Answers with headers and a first chunk, then never finishes the body.
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial');
    });
    const closed = trackConnections(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`;
    try {
      const outcome = await green(() => {
        const t = new Timeout(0.2);
        try {
          return waitFor(async (signal) => (await fetch(url, { signal })).text());
        } catch (error) {
          return error === t ? 'timeout' : error;
        } finally {
          t.cancel();
        }
      });
      expect(outcome).toBe('timeout');
      await closedWithin(closed());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
