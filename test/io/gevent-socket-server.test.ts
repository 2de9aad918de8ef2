// gevent's src/gevent/tests/test__socket.py and test__server.py restated for GreenSocket and
// serve: sendall of strings, byte arrays and nothing at all, full duplex with a close while a
// reader waits, timeouts on recv/sendall/readline, refused connections (also from a bound source
// port), a connect interrupted by a Timeout leaving nothing open, a closed socket's shutdown; and
// StreamServer's life cycle as serve has it: connections queued before serving starts, stop and
// start accepting again, close making serve return and connections refused, a pool that is full.
// Short Timeouts only prove that something blocks; nothing asserts how long anything took.
import {
  SocketClosedError, SocketTimeoutError, connect, listen, serve, sleep, spawn,
} from '../../src';
import { Gate, captureReported } from '../helpers';
import { type Own, session, readAll, spawnCatching, caught } from './net-helpers';

const reported = captureReported();

type Sock = ReturnType<typeof connect>;
type Server = ReturnType<typeof listen>;





afterEach(() => expect(reported).toEqual([]));

// test__socket.py's long_data: "0, 1, 2, ..., 19999".
const LONG_DATA = Array.from({ length: 20000 }, (_, i) => String(i)).join(', ');

/**
 * test__socket.py's _test_sendall: a server thread accepts and reads everything; the client
 * sends `data` with `method` and closes; what the server read is returned.
 */
function sendallAndRead(own: Own, data: Uint8Array | string, method: 'sendall' | 'send' = 'sendall', timeout?: number): Buffer {
  const listener = own(listen(['127.0.0.1', 0]));
  const accepted = new Gate();
  const server = own(spawn(() => {
    const [conn] = listener.accept();
    own(conn);
    accepted.open();
    return readAll(conn);
  }));
  const client = own(connect(listener.address()));
  if (timeout !== undefined) client.setTimeout(timeout);
  accepted.wait();
  try {
    if (method === 'send') {
      const size = typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength;
      expect(client.send(data)).toBe(size);
    } else {
      client.sendall(data);
    }
  } finally {
    client.shutdown();
    client.close();
  }
  return server.wait();
}

describe('TestTCP (test__socket.py)', () => {
  test('test_sendall_str: a long string arrives whole', async () => {
    const got = await session((own) => sendallAndRead(own, LONG_DATA).toString());
    expect(got.split(', ')).toEqual(LONG_DATA.split(', '));
  });

  test('test_sendall_array: a Uint8Array that is not a Buffer arrives whole', async () => {
    const got = await session((own) => sendallAndRead(own, new Uint8Array(Buffer.from(LONG_DATA))).toString());
    expect(got).toBe(LONG_DATA);
  });

  test('test_sendall_empty and test_sendall_empty_with_timeout: sending nothing sends nothing', async () => {
    await session((own) => {
      expect(sendallAndRead(own, Buffer.alloc(0)).length).toBe(0);
      expect(sendallAndRead(own, '', 'sendall', 10).length).toBe(0);
    });
  });

  test('test_sendall_nonblocking: with a zero timeout, a small sendall that fits still goes out', async () => {
    const got = await session((own) => sendallAndRead(own, 'hi\n', 'sendall', 0).toString());
    expect(got).toBe('hi\n');
  });

  test('test_empty_send: send of nothing returns 0, and the peer reads EOF', async () => {
    const got = await session((own) => sendallAndRead(own, '', 'send'));
    expect(got.length).toBe(0);
  });

  test('test_fullduplex: while one thread reads, another sends; close() wakes a blocked reader instead of hanging', async () => {
    await session((own) => {
      const N = 100000;
      const listener = own(listen(['127.0.0.1', 0]));
      const server = own(spawn(() => {
        const [remote] = listener.accept();
        own(remote);
        // Start reading, then, while reading, start writing: neither may hang.
        const sender = own(spawn(() => remote.sendall(Buffer.alloc(N, 't'))));
        const request = remote.recv(1000).toString();
        sender.wait();
        return request;
      }));
      const client = own(connect(listener.address()));
      const clientReader = own(spawnCatching(() => {
        let got = 0;
        for (;;) got += client.recv(N).length;   // until close() ends it
      }));
      sleep(0.01);
      client.sendall('hello world');
      expect(server.wait()).toBe('hello world');
      client.close();   // used to hang (gevent), while clientReader is blocked in recv
      expect(clientReader.wait()).toBeInstanceOf(SocketClosedError);
    });
  });

  test('test_recv_timeout: recv on a connection with nothing to read times out', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      const client = own(connect(listener.address()));
      own(listener.accept()[0]);   // kept open: no EOF
      client.setTimeout(0.05);
      expect(() => client.recv(1024)).toThrow(SocketTimeoutError);
    });
  });

  test('test_sendall_timeout: a huge sendall to a peer that does not read times out', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      const client = own(connect(listener.address()));
      own(listener.accept()[0]);
      client.setTimeout(0.1);
      expect(() => client.sendall('hello'.repeat(10_000_000))).toThrow(SocketTimeoutError);
    });
  });

  test('test_makefile: a line, then EOF, read with readline after the server closed', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      own(spawn(() => {
        const [conn] = listener.accept();
        conn.sendall('hello\n');
        conn.close();
      }));
      const client = own(connect(listener.address()));
      expect(client.readline().toString()).toBe('hello\n');
      expect(readAll(client).length).toBe(0);
    });
  });

  test('test_makefile_timeout: readline with nothing coming times out', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      const client = own(connect(listener.address()));
      own(listener.accept()[0]);
      client.setTimeout(0.05);
      expect(() => client.readline()).toThrow(SocketTimeoutError);
    });
  });

  test('test_connect_with_type_flags_ignored: connect and read a line (no flags to pass in our API)', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      own(spawn(() => { const [conn] = listener.accept(); conn.sendall('hello\n'); conn.close(); }));
      const sock = own(connect(listener.address()));
      expect(sock.readline().toString()).toBe('hello\n');
    });
  });
});

