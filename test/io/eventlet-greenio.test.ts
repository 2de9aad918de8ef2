// eventlet's tests/greenio_test.py and tests/socket_test.py restated for GreenSocket, GreenServer,
// UDP sockets and name resolution: timeouts on every blocking call, recv/recvInto/send/sendall/
// readline, full duplex, the simultaneous-reader error, close from another green thread, refused
// connections, datagrams, green DNS. Plus issue 8's data-integrity and failure scenarios: a 16 MiB
// sendall to a slow reader, 10,000 random-sized writes, bytes kept across an interrupted recv,
// peer reset, half-close, a peer vanishing mid-sendall. Short Timeouts only prove that something
// blocks; nothing asserts how long anything took.
import { createHash, randomBytes } from 'node:crypto';
import {
  SocketBusyError, SocketClosedError, SocketTimeoutError, Timeout, connect, getaddrinfo,
  gethostbyname, listen, sleep, spawn, withTimeout, bindUdp, udpSocket,
} from '../../src';
import { captureReported, rng } from '../helpers';
import { type Own, session, readAll, readExactly as recvExactly, spawnCatching, guard } from './net-helpers';

const reported = captureReported();

type Sock = ReturnType<typeof connect>;


/** A connected TCP pair over loopback: [client, the server's accepted socket]. */
function pair(own: Own): [Sock, Sock] {
  const server = own(listen(['127.0.0.1', 0]));
  const client = own(connect(server.address()));
  const [peer] = server.accept();
  own(peer);
  return [client, peer];
}



/** `n` random bytes. */
const noise = (n: number): Buffer => randomBytes(n);



const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const isTimeout = (e: unknown): boolean => e instanceof SocketTimeoutError;

afterEach(() => expect(reported).toEqual([]));

describe('timeouts (greenio_test.py, socket_test.py)', () => {
  test('connect with a timeout to an address that never answers: SocketTimeoutError (or unreachable)', async () => {
    await session(() => {
      let error: unknown;
      try {
        connect(['192.0.2.1', 80], { timeout: 0.05 });   // TEST-NET-1: nothing answers there
      } catch (e) {
        error = e;
      }
      // Without a route the network is unreachable, which eventlet allows; a sandbox's firewall
      // may refuse the connection instead.
      if (!isTimeout(error)) expect(error).toEqual(expect.objectContaining({ code: expect.stringMatching(/^(EHOSTUNREACH|ENETUNREACH|ECONNREFUSED)$/) }));
    });
  });

  test('accept on a server with a timeout: SocketTimeoutError "timed out"', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      server.setTimeout(0.05);
      expect(() => server.accept()).toThrow(SocketTimeoutError);
      expect(() => server.accept()).toThrow('timed out');
      server.setTimeout(null);
      const client = own(connect(server.address()));
      const [peer] = server.accept();
      own(peer);
      expect(peer.getpeername()).toEqual(client.getsockname());
    });
  });

  test('recv with a timeout and nothing to read: SocketTimeoutError, every time', async () => {
    await session((own) => {
      const [client] = pair(own);
      client.setTimeout(0.05);
      expect(client.gettimeout()).toBe(0.05);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
      expect(() => client.recv(8192)).toThrow(SocketTimeoutError);
    });
  });

  test('recvInto with a timeout: SocketTimeoutError', async () => {
    await session((own) => {
      const [client] = pair(own);
      client.setTimeout(0.05);
      expect(() => client.recvInto(Buffer.alloc(16))).toThrow(SocketTimeoutError);
    });
  });

  test('readline with a timeout and a line that never ends: SocketTimeoutError, and the partial line is kept', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('no end');
      client.setTimeout(0.05);
      expect(() => guard(() => client.readline())).toThrow(SocketTimeoutError);
      peer.sendall(' yet\n');
      expect(client.readline().toString()).toBe('no end yet\n');
    });
  });

  test('send into a peer that never reads: a timeout eventually fires (send waits on back-pressure)', async () => {
    await session((own) => {
      const [client] = pair(own);
      client.setTimeout(0.05);
      const chunk = Buffer.alloc(64 * 1024, 'A');
      let error: unknown;
      let accepted = 0;
      try {
        for (let i = 0; i < 1024; i++) accepted += client.send(chunk);   // at most 64 MiB
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SocketTimeoutError);
      expect(accepted).toBeGreaterThan(0);
    });
  });

  test('sendall into a peer that never reads: SocketTimeoutError (the receiver stops reading from the kernel)', async () => {
    await session((own) => {
      const [client] = pair(own);
      client.setTimeout(0.1);
      // Far beyond loopback's buffers: it only times out if the peer's side is bounded.
      expect(() => client.sendall(Buffer.alloc(32 * 1024 * 1024, 'A'))).toThrow(SocketTimeoutError);
    });
  });

  test('connect\'s timeout stays the socket\'s timeout afterwards', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const client = own(connect(server.address(), { timeout: 0.05 }));
      own(server.accept()[0]);
      expect(client.gettimeout()).toBe(0.05);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
    });
  });

  test('a timeout, then none (blocks), then a timeout again (test_zero_timeout_and_back)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      expect(client.gettimeout()).toBeNull();
      client.setTimeout(0.05);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
      client.setTimeout(null);
      expect(client.gettimeout()).toBeNull();
      // With no timeout recv blocks until an outer Timeout interrupts it.
      expect(withTimeout(0.05, () => client.recv(1), { timeoutValue: 'blocked' })).toBe('blocked');
      client.setTimeout(0);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);   // zero: would block, so times out at once
      client.setTimeout(0.05);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
      peer.sendall('z');
      expect(client.recv(1).toString()).toBe('z');
    });
  });

  test('SocketTimeoutError is an Error with a code (test_error_is_timeout)', async () => {
    const error = await session((own) => {
      const [client] = pair(own);
      client.setTimeout(0.01);
      try {
        client.recv(1);
      } catch (e) {
        return e;
      }
      return null;
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(SocketTimeoutError);
    expect(error).toMatchObject({ name: 'SocketTimeoutError', code: 'ERR_GREENTHREAD_SOCKET_TIMEOUT' });
  });

  test('setTimeout checks its argument', async () => {
    await session((own) => {
      const [client] = pair(own);
      expect(() => client.setTimeout('1' as never)).toThrow(TypeError);
      expect(() => client.setTimeout(Infinity)).toThrow(RangeError);
      client.setTimeout(-1);   // negative seconds mean 0, as everywhere in greenthread
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
    });
  });
});

