// eventlet's tests/convenience_test.py restated for connect/listen/serve/StopServe: serve closes
// each client socket when its handler returns or throws, a handler's error comes out of serve,
// StopServe, serve's concurrency bound, serve over wrapSsl, listen's address reuse. Plus issue 8's
// serve scenarios: echo over TCP and Unix sockets, 1,000 concurrent clients, a slowloris peer.
// Short Timeouts only prove that something blocks; nothing asserts how long anything took.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StopServe, connect, listen, serve, sleep, spawn, withTimeout, wrapSsl } from '../../src';
import { Gate, captureReported, thrownBy } from '../helpers';
import { session } from './net-helpers';

const reported = captureReported();
const TLS_DIR = path.join(__dirname, '..', 'fixtures', 'tls');
const tlsFile = (name: string): Buffer => fs.readFileSync(path.join(TLS_DIR, name));



/** Reads one line through `readline()` as a string. */
const line = (sock: { readline(): Buffer }): string => sock.readline().toString();

/** The echo handler: every line goes back until EOF. */
function echoLines(sock: { readline(): Buffer; sendall(data: Uint8Array | string): void }): void {
  for (let l: Buffer; (l = sock.readline()).length > 0;) sock.sendall(l);
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-io-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('serve closes the client socket (convenience_test.py)', () => {
  test('a handler that returns: the client reads EOF', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, () => { /* returns at once */ })));
      const client = own(connect(server.address()));
      expect(client.recv(100)).toEqual(Buffer.alloc(0));
    });
  });

  test('a handler that throws: serve throws that error and the client reads EOF', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const client = own(spawn(() => {
        const sock = own(connect(server.address()));
        sock.sendall('a');
        return sock.recv(100);
      }));
      expect(() => serve(server, (sock) => {
        sock.recv(1024);
        throw new RangeError('handler failed');
      })).toThrow(new RangeError('handler failed'));
      expect(client.wait()).toEqual(Buffer.alloc(0));
    });
  });

  test('a handler that closes its socket itself and then throws: the same (close is idempotent)', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const client = own(spawn(() => {
        const sock = own(connect(server.address()));
        sock.sendall('a');
        return sock.recv(100);
      }));
      expect(() => serve(server, (sock) => {
        sock.recv(1024);
        sock.close();
        throw new RangeError('handler failed after close');
      })).toThrow('handler failed after close');
      expect(client.wait()).toEqual(Buffer.alloc(0));
    });
  });

  test('the handler is called once for each of 100 connections', async () => {
    const hits = await session((own) => {
      let count = 0;
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, () => { count++; })));
      for (let i = 0; i < 100; i++) {
        const client = connect(server.address());
        try {
          expect(client.recv(100).length).toBe(0);
        } finally {
          client.close();
        }
      }
      return count;
    });
    expect(hits).toBe(100);
  });

  test('the handler gets a connected socket and the peer address as [host, port]', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const seen: unknown[] = [];
      own(spawn(() => serve(server, (sock, addr) => {
        seen.push(addr, sock.getpeername());
        sock.sendall('hi');
      })));
      const client = own(connect(server.address()));
      expect(client.recv(2).toString()).toBe('hi');
      expect(seen[0]).toEqual(client.getsockname());
      expect(seen[1]).toEqual(client.getsockname());
    });
  });
});

describe('serve blocks and returns (convenience_test.py)', () => {
  test('serve blocks the calling green thread', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      expect(withTimeout(0.05, () => serve(server, () => {}), { timeoutValue: 'timeout' })).toBe('timeout');
    });
  });

  test('after serve was interrupted the listening socket stays open', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      withTimeout(0.02, () => serve(server, () => {}), { timeoutValue: null });
      const client = own(connect(server.address()));
      const [peer] = server.accept();
      own(peer);
      peer.sendall('still listening');
      expect(client.recv(100).toString()).toBe('still listening');
    });
  });

  test('a handler throwing StopServe makes serve return; the listening socket stays open', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const connecting = own(spawn(() => own(connect(server.address()))));
      expect(serve(server, () => { throw new StopServe(); })).toBeUndefined();
      const first = connecting.wait();
      expect(first.recv(10).length).toBe(0);   // the handler's socket was closed
      const again = own(connect(server.address()));
      const [peer] = server.accept();
      own(peer);
      peer.sendall('x');
      expect(again.recv(1).toString()).toBe('x');
    });
  });

  test('closing the listening socket from another green thread makes serve return', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const address = server.address();
      const serving = own(spawn(() => serve(server, () => {})));
      sleep(0.01);   // serve is blocked in accept now
      server.close();
      expect(serving.wait()).toBeUndefined();
      expect(() => connect(address)).toThrow(expect.objectContaining({ code: 'ECONNREFUSED' }));
    });
  });

  test('serve checks its arguments', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      expect(() => serve(server, 'not a function' as never)).toThrow(TypeError);
      expect(() => serve({} as never, () => {})).toThrow(TypeError);
      for (const [concurrency, kind] of [[0, RangeError], [-3, RangeError], [1.5, TypeError], ['2', TypeError]] as const) {
        const error = thrownBy(() => serve(server, () => {}, { concurrency: concurrency as never }));
        expect((error as Error).constructor).toBe(kind);
        expect(String(error)).toMatch(/^\w+Error: serve\(\): concurrency/);
      }
    });
  });
});

