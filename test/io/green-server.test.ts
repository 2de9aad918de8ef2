// listen() and GreenServer: accept() returns [GreenSocket, [host, port]] in arrival order;
// address() with port 0 and with a Unix path; the server's timeout; SocketBusyError for a second
// simultaneous accept; close() from another thread waking accept with SocketClosedError, and
// accept after close; connections not yet accepted closed with the server; EADDRINUSE with
// Node's fields; bad arguments; reusePort; use from any green thread.
import * as net from 'node:net';
import { inspect } from 'node:util';
import {
  connect, GreenServer, listen, NotInGreenThreadError, SocketBusyError, SocketClosedError, SocketTimeoutError, Timeout,
  sleep, spawn,
} from '../../src';
import type { Address, GreenSocket } from '../../src';
import { green } from '../helpers';
import { errorOf, hasIPv6Loopback, readAll, removeTmpDirs, tcpServer, tmpSocketPath, until } from './net-helpers';

afterAll(removeTmpDirs);

describe('listen and accept', () => {
  test('port 0 picks a free port; accept returns the socket and the client address', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const address = server.address() as [string, number];
      const client = connect(address);
      const [sock, addr] = server.accept();
      client.sendall('hi');
      const out = { address, addr, clientName: client.getsockname(), got: sock.recv(10).toString(), closed: server.closed };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result.address[0]).toBe('127.0.0.1');
    expect(result.address[1]).toBeGreaterThan(0);
    expect(result.addr).toEqual(result.clientName);
    expect(result.got).toBe('hi');
    expect(result.closed).toBe(false);
  });

  test("host '' listens on every IPv4 interface (0.0.0.0); a client reaches it on 127.0.0.1", async () => {
    const result = await green(() => {
      const server = listen(['', 0]);
      const [host, port] = server.address() as [string, number];
      const client = connect(['127.0.0.1', port]);
      const [sock] = server.accept();
      const out = { host, peer: sock.getpeername()[0] };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result).toEqual({ host: '0.0.0.0', peer: '127.0.0.1' });
  });

  test('accept blocks until a client connects', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const acceptor = spawn(() => {
        const [sock, addr] = server.accept();
        const line = sock.readline().toString();
        sock.close();
        return { addr, line };
      });
      sleep(0);
      const blocked = !acceptor.dead;
      const client = connect(server.address() as Address);
      client.sendall('hello\n');
      const out = { blocked, ...acceptor.wait(), name: client.getsockname() };
      client.close();
      server.close();
      return out;
    });
    expect(result.blocked).toBe(true);
    expect(result.line).toBe('hello\n');
    expect(result.addr).toEqual(result.name);
  });

  test('connections are accepted in the order they arrived', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const clients = Array.from({ length: 8 }, () => connect(server.address() as Address));
      const names = clients.map((c) => c.getsockname());
      const accepted: Array<[GreenSocket, unknown]> = [];
      for (let i = 0; i < clients.length; i++) accepted.push(server.accept());
      const out = { names, addrs: accepted.map(([, addr]) => addr) };
      for (const c of clients) c.close();
      for (const [s] of accepted) s.close();
      server.close();
      return out;
    });
    expect(result.addrs).toEqual(result.names);
  });

  test('a Unix socket server: address() is its path, accept gives the client address as ""', async () => {
    const result = await green(() => {
      const path = tmpSocketPath();
      const server = listen(path);
      const client = connect(path);
      const [sock, addr] = server.accept();
      client.sendall('over unix');
      client.shutdown();
      const out = {
        same: server.address() === path, addr, got: readAll(sock).toString(),
        clientPeer: client.getpeername() === path, clientName: client.getsockname(), sockName: sock.getsockname() === path, sockPeer: sock.getpeername(),
      };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result).toEqual({ same: true, addr: '', got: 'over unix', clientPeer: true, clientName: '', sockName: true, sockPeer: '' });
  });

  (hasIPv6Loopback() ? test : test.skip)('IPv6: listen on ::1, address() and accept give IPv6 addresses', async () => {
    const result = await green(() => {
      const server = listen(['::1', 0]);
      const address = server.address() as [string, number];
      const client = connect(address);
      const [sock, addr] = server.accept();
      const out = { host: address[0], addrHost: (addr as [string, number])[0], shown: inspect(server) };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result.host).toBe('::1');
    expect(result.addrHost).toBe('::1');
    expect(result.shown).toMatch(/^GreenServer \{ listening: \[::1\]:\d+ \}$/);
  });

  test('an accepted socket can be used from any green thread, and the server from several in turn', async () => {
    const lines = await green(() => {
      const server = tcpServer();
      const clients = [0, 1, 2].map(() => connect(server.address() as Address));
      const handlers = [0, 1, 2].map(() => {
        const [sock] = server.accept();
        return spawn(() => { const line = sock.readline().toString(); sock.sendall(line.toUpperCase()); sock.close(); return line; });
      });
      clients.forEach((c, i) => c.sendall(`client ${i}\n`));
      const replies = clients.map((c) => readAll(c).toString());
      const out = { got: handlers.map((h) => h.wait()), replies };
      for (const c of clients) c.close();
      server.close();
      return out;
    });
    expect(lines).toEqual({ got: ['client 0\n', 'client 1\n', 'client 2\n'], replies: ['CLIENT 0\n', 'CLIENT 1\n', 'CLIENT 2\n'] });
  });
});

