// http.request failures: Node's errors with their codes (ECONNREFUSED, ENOTFOUND, ECONNRESET
// before and in the middle of a body), timeouts (headers, each body read, none while nobody
// reads), AbortSignal (before, during the wait for headers, during a body read), and a kill or
// Timeout of the waiting green thread — each leaves the server with no connection held open.
import * as net from 'node:net';
import { http, SocketTimeoutError, sleep, spawn, Timeout } from '../../../src';
import { green, thrownBy } from '../../helpers';
import { type NodeServer, startServer } from './node-server';

let server: NodeServer;
// Server responses to hang requests, ended when a test is over.
const held = new Set<import('node:http').ServerResponse>();
let closedByClient = 0;

beforeAll(async () => {
  server = await startServer((req, res) => {
    req.on('close', () => { if (!res.writableFinished) closedByClient++; });
    if (req.url === '/hang') {
      held.add(res);
    } else if (req.url === '/stall-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('first');
      held.add(res);
    } else if (req.url === '/reset-mid-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('0123456789', () => setTimeout(() => req.socket.destroy(), 10));
    } else if (req.url === '/reset-at-once') {
      req.socket.destroy();
    } else if (req.url === '/later') {
      res.writeHead(200);
      res.write('a');
      setTimeout(() => res.end('b'), 150);
    } else {
      res.end('ok');
    }
  });
});
afterEach(() => {
  for (const res of held) res.destroy();
  held.clear();
});
afterAll(() => server.close());

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// Resolves once the server has seen `count` client-closed requests in all (connections are
// closed from the event loop after the client gave up).
async function closedCount(count: number): Promise<number> {
  for (let i = 0; i < 200 && closedByClient < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  return closedByClient;
}

test('ECONNREFUSED, with the code, on the calling green thread', async () => {
  const port = await freePort();
  const error = await green(() => thrownBy(() => http.get(`http://127.0.0.1:${port}/`))) as NodeJS.ErrnoException;
  expect(error.code).toBe('ECONNREFUSED');
  expect(error.stack).toContain('http.get()');
});

test('ENOTFOUND for a .invalid host', async () => {
  const error = await green(() => thrownBy(() => http.get('http://no-such-host.invalid/'))) as NodeJS.ErrnoException;
  expect(error.code).toBe('ENOTFOUND');
});

test('ECONNRESET when the server drops the connection before answering', async () => {
  const error = await green(() => thrownBy(() => http.get(`${server.url}/reset-at-once`))) as NodeJS.ErrnoException;
  expect(error.code).toBe('ECONNRESET');
});

test('ECONNRESET from a body read when the connection drops mid-body; what came before is read first', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/reset-mid-body`);
    const first = res.read().toString();
    return { status: res.status, first, error: thrownBy(() => { for (;;) if (res.read().length === 0) break; }) };
  });
  expect(result.status).toBe(200);
  expect(result.first).toBe('0123456789');
  expect((result.error as NodeJS.ErrnoException).code).toBe('ECONNRESET');
});

test('timeout: SocketTimeoutError waiting for the headers; the connection is closed', async () => {
  const before = closedByClient;
  const error = await green(() => thrownBy(() => http.get(`${server.url}/hang`, { timeout: 0.05 })));
  expect(error).toBeInstanceOf(SocketTimeoutError);
  expect((error as Error).message).toMatch(/^http\.get\(\): timed out after 0\.05 s/);
  expect(await closedCount(before + 1)).toBe(before + 1);
});

test('timeout: SocketTimeoutError while an upload waits on a server that does not read it', async () => {
  const result = await green(() => {
    let sent = 0;
    function* endless(): Generator<Buffer> {
      for (;;) {
        sent += 64 * 1024;
        yield Buffer.alloc(64 * 1024);
      }
    }
    return { error: thrownBy(() => http.request(`${server.url}/hang`, { method: 'POST', body: endless(), timeout: 0.1 })), sent };
  });
  expect(result.error).toBeInstanceOf(SocketTimeoutError);
  // Blocked on back-pressure, not buffering the endless body.
  expect(result.sent).toBeLessThan(256 * 1024 * 1024);
});

test('timeout: each body read; a response held unread meanwhile does not time out', async () => {
  const result = await green(() => {
    const stalled = http.get(`${server.url}/stall-body`, { timeout: 0.05 });
    const first = stalled.read().toString();
    const error = thrownBy(() => stalled.read());
    stalled.close();
    const later = http.get(`${server.url}/later`, { timeout: 0.05 });
    sleep(0.2);
    return { first, error, text: later.text() };
  });
  expect(result.first).toBe('first');
  expect(result.error).toBeInstanceOf(SocketTimeoutError);
  expect(result.text).toBe('ab');
});

test('signal: already aborted, aborted while waiting for headers, aborted during a body read', async () => {
  const before = closedByClient;
  const result = await green(() => {
    const reason = new Error('stop');
    const already = thrownBy(() => http.get(server.url, { signal: AbortSignal.abort(reason) }));
    const waiting = new AbortController();
    setTimeout(() => waiting.abort(reason), 20);
    const duringHeaders = thrownBy(() => http.get(`${server.url}/hang`, { signal: waiting.signal }));
    const reading = new AbortController();
    const res = http.get(`${server.url}/stall-body`, { signal: reading.signal });
    res.read();
    setTimeout(() => reading.abort(reason), 20);
    const duringBody = thrownBy(() => res.read());
    // A finished request leaves nothing behind: aborting later changes nothing.
    const done = new AbortController();
    const text = http.get(server.url, { signal: done.signal }).text();
    done.abort();
    return { reason, already, duringHeaders, duringBody, text };
  });
  expect(result.already).toBe(result.reason);
  expect(result.duringHeaders).toBe(result.reason);
  expect(result.duringBody).toBe(result.reason);
  expect(result.text).toBe('ok');
  expect(await closedCount(before + 2)).toBe(before + 2);
});

test('a Timeout or kill of the waiting green thread ends the request', async () => {
  const before = closedByClient;
  const result = await green(() => {
    let timeout: Timeout | null = null;
    const timedOut = thrownBy(() => {
      timeout = new Timeout(0.03);
      try {
        http.get(`${server.url}/hang`);
      } finally {
        timeout.cancel();
      }
    });
    const worker = spawn(() => http.get(`${server.url}/hang`));
    sleep(0.03);
    worker.kill();
    return { timedOut: timedOut === timeout, killed: thrownBy(() => worker.wait()) };
  });
  expect(result.timedOut).toBe(true);
  expect((result.killed as Error).name).toBe('GreenletExit');
  expect(await closedCount(before + 2)).toBe(before + 2);
});
