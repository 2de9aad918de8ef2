// GreenSocket: echo over TCP and Unix sockets; recv/recvInto/readline/send/sendall semantics
// (at most maxBytes, EOF as an empty Buffer, no switch when data waits, strings as UTF-8);
// half-close; peer reset surfacing ECONNRESET once; SocketBusyError for a second simultaneous
// reader or writer; close() from another thread waking a blocked call with SocketClosedError, and
// every use after close; timeouts (the socket's, an outer Timeout, a kill) never losing or
// duplicating a byte; bounded memory for a socket nobody reads; names, fileno, options.
// Nothing asserts how long anything took: sleeps only let other threads and the loop run.
import {
  GreenletExit, GreenSocket, NotInGreenThreadError, SocketTimeoutError,
  Timeout, sleep, spawn, spawnN,
} from '../../src';
import { inspect } from 'node:util';
import { green, rng } from '../helpers';
import {
  errorOf, pseudoRandomBytes, readAll, readExactly, removeTmpDirs, sha256, socketPair, tcpServer, until,
} from './net-helpers';

afterAll(removeTmpDirs);

const KiB = 1024;
const MiB = 1024 * KiB;
// GreenSocket's high-water mark, and the most Node reads from the kernel at once.
const HIGH_WATER = 256 * KiB;
const NODE_READ = 64 * KiB;

function closeAll(...socks: GreenSocket[]): void {
  for (const sock of socks) sock.close();
}

describe.each(['tcp', 'unix'] as const)('echo over %s', (kind) => {
  test('a server thread echoes lines until EOF; the client reads each back, then EOF', async () => {
    const replies = await green(() => {
      const [client, peer] = socketPair(kind);
      const server = spawn(() => {
        for (let line; (line = peer.readline()).length > 0;) peer.sendall(line);
        peer.close();
      });
      const out: string[] = [];
      for (const line of ['hello\n', 'wörld\n', 'x'.repeat(10000) + '\n', '\n']) {
        client.sendall(line);
        out.push(client.readline().toString());
      }
      client.shutdown();
      out.push(`eof:${client.recv(10).length}`);
      server.wait();
      client.close();
      return out;
    });
    expect(replies).toEqual(['hello\n', 'wörld\n', 'x'.repeat(10000) + '\n', '\n', 'eof:0']);
  });

  test('binary data of every byte value comes back intact, both directions at once', async () => {
    const same = await green(() => {
      const [client, peer] = socketPair(kind);
      const data = pseudoRandomBytes(3 * MiB + 7, 5);
      const echo = spawn(() => {
        for (let chunk; (chunk = peer.recv(100000)).length > 0;) peer.sendall(chunk);
        peer.close();
      });
      const writer = spawn(() => { client.sendall(data); client.shutdown(); });
      const back = readAll(client);
      writer.wait();
      echo.wait();
      client.close();
      return back.equals(data);
    });
    expect(same).toBe(true);
  });
});

describe('recv', () => {
  test('returns at most maxBytes, and the rest on later calls, in order', async () => {
    const parts = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('abcdefghij');
      until(() => client.bufferedBytes === 10);
      const out = [client.recv(3), client.recv(3), client.recv(100)].map(String);
      closeAll(client, peer);
      return out;
    });
    expect(parts).toEqual(['abc', 'def', 'ghij']);
  });

  test('blocks until data arrives, then returns what is there', async () => {
    const got = await green(() => {
      const [client, peer] = socketPair();
      const reader = spawn(() => client.recv(100).toString());
      sleep(0);
      peer.sendall('late');
      const out = reader.wait();
      closeAll(client, peer);
      return out;
    });
    expect(got).toBe('late');
  });

  test('with data buffered it returns at once, without letting another green thread run', async () => {
    const log = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('12345');
      until(() => client.bufferedBytes === 5);
      const out: string[] = [];
      spawnN(() => out.push('other thread ran'));
      out.push(client.recv(2).toString());
      const into = Buffer.alloc(1);
      client.recvInto(into);
      out.push(into.toString());
      out.push(client.recv(10).toString());
      sleep(0);
      closeAll(client, peer);
      return out;
    });
    expect(log).toEqual(['12', '3', '45', 'other thread ran']);
  });

  test('an empty Buffer at EOF, every time after', async () => {
    const lengths = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('x');
      peer.close();
      const out = [client.recv(10).length, client.recv(10).length, client.recv(10).length];
      client.close();
      return out;
    });
    expect(lengths).toEqual([1, 0, 0]);
  });

  test('recv(0) returns an empty Buffer at once, data or not', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const empty = client.recv(0).length;
      peer.sendall('a');
      until(() => client.bufferedBytes === 1);
      const stillEmpty = client.recv(0).length;
      const out = [empty, stillEmpty, client.recv(5).toString()];
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual([0, 0, 'a']);
  });

  test('bad maxBytes: TypeError or RangeError', async () => {
    const errors = await green(() => {
      const [client, peer] = socketPair();
      const out = [errorOf(() => client.recv(-1)), errorOf(() => client.recv(1.5)), errorOf(() => client.recv('5' as never)),
        errorOf(() => (client.recv as () => Buffer)())];
      closeAll(client, peer);
      return out;
    });
    expect(errors[0]).toBeInstanceOf(RangeError);
    expect(errors[1]).toBeInstanceOf(TypeError);
    expect(errors[2]).toBeInstanceOf(TypeError);
    expect(errors[3]).toBeInstanceOf(TypeError);
    expect(String(errors[0].message)).toMatch(/GreenSocket\.recv\(\).*maxBytes/);
  });
});