describe('recv, recvInto, send, sendall, readline (greenio_test.py, socket_test.py)', () => {
  test('recv returns a Buffer of at most maxBytes; an empty Buffer at EOF (test_recv_type)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('abcdef');
      peer.close();
      const first = client.recv(4);
      expect(Buffer.isBuffer(first)).toBe(true);
      expect(first.length).toBeGreaterThan(0);
      expect(first.length).toBeLessThanOrEqual(4);
      const rest = readAll(client);
      expect(Buffer.concat([first, rest]).toString()).toBe('abcdef');
      expect(client.recv(10)).toEqual(Buffer.alloc(0));   // EOF again, not an error
    });
  });

  test('recv returns buffered data without switching to another green thread', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('abcdef');
      expect(recvExactly(client, 2).toString()).toBe('ab');
      sleep(0.01);   // the rest has surely arrived
      let ran = false;
      own(spawn(() => { ran = true; }));
      const rest = client.recv(4);
      expect(ran).toBe(false);
      expect(rest.toString()).toBe('cdef');
    });
  });

  test('recvInto fills the buffer and returns a count; nbytes bounds it (test_recv_into_type)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('0123456789');
      const buf = new Uint8Array(8);
      let got = 0;
      while (got < 3) got += client.recvInto(buf.subarray(got), 3 - got);
      expect(typeof got).toBe('number');
      expect(Buffer.from(buf.subarray(0, 3)).toString()).toBe('012');
      expect(buf[3]).toBe(0);
      const big = Buffer.alloc(16);
      let more = 0;
      while (more < 7) more += client.recvInto(big.subarray(more));
      expect(big.subarray(0, 7).toString()).toBe('3456789');
      peer.close();
      expect(client.recvInto(big)).toBe(0);   // EOF
    });
  });

  test('send returns the count it accepted; an empty send returns 0', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      expect(client.send('')).toBe(0);
      expect(client.send(Buffer.alloc(0))).toBe(0);
      const data = Buffer.from('partial writes are the caller\'s to finish');
      let sent = 0;
      while (sent < data.length) sent += client.send(data.subarray(sent));
      expect(sent).toBe(data.length);
      expect(recvExactly(peer, data.length)).toEqual(data);
    });
  });

  test('sendall takes a Buffer, any Uint8Array, or a string (UTF-8)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      client.sendall(Buffer.from('buf|'));
      client.sendall(new Uint8Array([0x75, 0x38, 0x7c]));   // 'u8|'
      client.sendall(new Uint8Array(Buffer.from('xxview|yy')).subarray(2, 7));   // a view: 'view|'
      client.sendall('héllo ✓');
      client.shutdown();
      expect(readAll(peer).toString()).toBe('buf|u8|view|héllo ✓');
    });
  });

  test('sendall and send refuse what is not bytes or a string', async () => {
    await session((own) => {
      const [client] = pair(own);
      expect(() => client.sendall(42 as never)).toThrow(TypeError);
      expect(() => client.send({} as never)).toThrow(TypeError);
    });
  });

  test('recv and readline check their arguments (test_socket_file_read_non_int)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('?');
      expect(() => client.recv('this should not work' as never)).toThrow(TypeError);
      expect(() => client.recv(-1)).toThrow(RangeError);
      expect(() => client.readline('x' as never)).toThrow(TypeError);
      expect(() => client.recvInto('buf' as never)).toThrow(TypeError);
      expect(client.recv(1).toString()).toBe('?');   // nothing was consumed
    });
  });

  test('readline: ends at \\n (keeping \\r\\n), honours a limit, returns the partial line and then empty at EOF', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('line\nline\r\nlong line here\nrest');
      expect(client.readline().toString()).toBe('line\n');
      expect(client.readline().toString()).toBe('line\r\n');
      expect(client.readline(4).toString()).toBe('long');
      expect(client.readline().toString()).toBe(' line here\n');
      peer.close();
      expect(client.readline().toString()).toBe('rest');
      expect(client.readline().length).toBe(0);
    });
  });

  test('readline mixed with recv loses nothing', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('one\ntwo\nthree');
      peer.close();
      expect(client.readline().toString()).toBe('one\n');
      expect(recvExactly(client, 3).toString()).toBe('two');
      expect(client.readline().toString()).toBe('\n');
      expect(readAll(client).toString()).toBe('three');
    });
  });

  test('full duplex: one green thread sends a lot while another reads the same socket', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const large = noise(4 * 1024 * 1024);
      const bigSender = own(spawn(() => peer.sendall(large)));
      const bigReader = own(spawn(() => recvExactly(client, large.length)));
      sleep(0);
      client.sendall('hello world');
      expect(recvExactly(peer, 11).toString()).toBe('hello world');
      bigSender.wait();
      expect(bigReader.wait().equals(large)).toBe(true);
    });
  });

  test('sendall of 1 kB to 1 MB, each followed by 10 more bytes, all arrive (test_sendall)', async () => {
    await session((own) => {
      for (const size of [1000, 10000, 100000, 1000000]) {
        const [client, peer] = pair(own);
        const sender = own(spawn(() => {
          peer.sendall(Buffer.alloc(size, 'x'));
          peer.sendall(Buffer.alloc(10, 'y'));
          peer.close();
        }));
        const got = readAll(client, Math.max(1, size / 10));
        sender.wait();
        expect(got.length).toBe(size + 10);
        expect(got.subarray(size).toString()).toBe('yyyyyyyyyy');
        expect(got.subarray(0, size).every((b) => b === 0x78)).toBe(true);
      }
    });
  });

  test('a 16 MiB sendall to a slowly reading peer arrives whole (checksummed)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const data = noise(16 * 1024 * 1024);
      const sender = own(spawn(() => { client.sendall(data); client.shutdown(); }));
      const hash = createHash('sha256');
      let total = 0;
      let reads = 0;
      for (let chunk: Buffer; (chunk = peer.recv(64 * 1024)).length > 0;) {
        hash.update(chunk);
        total += chunk.length;
        if (++reads % 16 === 0) sleep(0.001);   // slow: the sender must wait on back-pressure
      }
      sender.wait();
      expect(total).toBe(data.length);
      expect(hash.digest('hex')).toBe(sha256(data));
    });
  });

  test('10,000 random-sized writes (send and sendall) are reassembled exactly by random-sized reads', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const random = rng(10000);
      const pieces = Array.from({ length: 10000 }, () => noise(1 + ((random() * 3000) | 0)));
      const whole = Buffer.concat(pieces);
      const writer = own(spawn(() => {
        pieces.forEach((piece, i) => {
          if (i % 2 === 0) {
            client.sendall(piece);
          } else {
            for (let off = 0; off < piece.length;) off += client.send(piece.subarray(off));
          }
          if (i % 500 === 0) sleep(0);
        });
        client.shutdown();
      }));
      const parts: Buffer[] = [];
      for (let chunk: Buffer; (chunk = peer.recv(1 + ((random() * 8000) | 0))).length > 0;) parts.push(chunk);
      writer.wait();
      const got = Buffer.concat(parts);
      expect(got.length).toBe(whole.length);
      expect(got.equals(whole)).toBe(true);
    });
  });
});

