// listen(): addresses (IPv4, '' for every IPv4 interface, IPv6, Unix paths), its options
// (backlog, reuseAddr, reusePort), Node's errors for an address in use, and bad arguments.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, GreenServer, listen, NotInGreenThreadError, SocketClosedError } from '../../src';
import { green, thrownBy } from '../helpers';

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const hasReusePort = major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);

test('port 0 picks a free port; address() reports it; a client connects there', async () => {
  const result = await green(() => {
    using server = listen(['127.0.0.1', 0]);
    const [host, port] = server.address() as [string, number];
    using client = connect([host, port]);
    const [accepted, addr] = server.accept();
    accepted.close();
    return { host, port, addr, peer: client.getpeername() };
  });
  expect(result.host).toBe('127.0.0.1');
  expect(result.port).toBeGreaterThan(0);
  expect(result.peer).toEqual(['127.0.0.1', result.port]);
  expect((result.addr as [string, number])[0]).toBe('127.0.0.1');
});

test("host '' listens on every IPv4 interface, as in Python", async () => {
  const address = await green(() => {
    using server = listen(['', 0]);
    return server.address();
  });
  expect((address as [string, number])[0]).toBe('0.0.0.0');
});

test('a port in use: Node\'s EADDRINUSE, with code, syscall and port', async () => {
  const error = await green(() => {
    using first = listen(['127.0.0.1', 0]);
    return thrownBy(() => listen(first.address()));
  }) as NodeJS.ErrnoException & { port?: number };
  expect(error.code).toBe('EADDRINUSE');
  expect(error.syscall).toBe('listen');
  expect(typeof error.port).toBe('number');
});

test('a Unix socket path: address() is the path; accept() gives the client\'s (unnamed) path', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-listen-'));
  const file = path.join(dir, 'sock');
  try {
    const result = await green(() => {
      using server = listen(file);
      using client = connect(file);
      const [accepted, addr] = server.accept();
      client.sendall('over unix');
      const got = accepted.recv(100).toString();
      accepted.close();
      return { address: server.address(), addr, got, peer: client.getpeername(), local: accepted.getsockname() };
    });
    expect(result).toEqual({ address: file, addr: '', got: 'over unix', peer: file, local: file });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

(hasReusePort ? test : test.skip)('reusePort: two servers share one port, and both are reachable', async () => {
  const result = await green(() => {
    using a = listen(['127.0.0.1', 0], { reusePort: true });
    using b = listen(a.address(), { reusePort: true });
    const [, port] = a.address() as [string, number];
    return { port, same: (b.address() as [string, number])[1] === port };
  });
  expect(result.same).toBe(true);
});

(hasReusePort ? test.skip : test)('reusePort on a Node without it is a RangeError naming the version needed', async () => {
  const error = await green(() => thrownBy(() => listen(['127.0.0.1', 0], { reusePort: true })));
  expect(error).toBeInstanceOf(RangeError);
  expect((error as Error).message).toMatch(/reusePort needs Node 22\.12/);
});

test('bad arguments are TypeError or RangeError naming the call', async () => {
  const errors = await green(() => [
    thrownBy(() => listen(['127.0.0.1', 70000])),
    thrownBy(() => listen(['127.0.0.1', 1.5])),
    thrownBy(() => listen([1, 2] as never)),
    thrownBy(() => listen(['127.0.0.1'] as never)),
    thrownBy(() => listen('')),
    thrownBy(() => listen(['127.0.0.1', 0], { backlog: -1 })),
    thrownBy(() => listen(['127.0.0.1', 0], { reuseAddr: false })),
    thrownBy(() => listen(['127.0.0.1', 0], { reuseAddr: 'yes' as never })),
    thrownBy(() => listen(['127.0.0.1', 0], { backlg: 5 } as never)),
    thrownBy(() => listen('/tmp/x.sock', { reusePort: true })),
  ]);
  expect(errors.map((e) => (e as Error).constructor.name)).toEqual([
    'RangeError', 'TypeError', 'TypeError', 'TypeError', 'RangeError', 'RangeError', 'RangeError', 'TypeError', 'TypeError', 'RangeError',
  ]);
  for (const error of errors) expect((error as Error).message).toMatch(/^listen\(\): /);
  expect((errors[6] as Error).message).toMatch(/SO_REUSEADDR/);
});

test('from plain JavaScript: NotInGreenThreadError', () => {
  expect(() => listen(['127.0.0.1', 0])).toThrow(NotInGreenThreadError);
});

test('close(): the port is free again, accept() and close() after it behave', async () => {
  const result = await green(() => {
    const server = listen(['127.0.0.1', 0]);
    const address = server.address();
    server.close();
    server.close();
    const afterClose = thrownBy(() => server.accept());
    using again = listen(address);
    return { afterClose, rebound: again instanceof GreenServer, fileno: server.fileno() };
  });
  expect(result.afterClose).toBeInstanceOf(SocketClosedError);
  expect(result.rebound).toBe(true);
  expect(result.fileno).toBe(-1);
});