describe('recvInto', () => {
  test('writes into the buffer (at most nbytes) and returns the count; 0 at EOF', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('abcdef');
      peer.close();
      until(() => client.bufferedBytes === 6);
      const target = Buffer.alloc(8, '.');
      const first = client.recvInto(target, 2);
      const afterFirst = target.toString();
      const second = client.recvInto(new Uint8Array(target.buffer, target.byteOffset + 2, 6));
      const out = { first, afterFirst, second, all: target.toString(), eof: client.recvInto(target) };
      client.close();
      return out;
    });
    expect(result).toEqual({ first: 2, afterFirst: 'ab......', second: 4, all: 'abcdef..', eof: 0 });
  });

  test('blocks until data arrives', async () => {
    const got = await green(() => {
      const [client, peer] = socketPair();
      const target = Buffer.alloc(10);
      const reader = spawn(() => client.recvInto(target));
      sleep(0);
      peer.sendall('hey');
      const n = reader.wait();
      closeAll(client, peer);
      return target.subarray(0, n).toString();
    });
    expect(got).toBe('hey');
  });

  test('bad arguments: TypeError or RangeError', async () => {
    const errors = await green(() => {
      const [client, peer] = socketPair();
      const out = [
        errorOf(() => client.recvInto('buf' as never)),
        errorOf(() => client.recvInto([1, 2] as never)),
        errorOf(() => client.recvInto(Buffer.alloc(4), 5)),
        errorOf(() => client.recvInto(Buffer.alloc(4), -1)),
        errorOf(() => client.recvInto(Buffer.alloc(4), 0.5)),
      ];
      closeAll(client, peer);
      return out;
    });
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'TypeError', 'RangeError', 'RangeError', 'TypeError']);
  });
});

describe('send and sendall', () => {
  test('send returns the number of bytes: strings count as UTF-8, any Uint8Array is sent as its bytes', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const view = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]).subarray(2, 5);
      const counts = [client.send('héllo wörld'), client.send(Buffer.from('!')), client.send(view), client.send(''), client.send(new Uint8Array(0))];
      client.sendall('end');
      client.shutdown();
      const bytes = readAll(peer);
      closeAll(client, peer);
      return { counts, bytes: [...bytes] };
    });
    expect(result.counts).toEqual([13, 1, 3, 0, 0]);
    expect(Buffer.from(result.bytes)).toEqual(Buffer.concat([Buffer.from('héllo wörld!'), Buffer.from([2, 3, 4]), Buffer.from('end')]));
  });

  test('data that is neither bytes nor a string: TypeError (nothing is sent)', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const errors = [123, null, undefined, {}, [1, 2], new Uint16Array(2), new DataView(new ArrayBuffer(2))]
        .map((data) => errorOf(() => client.sendall(data as never)));
      errors.push(errorOf(() => client.send(5 as never)));
      client.shutdown();
      const sent = readAll(peer).length;
      closeAll(client, peer);
      return { kinds: errors.map((e) => e.constructor.name), sent };
    });
    expect(result.kinds).toEqual(Array(8).fill('TypeError'));
    expect(result.sent).toBe(0);
  });

  test('sendall to a peer that does not read blocks the sender (not memory) until the peer reads', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(16 * MiB, 2);
      const sender = spawn(() => { client.sendall(data); return 'sent'; });
      until(() => client.nodeSocket.writableLength > 0);
      sleep(0.01);
      const blocked = !sender.dead;
      const hash = sha256(readExactly(peer, data.length));
      const out = { blocked, outcome: sender.wait(), same: hash === sha256(data) };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ blocked: true, outcome: 'sent', same: true });
  });

  test("a small sendall the kernel cannot take at once returns once its bytes are out (Node emits no 'drain' for it)", async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const chunk = Buffer.alloc(8 * KiB, 1);
      let stop = false;
      let count = 0;
      // Sends that complete at once never switch: this runs until the kernel's buffers are full
      // and one send is left waiting, with less pending than the stream's high-water mark.
      const sender = spawn(() => {
        while (!stop) {
          client.sendall(chunk);
          count++;
        }
      });
      until(() => client.nodeSocket.writableLength > 0);
      const pending = client.nodeSocket.writableLength;
      stop = true;
      const received = spawn(() => readAll(peer).length);
      sender.wait();
      client.shutdown();
      const out = { belowHighWater: pending < client.nodeSocket.writableHighWaterMark, all: received.wait() === count * chunk.length };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ belowHighWater: true, all: true });
  });
});

