// Redirects: not followed by default (the 3xx is the response); followed with maxRedirects, with
// the Fetch standard's method and body rules (303 → GET, POST → GET on 301/302, 307/308 keep
// both), credentials dropped across origins; RedirectError past the limit and for a body that
// cannot be sent twice.
import { Readable } from 'node:stream';
import { http, RedirectError } from '../../../src';
import { green, thrownBy } from '../../helpers';
import { bodyOf, type NodeServer, startServer } from './node-server';

let server: NodeServer;
let other: NodeServer;

// /to/<status>/<path>: redirects with that status to <path>; /loop: to itself; anything else
// echoes method, url, body and the authorization header.
function handler(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  void bodyOf(req).then((body) => {
    const url = req.url ?? '/';
    const redirect = /^\/to\/(\d{3})(\/.*)$/.exec(url);
    if (redirect !== null) {
      const target = redirect[2].startsWith('/other') ? `${other.url}${redirect[2]}` : redirect[2];
      res.writeHead(Number(redirect[1]), { location: target });
      res.end('moved');
    } else if (url === '/loop') {
      res.writeHead(302, { location: '/loop' });
      res.end();
    } else if (url === '/ftp') {
      res.writeHead(301, { location: 'ftp://example.invalid/file' });
      res.end();
    } else {
      res.end(JSON.stringify({ method: req.method, url, body: body.toString(), auth: req.headers.authorization ?? null,
        type: req.headers['content-type'] ?? null }));
    }
  });
}

beforeAll(async () => {
  server = await startServer(handler);
  other = await startServer(handler);
});
afterAll(async () => {
  await server.close();
  await other.close();
});

interface Echoed { method: string; url: string; body: string; auth: string | null; type: string | null }

test('default: a redirect is not followed; it is the response', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/to/302/final`);
    return { status: res.status, location: res.headers.location, body: res.text(), redirected: res.redirected };
  });
  expect(result).toEqual({ status: 302, location: '/final', body: 'moved', redirected: false });
});

test('followed with maxRedirects: the final response, its URL, redirected', async () => {
  const result = await green(() => {
    const res = http.get(`${server.url}/to/301/to/302/final`, { maxRedirects: 2 });
    return { status: res.status, url: res.url, redirected: res.redirected, echoed: res.json<Echoed>() };
  });
  expect(result).toMatchObject({ status: 200, url: `${server.url}/final`, redirected: true, echoed: { method: 'GET', url: '/final' } });
});

test('method and body rules per status', async () => {
  const post = (status: number, body: unknown = 'data'): Echoed => http.request(`${server.url}/to/${status}/final`, {
    method: 'POST', body: body as string, headers: { 'content-type': 'text/plain' }, maxRedirects: 1,
  }).json<Echoed>();
  const result = await green(() => ({
    301: post(301), 302: post(302), 303: post(303), 307: post(307), 308: post(308),
    put303: http.request(`${server.url}/to/303/final`, { method: 'PUT', body: 'x', maxRedirects: 1 }).json<Echoed>(),
    put302: http.request(`${server.url}/to/302/final`, { method: 'PUT', body: 'x', maxRedirects: 1 }).json<Echoed>(),
    head303: http.request(`${server.url}/to/303/final`, { method: 'HEAD', maxRedirects: 1 }).status,
    array307: post(307, ['ar', 'ray']),
  }));
  for (const status of [301, 302, 303] as const) expect(result[status]).toMatchObject({ method: 'GET', body: '', type: null });
  for (const status of [307, 308] as const) expect(result[status]).toMatchObject({ method: 'POST', body: 'data', type: 'text/plain' });
  expect(result.put303).toMatchObject({ method: 'GET', body: '' });
  expect(result.put302).toMatchObject({ method: 'PUT', body: 'x' });
  expect(result.head303).toBe(200);
  expect(result.array307).toMatchObject({ method: 'POST', body: 'array' });
});

test('authorization goes on within the origin, not to another origin', async () => {
  const result = await green(() => {
    const headers = { authorization: 'Bearer t' };
    return {
      same: http.get(`${server.url}/to/302/final`, { headers, maxRedirects: 1 }).json<Echoed>(),
      cross: http.get(`${server.url}/to/302/other/final`, { headers, maxRedirects: 1 }).json<Echoed>(),
    };
  });
  expect(result.same.auth).toBe('Bearer t');
  expect(result.cross.auth).toBeNull();
  expect(result.cross.url).toBe('/other/final');
});

test('RedirectError: past maxRedirects (a loop), a non-http Location, a stream body on 307', async () => {
  const result = await green(() => ({
    loop: thrownBy(() => http.get(`${server.url}/loop`, { maxRedirects: 3 })) as RedirectError,
    chain: thrownBy(() => http.get(`${server.url}/to/302/to/302/final`, { maxRedirects: 1 })) as RedirectError,
    ftp: thrownBy(() => http.get(`${server.url}/ftp`, { maxRedirects: 1 })) as RedirectError,
    stream: thrownBy(() => http.request(`${server.url}/to/307/final`, {
      method: 'POST', body: Readable.from(['a', 'b']), maxRedirects: 1,
    })) as RedirectError,
    // Still fine without following.
    unfollowed: http.request(`${server.url}/to/307/final`, { method: 'POST', body: Readable.from(['a']) }).status,
  }));
  expect(result.loop).toBeInstanceOf(RedirectError);
  expect(result.loop.message).toMatch(/^http\.get\(\): more than 3 redirects/);
  expect(result.loop.status).toBe(302);
  expect(result.loop.urls).toEqual(Array(4).fill(`${server.url}/loop`));
  expect(result.chain.message).toMatch(/more than 1 redirect \(/);
  expect(result.chain.urls).toEqual([`${server.url}/to/302/to/302/final`, `${server.url}/to/302/final`]);
  expect(result.ftp.message).toContain('ftp:');
  expect(result.stream.message).toContain('must send the request body again');
  expect(result.unfollowed).toBe(307);
});
