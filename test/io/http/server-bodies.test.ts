// http.serve: request bodies read in blocking style — content-length and chunked ones (eventlet's
// wsgi_test 007, 014, 032), read(maxBytes), iteration, text/json, junk after a body; Expect:
// 100-continue answered at the first read only (024); a client that aborts mid-body makes the
// read throw, and the server goes on (aborted_chunked_post); uploads and downloads of a few MiB
// streamed both ways with the bytes checked; a client that stops reading blocks only its own
// handler.
import { Event, sleep, spawn } from '../../../src';
import type { Address, GreenSocket } from '../../../src';
import { captureReported } from '../../helpers';
import { pseudoRandomBytes, readExactly, sha256 } from '../net-helpers';
import { closedByServer, get, readResponse, send, withServer } from './server-helpers';

const reported = captureReported();

function post(path: string, body: string | Buffer, extra = ''): Buffer {
  const head = `POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(body)]);
}

describe('reading the body', () => {
  test('text() of a content-length body; junk after it is not part of it (wsgi_test 007)', async () => {
    const body = await withServer((req) => `body is ${req.text()}`, (address) => {
      const sock = send(address, post('/', 'a=a', 'Connection: close\r\n'));
      sock.sendall('01234567890123456789');
      const response = readResponse(sock);
      sock.close();
      return response.body.toString();
    });
    expect(body).toBe('body is a=a');
  });

  test('a chunked request body, read whole (wsgi_test 014), on three connections', async () => {
    const bodies = await withServer((req) => req.readAll(), (address) => ['/a', '/b', '/c'].map((path) => {
      const sock = send(address, `PUT ${path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n` +
        '2\r\noh\r\n4\r\n hai\r\n0\r\n\r\n');
      const response = readResponse(sock);
      sock.close();
      return response.body.toString();
    }));
    expect(bodies).toEqual(['oh hai', 'oh hai', 'oh hai']);
  });

  test('for (const chunk of req) yields the chunks as they arrive (wsgi_test 032)', async () => {
    const seen = await withServer((req) => {
      const chunks: string[] = [];
      for (const chunk of req) chunks.push(chunk.toString());
      return JSON.stringify(chunks.join(''));
    }, (address) => {
      const sock = send(address, 'PUT / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n');
      sleep(0.02);
      sock.sendall('3\r\ntwo\r\n0\r\n\r\n');
      const response = readResponse(sock);
      sock.close();
      return JSON.parse(response.body.toString()) as string;
    });
    expect(seen).toBe('onetwo');
  });

  test('read(maxBytes) returns at most that much, then an empty Buffer at the end', async () => {
    const sizes = await withServer((req) => {
      const got: number[] = [];
      for (let chunk; (chunk = req.read(4)).length > 0;) got.push(chunk.length);
      got.push(req.read().length);
      return JSON.stringify(got);
    }, (address) => {
      const sock = send(address, post('/', 'abcdefghij', 'Connection: close\r\n'));
      const response = readResponse(sock);
      sock.close();
      return JSON.parse(response.body.toString()) as number[];
    });
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(10);
    expect(sizes.every((n) => n <= 4)).toBe(true);
    expect(sizes[sizes.length - 1]).toBe(0);
  });

  test('json() parses the body; invalid JSON left uncaught is a 400 reported to nobody', async () => {
    const responses = await withServer((req) => ({ status: 201, body: JSON.stringify({ got: req.json() }) }), (address) => {
      const sock = send(address, post('/', '{"a": [1, 2]}'));
      const good = readResponse(sock);
      sock.sendall(post('/', '{"a": '));
      const bad = readResponse(sock);
      const closed = closedByServer(sock);
      sock.close();
      return { good: [good.status, good.body.toString()], bad: [bad.status, bad.body.toString(), bad.headers['connection']], closed };
    });
    expect(responses.good).toEqual([201, '{"got":{"a":[1,2]}}']);
    expect(responses.bad).toEqual([400, expect.stringContaining('not valid JSON'), 'close']);
    expect(responses.closed).toBe(true);
    expect(reported).toEqual([]);
  });

  test('a SyntaxError of the handler\'s own JSON.parse is a 500 like any bug', async () => {
    const status = await withServer(() => JSON.parse('{') as string, (address) => {
      const sock = send(address, get('/', 'Connection: close\r\n'));
      const response = readResponse(sock);
      sock.close();
      return response.status;
    });
    expect(status).toBe(500);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(SyntaxError);
  });

  test('a body the handler never reads is skipped: the next request on the connection is answered', async () => {
    const bodies = await withServer((req) => req.path, (address) => {
      const sock = send(address, post('/first', 'x'.repeat(100000)));
      const first = readResponse(sock);
      sock.sendall(get('/second'));
      const second = readResponse(sock);
      sock.close();
      return [first.body.toString(), second.body.toString()];
    });
    expect(bodies).toEqual(['/first', '/second']);
  });
});

describe('Expect: 100-continue', () => {
  const app = (req: { headers: Record<string, unknown>; readAll(): Buffer }): { status: number; body: string | Buffer } => {
    if (Number(req.headers['content-length']) > 1024) return { status: 417, body: 'failure' };
    return { status: 200, body: req.readAll() };
  };

  test('a handler that answers without reading sends no 100 Continue, and the connection closes after (wsgi_test 024)', async () => {
    const result = await withServer(app as never, (address) => {
      const sock = send(address, 'PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1025\r\nExpect: 100-continue\r\n\r\n');
      const response = readResponse(sock);
      const closed = closedByServer(sock);
      sock.close();
      return { status: response.status, body: response.body.toString(), connection: response.headers['connection'], closed };
    });
    expect(result).toEqual({ status: 417, body: 'failure', connection: 'close', closed: true });
  });

  test('the first read sends 100 Continue; the connection stays usable for the next (wsgi_test 024)', async () => {
    const result = await withServer(app as never, (address) => {
      const sock = send(address, '');
      const out: Array<[number, number, string]> = [];
      for (const expect of ['100-continue', '100-Continue']) {
        sock.sendall(`PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 7\r\nExpect: ${expect}\r\n\r\n`);
        const interim = readResponse(sock);
        sock.sendall('testing');
        const final = readResponse(sock);
        out.push([interim.status, final.status, final.body.toString()]);
        if (final.headers['connection'] === 'close') throw new Error('closed');
      }
      sock.close();
      return out;
    });
    expect(result).toEqual([[100, 200, 'testing'], [100, 200, 'testing']]);
  });
});

describe('clients that go away or stall', () => {
  test('a client that aborts a chunked upload mid-chunk: the read throws ECONNRESET, the server goes on (aborted_chunked_post)', async () => {
    const outcome = new Event<string>();
    const after = await withServer((req) => {
      if (req.path === '/after') return 'still serving';
      try {
        req.readAll();
        outcome.send('read it all');
      } catch (error) {
        outcome.send((error as { code?: string }).code ?? String(error));
      }
      return 'ok';
    }, (address) => {
      const sock = send(address, 'PUT /somefile HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\ndb\r\n' + 'A'.repeat(20));
      sleep(0.01);
      sock.close();
      const again = send(address, get('/after', 'Connection: close\r\n'));
      const response = readResponse(again);
      again.close();
      return response.body.toString();
    });
    expect(outcome.wait()).toBe('ECONNRESET');
    expect(after).toBe('still serving');
    expect(reported).toEqual([]);
  });

  test('a client that leaves mid-response: the handler\'s next write throws SocketClosedError, nobody reports it', async () => {
    const thrown = new Event<unknown>();
    await withServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      try {
        for (;;) res.write(Buffer.alloc(64 * 1024));
      } catch (error) {
        thrown.send(error);
        throw error;
      }
    }, (address) => {
      const sock = send(address, get('/'));
      readExactly(sock, 1000);
      sock.close();
      thrown.wait();
    });
    const error = thrown.wait() as Error;
    expect(error.name).toBe('SocketClosedError');
    expect(error.message).toMatch(/res\.write\(\): the connection is closed/);
    expect(reported).toEqual([]);
  });

  test('a client that stops reading blocks only its own handler', async () => {
    let written = 0;
    const result = await withServer((req, res) => {
      if (req.path === '/quick') return 'quick';
      res.writeHead(200);
      try {
        for (let i = 0; i < 400; i++) {
          res.write(Buffer.alloc(64 * 1024));
          written += 64 * 1024;
        }
      } catch { /* the client leaves at the end of the test */ }
      return undefined;
    }, (address) => {
      const stalled = send(address, get('/big'));
      // The big response cannot all fit in the socket buffers: the writer blocks, for good.
      let blockedAt = -1;
      while (written !== blockedAt) {
        blockedAt = written;
        sleep(0.05);
      }
      const quick = send(address, get('/quick', 'Connection: close\r\n'));
      const response = readResponse(quick);
      quick.close();
      const stillBlocked = written === blockedAt;
      stalled.close();
      return { body: response.body.toString(), blockedAt, stillBlocked };
    });
    expect(result.body).toBe('quick');
    expect(result.blockedAt).toBeLessThan(400 * 64 * 1024);
    expect(result.stillBlocked).toBe(true);
  });
});

describe('large bodies', () => {
  const size = 4 * 1024 * 1024 + 123;

  test('a few MiB uploaded, chunked and with a content-length, hashed as it streams in', async () => {
    const data = pseudoRandomBytes(size, 7);
    const hashes = await withServer((req) => {
      const { createHash } = require('node:crypto') as typeof import('node:crypto');
      const hash = createHash('sha256');
      let total = 0;
      for (const chunk of req) {
        hash.update(chunk);
        total += chunk.length;
      }
      return `${total} ${hash.digest('hex')}`;
    }, (address) => {
      const out: string[] = [];
      const sock = send(address, `PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${size}\r\n\r\n`);
      sock.sendall(data);
      out.push(readResponse(sock).body.toString());
      sock.sendall('PUT / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n');
      for (let at = 0; at < size; at += 1000000) {
        const piece = data.subarray(at, at + 1000000);
        sock.sendall(`${piece.length.toString(16)}\r\n`);
        sock.sendall(piece);
        sock.sendall('\r\n');
      }
      sock.sendall('0\r\n\r\n');
      out.push(readResponse(sock).body.toString());
      sock.close();
      return out;
    });
    expect(hashes).toEqual([`${size} ${sha256(data)}`, `${size} ${sha256(data)}`]);
  });

  test('a few MiB downloaded from a generator, a Buffer and through res.write, the bytes checked', async () => {
    const data = pseudoRandomBytes(size, 9);
    const results = await withServer((req, res) => {
      if (req.path === '/buffer') return data;
      if (req.path === '/generator') return (function* () { for (let at = 0; at < size; at += 100000) yield data.subarray(at, at + 100000); })();
      res.writeHead(200, { 'content-length': String(size) });
      for (let at = 0; at < size; at += 100000) res.write(data.subarray(at, at + 100000));
      res.end();
      return undefined;
    }, (address) => ['/buffer', '/generator', '/res'].map((path) => {
      const sock = send(address, get(path, 'Connection: close\r\n'));
      const response = readResponse(sock);
      sock.close();
      return sha256(response.body);
    }));
    expect(results).toEqual([sha256(data), sha256(data), sha256(data)]);
  });
});

test('an echo through one connection: the request body streamed into the response as it arrives', async () => {
  const data = pseudoRandomBytes(1024 * 1024, 3);
  const digest = await withServer((req, res) => {
    res.writeHead(200);
    for (const chunk of req) res.write(chunk);
    res.end();
  }, (address: Address) => {
    const sock = send(address, `PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${data.length}\r\nConnection: close\r\n\r\n`);
    // Sent from another green thread while this one reads: neither side holds the whole body.
    const sender = spawn((s: GreenSocket) => s.sendall(data), sock);
    const response = readResponse(sock);
    sender.wait();
    sock.close();
    return sha256(response.body);
  });
  expect(digest).toBe(sha256(data));
});