describe('readline', () => {
  test('returns each line with its \\n, however the bytes were split', async () => {
    const lines = await green(() => {
      const [client, peer] = socketPair();
      const writer = spawn(() => {
        for (const piece of ['one\ntw', 'o\n', 'th', 'r', 'ee\nfour\n']) { peer.sendall(piece); sleep(0.001); }
      });
      const out = [client.readline(), client.readline(), client.readline(), client.readline()].map(String);
      writer.wait();
      closeAll(client, peer);
      return out;
    });
    expect(lines).toEqual(['one\n', 'two\n', 'three\n', 'four\n']);
  });

  test('limit: at most that many bytes; negative means none; the rest stays for the next read', async () => {
    const parts = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('abcdef\nxyz\nrest');
      until(() => client.bufferedBytes === 15);
      const out = [client.readline(3), client.readline(100), client.readline(-1), client.readline(0), client.recv(10)].map(String);
      closeAll(client, peer);
      return out;
    });
    expect(parts).toEqual(['abc', 'def\n', 'xyz\n', '', 'rest']);
  });

  test('at EOF: the last line without \\n, then an empty Buffer', async () => {
    const parts = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('a\nlast');
      peer.close();
      const out = [client.readline(), client.readline(), client.readline(), client.readline()].map(String);
      client.close();
      return out;
    });
    expect(parts).toEqual(['a\n', 'last', '', '']);
  });

  test('a 2 MiB line (far above the high-water mark) is read whole', async () => {
    const ok = await green(() => {
      const [client, peer] = socketPair();
      const line = Buffer.concat([Buffer.alloc(2 * MiB, 'x'), Buffer.from('\nnext\n')]);
      const writer = spawn(() => peer.sendall(line));
      const first = client.readline();
      const second = client.readline().toString();
      writer.wait();
      closeAll(client, peer);
      return first.length === 2 * MiB + 1 && first[first.length - 1] === 0x0a && second === 'next\n';
    });
    expect(ok).toBe(true);
  });

  test('a bad limit: TypeError', async () => {
    const errors = await green(() => {
      const [client, peer] = socketPair();
      const out = [errorOf(() => client.readline(1.5)), errorOf(() => client.readline('3' as never))];
      closeAll(client, peer);
      return out;
    });
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'TypeError']);
  });
});