describe('TestCreateConnection and TestSocket (test__socket.py)', () => {
  /** A loopback port nobody listens on right now. */
  function unusedPort(): number {
    const probe = listen(['127.0.0.1', 0]);
    const [, port] = probe.address() as [string, number];
    probe.close();
    return port;
  }

  test('test_refuses: connecting where nobody listens is refused', async () => {
    await session(() => {
      expect(caught(() => connect(['127.0.0.1', unusedPort()], { timeout: 30 }))).toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  test('test_refuses_from_port: the same, from a bound source port', async () => {
    await session(() => {
      const source = unusedPort();
      const target = unusedPort();
      expect(caught(() => connect(['127.0.0.1', target], { bind: ['127.0.0.1', source], timeout: 30 }))).toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  test('test_base_exception: a connect interrupted (by a kill) leaves no connection open', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      // Killed while it waits for the connection (a Timeout of 0 may lose the race on loopback).
      const connecting = own(spawnCatching(() => own(connect(listener.address()))));
      sleep(0);
      connecting.kill(new RangeError('interrupted in connect'));
      expect(connecting.wait()).toEqual(new RangeError('interrupted in connect'));
      // If the kernel completed that connection, its socket was closed: the server reads EOF.
      listener.setTimeout(0.05);
      const error = caught(() => {
        const [conn] = listener.accept();
        own(conn);
        conn.setTimeout(1);   // a leaked client socket would leave this blocked
        expect(conn.recv(10).length).toBe(0);
      });
      if (error !== null) expect(error).toBeInstanceOf(SocketTimeoutError);
    });
  });

  test('test_shutdown_when_closed: shutdown of a closed socket throws SocketClosedError', async () => {
    await session((own) => {
      const listener = own(listen(['127.0.0.1', 0]));
      const sock = connect(listener.address());
      sock.close();
      expect(() => sock.shutdown()).toThrow(SocketClosedError);
      expect(() => sock.shutdown('both')).toThrow(SocketClosedError);
    });
  });
});

// test__server.py's SimpleStreamServer: a request line; '/ping' answers PONG, '/short' and
// '/long' say hello and read until EOF, anything else 404.
function simpleHandler(sock: Sock): void {
  const requestLine = sock.readline().toString();
  if (requestLine === '') return;
  const [, where] = requestLine.split(' ');
  if (where === '/ping') {
    sock.sendall('HTTP/1.0 200 OK\r\n\r\nPONG');
  } else if (where === '/long' || where === '/short') {
    sock.sendall('hello');
    while (sock.recv(1).length > 0) { /* until the client closes */ }
  } else {
    sock.sendall('HTTP/1.0 404 WTF?\r\n\r\n');
  }
}

/** gevent's assertRequestSucceeded: GET /ping answers PONG (failing with SocketTimeoutError after `timeout`). */
function requestSucceeds(own: Own, server: Server, timeout = 2): boolean {
  const conn = own(connect(server.address(), { timeout }));
  conn.sendall('GET /ping HTTP/1.0\r\n\r\n');
  const result = readAll(conn).toString();
  conn.close();
  return result.endsWith('\r\n\r\nPONG');
}

describe('StreamServer as serve (test__server.py)', () => {
  test('test_subclass_just_create / test_backlog_is_accepted_for_address: listening but not serving, a connection is queued, not refused, and not answered', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0], { backlog: 25 }));
      const conn = own(connect(server.address()));
      conn.sendall('GET /ping HTTP/1.0\r\n\r\n');
      conn.setTimeout(0.05);
      expect(() => conn.recv(1)).toThrow(SocketTimeoutError);
      // Once serving starts the queued connection is handled.
      own(spawn(() => serve(server, simpleHandler)));
      conn.setTimeout(2);
      expect(readAll(conn).toString()).toBe('HTTP/1.0 200 OK\r\n\r\nPONG');
    });
  });

  test('test_subclass_with_socket: serve, stop accepting, start accepting again, stop (restartable)', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      let serving = own(spawn(() => serve(server, simpleHandler)));
      expect(requestSucceeds(own, server)).toBe(true);
      expect(requestSucceeds(own, server)).toBe(true);
      // stop_accepting: interrupt serve; the listening socket stays open.
      serving.kill();
      const waiting = own(connect(server.address()));
      waiting.sendall('GET /ping HTTP/1.0\r\n\r\n');
      waiting.setTimeout(0.05);
      expect(() => waiting.recv(1)).toThrow(SocketTimeoutError);   // not accepted
      // start_accepting: the connection that waited is served first.
      serving = own(spawn(() => serve(server, simpleHandler)));
      waiting.setTimeout(2);
      expect(readAll(waiting).toString()).toBe('HTTP/1.0 200 OK\r\n\r\nPONG');
      expect(requestSucceeds(own, server)).toBe(true);
      // stop: close; serve returns, connections are refused.
      const address = server.address();
      server.close();
      expect(serving.wait()).toBeUndefined();
      expect(caught(() => connect(address))).toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  test('test_serve_forever: serve until the server is closed from another green thread; then refused', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const address = server.address();
      const serving = own(spawn(() => serve(server, simpleHandler)));
      expect(requestSucceeds(own, server)).toBe(true);
      server.close();
      expect(serving.wait()).toBeUndefined();
      expect(caught(() => connect(address))).toMatchObject({ code: 'ECONNREFUSED' });
    });
  });

  test('test_server_closes_client_sockets: a handler that returns without reading: the client sees the end', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, () => [])));
      const conn = own(connect(server.address(), { timeout: 2 }));
      conn.sendall('GET / HTTP/1.0\r\n\r\n');
      let outcome: unknown;
      try {
        outcome = readAll(conn).length;
      } catch (e) {
        outcome = (e as NodeJS.ErrnoException).code;
      }
      expect([0, 'ECONNRESET']).toContain(outcome);
    });
  });

  test('the 404 and hello paths of SimpleStreamServer', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, simpleHandler)));
      const other = own(connect(server.address()));
      other.sendall('GET /other HTTP/1.0\r\n\r\n');
      expect(readAll(other).toString()).toBe('HTTP/1.0 404 WTF?\r\n\r\n');
      const short = own(connect(server.address()));
      short.sendall('GET /short HTTP/1.0\r\n\r\n');
      expect(short.recv(5).toString()).toBe('hello');
      short.shutdown();
      expect(readAll(short).length).toBe(0);
    });
  });

  test('TestPoolSpawn.test_pool_full: with 2 handlers busy and concurrency 2, a request waits; it succeeds once one ends', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      own(spawn(() => serve(server, simpleHandler, { concurrency: 2 })));
      const long = own(connect(server.address()));
      const short = own(connect(server.address()));
      short.sendall('GET /short HTTP/1.0\r\n\r\n');
      long.sendall('GET /long HTTP/1.0\r\n\r\n');
      expect(short.recv(5).toString()).toBe('hello');
      expect(long.recv(5).toString()).toBe('hello');
      // assertPoolFull, three times.
      for (let i = 0; i < 3; i++) expect(() => requestSucceeds(own, server, 0.02)).toThrow(SocketTimeoutError);
      short.close();   // the /short handler reads EOF and ends: a slot frees
      expect(requestSucceeds(own, server)).toBe(true);
    });
  });

  test('a handler error ends serve with that error and leaves the listening socket open (test_invalid_callback)', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const client = own(spawn(() => {
        const c = own(connect(server.address()));
        c.sendall('GET /ping HTTP/1.0\r\n\r\n');
        return readAll(c).length;
      }));
      expect(() => serve(server, (sock) => {
        sock.readline();
        (undefined as unknown as () => void)();   // a broken handler: TypeError
      })).toThrow(TypeError);
      expect(client.wait()).toBe(0);   // assert500's equivalent: closed without an answer
      own(spawn(() => serve(server, simpleHandler)));
      expect(requestSucceeds(own, server)).toBe(true);
    });
  });
});