describe('timeouts and interruptions of accept', () => {
  test("the server's timeout: accept throws SocketTimeoutError, and works again after", async () => {
    const result = await green(() => {
      const server = tcpServer();
      server.setTimeout(0.01);
      const error = errorOf(() => server.accept());
      const timeout = server.gettimeout();
      server.setTimeout(null);
      const client = connect(server.address() as Address);
      const [sock] = server.accept();
      client.close();
      sock.close();
      server.close();
      return { error: [error.constructor.name, error.code], timeout, cleared: server.gettimeout() };
    });
    expect(result).toEqual({ error: ['SocketTimeoutError', 'ERR_GREENTHREAD_SOCKET_TIMEOUT'], timeout: 0.01, cleared: null });
  });

  test('an outer Timeout and a kill interrupt accept; the server stays usable', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const timeout = new Timeout(0.01);
      const error = errorOf(() => server.accept());
      timeout.cancel();
      const acceptor = spawn(() => server.accept());
      sleep(0);
      acceptor.kill();
      const client = connect(server.address() as Address);
      const [sock] = server.accept();
      client.close();
      sock.close();
      server.close();
      return { timedOut: error === timeout, killed: acceptor.dead };
    });
    expect(result).toEqual({ timedOut: true, killed: true });
  });

  test('a connection arriving as the acceptor is killed is not lost: the next accept gets it', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const acceptor = spawn(() => server.accept());
      sleep(0);
      // Kill the acceptor right after the server has queued the connection and woken it.
      server.nodeServer.once('connection', () => acceptor.kill());
      const client = connect(server.address() as Address);
      until(() => acceptor.dead);
      const [sock, addr] = server.accept();
      const out = { addr, name: client.getsockname() };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result.addr).toEqual(result.name);
  });

  test('setTimeout: bad values are refused', async () => {
    const errors = await green(() => {
      const server = tcpServer();
      const out = [errorOf(() => server.setTimeout('1' as never)), errorOf(() => server.setTimeout(Infinity))];
      server.close();
      return out;
    });
    expect(errors.map((e) => e.constructor.name)).toEqual(['TypeError', 'RangeError']);
  });
});

describe('one acceptor at a time', () => {
  test('a second thread calling accept while one is blocked in it: SocketBusyError', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const first = spawn(() => server.accept());
      sleep(0);
      const error = errorOf(() => server.accept());
      const client = connect(server.address() as Address);
      const [sock, addr] = first.wait();
      const out = { error: [error.constructor.name, error.code], addr, name: client.getsockname() };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result.error).toEqual(['SocketBusyError', 'ERR_GREENTHREAD_SOCKET_BUSY']);
    expect(result.addr).toEqual(result.name);
  });
});