describe('interrupted and competing green threads (greenio_test.py, issue 8)', () => {
  test('a recv interrupted by a Timeout loses nothing that arrives later (test_timeout_and_final_write)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      expect(withTimeout(0.02, () => client.recv(1), { timeoutValue: 'interrupted' })).toBe('interrupted');
      peer.sendall('hi');
      peer.close();
      expect(readAll(client).toString()).toBe('hi');
    });
  });

  test('a green thread killed in recv loses nothing: the next reader gets every byte', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const reader = own(spawn(() => client.recv(100)));
      sleep(0.01);
      reader.kill();
      peer.sendall('every byte');
      peer.close();
      expect(readAll(client).toString()).toBe('every byte');
    });
  });

  test('a green thread killed in sendall: its data still goes out whole, before anything sent later', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const big = noise(8 * 1024 * 1024);
      const writer = own(spawnCatching(() => client.sendall(big)));
      sleep(0.02);   // blocked on back-pressure: nobody reads yet
      writer.kill(new RangeError('killed mid-sendall'));
      expect(writer.wait()).toEqual(new RangeError('killed mid-sendall'));
      const reader = own(spawn(() => readAll(peer)));
      client.sendall('tail');
      client.shutdown();
      const got = reader.wait();
      expect(got.length).toBe(big.length + 4);
      expect(got.subarray(0, big.length).equals(big)).toBe(true);
      expect(got.subarray(big.length).toString()).toBe('tail');
    });
  });

  test('Timeout and kill interrupt a green thread blocked in accept', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      expect(() => withTimeout(0.02, () => server.accept())).toThrow(Timeout);
      const acceptor = own(spawnCatching(() => server.accept()));
      sleep(0.01);
      acceptor.kill(new RangeError('stop accepting'));
      expect(acceptor.wait()).toEqual(new RangeError('stop accepting'));
      // The server still works after both interruptions.
      const client = own(connect(server.address()));
      const [peer] = server.accept();
      own(peer);
      peer.sendall('ok');
      expect(client.recv(2).toString()).toBe('ok');
    });
  });

  test('a second green thread reading a socket another one is blocked reading: SocketBusyError (test_raised_multiple_readers)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const first = own(spawn(() => client.recv(1)));
      sleep(0);
      expect(() => client.recv(1)).toThrow(SocketBusyError);
      expect(() => client.readline()).toThrow(SocketBusyError);
      expect(() => client.recvInto(Buffer.alloc(1))).toThrow(SocketBusyError);
      peer.sendall('b');
      expect(first.wait().toString()).toBe('b');   // the first reader was not disturbed
      peer.sendall('c');
      expect(client.recv(1).toString()).toBe('c');   // and the socket is free again
    });
  });

  test('a second green thread writing while another is blocked in sendall: SocketBusyError', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const big = Buffer.alloc(32 * 1024 * 1024, 'w');
      const writer = own(spawn(() => client.sendall(big)));
      sleep(0.02);   // the writer is blocked on back-pressure: nobody reads
      expect(writer.dead).toBe(false);
      expect(() => client.sendall('more')).toThrow(SocketBusyError);
      const drained = own(spawn(() => recvExactly(peer, big.length).length));
      writer.wait();
      expect(drained.wait()).toBe(big.length);
    });
  });

  test('a second green thread accepting while another is blocked in accept: SocketBusyError', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const first = own(spawn(() => own(server.accept()[0])));
      sleep(0);
      expect(() => server.accept()).toThrow(SocketBusyError);
      const client = own(connect(server.address()));
      expect(first.wait().getpeername()).toEqual(client.getsockname());
    });
  });

  test('close() from another green thread wakes a reader blocked in recv with SocketClosedError (test_closure)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const reader = own(spawnCatching(() => client.recv(1024)));
      sleep(0.01);
      spawn(() => client.close());
      expect(reader.wait()).toBeInstanceOf(SocketClosedError);
      // The peer learns the connection is gone: EOF, then its writes fail.
      expect(peer.recv(10).length).toBe(0);
    });
  });

  test('close() from another green thread wakes a writer blocked in sendall and an acceptor blocked in accept', async () => {
    await session((own) => {
      const [client] = pair(own);
      const writer = own(spawnCatching(() => client.sendall(Buffer.alloc(32 * 1024 * 1024))));
      const server = own(listen(['127.0.0.1', 0]));
      const acceptor = own(spawnCatching(() => server.accept()));
      sleep(0.02);
      client.close();
      server.close();
      expect(writer.wait()).toBeInstanceOf(SocketClosedError);
      expect(acceptor.wait()).toBeInstanceOf(SocketClosedError);
    });
  });

  test('a socket made in one green thread is used from others', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const client = own(spawn(() => own(connect(server.address())))).wait();
      const peer = own(spawn(() => own(server.accept()[0]))).wait();
      own(spawn(() => client.sendall('across threads'))).wait();
      expect(own(spawn(() => recvExactly(peer, 14).toString())).wait()).toBe('across threads');
    });
  });
});