describe('half-close (shutdown)', () => {
  test("shutdown(): the peer reads the data then EOF, and can still send back", async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      client.sendall('request');
      client.shutdown();
      const request = readAll(peer).toString();
      peer.sendall('response');
      peer.close();
      const response = readAll(client).toString();
      client.close();
      return { request, response };
    });
    expect(result).toEqual({ request: 'request', response: 'response' });
  });

  test('the peer half-closing: recv gives EOF and this side can still send', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      peer.shutdown('write');
      const eof = client.recv(10).length;
      client.sendall('still works');
      client.shutdown(1);
      const got = readAll(peer).toString();
      closeAll(client, peer);
      return { eof, got };
    });
    expect(result).toEqual({ eof: 0, got: 'still works' });
  });

  test("shutdown('read') ends reading here: buffered data is dropped and reads return EOF", async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('unread');
      until(() => client.bufferedBytes === 6);
      client.shutdown('read');
      const out = { recv: client.recv(10).length, readline: client.readline().length, buffered: client.bufferedBytes };
      // Writing still works.
      client.sendall('ok');
      client.shutdown(0);   // again: nothing changes
      client.shutdown('write');
      const got = readAll(peer).toString();
      closeAll(client, peer);
      return { ...out, got };
    });
    expect(result).toEqual({ recv: 0, readline: 0, buffered: 0, got: 'ok' });
  });

  test("shutdown('read') wakes a thread blocked in recv with EOF", async () => {
    const got = await green(() => {
      const [client, peer] = socketPair();
      const reader = spawn(() => client.recv(10).length);
      sleep(0);
      client.shutdown('read');
      const out = reader.wait();
      closeAll(client, peer);
      return out;
    });
    expect(got).toBe(0);
  });

  test("after shutdown('write') or 'both', sending throws EPIPE", async () => {
    const codes = await green(() => {
      const [client, peer] = socketPair();
      client.shutdown('both');
      const out = [errorOf(() => client.sendall('x')).code, errorOf(() => client.send('x')).code];
      closeAll(client, peer);
      return out;
    });
    expect(codes).toEqual(['EPIPE', 'EPIPE']);
  });

  test('a bad how: TypeError', async () => {
    const errors = await green(() => {
      const [client, peer] = socketPair();
      const out = [errorOf(() => client.shutdown(3 as never)), errorOf(() => client.shutdown('out' as never))];
      closeAll(client, peer);
      return out;
    });
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'TypeError']);
  });
});

describe('peer reset', () => {
  test('a blocked recv gets ECONNRESET; later reads give EOF; writes throw', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const reader = spawn(() => errorOf(() => client.recv(10)));
      sleep(0);
      peer.nodeSocket.resetAndDestroy();
      const error = reader.wait();
      const out = {
        code: error.code, syscall: error.syscall, after: client.recv(10).length, readline: client.readline().length,
        write: errorOf(() => client.sendall('x')).code,
      };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ code: 'ECONNRESET', syscall: 'read', after: 0, readline: 0, write: 'ECONNRESET' });
  });

  test('data that arrived before the reset is read first, then the ECONNRESET, then EOF', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('before');
      until(() => client.bufferedBytes === 6);
      peer.nodeSocket.resetAndDestroy();
      until(() => client.nodeSocket.destroyed);
      const out = { data: client.recv(100).toString(), code: errorOf(() => client.recv(100)).code, eof: client.recv(100).length };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ data: 'before', code: 'ECONNRESET', eof: 0 });
  });

  test('a sendall blocked on a peer that resets throws ECONNRESET or EPIPE', async () => {
    const code = await green(() => {
      const [client, peer] = socketPair();
      const sender = spawn(() => errorOf(() => client.sendall(Buffer.alloc(16 * MiB))));
      until(() => client.nodeSocket.writableLength > 0);
      peer.nodeSocket.resetAndDestroy();
      const out = sender.wait().code;
      closeAll(client, peer);
      return out;
    });
    expect(['ECONNRESET', 'EPIPE']).toContain(code);
  });

  test('a reset with nobody using the socket is kept for its next user', async () => {
    const code = await green(() => {
      const [client, peer] = socketPair();
      peer.nodeSocket.resetAndDestroy();
      until(() => client.nodeSocket.destroyed);
      const out = errorOf(() => client.recv(1)).code;
      closeAll(client, peer);
      return out;
    });
    expect(code).toBe('ECONNRESET');
  });
});