describe('close', () => {
  test('close() from another thread wakes a blocked accept with SocketClosedError', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const acceptor = spawn(() => errorOf(() => server.accept()));
      sleep(0);
      server.close();
      const error = acceptor.wait();
      return [error.constructor.name, error.code];
    });
    expect(result).toEqual(['SocketClosedError', 'ERR_GREENTHREAD_SOCKET_CLOSED']);
  });

  test('after close: accept throws SocketClosedError, close is idempotent, the port is free again', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const address = server.address() as [string, number];
      const fd = server.fileno();
      server.close();
      server.close();
      const error = errorOf(() => server.accept());
      const refused = errorOf(() => connect(address)).code;
      // The same port can be listened on again.
      const again = listen(address);
      const reused = (again.address() as [string, number])[1] === address[1];
      again.close();
      return {
        fd: fd > 0, error: error.constructor.name, closed: server.closed, fileno: server.fileno(),
        address: server.address(), expected: address, refused, reused, shown: inspect(server),
      };
    });
    expect(result.fd).toBe(true);
    expect(result.error).toBe('SocketClosedError');
    expect(result.closed).toBe(true);
    expect(result.fileno).toBe(-1);
    expect(result.address).toEqual(result.expected);
    expect(result.refused).toBe('ECONNREFUSED');
    expect(result.reused).toBe(true);
    expect(result.shown).toBe('GreenServer { closed }');
  });

  test('connections not yet accepted are closed with the server; accepted ones stay open', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const kept = connect(server.address() as Address);
      const [keptSock] = server.accept();
      let arrived = 0;
      server.nodeServer.on('connection', () => { arrived++; });
      const waiting = connect(server.address() as Address);
      // The Node server has taken it into the queue of connections not yet accepted.
      until(() => arrived === 1);
      server.close();
      let waitingEnd: string;
      try {
        waitingEnd = `eof:${waiting.recv(10).length}`;
      } catch (error) {
        waitingEnd = (error as NodeJS.ErrnoException).code ?? String(error);
      }
      kept.sendall('still open');
      const got = keptSock.recv(100).toString();
      for (const s of [kept, keptSock, waiting]) s.close();
      return { waitingEnd, got };
    });
    expect(['eof:0', 'ECONNRESET']).toContain(result.waitingEnd);
    expect(result.got).toBe('still open');
  });

  test('a Unix socket server: close() removes nothing the user needs; the path can be listened on again', async () => {
    const ok = await green(() => {
      const path = tmpSocketPath();
      const server = listen(path);
      server.close();
      until(() => !server.nodeServer.listening);
      const again = listen(path);
      again.close();
      return true;
    });
    expect(ok).toBe(true);
  });

  test('Symbol.dispose closes the server', async () => {
    const closed = await green(() => {
      const server = tcpServer();
      server[Symbol.dispose]();
      return server.closed;
    });
    expect(closed).toBe(true);
  });
});

describe('errors of listen', () => {
  test("a port in use: EADDRINUSE with Node's code, syscall, address and port", async () => {
    const error = await green(() => {
      const server = tcpServer();
      const address = server.address() as [string, number];
      const out = errorOf(() => listen(address));
      server.close();
      return { code: out.code, syscall: out.syscall, address: out.address, port: out.port, expected: address };
    });
    expect(error).toEqual({ code: 'EADDRINUSE', syscall: 'listen', address: '127.0.0.1', port: error.expected[1], expected: error.expected });
  });

  test('a Unix path already listened on: EADDRINUSE', async () => {
    const code = await green(() => {
      const path = tmpSocketPath();
      const server = listen(path);
      const out = errorOf(() => listen(path)).code;
      server.close();
      return out;
    });
    expect(code).toBe('EADDRINUSE');
  });

  test('a Unix path in a directory that does not exist: ENOENT (or EACCES), never a crash', async () => {
    const code = await green(() => errorOf(() => listen('/nonexistent-dir-for-greenthread/sock')).code);
    expect(['ENOENT', 'EACCES']).toContain(code);
  });

  test('an address that is not local: EADDRNOTAVAIL', async () => {
    const code = await green(() => errorOf(() => listen(['192.0.2.1', 0])).code);
    expect(code).toBe('EADDRNOTAVAIL');
  });

  test('bad arguments: TypeError or RangeError naming listen()', async () => {
    const errors = await green(() => [
      errorOf(() => listen(123 as never)),
      errorOf(() => listen(['127.0.0.1'] as never)),
      errorOf(() => listen([127, 0] as never)),
      errorOf(() => listen(['127.0.0.1', 65536])),
      errorOf(() => listen(['127.0.0.1', -1])),
      errorOf(() => listen(['127.0.0.1', 1.5])),
      errorOf(() => listen('')),
      errorOf(() => listen('a\0b')),
      errorOf(() => listen(['127.0.0.1', 0], { nope: 1 } as never)),
      errorOf(() => listen(['127.0.0.1', 0], { backlog: -1 })),
      errorOf(() => listen(['127.0.0.1', 0], { backlog: 'x' as never })),
      errorOf(() => listen(['127.0.0.1', 0], { reuseAddr: 'yes' as never })),
      errorOf(() => listen(['127.0.0.1', 0], { reuseAddr: false })),
      errorOf(() => listen(['127.0.0.1', 0], { reusePort: 1 as never })),
      errorOf(() => listen(tmpSocketPath(), { reusePort: true })),
      errorOf(() => listen(['127.0.0.1', 0], 'options' as never)),
    ]);
    expect(errors.map((e) => e.constructor.name)).toEqual([
      'TypeError', 'TypeError', 'TypeError', 'RangeError', 'RangeError', 'TypeError', 'RangeError', 'TypeError',
      'TypeError', 'RangeError', 'TypeError', 'TypeError', 'RangeError', 'TypeError', 'RangeError', 'TypeError',
    ]);
    for (const error of errors) expect(error.message).toMatch(/^listen\(\): /);
  });

  test('outside a green thread: NotInGreenThreadError', () => {
    expect(() => listen(['127.0.0.1', 0])).toThrow(NotInGreenThreadError);
  });

  test('backlog and reuseAddr: true are accepted', async () => {
    const ok = await green(() => {
      const server = listen(['127.0.0.1', 0], { backlog: 1, reuseAddr: true });
      const client = connect(server.address() as Address);
      const [sock] = server.accept();
      client.close();
      sock.close();
      server.close();
      return true;
    });
    expect(ok).toBe(true);
  });
});

