// http.request / http.get against a plain node:http server: methods, headers, bodies of each
// kind, the response object and its body reads, error statuses as responses, and the checks of
// arguments.
import { Readable } from 'node:stream';
import { http, HttpClientResponse, NotInGreenThreadError, SocketClosedError, sleep } from '../../../src';
import { green, thrownBy } from '../../helpers';
import { echo, type NodeServer, startServer } from './node-server';

interface Echoed {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

let server: NodeServer;
beforeAll(async () => {
  server = await startServer((req, res) => {
    if (req.url === '/missing') {
      res.writeHead(404, 'Nope', { 'x-kind': 'missing' });
      res.end('not here');
    } else if (req.url === '/chunks') {
      // Three chunks with pauses: the client sees them as they come.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('one,');
      setTimeout(() => res.write('two,'), 5);
      setTimeout(() => res.end('three'), 10);
    } else if (req.url === '/cookies') {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.end();
    } else if (req.url === '/empty') {
      res.writeHead(204);
      res.end();
    } else {
      echo(req, res);
    }
  });
});
afterAll(() => server.close());

test('GET: status, statusText, headers, url, ok; the body as text and as JSON', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/path?q=1`);
    return { res, status: res.status, text: res.text() };
  });
  expect(result.res).toBeInstanceOf(HttpClientResponse);
  expect(result.status).toBe(200);
  expect(result.res.statusText).toBe('OK');
  expect(result.res.ok).toBe(true);
  expect(result.res.headers['content-type']).toBe('application/json');
  expect(result.res.url).toBe(`${server.url}/path?q=1`);
  expect(result.res.redirected).toBe(false);
  expect(result.res.httpVersion).toBe('1.1');
  expect(result.res.ended).toBe(true);
  const echoed = JSON.parse(result.text) as Echoed;
  expect(echoed).toMatchObject({ method: 'GET', url: '/path?q=1', body: '' });
  expect(echoed.headers.host).toBe(`127.0.0.1:${server.port}`);
  expect(echoed.headers.connection).toBe('keep-alive');
});

test('each method is sent as given (upper-cased); HEAD has no body', async () => {
  const methods = await green(() => ['GET', 'post', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'].map((method) =>
    http.request(`${server.url}/m`, { method }).json<Echoed>().method));
  expect(methods).toEqual(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
  const head = await green(() => {
    const res = http.request(`${server.url}/m`, { method: 'HEAD' });
    return { status: res.status, ended: res.ended, body: res.readAll().length };
  });
  expect(head).toEqual({ status: 200, ended: true, body: 0 });
});

test('headers as an object, as pairs, as a Headers; repeated values', async () => {
  const echoed = await green(() => [
    http.get(server.url, { headers: { 'X-One': '1', 'x-num': 42, 'x-list': ['a', 'b'] } }).json<Echoed>(),
    http.get(server.url, { headers: [['X-Pair', 'p'], ['x-pair', 'q']] }).json<Echoed>(),
    http.get(server.url, { headers: new Headers({ 'x-web': 'w' }) }).json<Echoed>(),
  ]);
  expect(echoed[0].headers).toMatchObject({ 'x-one': '1', 'x-num': '42', 'x-list': 'a, b' });
  expect(echoed[1].headers['x-pair']).toBe('p, q');
  expect(echoed[2].headers['x-web']).toBe('w');
});

test('bodies: string, Buffer, Uint8Array, array of chunks, generator (blocking between chunks), Readable, async iterables', async () => {
  const sent = await green(() => {
    const post = (body: unknown, headers?: Record<string, string>): Echoed =>
      http.request(server.url, { method: 'POST', body: body as string, ...(headers ? { headers } : {}) }).json<Echoed>();
    function* generated(): Generator<string> {
      yield 'gen-';
      sleep(0.005);
      yield 'erated';
    }
    return [
      post('héllo'),
      post(Buffer.from('buffer')),
      post(new Uint8Array([0x75, 0x38])),
      post(['arr', Buffer.from('ay')]),
      post(generated()),
      post(Readable.from([Buffer.from('read'), Buffer.from('able')])),
      post(generated(), { 'content-length': '10' }),
      post(new ReadableStream({ start(controller) { controller.enqueue(Buffer.from('web-')); controller.enqueue(Buffer.from('stream')); controller.close(); } })),
      post((async function* () { yield 'async-'; yield 'gen'; })()),
    ];
  });
  expect(sent.map((e) => e.body)).toEqual(['héllo', 'buffer', 'u8', 'array', 'gen-erated', 'readable', 'gen-erated', 'web-stream', 'async-gen']);
  expect(sent[0].headers['content-length']).toBe(String(Buffer.byteLength('héllo')));
  expect(sent[1].headers['content-length']).toBe('6');
  expect(sent[4].headers['transfer-encoding']).toBe('chunked');
  expect(sent[5].headers['transfer-encoding']).toBe('chunked');
  expect(sent[6].headers['content-length']).toBe('10');
  expect(sent[6].headers['transfer-encoding']).toBeUndefined();
});

test('an error status is a response, not an exception', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/missing`);
    return { status: res.status, statusText: res.statusText, ok: res.ok, kind: res.headers['x-kind'], body: res.text() };
  });
  expect(result).toEqual({ status: 404, statusText: 'Nope', ok: false, kind: 'missing', body: 'not here' });
});