describe('one reader and one writer at a time', () => {
  test('a second thread reading while one is blocked in recv: SocketBusyError; the first still gets the data', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const first = spawn(() => client.recv(10).toString());
      sleep(0);
      const errors = [errorOf(() => client.recv(10)), errorOf(() => client.readline()), errorOf(() => client.recvInto(Buffer.alloc(4)))];
      peer.sendall('data');
      const out = { errors: errors.map((e) => [e.constructor.name, e.code]), first: first.wait() };
      closeAll(client, peer);
      return out;
    });
    expect(result.errors).toEqual(Array(3).fill(['SocketBusyError', 'ERR_GREENTHREAD_SOCKET_BUSY']));
    expect(result.first).toBe('data');
  });

  test('while one thread is blocked in readline, another recv: SocketBusyError, and the line stays whole', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const first = spawn(() => client.readline().toString());
      peer.sendall('no newline yet');
      until(() => client.bufferedBytes === 14);
      sleep(0);
      let second: string;
      try {
        second = `returned ${JSON.stringify(client.recv(1).toString())}`;
      } catch (error) {
        second = (error as Error).constructor.name;
      }
      // A second line right behind the first: readline must stop at the first newline.
      peer.sendall('\nmore\n');
      const line = first.wait();
      // Only so that a wrong result fails this test instead of hanging it: 'more\n' is buffered.
      client.setTimeout(1);
      const rest = (() => {
        try {
          return client.readline().toString();
        } catch (error) {
          return (error as Error).constructor.name;
        }
      })();
      const out = { second, line, rest };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ second: 'SocketBusyError', line: 'no newline yet\n', rest: 'more\n' });
  });

  test('a second thread writing while one is blocked in sendall: SocketBusyError', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(16 * MiB, 3);
      const first = spawn(() => { client.sendall(data); return 'sent'; });
      until(() => client.nodeSocket.writableLength > 0);
      sleep(0);
      const errors = [errorOf(() => client.sendall('x')), errorOf(() => client.send('x'))];
      // Reading on the same socket is not writing: a reader is allowed meanwhile.
      const reader = spawn(() => client.recv(10).toString());
      const got = readExactly(peer, data.length);
      peer.sendall('back');
      const out = { errors: errors.map((e) => e.constructor.name), first: first.wait(), same: got.equals(data), read: reader.wait() };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ errors: ['SocketBusyError', 'SocketBusyError'], first: 'sent', same: true, read: 'back' });
  });

  test('after a blocked reader is interrupted, another thread can read', async () => {
    const got = await green(() => {
      const [client, peer] = socketPair();
      const first = spawn(() => client.recv(10));
      sleep(0);
      first.kill();
      peer.sendall('for the next');
      const out = client.recv(100).toString();
      closeAll(client, peer);
      return out;
    });
    expect(got).toBe('for the next');
  });
});

describe('close', () => {
  test('close() from another thread wakes a blocked recv and readline with SocketClosedError', async () => {
    const result = await green(() => {
      const [a, peerA] = socketPair();
      const [b, peerB] = socketPair();
      const recv = spawn(() => errorOf(() => a.recv(10)));
      const line = spawn(() => errorOf(() => b.readline()));
      sleep(0);
      a.close();
      b.close();
      const out = [recv.wait(), line.wait()].map((e) => [e.constructor.name, e.code]);
      closeAll(peerA, peerB);
      return out;
    });
    expect(result).toEqual([['SocketClosedError', 'ERR_GREENTHREAD_SOCKET_CLOSED'], ['SocketClosedError', 'ERR_GREENTHREAD_SOCKET_CLOSED']]);
  });

  test('close() from another thread wakes a blocked sendall with SocketClosedError', async () => {
    const name = await green(() => {
      const [client, peer] = socketPair();
      const sender = spawn(() => errorOf(() => client.sendall(Buffer.alloc(16 * MiB))));
      until(() => client.nodeSocket.writableLength > 0);
      sleep(0);
      client.close();
      const out = sender.wait().constructor.name;
      peer.close();
      return out;
    });
    expect(name).toBe('SocketClosedError');
  });

  test('every use after close throws SocketClosedError; close is idempotent; closed and fileno() tell', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const fdBefore = client.fileno();
      client.close();
      client.close();
      const uses: Array<[string, () => unknown]> = [
        ['recv', () => client.recv(1)], ['recvInto', () => client.recvInto(Buffer.alloc(1))], ['readline', () => client.readline()],
        ['send', () => client.send('x')], ['sendall', () => client.sendall('x')], ['shutdown', () => client.shutdown()],
      ];
      const errors = Object.fromEntries(uses.map(([name, use]) => [name, errorOf(use).constructor.name]));
      const out = { fdBefore: fdBefore > 0, errors, closed: client.closed, fileno: client.fileno(), shown: inspect(client), peerEof: peer.recv(1).length };
      peer.close();
      return out;
    });
    expect(result).toEqual({
      fdBefore: true,
      errors: { recv: 'SocketClosedError', recvInto: 'SocketClosedError', readline: 'SocketClosedError', send: 'SocketClosedError', sendall: 'SocketClosedError', shutdown: 'SocketClosedError' },
      closed: true,
      fileno: -1,
      shown: 'GreenSocket { closed }',
      peerEof: 0,
    });
  });

  test('close() with data buffered unread discards it, even with data still arriving', async () => {
    const outcome = await green(() => {
      const [client, peer] = socketPair();
      const sender = spawn(() => {
        try {
          peer.sendall(Buffer.alloc(8 * MiB));
          return 'sent';
        } catch (error) {
          return (error as NodeJS.ErrnoException).code;
        }
      });
      until(() => client.bufferedBytes > 0);
      client.close();
      const result = sender.wait();
      peer.close();
      return result;
    });
    // The peer is never left blocked: its data is drained and dropped, or it learns of the close.
    expect(['sent', 'ECONNRESET', 'EPIPE']).toContain(outcome);
  });

  test('data sent before close() is delivered before EOF', async () => {
    const same = await green(() => {
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(4 * MiB, 4);
      const sender = spawn(() => { client.sendall(data); client.close(); });
      const got = readAll(peer);
      sender.wait();
      peer.close();
      return got.equals(data);
    });
    expect(same).toBe(true);
  });

  test('Symbol.dispose closes the socket', async () => {
    const closed = await green(() => {
      const [client, peer] = socketPair();
      client[Symbol.dispose]();
      const out = client.closed;
      peer.close();
      return out;
    });
    expect(closed).toBe(true);
  });
});