describe('closing, refusals and peer failures (greenio_test.py, issue 8)', () => {
  test('close is idempotent (test_double_close_219), on sockets and servers', async () => {
    await session((own) => {
      const [client] = pair(own);
      client.close();
      client.close();
      const server = listen(['127.0.0.1', 0]);
      server.close();
      server.close();
    });
  });

  test('every use of a closed socket throws SocketClosedError (test_close_with_makefile)', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.sendall('hello\n');
      peer.close();
      expect(() => peer.send('b')).toThrow(SocketClosedError);
      expect(() => peer.sendall('b')).toThrow(SocketClosedError);
      expect(() => peer.recv(1)).toThrow(SocketClosedError);
      expect(() => peer.recvInto(Buffer.alloc(1))).toThrow(SocketClosedError);
      expect(() => peer.readline()).toThrow(SocketClosedError);
      // What was sent before the close arrives whole, then EOF.
      expect(client.readline().toString()).toBe('hello\n');
      expect(client.recv(10).length).toBe(0);
    });
  });

  test('a closed server refuses accept with SocketClosedError', async () => {
    await session(() => {
      const server = listen(['127.0.0.1', 0]);
      server.close();
      expect(() => server.accept()).toThrow(SocketClosedError);
    });
  });

  test('connecting to a port nobody listens on: ECONNREFUSED with syscall, address and port (test_invalid_connection)', async () => {
    await session(() => {
      const server = listen(['127.0.0.1', 0]);
      const [host, port] = server.address() as [string, number];
      server.close();
      let error: unknown;
      try {
        connect([host, port]);
      } catch (e) {
        error = e;
      }
      expect(error).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port });
    });
  });

  // The peer resets through its Node socket: a GreenSocket's close() flushes and ends politely.
  test('a peer that resets the connection: a blocked recv throws ECONNRESET, then reads EOF', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const reader = own(spawnCatching(() => client.recv(10)));
      sleep(0.01);
      peer.nodeSocket.resetAndDestroy();
      expect(reader.wait()).toEqual(expect.objectContaining({ code: 'ECONNRESET' }));
      expect(client.recv(10).length).toBe(0);   // reported once; the socket then reads as at EOF
    });
  });

  test('a reset nobody is reading is not an unhandled error; it surfaces on the next use', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      peer.nodeSocket.resetAndDestroy();
      sleep(0.05);   // nobody is blocked on client while the reset arrives
      let outcome: unknown;
      try {
        outcome = client.recv(10).length;
      } catch (e) {
        outcome = (e as NodeJS.ErrnoException).code;
      }
      expect([0, 'ECONNRESET']).toContain(outcome);
    });
  });

  test('a peer vanishing mid-sendall: sendall throws EPIPE or ECONNRESET on its green thread', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const writer = own(spawnCatching(() => client.sendall(Buffer.alloc(32 * 1024 * 1024, 'v'))));
      recvExactly(peer, 1000);
      peer.close();
      expect(writer.wait()).toEqual(expect.objectContaining({ code: expect.stringMatching(/^(EPIPE|ECONNRESET)$/) }));
    });
  });

  test('half-close: after shutdown() the peer reads EOF and can still send back', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      client.sendall('request');
      client.shutdown();
      expect(readAll(peer).toString()).toBe('request');
      peer.sendall('response after your EOF');
      peer.close();
      expect(readAll(client).toString()).toBe('response after your EOF');
      expect(() => client.sendall('more')).toThrow();   // its sending side is shut
    });
  });
});

