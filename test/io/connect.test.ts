// connect(): bad arguments; ECONNREFUSED with Node's .code/.syscall/.address/.port; a connect
// that times out (a peer whose accept queue is full) and the timeout staying the socket's; bind;
// IPv6 ::1 (skipped without an IPv6 loopback); Unix socket paths in a temporary directory; host
// names ('localhost', '' and one that does not resolve); many connects at once.
import { spawn as spawnProcess, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { types } from 'node:util';
import {
  connect, listen, NotInGreenThreadError, SocketTimeoutError, sleep, spawn, Timeout,
} from '../../src';
import type { Address, GreenSocket } from '../../src';
import { green } from '../helpers';
import { errorOf, hasIPv6Loopback, readAll, removeTmpDirs, tcpServer, tmpSocketPath } from './net-helpers';

afterAll(removeTmpDirs);

/** A port nothing listens on (listened on, then closed). */
function freePort(): number {
  const server = tcpServer();
  const port = (server.address() as [string, number])[1];
  server.close();
  return port;
}

/** Connects to `address`, has the server side echo one line, and returns it. */
function echoOnce(address: Address, connectTo: Address = address, options?: Parameters<typeof connect>[1]): { line: string; client: GreenSocket } {
  const server = listen(address);
  try {
    const client = connect(typeof connectTo === 'string' ? connectTo : [connectTo[0], connectTo[1] || (server.address() as [string, number])[1]], options);
    const [sock] = server.accept();
    client.sendall('ping\n');
    sock.sendall(sock.readline());
    sock.close();
    return { line: client.readline().toString(), client };
  } finally {
    server.close();
  }
}

describe('bad arguments', () => {
  test('TypeError or RangeError naming connect(), before anything is attempted', async () => {
    const errors = await green(() => [
      errorOf(() => connect(5 as never)),
      errorOf(() => connect([1, 80] as never)),
      errorOf(() => connect(['127.0.0.1'] as never)),
      errorOf(() => connect(['127.0.0.1', 80, 1] as never)),
      errorOf(() => connect(['127.0.0.1', -1])),
      errorOf(() => connect(['127.0.0.1', 65536])),
      errorOf(() => connect(['127.0.0.1', 1.5])),
      errorOf(() => connect(['127.0.0.1', '80'] as never)),
      errorOf(() => connect('')),
      errorOf(() => connect('bad\0path')),
      errorOf(() => connect(['127.0.0.1', 80], { nope: true } as never)),
      errorOf(() => connect(['127.0.0.1', 80], { family: 5 as never })),
      errorOf(() => connect(['127.0.0.1', 80], { timeout: 'soon' as never })),
      errorOf(() => connect(['127.0.0.1', 80], { timeout: Infinity })),
      errorOf(() => connect(['127.0.0.1', 80], { bind: '/tmp/x' as never })),
      errorOf(() => connect(['127.0.0.1', 80], { bind: ['127.0.0.1', 70000] })),
      errorOf(() => connect('/tmp/some.sock', { bind: ['127.0.0.1', 0] })),
      errorOf(() => connect('/tmp/some.sock', { family: 4 })),
      errorOf(() => connect(['127.0.0.1', 80], null as never)),
    ]);
    expect(errors.map((e) => e.constructor.name)).toEqual([
      'TypeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError', 'RangeError', 'TypeError', 'TypeError',
      'RangeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError', 'TypeError', 'RangeError',
      'TypeError', 'TypeError', 'TypeError',
    ]);
    for (const error of errors) expect(error.message).toMatch(/^connect\(\): /);
  });

  test('outside a green thread: NotInGreenThreadError', () => {
    expect(() => connect(['127.0.0.1', 1])).toThrow(NotInGreenThreadError);
  });
});

describe('connection errors', () => {
  test("ECONNREFUSED with Node's code, syscall, address and port", async () => {
    const result = await green(() => {
      const port = freePort();
      const error = errorOf(() => connect(['127.0.0.1', port]));
      return { port, error: { code: error.code, syscall: error.syscall, address: error.address, port: error.port, isError: types.isNativeError(error) } };
    });
    expect(result.error).toEqual({ code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port: result.port, isError: true });
  });

  test('a refused connect blocks only its own green thread; others run meanwhile', async () => {
    const result = await green(() => {
      const port = freePort();
      let ticks = 0;
      const ticker = spawn(() => { for (;;) { ticks++; sleep(0); } });
      const refused = Array.from({ length: 10 }, () => spawn(() => errorOf(() => connect(['127.0.0.1', port])).code));
      const codes = refused.map((t) => t.wait());
      ticker.kill();
      return { codes, ticked: ticks > 0 };
    });
    expect(result).toEqual({ codes: Array(10).fill('ECONNREFUSED'), ticked: true });
  });

  test('a host name that does not resolve: ENOTFOUND (or EAI_AGAIN) with the host name', async () => {
    const error = await green(() => errorOf(() => connect(['no-such-host.invalid', 80])));
    expect(['ENOTFOUND', 'EAI_AGAIN']).toContain(error.code);
    expect(error.hostname).toBe('no-such-host.invalid');
  });
});

describe('timeout', () => {
  // A peer with a full accept queue: a Node process listening with backlog 1 whose event loop
  // is blocked, so it never accepts. The kernel queues one connection (or a few) and then
  // ignores further SYNs, so a connect hangs until its timeout.
  let peer: ChildProcess | null = null;
  let port = 0;
  beforeAll(async () => {
    peer = spawnProcess(process.execPath, ['-e', `
      const server = require('node:net').createServer();
      server.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
        console.log(server.address().port);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000);
      });`], { stdio: ['ignore', 'pipe', 'inherit'] });
    port = await new Promise<number>((resolve, reject) => {
      peer?.stdout?.once('data', (data: Buffer) => resolve(Number(String(data).trim())));
      peer?.once('exit', () => reject(new Error('the listening peer exited')));
    });
  });
  afterAll(() => { peer?.kill('SIGKILL'); });

  test('connect({ timeout }) to a peer that never completes the connection: SocketTimeoutError', async () => {
    const result = await green(() => {
      const filled: GreenSocket[] = [];
      let error: any = null;
      // Fill the accept queue; the first connect that cannot complete times out.
      for (let i = 0; i < 10 && error === null; i++) {
        // Only so that a connect ignoring its timeout fails this test instead of hanging it.
        const guard = new Timeout(3);
        try {
          filled.push(connect(['127.0.0.1', port], { timeout: 0.1 }));
        } catch (caught) {
          error = caught === guard ? new Error('connect() ignored its timeout: still connecting when the 3 s guard fired') : caught;
        } finally {
          guard.cancel();
        }
      }
      for (const s of filled) s.close();
      return { name: error?.constructor.name, code: error?.code, message: error?.message, queued: filled.length };
    });
    expect({ name: result.name, message: result.message, code: result.code })
      .toEqual({ name: 'SocketTimeoutError', message: expect.stringMatching(/^connect\(\): timed out/), code: 'ERR_GREENTHREAD_SOCKET_TIMEOUT' });
    expect(result.queued).toBeGreaterThanOrEqual(1);
  });

  test("the timeout stays the socket's timeout after connecting", async () => {
    const result = await green(() => {
      const server = tcpServer();
      const client = connect(server.address() as Address, { timeout: 0.01 });
      const [sock] = server.accept();
      const error = errorOf(() => client.recv(1));
      const out = { timeout: client.gettimeout(), error: error instanceof SocketTimeoutError, accepted: sock.gettimeout() };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result).toEqual({ timeout: 0.01, error: true, accepted: null });
  });

  test('timeout: null (or none) means no timeout', async () => {
    const timeouts = await green(() => {
      const server = tcpServer();
      const a = connect(server.address() as Address, { timeout: null });
      const b = connect(server.address() as Address);
      const out = [a.gettimeout(), b.gettimeout()];
      a.close();
      b.close();
      server.close();
      return out;
    });
    expect(timeouts).toEqual([null, null]);
  });
});

describe('bind', () => {
  test('bind to a local address and any port', async () => {
    const result = await green(() => {
      const { line, client } = echoOnce(['127.0.0.1', 0], ['127.0.0.1', 0], { bind: ['127.0.0.1', 0] });
      const name = client.getsockname();
      client.close();
      return { line, name };
    });
    expect(result.line).toBe('ping\n');
    expect((result.name as [string, number])[0]).toBe('127.0.0.1');
  });

  test("bind to a chosen port: the server sees the client on it; bind ['', 0] is any address", async () => {
    const result = await green(() => {
      const localPort = freePort();
      const server = tcpServer();
      const client = connect(server.address() as Address, { bind: ['127.0.0.1', localPort] });
      const [sock, addr] = server.accept();
      const anyClient = connect(server.address() as Address, { bind: ['', 0] });
      const [anySock] = server.accept();
      const out = { localPort, addr, name: client.getsockname(), any: anyClient.getsockname()[0] };
      for (const s of [client, sock, anyClient, anySock]) s.close();
      server.close();
      return out;
    });
    expect(result.addr).toEqual(['127.0.0.1', result.localPort]);
    expect(result.name).toEqual(['127.0.0.1', result.localPort]);
    expect(result.any).toBe('127.0.0.1');
  });

  test('bind to a port in use: EADDRINUSE', async () => {
    const code = await green(() => {
      const server = tcpServer();
      const client = connect(server.address() as Address);
      const [sock] = server.accept();
      const taken = client.getsockname() as [string, number];
      const out = errorOf(() => connect(server.address() as Address, { bind: taken })).code;
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(code).toBe('EADDRINUSE');
  });
});

(hasIPv6Loopback() ? describe : describe.skip)('IPv6', () => {
  test('connect to ::1: echo, and the names are IPv6', async () => {
    const result = await green(() => {
      const server = listen(['::1', 0]);
      const client = connect(server.address() as Address);
      const [sock, addr] = server.accept();
      client.sendall('six\n');
      sock.sendall(sock.readline());
      const out = { line: client.readline().toString(), peer: client.getpeername(), server: server.address(), addr, name: client.getsockname() };
      for (const s of [client, sock]) s.close();
      server.close();
      return out;
    });
    expect(result.line).toBe('six\n');
    expect(result.peer).toEqual(result.server);
    expect((result.addr as [string, number])[0]).toBe('::1');
    expect(result.addr).toEqual(result.name);
  });

  test("bind ['', 0] when connecting to ::1 binds the IPv6 any-address", async () => {
    const result = await green(() => {
      const server = listen(['::1', 0]);
      const port = (server.address() as [string, number])[1];
      const client = connect(['::1', port], { bind: ['', 0] });
      const [sock] = server.accept();
      const out = { name: (client.getsockname() as [string, number])[0] };
      client.close();
      sock.close();
      server.close();
      return out;
    });
    expect(result.name).toBe('::1');
  });

  test('ECONNREFUSED on ::1 carries the IPv6 address', async () => {
    const error = await green(() => {
      const server = listen(['::1', 0]);
      const port = (server.address() as [string, number])[1];
      server.close();
      const caught = errorOf(() => connect(['::1', port]));
      return { code: caught.code, address: caught.address, port: caught.port, expected: port };
    });
    expect(error).toEqual({ code: 'ECONNREFUSED', address: '::1', port: error.expected, expected: error.expected });
  });
});

describe('Unix socket paths', () => {
  test('echo over a Unix socket in a temporary directory', async () => {
    const result = await green(() => {
      const path = tmpSocketPath();
      const { line, client } = echoOnce(path);
      const out = { line, peer: client.getpeername() === path, name: client.getsockname() };
      client.close();
      return out;
    });
    expect(result).toEqual({ line: 'ping\n', peer: true, name: '' });
  });

  test('a path nothing exists at: ENOENT', async () => {
    const error = await green(() => errorOf(() => connect(tmpSocketPath('missing'))));
    expect(error.code).toBe('ENOENT');
    expect(error.syscall).toBe('connect');
  });

  test('a path that is a socket nobody listens on any more, or a plain file: ECONNREFUSED', async () => {
    const codes = await green(() => {
      const stale = tmpSocketPath('stale');
      fs.writeFileSync(stale, '');
      const file = tmpSocketPath('file');
      fs.writeFileSync(file, 'not a socket');
      return [errorOf(() => connect(stale)).code, errorOf(() => connect(file)).code];
    });
    expect(codes).toEqual(['ECONNREFUSED', 'ECONNREFUSED']);
  });
});

describe('host names', () => {
  test("'localhost' resolves (without blocking the loop) and connects", async () => {
    const result = await green(() => {
      const server = tcpServer();
      const port = (server.address() as [string, number])[1];
      const client = connect(['localhost', port]);
      const [sock] = server.accept();
      client.sendall('by name');
      client.shutdown();
      const out = { got: readAll(sock).toString(), peer: client.getpeername() };
      client.close();
      sock.close();
      server.close();
      return { ...out, port };
    });
    expect(result.got).toBe('by name');
    expect(result.peer).toEqual(['127.0.0.1', result.port]);
  });

  test("'localhost' with family: 4", async () => {
    const peer = await green(() => {
      const server = tcpServer();
      const port = (server.address() as [string, number])[1];
      const client = connect(['localhost', port], { family: 4 });
      const out = client.getpeername();
      client.close();
      server.close();
      return out;
    });
    expect(peer[0]).toBe('127.0.0.1');
  });

  test("host '' means this machine", async () => {
    const result = await green(() => {
      const server = tcpServer();
      const port = (server.address() as [string, number])[1];
      const client = connect(['', port]);
      const out = client.getpeername();
      client.close();
      server.close();
      return { out, port };
    });
    expect(result.out).toEqual(['127.0.0.1', result.port]);
  });
});

test('100 connects at once from 100 green threads all complete', async () => {
  const count = await green(() => {
    const server = tcpServer();
    const accepted: GreenSocket[] = [];
    const acceptor = spawn(() => { for (let i = 0; i < 100; i++) accepted.push(server.accept()[0]); });
    const clients = Array.from({ length: 100 }, () => spawn(() => connect(server.address() as Address)));
    const sockets = clients.map((c) => c.wait());
    acceptor.wait();
    const ports = new Set(sockets.map((s) => (s.getsockname() as [string, number])[1]));
    for (const s of [...sockets, ...accepted]) s.close();
    server.close();
    return ports.size + accepted.length;
  });
  expect(count).toBe(200);
});