describe('timeouts and interruptions', () => {
  test("the socket's timeout: recv, readline and recvInto throw SocketTimeoutError; the socket stays usable", async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      client.setTimeout(0.01);
      const errors = [errorOf(() => client.recv(10)), errorOf(() => client.readline()), errorOf(() => client.recvInto(Buffer.alloc(4)))];
      peer.sendall('after');
      const out = {
        errors: errors.map((e) => [e.constructor.name, e.code, /timed out/.test(e.message)]),
        timeout: client.gettimeout(),
        data: client.recv(10).toString(),
      };
      client.setTimeout(null);
      closeAll(client, peer);
      return { ...out, cleared: client.gettimeout() };
    });
    expect(result).toEqual({
      errors: Array(3).fill(['SocketTimeoutError', 'ERR_GREENTHREAD_SOCKET_TIMEOUT', true]),
      timeout: 0.01,
      data: 'after',
      cleared: null,
    });
  });

  test('setTimeout: bad values are refused', async () => {
    const errors = await green(() => {
      const [client, peer] = socketPair();
      const out = [errorOf(() => client.setTimeout('1' as never)), errorOf(() => client.setTimeout(NaN)), errorOf(() => client.setTimeout(Infinity)),
        errorOf(() => client.setTimeout(undefined as never))];
      closeAll(client, peer);
      return out;
    });
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'TypeError', 'RangeError', 'TypeError']);
  });

  test("sendall interrupted by the socket's timeout still delivers every byte, in order, before later sends", async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(16 * MiB, 6);
      client.setTimeout(0.01);
      const error = errorOf(() => client.sendall(data));
      client.setTimeout(null);
      const reader = spawn(() => readAll(peer));
      client.sendall('tail');
      client.close();
      const got = reader.wait();
      peer.close();
      return { error: error.constructor.name, same: got.equals(Buffer.concat([data, Buffer.from('tail')])) };
    });
    expect(result).toEqual({ error: 'SocketTimeoutError', same: true });
  });

  test('a thread killed in sendall: the data still goes out in full, then what is sent later', async () => {
    const same = await green(() => {
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(16 * MiB, 7);
      const sender = spawn(() => client.sendall(data));
      until(() => client.nodeSocket.writableLength > 0);
      sleep(0);
      sender.kill();
      const reader = spawn(() => readAll(peer));
      client.sendall('after the kill');
      client.shutdown();
      const got = reader.wait();
      closeAll(client, peer);
      return got.equals(Buffer.concat([data, Buffer.from('after the kill')]));
    });
    expect(same).toBe(true);
  });

  test('an outer Timeout interrupts a blocked recv; the socket stays usable', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const timeout = new Timeout(0.01);
      const error = errorOf(() => client.recv(10));
      timeout.cancel();
      peer.sendall('next');
      const out = { same: error === timeout, data: client.recv(10).toString() };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ same: true, data: 'next' });
  });

  test('a recv killed just as data arrived leaves every byte buffered for the next recv', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const got: Buffer[] = [];
      const reader = spawn(() => { got.push(client.recv(100)); });
      sleep(0);
      // Runs right after GreenSocket's own 'data' listener has buffered the chunk and woken
      // the reader: the kill replaces that wake-up.
      client.nodeSocket.once('data', () => reader.kill());
      peer.sendall('every byte');
      until(() => reader.dead);
      const out = { byReader: got.map(String), buffered: client.bufferedBytes, next: client.recv(100).toString() };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ byReader: [], buffered: 10, next: 'every byte' });
  });

  test('a recv whose Timeout fires just as data arrived leaves every byte buffered', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      let timeout: Timeout | null = null;
      const reader = spawn(() => {
        // Never fires by itself; thrown in below exactly as a firing Timeout is.
        timeout = new Timeout(null);
        try {
          return client.recv(100).toString();
        } catch (error) {
          return error === timeout ? 'timed out' : error;
        }
      });
      sleep(0);
      client.nodeSocket.once('data', () => reader.kill(timeout));
      peer.sendall('kept');
      const out = { reader: reader.wait(), next: client.recv(100).toString() };
      closeAll(client, peer);
      return out;
    });
    expect(result).toEqual({ reader: 'timed out', next: 'kept' });
  });

  // Races of interruptions against arriving data, many times: whoever wins, the bytes read by
  // all the interrupted and the final readers together are exactly the bytes sent.
  const interruptions = {
    'an outer Timeout': (client: GreenSocket, max: number, random: () => number): Buffer | null => {
      const timeout = new Timeout(random() * 0.002);
      try {
        return client.recv(max);
      } catch (error) {
        if (error !== timeout) throw error;
        return null;
      } finally {
        timeout.cancel();
      }
    },
    "the socket's timeout": (client: GreenSocket, max: number, random: () => number): Buffer | null => {
      client.setTimeout(random() * 0.002);
      try {
        return client.recv(max);
      } catch (error) {
        if (!(error instanceof SocketTimeoutError)) throw error;
        return null;
      }
    },
    'a kill': (client: GreenSocket, max: number, random: () => number): Buffer | null => {
      let got: Buffer | null = null;
      const reader = spawn(() => { got = client.recv(max); });
      for (let n = Math.floor(random() * 4); n > 0; n--) sleep(random() < 0.5 ? 0 : 0.0005);
      reader.kill();
      return got;
    },
  };
  test.each(Object.keys(interruptions))('%s racing arriving data never loses or duplicates a byte', async (name) => {
    const interrupt = interruptions[name as keyof typeof interruptions];
    const result = await green(() => {
      const random = rng(name.length);
      const [client, peer] = socketPair();
      const data = pseudoRandomBytes(200 * KiB, name.length);
      const writer = spawn(() => {
        for (let at = 0; at < data.length;) {
          const n = 1 + Math.floor(random() * 3000);
          peer.sendall(data.subarray(at, at + n));
          at += n;
          sleep(random() < 0.7 ? 0 : 0.0005);
        }
        peer.shutdown();
      });
      const parts: Buffer[] = [];
      let interrupted = 0;
      for (;;) {
        const got = interrupt(client, 1 + Math.floor(random() * 5000), random);
        if (got === null) {
          interrupted++;
          continue;
        }
        if (got.length === 0) break;
        parts.push(got);
      }
      writer.wait();
      closeAll(client, peer);
      return { same: Buffer.concat(parts).equals(data), interrupted: interrupted > 0 };
    });
    expect(result).toEqual({ same: true, interrupted: true });
  });
});