describe('addresses and socket options (greenio_test.py, socket_test.py)', () => {
  test('getpeername and getsockname are [host, port] and mirror each other', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      const [host, port] = client.getsockname() as [string, number];
      expect(host).toBe('127.0.0.1');
      expect(Number.isInteger(port) && port > 0).toBe(true);
      expect(peer.getpeername()).toEqual(client.getsockname());
      expect(client.getpeername()).toEqual(peer.getsockname());
    });
  });

  test('connect resolves a host name without blocking the loop; connect to an IP needs no lookup', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const [, port] = server.address() as [string, number];
      const client = own(connect(['localhost', port], { family: 4 }));
      own(server.accept()[0]);
      expect(client.getpeername()).toEqual(['127.0.0.1', port]);
    });
  });

  test('connect with bind uses that local address and port', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const probe = listen(['127.0.0.1', 0]);   // a port that is free right now
      const [, freePort] = probe.address() as [string, number];
      probe.close();
      const client = own(connect(server.address(), { bind: ['127.0.0.1', freePort] }));
      const [peer, addr] = server.accept();
      own(peer);
      expect(client.getsockname()).toEqual(['127.0.0.1', freePort]);
      expect(addr).toEqual(['127.0.0.1', freePort]);
    });
  });

  test('connect checks its arguments', async () => {
    await session(() => {
      expect(() => connect(['127.0.0.1', 65539])).toThrow(RangeError);   // test_connect_ex_nonblocking_overflow
      expect(() => connect(['127.0.0.1'] as never)).toThrow(TypeError);
      expect(() => connect(['127.0.0.1', 1], { family: 5 as never })).toThrow(TypeError);
      expect(() => connect(['127.0.0.1', 1], { timeout: 'soon' as never })).toThrow(TypeError);
      expect(() => connect(['127.0.0.1', 1], { bind: 'nowhere' as never })).toThrow(TypeError);
      expect(() => connect(['127.0.0.1', 1], { colour: 'blue' } as never)).toThrow(TypeError);
    });
  });

  test('setNoDelay toggles; fileno is a stable identity, distinct per socket', async () => {
    await session((own) => {
      const [client, peer] = pair(own);
      client.setNoDelay(false);
      client.setNoDelay(true);
      client.setNoDelay();
      const id = client.fileno();
      expect(client.fileno()).toBe(id);
      expect(peer.fileno()).not.toBe(id);
      client.sendall('still works');
      expect(recvExactly(peer, 11).toString()).toBe('still works');
    });
  });
});