describe('concurrency (convenience_test.py test_concurrency, issue 8)', () => {
  test('with concurrency 5, a sixth client waits until a handler ends, then is served', async () => {
    await session((own) => {
      const release = new Gate();
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, (sock) => {
        sock.sendall('hi');
        release.wait();
      }, { concurrency: 5 })));
      for (let i = 0; i < 5; i++) {
        const c = own(connect(server.address()));
        expect(c.recv(2).toString()).toBe('hi');
      }
      const sixth = own(connect(server.address()));
      sixth.setTimeout(0.05);
      expect(() => sixth.recv(2)).toThrow(expect.objectContaining({ name: 'SocketTimeoutError' }));
      sixth.setTimeout(null);
      release.open();
      expect(sixth.recv(2).toString()).toBe('hi');   // not dropped
    });
  });

  test('never more handlers run at once than the bound, and every connection is handled', async () => {
    const { most, handled } = await session((own) => {
      const BOUND = 3;
      const CLIENTS = 12;
      let running = 0;
      let most = 0;
      let handled = 0;
      const release = new Gate();
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, (sock) => {
        running++;
        most = Math.max(most, running);
        release.wait();
        sock.sendall(sock.recv(16));
        handled++;
        running--;
      }, { concurrency: BOUND })));
      const clients = Array.from({ length: CLIENTS }, (_, i) => {
        const c = own(connect(server.address()));
        c.sendall(`client ${i}`);
        return c;
      });
      // Every connection is in the backlog; give serve every chance to start more than BOUND.
      while (running < BOUND) sleep(0.001);
      sleep(0.05);
      expect(running).toBe(BOUND);
      release.open();
      clients.forEach((c, i) => expect(c.recv(16).toString()).toBe(`client ${i}`));
      return { most, handled };
    });
    expect(most).toBe(3);
    expect(handled).toBe(12);
  });

  test('connections beyond the bound are handled in the order they came', async () => {
    const order = await session((own) => {
      const seen: string[] = [];
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, (sock) => {
        seen.push(line(sock).trim());
        sock.sendall('done\n');
      }, { concurrency: 1 })));
      const clients = Array.from({ length: 6 }, (_, i) => {
        const c = own(connect(server.address()));
        c.sendall(`${i}\n`);
        return c;
      });
      for (const c of clients) expect(line(c)).toBe('done\n');
      return seen;
    });
    expect(order).toEqual(['0', '1', '2', '3', '4', '5']);
  });
});

describe('serve over TLS (convenience_test.py test_wrap_ssl)', () => {
  test('wrapSsl(listen(...), {serverSide}) served by serve, with a wrapSsl(connect(...)) client', async () => {
    await session((own) => {
      const server = own(wrapSsl(own(listen(['127.0.0.1', 0])), { serverSide: true, key: tlsFile('server-key.pem'), cert: tlsFile('server-cert.pem') }));
      const serving = own(spawn(() => serve(server, (sock) => {
        sock.sendall(sock.recv(1024));
        throw new StopServe();
      })));
      const client = own(wrapSsl(own(connect(server.address())), { ca: tlsFile('ca-cert.pem'), servername: 'localhost' }));
      client.sendall('echo');
      expect(client.recv(1024).toString()).toBe('echo');
      expect(serving.wait()).toBeUndefined();
    });
  });
});