describe.each(['tcp', 'unix'] as const)('bounded memory (%s)', (kind) => {
  test('a flooded socket nobody reads buffers about the high-water mark; all the data arrives intact later', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair(kind);
      const data = pseudoRandomBytes(32 * MiB, 9);
      const sender = spawn(() => { peer.sendall(data); peer.shutdown(); });
      until(() => client.bufferedBytes >= HIGH_WATER);
      let most = 0;
      for (let i = 0; i < 20; i++) {
        sleep(0.002);
        most = Math.max(most, client.bufferedBytes);
      }
      const senderHeld = !sender.dead;
      const got = readAll(client, 100000);
      sender.wait();
      closeAll(client, peer);
      return { most, senderHeld, same: sha256(got) === sha256(data) && got.length === data.length };
    });
    // Paused at the high-water mark: at most one more read of Node's (64 KiB) lands after it.
    expect(result.most).toBeLessThanOrEqual(HIGH_WATER + NODE_READ);
    expect(result.senderHeld).toBe(true);
    expect(result.same).toBe(true);
  });
});

describe('names, identity and options', () => {
  test('getpeername/getsockname over TCP match the other end; fileno() differs per socket', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const { connect } = require('../../src') as typeof import('../../src');
      const client = connect(server.address() as [string, number]);
      const [peer, addr] = server.accept();
      const out = {
        clientPeer: client.getpeername(), serverAddress: server.address(),
        peerPeer: peer.getpeername(), clientName: client.getsockname(), addr,
        fds: [client.fileno(), peer.fileno()],
      };
      closeAll(client, peer);
      server.close();
      return out;
    });
    expect(result.clientPeer).toEqual(result.serverAddress);
    expect(result.peerPeer).toEqual(result.clientName);
    expect(result.addr).toEqual(result.clientName);
    expect(result.clientName[0]).toBe('127.0.0.1');
    expect(result.fds[0]).toBeGreaterThan(0);
    expect(result.fds[1]).toBeGreaterThan(0);
    expect(result.fds[0]).not.toBe(result.fds[1]);
  });

  test('getpeername stays known after the peer has gone', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const before = client.getpeername();
      peer.close();
      readAll(client);
      const after = client.getpeername();
      client.close();
      return { before, after };
    });
    expect(result.after).toEqual(result.before);
  });

  test('setNoDelay and setKeepAlive accept their arguments; bad ones throw', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      client.setNoDelay();
      client.setNoDelay(false);
      client.setNoDelay(true);
      client.setKeepAlive(true, 1);
      client.setKeepAlive(false);
      const errors = [errorOf(() => client.setNoDelay(1 as never)), errorOf(() => client.setKeepAlive(true, 'x' as never))];
      client.sendall('still fine');
      const got = peer.recv(100).toString();
      closeAll(client, peer);
      return { errors: errors.map((e) => e.constructor.name), got };
    });
    expect(result).toEqual({ errors: ['TypeError', 'TypeError'], got: 'still fine' });
  });

  test('inspect shows the peer and the buffered byte count', async () => {
    const shown = await green(() => {
      const [client, peer] = socketPair();
      peer.sendall('abc');
      until(() => client.bufferedBytes === 3);
      const out = inspect(client);
      closeAll(client, peer);
      return out;
    });
    expect(shown).toMatch(/^GreenSocket \{ fd: \d+, peer: 127\.0\.0\.1:\d+, buffered: 3 \}$/);
  });

  test('nodeSocket is the underlying net.Socket', async () => {
    const ok = await green(() => {
      const [client, peer] = socketPair();
      const { Socket } = require('node:net') as typeof import('node:net');
      const out = client.nodeSocket instanceof Socket;
      closeAll(client, peer);
      return out;
    });
    expect(ok).toBe(true);
  });
});