describe('UDP (greenio_test.py datagram tests)', () => {
  test('sendto and recvfrom carry datagrams and the sender\'s address (test_datagram_socket_operations_work)', async () => {
    await session((own) => {
      const receiver = own(bindUdp(['127.0.0.1', 0]));
      const receiverAddress = receiver.getsockname();
      const sender = own(udpSocket(4));
      sender.sendto('first', receiverAddress);
      sender.sendto(Buffer.from('second'), receiverAddress);
      const [one, from1] = receiver.recvfrom(1024);
      const [two, from2] = receiver.recvfrom(1024);
      expect(one.toString()).toBe('first');
      expect(two.toString()).toBe('second');
      expect(from1[0]).toBe('127.0.0.1');
      expect(from2).toEqual(from1);
      receiver.sendto('reply', from1);   // the address it reported reaches the sender
      const [reply] = sender.recvfrom(1024);
      expect(reply.toString()).toBe('reply');
    });
  });

  test('recvfrom with a timeout and nothing to read: SocketTimeoutError (test_recvfrom_timeout)', async () => {
    await session((own) => {
      const sock = own(bindUdp(['127.0.0.1', 0]));
      sock.setTimeout(0.05);
      expect(() => sock.recvfrom(8192)).toThrow(SocketTimeoutError);
      expect(() => sock.recvfrom(1)).toThrow(SocketTimeoutError);
    });
  });

  test('UDP over IPv6, and the family argument (test_socket_api_family)', async () => {
    await session((own) => {
      const receiver = own(bindUdp(['::1', 0]));
      const sender = own(udpSocket(6));
      sender.sendto('v6', receiver.getsockname());
      const [data, from] = receiver.recvfrom(16);
      expect(data.toString()).toBe('v6');
      expect(from[0]).toBe('::1');
      expect(() => udpSocket(5 as never)).toThrow(TypeError);
    });
  });

  test('close from another green thread wakes a blocked recvfrom with SocketClosedError; a closed UDP socket refuses use', async () => {
    await session((own) => {
      const sock = own(bindUdp(['127.0.0.1', 0]));
      const reader = own(spawnCatching(() => sock.recvfrom(16)));
      sleep(0.01);
      sock.close();
      expect(reader.wait()).toBeInstanceOf(SocketClosedError);
      expect(() => sock.sendto('x', ['127.0.0.1', 9])).toThrow(SocketClosedError);
      sock.close();   // idempotent
    });
  });
});

