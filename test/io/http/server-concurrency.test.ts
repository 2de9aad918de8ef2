// http.serve under load and over TLS: a handler blocked on a Queue holds up no other request;
// 200 keep-alive clients from a GreenPool at once, every body checked; the concurrency limit
// (requests beyond it wait in arrival order and are all answered); Unix sockets; HTTPS through
// wrapSsl with the test certificate, checked by a green client and by node:https from the event
// loop (eventlet's wsgi_test 012, 013).
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import { connect, GreenPool, listen, Queue, sleep, waitFor, wrapSsl } from '../../../src';
import { captureReported, root } from '../../helpers';
import { removeTmpDirs, tmpSocketPath, until } from '../net-helpers';
import { get, readResponse, readToEnd, send, withServer } from './server-helpers';

const reported = captureReported();
afterAll(removeTmpDirs);

test('a handler blocked on a Queue holds up no other request', async () => {
  const queue = new Queue<string>();
  const result = await withServer((req) => {
    if (req.path === '/wait') return `got ${queue.get()}`;
    return `quick ${req.path}`;
  }, (address) => {
    const waiting = send(address, get('/wait'));
    until(() => queue.getting() === 1);
    const others = [1, 2, 3].map((i) => {
      const sock = send(address, get(`/${i}`, 'Connection: close\r\n'));
      const body = readResponse(sock).body.toString();
      sock.close();
      return body;
    });
    queue.put('released');
    const waited = readResponse(waiting).body.toString();
    waiting.close();
    return { others, waited };
  });
  expect(result).toEqual({ others: ['quick /1', 'quick /2', 'quick /3'], waited: 'got released' });
});

test('200 keep-alive clients at once from a GreenPool, 5 requests each, every body checked', async () => {
  const clients = 200;
  const perClient = 5;
  const results = await withServer((req) => {
    // A little blocking in each handler keeps many requests in flight together.
    sleep(0.001);
    return { headers: { 'content-type': 'text/plain' }, body: `reply to ${req.path} ${req.query.get('n') ?? ''}` };
  }, (address) => {
    const pool = new GreenPool(clients);
    const oneClient = (c: number): number => {
      const sock = connect(address);
      let good = 0;
      try {
        for (let r = 0; r < perClient; r++) {
          sock.sendall(get(`/c${c}?n=${r}`));
          const response = readResponse(sock);
          if (response.status === 200 && response.body.toString() === `reply to /c${c} ${r}` && response.headers['connection'] !== 'close') good++;
        }
      } finally {
        sock.close();
      }
      return good;
    };
    return [...pool.imap(oneClient, Array.from({ length: clients }, (_, c) => c))];
  }, undefined, () => listen(['127.0.0.1', 0], { backlog: 512 }));
  expect(results).toEqual(Array(clients).fill(perClient));
  expect(reported).toEqual([]);
});

test('at most `concurrency` handlers at once; the others wait in arrival order and are all answered', async () => {
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const bodies = await withServer((req) => {
    running++;
    most = Math.max(most, running);
    started.push(Number(req.path.slice(1)));
    sleep(0.005);
    running--;
    return req.path;
  }, (address) => {
    // Pipelined on one connection: Node hands them over in this order, all at once.
    const sock = send(address, Array.from({ length: 12 }, (_, i) => get(`/${i}`)).join(''));
    const out = Array.from({ length: 12 }, () => readResponse(sock).body.toString());
    sock.close();
    return out;
  }, { concurrency: 3 });
  expect(most).toBe(3);
  expect(started).toEqual(Array.from({ length: 12 }, (_, i) => i));
  expect(bodies).toEqual(Array.from({ length: 12 }, (_, i) => `/${i}`));
});

test('a request that waited for a thread runs in its own async context: AsyncLocalStorage does not leak between requests', async () => {
  const storage = new AsyncLocalStorage<string>();
  const seen = await withServer((req) => {
    const before = storage.getStore() ?? 'none';
    storage.enterWith(req.path);
    sleep(0.005);
    return `${before} then ${storage.getStore()}`;
  }, (address) => {
    // One handler thread at a time: the second and third requests wait and are served by it.
    const socks = [0, 1, 2].map((i) => send(address, get(`/${i}`, 'Connection: close\r\n')));
    const out = socks.map((sock) => readResponse(sock).body.toString());
    for (const sock of socks) sock.close();
    return out;
  }, { concurrency: 1 });
  expect(seen).toEqual(['none then /0', 'none then /1', 'none then /2']);
});

test('over a Unix socket: remoteAddress is \'\'', async () => {
  const socketPath = tmpSocketPath('http.sock');
  const body = await withServer((req) => `from '${req.remoteAddress}' port ${req.remotePort}`, () => {
    const sock = send(socketPath, get('/', 'Connection: close\r\n'));
    const response = readResponse(sock);
    sock.close();
    return response.body.toString();
  }, undefined, () => listen(socketPath));
  expect(body).toBe("from '' port 0");
});

describe('HTTPS through wrapSsl', () => {
  const dir = path.join(root, 'test', 'fixtures', 'tls');
  const key = fs.readFileSync(path.join(dir, 'server-key.pem'));
  const cert = fs.readFileSync(path.join(dir, 'server-cert.pem'));
  const ca = fs.readFileSync(path.join(dir, 'ca-cert.pem'));
  const secureServer = () => wrapSsl(listen(['127.0.0.1', 0]), { key, cert });

  test('a green TLS client: a POST body echoed, keep-alive, req.secure; an empty body ends cleanly (wsgi_test 012, 013)', async () => {
    const result = await withServer((req) => (req.path === '/empty' ? [''] : `${req.secure} ${req.text()}`), (address) => {
      const [, port] = address as [string, number];
      const sock = wrapSsl(connect(['localhost', port]), { ca });
      sock.sendall('POST /foo HTTP/1.1\r\nHost: localhost\r\nContent-length: 3\r\n\r\nabc');
      const first = readResponse(sock).body.toString();
      sock.sendall(get('/empty', 'Connection: close\r\n'));
      const raw = readToEnd(sock).toString();
      sock.close();
      return { first, emptyEnds: raw.endsWith('\r\n\r\n') };
    }, undefined, secureServer);
    expect(result).toEqual({ first: 'true abc', emptyEnds: true });
  });

  test('node:https from the event loop, several requests over one keep-alive agent', async () => {
    const bodies = await withServer((req) => `secure ${req.path}`, (address) => {
      const [, port] = address as [string, number];
      const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca });
      const fetchOne = (p: string): Promise<string> => new Promise((resolve, reject) => {
        https.get({ host: 'localhost', port, path: p, agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => { text += chunk; });
          res.on('end', () => resolve(`${res.statusCode} ${text}`));
        }).on('error', reject);
      });
      try {
        return waitFor(Promise.all(['/a', '/b', '/c'].map(fetchOne)));
      } finally {
        agent.destroy();
      }
    }, undefined, secureServer);
    expect(bodies).toEqual(['200 secure /a', '200 secure /b', '200 secure /c']);
  });
});