describe('from any thread', () => {
  test('a socket made in one green thread is used from others, and from plain JavaScript when no wait is needed', async () => {
    const [client, peer] = await green(() => socketPair());
    const got = await green(() => {
      spawn(() => peer.sendall('from a spawned thread\n')).wait();
      return client.readline(-1).toString();
    });
    expect(got).toBe('from a spawned thread\n');
    // Plain JavaScript: writes that complete at once and reads of buffered data work; a read
    // that would block throws NotInGreenThreadError.
    expect(() => client.recv(1)).toThrow(NotInGreenThreadError);
    await green(() => { peer.sendall('x'); until(() => client.bufferedBytes === 1); });
    expect(client.recv(1).toString()).toBe('x');
    client.close();
    peer.close();
  });

  test('GreenletExit from a kill of a thread blocked in recv leaves no reader registered', async () => {
    const result = await green(() => {
      const [client, peer] = socketPair();
      const reader = spawn(() => client.recv(1));
      sleep(0);
      reader.kill();
      let killed = false;
      try {
        reader.wait();
      } catch (error) {
        killed = error instanceof GreenletExit;
      }
      const second = spawn(() => client.recv(5).toString());
      sleep(0);
      peer.sendall('again');
      const out = { killed, second: second.wait() };
      closeAll(client, peer);
      return out;
    });
    expect(result.second).toBe('again');
  });
});