describe('name resolution (socket_test.py)', () => {
  test('getaddrinfo and gethostbyname suspend only their green thread (test_dns_methods_are_green)', async () => {
    await session((own) => {
      let ticks = 0;
      let done = false;
      own(spawn(() => { while (!done) { ticks++; sleep(0); } }));
      const infos = getaddrinfo('localhost', 80);
      const ticksDuringLookup = ticks;
      const ip = gethostbyname('localhost');
      done = true;
      expect(ticksDuringLookup).toBeGreaterThan(0);
      expect(infos).toContainEqual({ family: 4, address: '127.0.0.1', port: 80 });
      expect(ip).toBe('127.0.0.1');
    });
  });

  test('getaddrinfo with a family, and numeric hosts (test_getaddrinfo_ipv6_scope)', async () => {
    await session(() => {
      expect(getaddrinfo('::1', 80, { family: 6 })).toEqual([{ family: 6, address: '::1', port: 80 }]);
      expect(getaddrinfo('127.0.0.1', 443, { family: 4 })).toEqual([{ family: 4, address: '127.0.0.1', port: 443 }]);
      expect(gethostbyname('127.0.0.1')).toBe('127.0.0.1');
      for (const info of getaddrinfo('localhost', undefined, { family: 4 })) expect(info.family).toBe(4);
    });
  });

  test('a name that does not resolve: ENOTFOUND on the green thread, for lookups and connect (test_connect_ex_gaierror)', async () => {
    await session(() => {
      expect(() => getaddrinfo('no-such-host.invalid', 80)).toThrow(expect.objectContaining({ code: 'ENOTFOUND' }));
      expect(() => gethostbyname('no-such-host.invalid')).toThrow(expect.objectContaining({ code: 'ENOTFOUND' }));
      expect(() => connect(['no-such-host.invalid', 80])).toThrow(expect.objectContaining({ code: 'ENOTFOUND' }));
    });
  });
});