describe('address reuse (convenience_test.py test_socket_reuse)', () => {
  test('a port just freed can be listened on again at once (reuseAddr is the default)', async () => {
    await session((own) => {
      const first = listen(['127.0.0.1', 0]);
      const address = first.address();
      // A connection closed from the server side first leaves the port in TIME_WAIT.
      const client = own(connect(address));
      const [peer] = first.accept();
      peer.close();
      expect(client.recv(1).length).toBe(0);
      client.close();
      first.close();
      const second = own(listen(address));
      expect(second.address()).toEqual(address);
    });
  });

  test('without reusePort, listening on a port already listened on fails with EADDRINUSE', async () => {
    await session((own) => {
      const first = own(listen(['127.0.0.1', 0]));
      expect(() => listen(first.address())).toThrow(expect.objectContaining({ code: 'EADDRINUSE' }));
    });
  });

  // Node's net gained reusePort in 22.12 / 23.1; on older Node, listen() cannot offer it.
  const [major, minor] = process.versions.node.split('.').map(Number);
  const nodeHasReusePort = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
  (nodeHasReusePort && process.platform === 'linux' ? test : test.skip)('reusePort: true lets two listeners share one port (Linux)', async () => {
    await session((own) => {
      const first = own(listen(['127.0.0.1', 0], { reusePort: true }));
      const second = own(listen(first.address(), { reusePort: true }));
      expect(second.address()).toEqual(first.address());
    });
  });

  test('listen checks its options', async () => {
    await session(() => {
      expect(() => listen(['127.0.0.1', 0], { backlog: -1 })).toThrow(RangeError);
      expect(() => listen(['127.0.0.1', 0], { backlog: 'many' as never })).toThrow(TypeError);
      expect(() => listen(['127.0.0.1', 70000])).toThrow(RangeError);
      expect(() => listen(42 as never)).toThrow(TypeError);
    });
  });
});

describe('echo servers (issue 8)', () => {
  test('the issue\'s readline echo server over TCP', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const serving = own(spawn(() => serve(server, echoLines)));
      const client = own(connect(server.address()));
      client.sendall('first line\nsecond');
      client.sendall(' line\n');
      expect(line(client)).toBe('first line\n');
      expect(line(client)).toBe('second line\n');
      client.sendall('last line, no newline');
      client.shutdown();   // EOF ends the handler's loop; its partial line is echoed first
      expect(line(client)).toBe('last line, no newline');
      expect(client.readline().length).toBe(0);
      expect(serving.dead).toBe(false);   // EOF ended one handler, not serve
    });
  });

  test('echo over a Unix socket', async () => {
    await session((own) => {
      const where = path.join(tmp, 'echo.sock');
      const server = own(listen(where));
      expect(server.address()).toBe(where);
      own(spawn(() => serve(server, echoLines)));
      const client = own(connect(where));
      for (let i = 0; i < 5; i++) {
        client.sendall(`unix line ${i}\n`);
        expect(line(client)).toBe(`unix line ${i}\n`);
      }
    });
  });

  test('echo over IPv6', async () => {
    await session((own) => {
      const server = own(listen(['::1', 0]));
      expect(server.address()[0]).toBe('::1');
      own(spawn(() => serve(server, echoLines)));
      const client = own(connect(server.address(), { family: 6 }));
      client.sendall('over v6\n');
      expect(line(client)).toBe('over v6\n');
      expect(client.getpeername()).toEqual(server.address());
    });
  });

  test('1,000 concurrent client green threads against one serve, every byte verified', async () => {
    const results = await session((own) => {
      const server = own(listen(['127.0.0.1', 0], { backlog: 1024 }));
      own(spawn(() => serve(server, (sock) => {
        for (let data: Buffer; (data = sock.recv(4096)).length > 0;) sock.sendall(data);
      })));
      const clients = Array.from({ length: 1000 }, (_, i) => spawn(() => {
        const sock = connect(server.address());
        try {
          // Each client's message is its own: its index, repeated to a length that varies.
          const message = Buffer.from(`<${i}>`.repeat(1 + (i % 37)));
          sock.sendall(message);
          sock.shutdown();
          const chunks: Buffer[] = [];
          for (let data: Buffer; (data = sock.recv(65536)).length > 0;) chunks.push(data);
          return Buffer.concat(chunks).equals(message);
        } finally {
          sock.close();
        }
      }));
      clients.forEach((c) => own(c));
      return clients.map((c) => c.wait());
    });
    expect(results.filter((ok) => ok)).toHaveLength(1000);
  });

  test('a slowloris peer that connects and sends nothing (or half a line) never stops the others being served', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, echoLines)));
      const silent = own(connect(server.address()));
      const halfLine = own(connect(server.address()));
      halfLine.sendall('no newline yet');
      for (let i = 0; i < 20; i++) {
        const c = own(connect(server.address()));
        c.sendall(`client ${i}\n`);
        expect(line(c)).toBe(`client ${i}\n`);
        c.close();
      }
      // The slow ones are still connected and still served once they speak.
      silent.sendall('late\n');
      expect(line(silent)).toBe('late\n');
      halfLine.sendall('\n');
      expect(line(halfLine)).toBe('no newline yet\n');
    });
  });
});

// Handler errors come out of serve; nothing here should reach the hub's error handler.
afterEach(() => expect(reported).toEqual([]));