test('read() returns chunks as they arrive, then an empty Buffer; iteration; read(maxBytes)', async () => {
  const result = await green(() => {
    const chunks: string[] = [];
    const res = http.get(`${server.url}/chunks`);
    for (let chunk; (chunk = res.read()).length > 0;) chunks.push(chunk.toString());
    const iterated = [...http.get(`${server.url}/chunks`)].map(String).join('');
    const small = http.get(`${server.url}/chunks`);
    const first = small.read(2).toString();
    const rest = small.text();
    return { joined: chunks.join(''), afterEnd: res.read().length, iterated, first, rest };
  });
  expect(result).toEqual({ joined: 'one,two,three', afterEnd: 0, iterated: 'one,two,three', first: 'on', rest: 'e,two,three' });
});

test('set-cookie is an array; a 204 has an empty body', async () => {
  const result = await green(() => {
    const cookies = http.get(`${server.url}/cookies`);
    const empty = http.get(`${server.url}/empty`);
    return { cookies: cookies.headers['set-cookie'], status: empty.status, body: empty.text() };
  });
  expect(result).toEqual({ cookies: ['a=1', 'b=2'], status: 204, body: '' });
});

test('user:password in the URL is sent as Basic authorization', async () => {
  const echoed = await green(() => http.get(`http://me:secret@127.0.0.1:${server.port}/auth`).json<Echoed>());
  expect(echoed.headers.authorization).toBe(`Basic ${Buffer.from('me:secret').toString('base64')}`);
});

test('close() releases a response; reads after it throw SocketClosedError; using closes too', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/chunks`);
    res.close();
    res.close();
    const error = thrownBy(() => res.read());
    let inScope: HttpClientResponse;
    {
      using scoped = http.get(`${server.url}/chunks`);
      inScope = scoped;
    }
    return { error, afterUsing: thrownBy(() => inScope.text()) };
  });
  expect(result.error).toBeInstanceOf(SocketClosedError);
  expect(result.afterUsing).toBeInstanceOf(SocketClosedError);
});

describe('argument checks', () => {
  test('bad url, unknown option, bad values: TypeError/RangeError naming the call, before anything is sent', async () => {
    const before = server.connections;
    const errors = await green(() => [
      thrownBy(() => http.request('not a url')),
      thrownBy(() => http.request(42 as never)),
      thrownBy(() => http.request('ftp://127.0.0.1/')),
      thrownBy(() => http.request(server.url, { methd: 'GET' } as never)),
      thrownBy(() => http.request(server.url, { method: 'GE T' })),
      thrownBy(() => http.request(server.url, { body: 42 as never })),
      thrownBy(() => http.request(server.url, { headers: 'x' as never })),
      thrownBy(() => http.request(server.url, { timeout: 'soon' as never })),
      thrownBy(() => http.request(server.url, { maxRedirects: -1 })),
      thrownBy(() => http.request(server.url, { maxRedirects: 1.5 })),
      thrownBy(() => http.request(server.url, { agent: {} as never })),
      thrownBy(() => http.request(server.url, { signal: new AbortController() as never })),
      thrownBy(() => http.request(server.url, { rejectUnauthorized: 'no' as never })),
      thrownBy(() => http.get(server.url, { method: 'POST' } as never)),
      thrownBy(() => http.get(server.url, { body: 'x' } as never)),
      thrownBy(() => http.request(server.url, { headers: { 'bad name': 'x' } })),
      thrownBy(() => http.request(server.url, { headers: { 'x-ok': 'bad\nvalue' } })),
    ]);
    expect(errors.map((e) => (e as Error).constructor.name)).toEqual([
      'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError',
      'RangeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError', 'TypeError',
    ]);
    for (const error of errors.slice(0, 13)) expect((error as Error).message).toMatch(/^http\.request\(\): /);
    expect((errors[3] as Error).message).toContain("unknown option 'methd'");
    expect((errors[13] as Error).message).toMatch(/^http\.get\(\): unknown option 'method'/);
    expect((errors[15] as Error).message).toMatch(/^http\.request\(\): /);
    expect((errors[15] as NodeJS.ErrnoException).code).toBe('ERR_INVALID_HTTP_TOKEN');
    expect(server.connections).toBe(before);
  });

  test('from plain JavaScript: NotInGreenThreadError (after the argument checks)', () => {
    expect(() => http.get(server.url)).toThrow(NotInGreenThreadError);
    expect(() => http.get(server.url, { bogus: 1 } as never)).toThrow(TypeError);
  });

  test('the namespace is frozen', () => {
    expect(Object.isFrozen(http)).toBe(true);
  });
});



