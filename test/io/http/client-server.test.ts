// Both halves together: http.request against http.serve, each side in green threads of the
// same hub. JSON both ways, a body streamed chunk by chunk both ways, a redirect, a handler
// that blocks on another request (the example), a client timeout against a stalled
// handler, a reset mid-body, and 1 GiB streamed from the server to the client with RSS checked
// to stay bounded (sizes, not times, are checked).
import {
  Event, GreenServer, http, listen, SocketTimeoutError, spawn, type GreenThread, type ServerRequest,
} from '../../../src';
import { green, thrownBy } from '../../helpers';

const MiB = 1024 * 1024;

/** Serves `handler` on a free port in a background green thread; run `body` with the base URL. */
function withServer<T>(handler: (req: ServerRequest) => unknown, body: (base: string) => T): T {
  const server: GreenServer = listen(['127.0.0.1', 0]);
  const serving: GreenThread = spawn(() => http.serve(server, handler as never));
  try {
    return body(`http://127.0.0.1:${server.address()[1]}`);
  } finally {
    server.close();
    serving.wait();
  }
}

test('JSON both ways, and the issue\'s handler that blocks on an upstream request', () => green(() => {
  withServer((req) => ({ status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [1, 2, 3] }) }), (upstream) => {
    const saved: unknown[] = [];
    withServer((req) => {
      if (req.method === 'POST') {
        saved.push(req.json());
        return { status: 201, body: JSON.stringify({ saved: saved.length }) };
      }
      const items = http.request(`${upstream}/items`);  // blocks this request only
      return { status: 200, headers: { 'content-type': 'application/json' }, body: items.text() };
    }, (base) => {
      const posted = http.request(`${base}/save`, { method: 'POST', body: JSON.stringify({ a: 1 }), headers: { 'content-type': 'application/json' } });
      expect(posted.status).toBe(201);
      expect(posted.json()).toEqual({ saved: 1 });
      // Several at once from green threads, each handler blocking on its own upstream request.
      const gets = Array.from({ length: 20 }, () => spawn(() => http.get(`${base}/`).json()));
      for (const got of gets) expect(got.wait()).toEqual({ items: [1, 2, 3] });
      expect(saved).toEqual([{ a: 1 }]);
    });
  });
}));

test('a body streamed chunk by chunk both ways (chunked encoding), every byte in order', () => green(() => {
  withServer((req) => {
    // Echoes the upload back as it arrives, upper-cased, one chunk at a time.
    const chunks = req[Symbol.iterator]();
    return { body: (function* () { for (let next; !(next = chunks.next()).done;) yield next.value.toString().toUpperCase(); })() };
  }, (base) => {
    const parts = Array.from({ length: 200 }, (_, i) => `part ${i};`);
    const response = http.request(`${base}/echo`, { method: 'PUT', body: (function* () { yield* parts; })() });
    expect(response.status).toBe(200);
    expect(response.headers['transfer-encoding']).toBe('chunked');
    expect(response.text()).toBe(parts.join('').toUpperCase());
  });
}));

test('a redirect from http.serve is returned as is by default and followed with maxRedirects', () => green(() => {
  withServer((req) => (req.path === '/old' ? { status: 301, headers: { location: '/new' } } : `at ${req.path}`), (base) => {
    const raw = http.get(`${base}/old`);
    expect(raw.status).toBe(301);
    expect(raw.headers.location).toBe('/new');
    raw.close();
    const followed = http.get(`${base}/old`, { maxRedirects: 1 });
    expect([followed.status, followed.text(), followed.redirected]).toEqual([200, 'at /new', true]);
  });
}));

test('a client timeout against a handler that stalls is SocketTimeoutError; the server goes on', () => green(() => {
  const release = new Event();
  withServer((req) => {
    if (req.path === '/stall') release.wait();
    return 'ok';
  }, (base) => {
    expect(thrownBy(() => http.get(`${base}/stall`, { timeout: 0.05 }))).toBeInstanceOf(SocketTimeoutError);
    expect(http.get(`${base}/fine`).text()).toBe('ok');
    release.send(true);
  });
}));

test('a handler that dies mid-body: the client\'s read throws ECONNRESET', () => green(() => {
  withServer(() => ({
    headers: { 'content-length': '1000' },
    body: (function* () { yield 'x'.repeat(100); throw new Error('handler failed mid-body'); })(),
  }), (base) => {
    const response = http.get(`${base}/`);
    expect(response.status).toBe(200);
    expect((thrownBy(() => response.readAll()) as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  });
}));

test('1 GiB from http.serve to http.request streams through with bounded RSS', () => green(() => {
  const GiB = 1024 * MiB;
  const block = Buffer.alloc(MiB, 'g');
  withServer(() => ({
    headers: { 'content-length': String(GiB) },
    body: (function* () { for (let sent = 0; sent < GiB; sent += block.length) yield block; })(),
  }), (base) => {
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let received = 0;
    let reads = 0;
    const response = http.get(`${base}/big`);
    for (const chunk of response) {
      received += chunk.length;
      if (++reads % 64 === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    expect(received).toBe(GiB);
    // Far below the body's size: neither side held it.
    expect(peak - rssBefore).toBeLessThan(160 * MiB);
  });
}));
