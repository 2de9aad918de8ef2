// http.serve: the request as the handler sees it, and every form of response a handler may give
// (a string, bytes, { status, headers, body }, an iterable or a generator that blocks between
// chunks, a readable stream, a web Response, streaming through res, nothing), with the framing
// Node gives each (content-length when the length is known, chunked otherwise, no chunking to
// an HTTP/1.0 client); HEAD; keep-alive and pipelining (eventlet's wsgi_test 001, 002, 004, 008,
// 009, 010, 011, 013, 015, 016); the access log; bad arguments.
import { Readable, Writable } from 'node:stream';
import { http, listen, sleep, spawn, StopServe } from '../../../src';
import type { AccessLogEntry, Address, HttpHandler } from '../../../src';
import { captureReported, green } from '../../helpers';
import { errorOf } from '../net-helpers';
import { closedByServer, ConnectionClosed, get, readResponse, readToEnd, send, withServer } from './server-helpers';

const reported = captureReported();

/** One GET with `Connection: close` and its response. */
function fetchOnce(address: Address, path = '/', method = 'GET', version = '1.1') {
  const sock = send(address, `${method} ${path} HTTP/${version}\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  try {
    return readResponse(sock, method === 'HEAD');
  } finally {
    sock.close();
  }
}

describe('the request', () => {
  test('method, url, path, query, headers, httpVersion, remote address', async () => {
    let seen: Record<string, unknown> = {};
    const local = await withServer((req) => {
      seen = {
        method: req.method, url: req.url, path: req.path, query: [...req.query], header: req.headers['x-thing'],
        httpVersion: req.httpVersion, remoteAddress: req.remoteAddress, remotePort: req.remotePort, secure: req.secure,
      };
      return 'ok';
    }, (address) => {
      const sock = send(address, 'GET /a/b%20c?x=1&y=two&x=3 HTTP/1.1\r\nHost: localhost\r\nX-Thing: yes\r\nConnection: close\r\n\r\n');
      const name = sock.getsockname();
      readResponse(sock);
      sock.close();
      return name;
    });
    expect(seen).toEqual({
      method: 'GET', url: '/a/b%20c?x=1&y=two&x=3', path: '/a/b%20c', query: [['x', '1'], ['y', 'two'], ['x', '3']], header: 'yes',
      httpVersion: '1.1', remoteAddress: (local as [string, number])[0], remotePort: (local as [string, number])[1], secure: false,
    });
  });

  test('a request without a query has an empty one; an absolute-form target is split the same way', async () => {
    const seen: Array<[string, string]> = [];
    await withServer((req) => { seen.push([req.path, req.query.toString()]); return ''; }, (address) => {
      fetchOnce(address, '/plain');
      fetchOnce(address, 'http://example.com/abs?q=1');
    });
    expect(seen).toEqual([['/plain', ''], ['/abs', 'q=1']]);
  });
});

describe('response forms', () => {
  const forms: Array<[string, HttpHandler, number, string, 'length' | 'chunked']> = [
    ['a string: 200', () => 'hello world', 200, 'hello world', 'length'],
    ['a Buffer: 200', () => Buffer.from('bytes'), 200, 'bytes', 'length'],
    ['a Uint8Array', () => new TextEncoder().encode('u8'), 200, 'u8', 'length'],
    ['{ status, headers, body }', () => ({ status: 201, headers: { 'x-made': 'yes' }, body: 'made' }), 201, 'made', 'length'],
    ['{ status } alone: empty', () => ({ status: 404 }), 404, '', 'length'],
    ['nothing: an empty 200', () => undefined, 200, '', 'length'],
    ['an array of chunks: chunked', () => ['a', Buffer.from('b'), 'c'], 200, 'abc', 'chunked'],
    ['a generator blocking between chunks', () => (function* () { yield 'one '; sleep(0.01); yield 'two'; })(), 200, 'one two', 'chunked'],
    ['{ body: generator }', () => ({ status: 202, body: (function* () { yield 'x'; yield 'y'; })() }), 202, 'xy', 'chunked'],
    ['a Node readable stream', () => Readable.from(['r1', 'r2']), 200, 'r1r2', 'chunked'],
    ['a web Response', () => new Response('web body', { status: 418, headers: { 'x-web': '1' } }), 418, 'web body', 'length'],
    ['a web Response with a streamed body', () => new Response(new ReadableStream({
      start(controller) { controller.enqueue(new TextEncoder().encode('s1')); controller.enqueue(new TextEncoder().encode('s2')); controller.close(); },
    })), 200, 's1s2', 'chunked'],
    ['res.writeHead/write/end', (_req, res) => { res.writeHead(200, { 'x-streamed': '1' }); res.write('part '); res.write(Buffer.from('two')); res.end(); }, 200, 'part two', 'chunked'],
    ['res.end(body) alone: one write with a length', (_req, res) => { res.statusCode = 203; res.end('whole'); }, 203, 'whole', 'length'],
    ['res.write without end: ended for the handler', (_req, res) => { res.write('unended'); }, 200, 'unended', 'chunked'],
    ['res.setHeader kept by a returned response', (_req, res) => { res.setHeader('x-set', 'kept'); return 'with header'; }, 200, 'with header', 'length'],
  ];
  test.each(forms)('%s', async (_name, handler, status, body, framing) => {
    const response = await withServer(handler, (address) => fetchOnce(address));
    expect(response.status).toBe(status);
    expect(response.body.toString()).toBe(body);
    if (framing === 'length') {
      expect(response.headers['content-length']).toBe(String(Buffer.byteLength(body)));
      expect(response.headers['transfer-encoding']).toBeUndefined();
    } else {
      expect(response.headers['transfer-encoding']).toBe('chunked');
    }
    expect(reported).toEqual([]);
  });

  test('headers given as a record (repeated values as arrays), as [name, value] pairs, as web Headers', async () => {
    const responses = await withServer((req) => {
      if (req.path === '/record') return { headers: { 'set-cookie': ['a=1', 'b=2'], 'x-n': 5 }, body: '' };
      if (req.path === '/pairs') return { headers: [['x-p', '1'], ['x-p', '2']], body: '' };
      const headers = new Headers([['x-h', 'web']]);
      headers.append('set-cookie', 'c=3');
      headers.append('set-cookie', 'd=4');
      return { headers, body: '' };
    }, (address) => ['/record', '/pairs', '/web'].map((path) => fetchOnce(address, path).headers));
    expect(responses[0]).toMatchObject({ 'set-cookie': 'a=1, b=2', 'x-n': '5' });
    expect(responses[1]).toMatchObject({ 'x-p': '1, 2' });
    expect(responses[2]).toMatchObject({ 'x-h': 'web', 'set-cookie': 'c=3, d=4' });
  });

  test('a content-length given by the handler is not doubled (wsgi_test 016)', async () => {
    const response = await withServer(() => ({ headers: { 'Content-Length': '7' }, body: 'testing' }), (address) => {
      const sock = send(address, get('/', 'Connection: close\r\n'));
      const raw = readToEnd(sock).toString();
      sock.close();
      return raw;
    });
    expect(response.match(/content-length/gi)).toHaveLength(1);
    expect(response.endsWith('\r\n\r\ntesting')).toBe(true);
  });

  test('a chunked response arrives in several chunks, ended by the zero chunk and its CRLF (wsgi_test 011)', async () => {
    // Each chunk produced after a pause: Node 24 and later send the writes of one tick as one
    // chunk, so chunks yielded back to back may arrive as one.
    const response = await withServer(() => (function* () { for (let i = 0; i < 10; i++) { yield 'x'.repeat(1000); sleep(0.002); } })(), (address) => fetchOnce(address));
    expect(response.chunks?.length).toBeGreaterThan(1);
    expect(response.body.length).toBe(10000);
  });

  test('empty chunks from an iterable do not end a chunked body early', async () => {
    const response = await withServer(() => ['a', '', Buffer.alloc(0), 'b'], (address) => fetchOnce(address));
    expect(response.body.toString()).toBe('ab');
  });

  test('to an HTTP/1.0 client a streamed body is not chunked: it ends with the connection (wsgi_test 010)', async () => {
    const raw = await withServer(() => ['a', 'b'], (address) => {
      const sock = send(address, 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
      const all = readToEnd(sock).toString();
      sock.close();
      return all;
    });
    expect(raw).not.toMatch(/transfer-encoding/i);
    expect(raw.endsWith('\r\n\r\nab')).toBe(true);
  });

  test('HEAD: the headers of a GET, no body, and the connection stays usable', async () => {
    const [head, after] = await withServer(() => 'twelve bytes', (address) => {
      const sock = send(address, 'HEAD / HTTP/1.1\r\nHost: localhost\r\n\r\n');
      const first = readResponse(sock, true);
      sock.sendall(get('/'));
      const second = readResponse(sock);
      sock.close();
      return [first, second];
    });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('12');
    expect(after.body.toString()).toBe('twelve bytes');
  });

  test('an empty body over TLS-free HTTP/1.1 ends with the blank line (wsgi_test 013)', async () => {
    const raw = await withServer(() => [''], (address) => {
      const sock = send(address, get('/', 'Connection: close\r\n'));
      const all = readToEnd(sock).toString();
      sock.close();
      return all;
    });
    expect(raw.startsWith('HTTP/1.1 200 OK')).toBe(true);
  });
});

describe('connections', () => {
  test('keep-alive: several requests on one connection (wsgi_test 002, 008)', async () => {
    const statuses = await withServer((req) => (req.path === '/missing' ? { status: 404, body: 'no' } : 'yes'), (address) => {
      const sock = send(address, get('/'));
      const out = [readResponse(sock).status];
      for (const path of ['/missing', '/']) {
        sock.sendall(get(path));
        out.push(readResponse(sock).status);
      }
      sock.close();
      return out;
    });
    expect(statuses).toEqual([200, 404, 200]);
  });

  test('Connection: close ends the connection after its response (wsgi_test 004)', async () => {
    const result = await withServer(() => 'hi', (address) => {
      const sock = send(address, get('/'));
      readResponse(sock);
      sock.sendall(get('/', 'Connection: close\r\n'));
      const second = readResponse(sock);
      const closed = closedByServer(sock);
      sock.close();
      return { connection: second.headers['connection'], closed };
    });
    expect(result).toEqual({ connection: 'close', closed: true });
  });

  test('an HTTP/1.0 request without keep-alive gets its response and the connection closed (wsgi_test 001)', async () => {
    const raw = await withServer(() => 'hello world', (address) => {
      const sock = send(address, 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');
      const all = readToEnd(sock).toString();
      sock.close();
      return all;
    });
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true);
    expect(raw.endsWith('hello world')).toBe(true);
  });

  test('pipelined requests are answered in order, even when a later handler finishes first', async () => {
    const bodies = await withServer((req) => {
      if (req.path === '/slow') sleep(0.05);
      return req.path;
    }, (address) => {
      const sock = send(address, get('/slow') + get('/fast') + get('/third'));
      const out = [readResponse(sock), readResponse(sock), readResponse(sock)].map((r) => r.body.toString());
      sock.close();
      return out;
    });
    expect(bodies).toEqual(['/slow', '/fast', '/third']);
  });

  test('after a response to Connection: close, a further request gets no answer', async () => {
    const outcome = await withServer(() => 'hi', (address) => {
      const sock = send(address, get('/', 'Connection: close\r\n'));
      readResponse(sock);
      try { sock.sendall(get('/')); } catch { /* may already be reset */ }
      try {
        readResponse(sock);
        return 'answered';
      } catch (error) {
        return error instanceof ConnectionClosed || (error as { code?: string }).code === 'ECONNRESET' ? 'closed' : String(error);
      } finally {
        sock.close();
      }
    });
    expect(outcome).toBe('closed');
  });
});

describe('the access log', () => {
  test('a function gets one entry per request', async () => {
    const entries: AccessLogEntry[] = [];
    await withServer((req) => (req.path === '/missing' ? { status: 404, body: 'nope' } : 'found'), (address) => {
      fetchOnce(address, '/here?x=1');
      fetchOnce(address, '/missing', 'GET', '1.0');
    }, { log: (entry) => entries.push(entry) });
    expect(entries.map(({ method, url, httpVersion, status, bytes, remoteAddress, aborted }) => ({ method, url, httpVersion, status, bytes, remoteAddress, aborted }))).toEqual([
      { method: 'GET', url: '/here?x=1', httpVersion: '1.1', status: 200, bytes: 5, remoteAddress: '127.0.0.1', aborted: false },
      { method: 'GET', url: '/missing', httpVersion: '1.0', status: 404, bytes: 4, remoteAddress: '127.0.0.1', aborted: false },
    ]);
    for (const entry of entries) {
      expect(entry.seconds).toBeGreaterThanOrEqual(0);
      expect(entry.time).toBeInstanceOf(Date);
    }
  });

  test('a stream gets a line per request in eventlet.wsgi\'s format', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _encoding, done) { lines.push(chunk.toString()); done(); } });
    await withServer(() => 'body', (address) => { fetchOnce(address, '/p?q=1'); }, { log: sink });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] "GET \/p\?q=1 HTTP\/1\.1" 200 4 \d+\.\d{6}\n$/);
  });

  test('off by default, and a log function that throws is reported without harming the response', async () => {
    const response = await withServer(() => 'fine', (address) => fetchOnce(address), { log: () => { throw new Error('log failed'); } });
    expect(response.body.toString()).toBe('fine');
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('log failed');
  });
});

describe('arguments', () => {
  test('bad server, handler and options are TypeErrors/RangeErrors naming http.serve()', async () => {
    const errors = await green(() => {
      const server = listen(['127.0.0.1', 0]);
      try {
        const bad = (fn: () => unknown): string => { const e = errorOf(fn); return `${e.name}: ${e.message}`; };
        return [
          bad(() => http.serve({} as never, () => '')),
          bad(() => http.serve(server, 'x' as never)),
          bad(() => http.serve(server, (async () => '') as never)),
          bad(() => http.serve(server, () => '', { concurency: 5 } as never)),
          bad(() => http.serve(server, () => '', { concurrency: 0 })),
          bad(() => http.serve(server, () => '', { keepAliveTimeout: 'long' as never })),
          bad(() => http.serve(server, () => '', { keepAlive: 'no' as never })),
          bad(() => http.serve(server, () => '', { headersTimeout: 10, requestTimeout: 5 })),
          bad(() => http.serve(server, () => '', { log: 42 as never })),
          bad(() => http.serve(server, () => '', { onError: 'x' as never })),
        ];
      } finally {
        server.close();
      }
    });
    expect(errors).toEqual([
      expect.stringMatching(/^TypeError: http\.serve\(\): server must be a GreenServer/),
      expect.stringMatching(/^TypeError: http\.serve\(\): handler must be a function/),
      expect.stringMatching(/^TypeError: http\.serve\(\): handler is an async function/),
      expect.stringMatching(/^TypeError: http\.serve\(\): unknown option 'concurency'/),
      expect.stringMatching(/^RangeError: http\.serve\(\): concurrency must be >= 1/),
      expect.stringMatching(/^TypeError: http\.serve\(\): keepAliveTimeout must be a number of seconds/),
      expect.stringMatching(/^TypeError: http\.serve\(\): keepAlive must be a boolean, got string "no"/),
      expect.stringMatching(/^RangeError: http\.serve\(\): headersTimeout \(10 s\) must not be longer than requestTimeout/),
      expect.stringMatching(/^TypeError: http\.serve\(\): log must be a function or a writable stream/),
      expect.stringMatching(/^TypeError: http\.serve\(\): onError must be a function/),
    ]);
  });

  test('http.serve from plain JavaScript is NotInGreenThreadError', async () => {
    const server = await green(() => listen(['127.0.0.1', 0]));
    try {
      expect(errorOf(() => http.serve(server, () => '')).name).toBe('NotInGreenThreadError');
    } finally {
      await green(() => server.close());
    }
  });

  test('a handler returning a value of no response form is a 500 naming the problem in the report', async () => {
    const statuses = await withServer((req) => {
      if (req.path === '/number') return 42 as never;
      if (req.path === '/promise') return Promise.resolve('x') as never;
      if (req.path === '/typo') return { stauts: 200 } as never;
      return '';
    }, (address) => ['/number', '/promise', '/typo'].map((path) => fetchOnce(address, path).status));
    expect(statuses).toEqual([500, 500, 500]);
    expect(reported.map((e) => (e as Error).message)).toEqual([
      expect.stringMatching(/returned number 42/),
      expect.stringMatching(/returned a promise; block on it with waitFor/),
      expect.stringMatching(/unknown key 'stauts'/),
    ]);
  });

  test('a handler that both streams through res and returns a body: the streamed response stands, the mistake is reported', async () => {
    const response = await withServer((_req, res) => { res.write('streamed'); return 'returned'; }, (address) => {
      const sock = send(address, get('/', 'Connection: close\r\n'));
      const raw = readToEnd(sock).toString();
      sock.close();
      return raw;
    });
    expect(response).toContain('streamed');
    expect(response).not.toContain('returned');
    expect((reported[0] as Error).message).toMatch(/both wrote the response through res and returned/);
  });
});

test('StopServe after res.end(): the response stands and http.serve returns, the listening socket closed', async () => {
  const result = await green(() => {
    const server = listen(['127.0.0.1', 0]);
    const client = spawn(() => fetchOnce(server.address() as Address));
    http.serve(server, (_req, res) => { res.end('bye'); throw new StopServe(); });
    return { response: client.wait(), closed: server.closed };
  });
  expect(result.response.status).toBe(200);
  expect(result.response.body.toString()).toBe('bye');
  expect(result.closed).toBe(true);
});