describe('reusePort', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  const supported = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);

  (supported ? test : test.skip)('two servers share one port; every connection reaches one of them', async () => {
    const result = await green(() => {
      const a = listen(['127.0.0.1', 0], { reusePort: true });
      const port = (a.address() as [string, number])[1];
      const b = listen(['127.0.0.1', port], { reusePort: true });
      const served: string[] = [];
      const acceptors = ([['a', a], ['b', b]] as Array<[string, GreenServer]>).map(([name, server]) => spawn(() => {
        for (;;) {
          let sock: GreenSocket;
          try {
            [sock] = server.accept();
          } catch (error) {
            if (error instanceof SocketClosedError) return;
            throw error;
          }
          served.push(name);
          sock.sendall(name);
          sock.close();
        }
      }));
      const replies = Array.from({ length: 20 }, () => {
        const client = connect(['127.0.0.1', port]);
        const reply = readAll(client).toString();
        client.close();
        return reply;
      });
      a.close();
      b.close();
      for (const t of acceptors) t.wait();
      return { replies, served: served.length };
    });
    expect(result.served).toBe(20);
    for (const reply of result.replies) expect(['a', 'b']).toContain(reply);
  });

  (supported ? test.skip : test)('on a Node without it: RangeError saying which version it needs', async () => {
    const error = await green(() => errorOf(() => listen(['127.0.0.1', 0], { reusePort: true })));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/22\.12/);
  });
});

describe('pending connections the client reset', () => {
  test('a connection reset before it is accepted does not stop the next from being served', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const raw = net.connect(server.address()[1] as number, '127.0.0.1');
      raw.on('error', () => {});
      let connected = false;
      raw.on('connect', () => { connected = true; raw.resetAndDestroy(); });
      until(() => connected && raw.destroyed);
      const good = connect(server.address() as Address);
      good.sendall('good\n');
      // The reset one may come first, reading as a reset or EOF; then the good one.
      const outcomes: string[] = [];
      for (;;) {
        let sock: GreenSocket;
        try {
          [sock] = server.accept();
        } catch (error) {
          // accept() itself must not fail for a connection its client gave up on.
          outcomes.push(`accept threw ${(error as NodeJS.ErrnoException).code}`);
          continue;
        }
        let line: string;
        try {
          line = sock.readline().toString();
        } catch (error) {
          line = (error as NodeJS.ErrnoException).code ?? 'error';
        }
        sock.close();
        outcomes.push(line === '' ? 'eof' : line);
        if (line === 'good\n') break;
      }
      good.close();
      server.close();
      return outcomes;
    });
    expect(result[result.length - 1]).toBe('good\n');
    for (const early of result.slice(0, -1)) expect(['eof', 'ECONNRESET']).toContain(early);
  });
});

// A SocketTimeoutError is not a reason to stop a server from accepting later.
test('accept after a SocketTimeoutError still gets connections that arrived meanwhile', async () => {
  const ok = await green(() => {
    const server = tcpServer();
    server.setTimeout(0.005);
    expect(errorOf(() => server.accept())).toBeInstanceOf(SocketTimeoutError);
    const client = connect(server.address() as Address);
    const [sock] = server.accept();
    client.close();
    sock.close();
    server.close();
    return true;
  });
  expect(ok).toBe(true);
});

test('SocketBusyError and SocketClosedError are exported error classes', () => {
  expect(new SocketBusyError()).toBeInstanceOf(Error);
  expect(new SocketClosedError().code).toBe('ERR_GREENTHREAD_SOCKET_CLOSED');
});
