// Connections: sequential requests reuse one keep-alive connection (a fully read body, a
// released response, a body-less response); `agent: false` and a user's Agent; a pooled
// connection the server closed meanwhile is replaced without the caller seeing it; 50 green
// threads of a GreenPool requesting at once, each body verified.
import * as nodeHttp from 'node:http';
import { GreenPool, http } from '../../../src';
import { green, PKG, REPORTING, resultOf, runChild } from '../../helpers';
import { type NodeServer, startServer } from './node-server';

let server: NodeServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.method === 'HEAD') {
      // With its length, as a real server says it: without one, Node's client closes the connection.
      res.writeHead(200, { 'content-length': '5' });
      res.end();
    } else if (req.url === '/big') {
      // More than Node buffers for a paused response: it is not all in when close() is called.
      res.end(Buffer.alloc(1024 * 1024, 'x'));
    } else if (req.url === '/small') {
      res.end(Buffer.alloc(1024, 'x'));
    } else {
      res.end(`you asked for ${req.url}`);
    }
  });
});
afterAll(() => server.close());

// Each test counts from its own fresh connections.
beforeEach(() => {
  server.server.closeIdleConnections();
});

async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

test('sequential requests share one connection: body read to the end, HEAD, close() of a whole body', async () => {
  await settle();
  const before = server.connections;
  const result = await green(() => {
    const texts = [1, 2, 3].map((i) => http.get(`${server.url}/seq/${i}`).text());
    http.request(`${server.url}/head`, { method: 'HEAD' });
    const unread = http.get(`${server.url}/small`);
    // The whole body is there by the time the next request's response is: close() drops it and
    // keeps the connection.
    http.get(`${server.url}/x`).text();
    unread.close();
    texts.push(http.get(`${server.url}/last`).text());
    return texts;
  });
  expect(result).toEqual(['you asked for /seq/1', 'you asked for /seq/2', 'you asked for /seq/3', 'you asked for /last']);
  // One for the sequence, one for the request made while `unread` held the first.
  expect(server.connections - before).toBe(2);
});

test('close() of a response whose body is still coming closes its connection', async () => {
  await settle();
  const before = server.connections;
  const result = await green(() => {
    const big = http.get(`${server.url}/big`);
    const first = big.read().length;
    big.close();
    return { first, next: http.get(`${server.url}/after`).text() };
  });
  expect(result.first).toBeGreaterThan(0);
  expect(result.next).toBe('you asked for /after');
  expect(server.connections - before).toBe(2);
});

test('agent: false opens a connection per request; a user Agent is used as given', async () => {
  await settle();
  const before = server.connections;
  const agent = new nodeHttp.Agent({ keepAlive: true });
  try {
    const result = await green(() => {
      const own = [1, 2].map(() => http.get(`${server.url}/own`, { agent: false }).text());
      const pooled = [1, 2, 3].map(() => http.get(`${server.url}/mine`, { agent }).text());
      return [...own, ...pooled];
    });
    expect(result).toHaveLength(5);
    expect(server.connections - before).toBe(3);
  } finally {
    agent.destroy();
  }
});

test('a pooled connection the server has closed is replaced transparently', async () => {
  const result = await green(() => {
    const first = http.get(`${server.url}/a`).text();
    // The server drops its idle keep-alive connections, as one whose keepAliveTimeout ran out.
    server.server.closeIdleConnections();
    const second = http.get(`${server.url}/b`).text();
    return [first, second];
  });
  expect(result).toEqual(['you asked for /a', 'you asked for /b']);
});

test('50 green threads of a GreenPool, 4 requests each, every body verified, connections reused', async () => {
  await settle();
  const before = server.connections;
  const bodies = await green(() => {
    const pool = new GreenPool(50);
    const all = [...pool.imap((i: number) => {
      const got: string[] = [];
      for (let k = 0; k < 4; k++) got.push(http.get(`${server.url}/n/${i}/${k}`).text());
      return got;
    }, Array.from({ length: 50 }, (_, i) => i))];
    return all;
  });
  bodies.forEach((got, i) => expect(got).toEqual([0, 1, 2, 3].map((k) => `you asked for /n/${i}/${k}`)));
  expect(server.connections - before).toBeLessThanOrEqual(50);
});

/**
 * In a child with --expose-gc (on the compiled package): three green threads at once each get a
 * response of `body` (JavaScript for the server's res.end argument) and drop it after `use`
 * (`res` is the response); then GC runs until the server has seen their three connections
 * close. Returns how many closed. `prelude` runs first (e.g. installs fake timers).
 */
function closedAfterDropping(body: string, use: string, prelude = ''): number {
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    ${prelude}
    const nodeHttp = require('node:http');
    let closed = 0;
    const server = nodeHttp.createServer((req, res) => res.end(${body}));
    server.on('connection', (socket) => socket.on('close', () => { closed++; }));
    server.listen(0, '127.0.0.1', () => {
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      g.run(() => {
        const pool = new g.GreenPool(3);
        for (let i = 0; i < 3; i++) pool.spawn(() => { const res = g.http.get(url); ${use} });
        pool.waitAll();
        for (let i = 0; i < 100 && closed < 3; i++) { g.sleep(0.01); globalThis.gc(); }
        return closed;
      }).then((count) => { report(count); server.close(); }, (error) => { console.error(error); process.exitCode = 1; });
    });
  `, { nodeArgs: ['--expose-gc'] });
  return resultOf(child);
}

test('a response dropped with its body unread has its connection closed when garbage-collected', () => {
  // Each left holding its own connection with most of its 4 MiB body unread.
  expect(closedAfterDropping('Buffer.alloc(4 * 1024 * 1024)', 'res.read();')).toBe(3);
});

test.each([
  ['', ''],
  [' (with a faked setImmediate)', `require(${JSON.stringify(require.resolve('@sinonjs/fake-timers'))}).install({ toFake: ['setImmediate'] });`],
])('a small response dropped unread is closed when garbage-collected too, registered a loop turn late%s', (_label, fakeTimers) => {
  // Unread, its body stays in the paused connection however small it is; the finalizer is
  // registered one event-loop turn after the response is made (the real one, whatever fake
  // timers are installed), for those not ended by then.
  expect(closedAfterDropping("'small'", '', fakeTimers)).toBe(3);
});

test('a response being iterated is never collected mid-body, even when nothing else holds it', () => {
  // The finalizer for dropped responses must not fire while a for…of still reads the body
  // (the loop holds only the iterator). GC is forced between chunks, in a child (--expose-gc).
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    const nodeHttp = require('node:http');
    const server = nodeHttp.createServer((req, res) => {
      let sent = 0;
      const next = () => { if (sent++ === 20) res.end(); else { res.write('x'.repeat(1000)); setTimeout(next, 2); } };
      next();
    });
    server.listen(0, '127.0.0.1', () => {
      const url = 'http://127.0.0.1:' + server.address().port + '/';
      g.run(() => {
        let received = 0;
        for (const chunk of g.http.get(url)) { received += chunk.length; globalThis.gc(); }
        return received;
      }).then((count) => { report(count); server.close(); }, (error) => { console.error(error); process.exitCode = 1; });
    });
  `, { nodeArgs: ['--expose-gc'] });
  expect(resultOf(child)).toBe(20_000);
});
