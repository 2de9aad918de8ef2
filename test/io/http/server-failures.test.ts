// http.serve when things go wrong: a handler that throws gets its client a 500 with no stack, the
// connection closed, and the error reported (hub.onError or the onError option) while the server
// goes on (eventlet's wsgi_test exceptions_close_connection); a failure after the response
// started cuts the connection (error_in_chunked_closes_connection, timeouts_in_app_iter); requests
// Node cannot parse get its 400/431 without reaching the handler (023, 006, rfc9112); slow
// clients hit headersTimeout; StopServe and closing the server stop gracefully, answering the
// requests in hand; a killed handler.
import { getCurrent, http, kill, listen, Queue, sleep, spawn, StopServe, Timeout } from '../../../src';
import type { Address, GreenThread } from '../../../src';
import { captureReported, green } from '../../helpers';
import { until } from '../net-helpers';
import { closedByServer, get, readResponse, readToEnd, send, withServer } from './server-helpers';

const reported = captureReported();

describe('a handler that throws', () => {
  test('a 500 with no stack or message in it, the connection closed, the error reported, the server going on', async () => {
    const result = await withServer((req) => {
      if (req.path === '/boom') throw new Error('intentional error: secret detail');
      return 'fine';
    }, (address) => {
      const sock = send(address, get('/boom'));
      const failed = readResponse(sock);
      const closed = closedByServer(sock);
      sock.close();
      const again = send(address, get('/', 'Connection: close\r\n'));
      const ok = readResponse(again);
      again.close();
      return { status: failed.status, body: failed.body.toString(), connection: failed.headers['connection'], te: failed.headers['transfer-encoding'], closed, after: ok.body.toString() };
    });
    expect(result).toEqual({ status: 500, body: 'Internal Server Error\n', connection: 'close', te: undefined, closed: true, after: 'fine' });
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toBe('intentional error: secret detail');
  });

  test('the headers the handler set are not sent with the 500', async () => {
    const headers = await withServer((_req, res) => {
      res.setHeader('x-secret', 'do not leak');
      res.writeHead(201, { 'content-type': 'application/json' });
      throw new Error('before any body');
    }, (address) => {
      const sock = send(address, get('/'));
      const response = readResponse(sock);
      sock.close();
      return response.headers;
    });
    expect(headers['x-secret']).toBeUndefined();
    expect(headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  test('the onError option gets the error and the request, in place of hub.onError', async () => {
    const seen: Array<[string, string]> = [];
    await withServer(() => { throw new RangeError('bad'); }, (address) => {
      const sock = send(address, get('/where'));
      readResponse(sock);
      sock.close();
    }, { onError: (error, req) => { seen.push([(error as Error).message, req.path]); } });
    expect(seen).toEqual([['bad', '/where']]);
    expect(reported).toEqual([]);
  });

  test('a failure after the response started cuts the connection: the client sees a truncated body (error_in_chunked_closes_connection)', async () => {
    const result = await withServer(() => (function* () {
      yield 'The dwarves of yore made mighty spells,';
      yield 'While hammers fell like ringing bells';
      throw new Error('in the middle');
    })(), (address) => {
      const sock = send(address, get('/'));
      const raw = readToEnd(sock).toString();
      sock.close();
      return raw;
    });
    expect(result).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(result).toContain('While hammers fell like ringing bells');
    // No terminating zero-size chunk: the body is visibly cut short.
    expect(result.endsWith('0\r\n\r\n')).toBe(false);
    expect((reported[0] as Error).message).toBe('in the middle');
  });

  test('a Timeout out of the handler is a 500 like any error (timeouts_in_app_call)', async () => {
    const timedOut = await withServer(() => new Timeout(0.01) && (sleep(1) as never), (address) => {
      const sock = send(address, get('/'));
      const response = readResponse(sock);
      sock.close();
      return response.status;
    });
    expect(timedOut).toBe(500);
    expect(Timeout.isTimeout(reported[0])).toBe(true);
  });

  test('a handler killed before it answered: a 500, nothing reported', async () => {
    const handlers: GreenThread[] = [];
    const status = await withServer(() => {
      handlers.push(getCurrent() as GreenThread);
      sleep(10);
      return 'never';
    }, (address) => {
      const sock = send(address, get('/'));
      until(() => handlers.length === 1);
      kill(handlers[0]);
      const response = readResponse(sock);
      sock.close();
      return response.status;
    });
    expect(status).toBe(500);
    expect(reported).toEqual([]);
  });
});

describe('requests Node cannot parse never reach the handler', () => {
  const raw = (address: Address, text: string): string => {
    const sock = send(address, text);
    const all = readToEnd(sock).toString();
    sock.close();
    return all;
  };

  test('bad content-length values are 400s, not 500s (wsgi_test 023)', async () => {
    let calls = 0;
    const answers = await withServer(() => { calls++; return 'x'; }, (address) => ['argh', '', ' ', '-10'].map((value) =>
      raw(address, `GET / HTTP/1.0\r\nHost: localhost\r\nContent-length:${value}\r\n\r\n`).split('\r\n')[0]));
    expect(answers).toEqual(Array(4).fill('HTTP/1.1 400 Bad Request'));
    expect(calls).toBe(0);
  });

  test('a request head over maxHeaderSize is a 431 (wsgi_test 006, 031)', async () => {
    const first = await withServer(() => 'x', (address) => raw(address, `GET /${'path/'.repeat(3000)} HTTP/1.0\r\nHost: localhost\r\n\r\n`).split('\r\n')[0],
      { maxHeaderSize: 8192 });
    expect(first).toBe('HTTP/1.1 431 Request Header Fields Too Large');
  });

  test('garbage and a request line with a bad version are 400s (rfc9112_reject_bad_request)', async () => {
    const answers = await withServer(() => 'x', (address) => [
      'this is not http\r\n\r\n',
      'GET / HTTP/1.1 junk\r\nHost: localhost\r\n\r\n',
    ].map((text) => raw(address, text).split('\r\n')[0]));
    expect(answers).toEqual(['HTTP/1.1 400 Bad Request', 'HTTP/1.1 400 Bad Request']);
  });

  test('a client too slow with its headers gets a 408 after headersTimeout', async () => {
    const answer = await withServer(() => 'x', (address) => {
      const sock = send(address, 'GET / HTTP/1.1\r\nHost: loc');
      const all = readToEnd(sock).toString();
      sock.close();
      return all.split('\r\n')[0];
    }, { headersTimeout: 0.1, requestTimeout: 0.2 });
    expect(answer).toBe('HTTP/1.1 408 Request Timeout');
  });

  test('an idle keep-alive connection is closed after keepAliveTimeout', async () => {
    const closed = await withServer(() => 'x', (address) => {
      const sock = send(address, get('/'));
      readResponse(sock);
      const gone = closedByServer(sock);
      sock.close();
      return gone;
    }, { keepAliveTimeout: 0.05 });
    expect(closed).toBe(true);
  });

  test('keepAlive: false closes every connection after its response, which says so (eventlet\'s keepalive=False)', async () => {
    const result = await withServer(() => 'x', (address) => {
      const sock = send(address, get('/'));
      const response = readResponse(sock);
      const gone = closedByServer(sock);
      sock.close();
      return { connection: response.headers.connection, body: response.body.toString(), gone };
    }, { keepAlive: false });
    expect(result).toEqual({ connection: 'close', body: 'x', gone: true });
  });
});

describe('stopping', () => {
  test('StopServe: the requests in hand are answered (with Connection: close), idle connections closed, then http.serve returns', async () => {
    const result = await green(() => {
      const server = listen(['127.0.0.1', 0]);
      const address = server.address() as Address;
      const release = new Queue<string>();
      const serving = spawn(() => http.serve(server, (req) => {
        if (req.path === '/stop') throw new StopServe();
        return release.get();
      }));
      const idle = send(address, get('/warm'));
      release.put('warmed');
      readResponse(idle);
      const busy = send(address, get('/busy'));
      until(() => release.getting() === 1);
      const stopper = send(address, get('/stop'));
      const stopResponse = readResponse(stopper);
      const idleClosed = closedByServer(idle);
      // http.serve waits for /busy to be answered.
      sleep(0.02);
      const stillServing = !serving.dead;
      release.put('finished');
      const busyResponse = readResponse(busy);
      serving.wait();
      const busyClosed = closedByServer(busy);
      for (const s of [idle, busy, stopper]) s.close();
      return {
        stop: stopResponse.status, idleClosed, stillServing, closed: server.closed,
        busy: [busyResponse.body.toString(), busyResponse.headers['connection']], busyClosed,
      };
    });
    expect(result).toEqual({
      stop: 503, idleClosed: true, stillServing: true, closed: true, busy: ['finished', 'close'], busyClosed: true,
    });
    expect(reported).toEqual([]);
  });

  test('closing the server from another green thread makes http.serve return once the requests in hand are answered', async () => {
    const order = await green(() => {
      const server = listen(['127.0.0.1', 0]);
      const events: string[] = [];
      const serving = spawn(() => {
        http.serve(server, () => { sleep(0.05); events.push('answered'); return 'done'; });
        events.push('serve returned');
      });
      const sock = send(server.address() as Address, get('/'));
      sleep(0.01);
      server.close();
      events.push('closed');
      const response = readResponse(sock);
      serving.wait();
      sock.close();
      events.push(response.body.toString());
      return events;
    });
    expect(order).toEqual(['closed', 'answered', 'serve returned', 'done']);
  });

  test('a second StopServe while stopping changes nothing', async () => {
    const statuses = await green(() => {
      const server = listen(['127.0.0.1', 0]);
      const serving = spawn(() => http.serve(server, () => { sleep(0.02); throw new StopServe(); }));
      const socks = [0, 1].map(() => send(server.address() as Address, get('/')));
      const out = socks.map((s) => readResponse(s).status);
      serving.wait();
      for (const s of socks) s.close();
      return out;
    });
    expect(statuses).toEqual([503, 503]);
  });
});
