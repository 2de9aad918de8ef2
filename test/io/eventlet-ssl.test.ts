// eventlet's tests/ssl_test.py restated for wrapSsl: request/response over TLS, certificate and
// host name checks, closing and EOF, data already decrypted read without blocking, a client that
// never handshakes not holding up the accept loop, STARTTLS. Plus issue 8's TLS scenarios: echo
// over TLS on TCP and Unix sockets, a wrong CA and garbage bytes while other connections keep
// being served, errors on the green thread that uses the socket. Short Timeouts only prove that
// something blocks; nothing asserts how long anything took.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  SocketBusyError, SocketClosedError, SocketTimeoutError, connect, listen, serve, sleep, spawn, wrapSsl,
} from '../../src';
import { captureReported } from '../helpers';
import { type Own, session, readAll, readExactly as recvExactly, spawnCatching, guard, caught } from './net-helpers';

const reported = captureReported();
const TLS_DIR = path.join(__dirname, '..', 'fixtures', 'tls');
const tlsFile = (name: string): Buffer => fs.readFileSync(path.join(TLS_DIR, name));
const KEY = tlsFile('server-key.pem');
const CERT = tlsFile('server-cert.pem');
const CA = tlsFile('ca-cert.pem');
const OTHER_CA = tlsFile('other-ca-cert.pem');

type Sock = ReturnType<typeof connect>;
type Server = ReturnType<typeof listen>;


/** eventlet's listen_ssl_socket(): a TLS server on a free loopback port (or a Unix path). */
function listenTls(own: Own, where: [string, number] | string = ['127.0.0.1', 0]): Server {
  return own(wrapSsl(own(listen(where)), { serverSide: true, key: KEY, cert: CERT }));
}

/** A TLS client that trusts the test CA. */
function connectTls(own: Own, server: Server, options: Parameters<typeof wrapSsl>[1] = {}): Sock {
  return own(wrapSsl(own(connect(server.address())), { ca: CA, servername: 'localhost', ...options }));
}






/** The echo handler: every line goes back until EOF. */
function echoLines(sock: Sock): void {
  for (let l: Buffer; (l = sock.readline()).length > 0;) sock.sendall(l);
}

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-tls-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => expect(reported).toEqual([]));

describe('requests and responses (ssl_test.py)', () => {
  test('a request and its response over TLS (test_duplex_response, test_explicit_keys_accept)', async () => {
    await session((own) => {
      const server = listenTls(own);
      const handler = own(spawn(() => {
        const [sock] = server.accept();
        own(sock);
        const request = sock.recv(8192).toString();
        sock.sendall('response');
        return request;
      }));
      const client = connectTls(own, server);
      client.sendall('line 1\r\nline 2\r\n\r\n');
      expect(recvExactly(client, 8).toString()).toBe('response');
      expect(handler.wait()).toBe('line 1\r\nline 2\r\n\r\n');
    });
  });

  test('the first recv after the handshake gets what the server sent (test_recv_after_ssl_connect)', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => { const [sock] = server.accept(); own(sock).sendall('hjk'); }));
      const client = connectTls(own, server);
      expect(recvExactly(client, 3).toString()).toBe('hjk');
    });
  });

  test('data already decrypted is read without blocking, by recv and by recvInto (test_receiving_doesnt_block_...)', async () => {
    await session((own) => {
      const server = listenTls(own);
      const accepted = own(spawn(() => {
        const [sock] = server.accept();
        own(sock).sendall('xyzw');   // and it stays open
        return sock;
      }));
      const client = connectTls(own, server);
      accepted.wait();
      expect(guard(() => recvExactly(client, 1)).toString()).toBe('x');
      expect(guard(() => recvExactly(client, 1)).toString()).toBe('y');
      const buf = Buffer.alloc(1);
      expect(guard(() => client.recvInto(buf, 1))).toBe(1);
      expect(buf.toString()).toBe('z');
      expect(guard(() => client.recvInto(buf))).toBe(1);
      expect(buf.toString()).toBe('w');
    });
  });

  test('a 4 MiB sendall over TLS to a slowly reading peer arrives whole (test_sendall_cpu_usage)', async () => {
    await session((own) => {
      const server = listenTls(own);
      const data = randomBytes(4 * 1024 * 1024);
      own(spawn(() => {
        const [sock] = server.accept();
        own(sock).sendall(data);
        sock.close();
      }));
      const client = connectTls(own, server);
      const parts: Buffer[] = [];
      let reads = 0;
      for (let chunk: Buffer; (chunk = client.recv(16 * 1024)).length > 0;) {
        parts.push(chunk);
        if (++reads % 32 === 0) sleep(0.001);
      }
      expect(Buffer.concat(parts).equals(data)).toBe(true);
    });
  });

  test('readline, send, recvInto and the socket\'s timeout work over TLS as over TCP', async () => {
    await session((own) => {
      const server = listenTls(own);
      const peerThread = own(spawn(() => own(server.accept()[0])));
      const client = connectTls(own, server);
      const peer = peerThread.wait();
      expect(client.send('one\ntwo\n')).toBe(8);
      expect(peer.readline().toString()).toBe('one\n');
      expect(peer.readline().toString()).toBe('two\n');
      client.setTimeout(0.05);
      expect(() => client.recv(1)).toThrow(SocketTimeoutError);
      expect(client.getpeername()).toEqual(server.address());
      expect(peer.getpeername()).toEqual(client.getsockname());
    });
  });

  test('a second simultaneous reader of a TLS socket: SocketBusyError', async () => {
    await session((own) => {
      const server = listenTls(own);
      const peerThread = own(spawn(() => own(server.accept()[0])));
      const client = connectTls(own, server);
      const peer = peerThread.wait();
      const first = own(spawn(() => client.recv(1)));
      sleep(0);
      expect(() => client.recv(1)).toThrow(SocketBusyError);
      peer.sendall('a');
      expect(first.wait().toString()).toBe('a');
    });
  });
});

describe('certificates and host names (ssl_test.py, issue 8)', () => {
  test('a client that checks the certificate against the CA and the host name connects (test_ssl_context, test_client_check_hostname)', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => { const [sock] = server.accept(); own(sock); sock.sendall(sock.recv(64)); }));
      // Client certificate and key offered (the server does not ask): still fine.
      const client = connectTls(own, server, { rejectUnauthorized: true, cert: CERT, key: KEY });
      client.sendall('check_hostname works');
      expect(recvExactly(client, 20).toString()).toBe('check_hostname works');
    });
  });

  test('the host name given to connect() is the default server name', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => { const [sock] = server.accept(); own(sock).sendall('by name'); }));
      const [, port] = server.address() as [string, number];
      const client = own(wrapSsl(own(connect(['localhost', port], { family: 4 })), { ca: CA }));
      expect(recvExactly(client, 7).toString()).toBe('by name');
    });
  });

  test('a certificate not for the server name: ERR_TLS_CERT_ALTNAME_INVALID on the client\'s green thread', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => serve(server, echoLines)));
      const error = caught(() => {
        const c = own(wrapSsl(own(connect(server.address())), { ca: CA, servername: 'wrong.example' }));
        c.sendall('x\n');
        c.readline();
      });
      expect(error).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    });
  });

  test('rejectUnauthorized: false connects without checking (test__server TestSSLGetCertificate)', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => { const [sock] = server.accept(); own(sock).sendall('unchecked'); }));
      const client = own(wrapSsl(own(connect(server.address())), { rejectUnauthorized: false }));
      expect(recvExactly(client, 9).toString()).toBe('unchecked');
    });
  });

  test('a client trusting the wrong CA fails on its own green thread while serve goes on serving others', async () => {
    await session((own) => {
      const server = listenTls(own);
      const serving = own(spawn(() => serve(server, echoLines)));
      const good = connectTls(own, server);
      good.sendall('before\n');
      expect(good.readline().toString()).toBe('before\n');
      const error = caught(() => {
        const c = own(wrapSsl(own(connect(server.address())), { ca: OTHER_CA, servername: 'localhost' }));
        c.sendall('x\n');
        c.readline();
      });
      expect(error).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
      good.sendall('after\n');
      expect(good.readline().toString()).toBe('after\n');
      const late = connectTls(own, server);
      late.sendall('late\n');
      expect(late.readline().toString()).toBe('late\n');
      expect(serving.dead).toBe(false);
    });
  });

  test('garbage bytes sent to a TLS server: that connection is dropped, serve goes on serving others', async () => {
    await session((own) => {
      const server = listenTls(own);
      const serving = own(spawn(() => serve(server, echoLines)));
      const good = connectTls(own, server);
      const junk = own(connect(server.address()));
      junk.sendall('GET / HTTP/1.0\r\n\r\n');
      junk.sendall(randomBytes(4096));
      // The server ends the junk connection: EOF or a reset, never a hang.
      const outcome = guard(() => {
        try {
          return readAll(junk).length >= 0 ? 'closed' : 'never';
        } catch (e) {
          return (e as NodeJS.ErrnoException).code;
        }
      });
      expect(['closed', 'ECONNRESET']).toContain(outcome);
      good.sendall('still served\n');
      expect(good.readline().toString()).toBe('still served\n');
      const late = connectTls(own, server);
      late.sendall('late\n');
      expect(late.readline().toString()).toBe('late\n');
      expect(serving.dead).toBe(false);
    });
  });

  test('a client that connects and never handshakes does not hold up the accept loop (test_no_handshake_block_accept_loop)', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => {
        for (;;) {
          const [sock] = server.accept();
          own(sock);
          own(spawn(() => {
            try {
              const name = sock.recv(8);
              sock.sendall(Buffer.concat([Buffer.from('hello '), name]));
            } catch {
              // ignore evil clients
            } finally {
              sock.close();
            }
          }));
        }
      }));
      const evil = own(connect(server.address()));   // plain TCP: no ClientHello, ever
      const good = connectTls(own, server);
      good.sendall('good');
      expect(guard(() => readAll(good)).toString()).toBe('hello good');
      evil.close();
    });
  });
});

describe('closing (ssl_test.py)', () => {
  test('the client sends, shuts down and closes: the server reads the data, then EOF (test_ssl_close)', async () => {
    await session((own) => {
      const server = listenTls(own);
      const handler = own(spawn(() => {
        const [sock] = server.accept();
        own(sock);
        const data = recvExactly(sock, 1).toString();
        return [data, sock.recv(8192).length];
      }));
      const client = connectTls(own, server);
      client.sendall('X');
      client.shutdown();
      client.close();
      expect(guard(() => handler.wait())).toEqual(['X', 0]);
    });
  });

  test('the server sends, shuts down and closes: the client reads the content, then EOF (test_greensslobject)', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => {
        const [sock] = server.accept();
        own(sock).sendall('content');
        sock.shutdown();
        sock.close();
      }));
      const client = connectTls(own, server);
      expect(recvExactly(client, 7).toString()).toBe('content');
      expect(client.recv(1024).length).toBe(0);
    });
  });

  test('half-close over TLS: after the client\'s shutdown the server can still answer', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => {
        const [sock] = server.accept();
        own(sock);
        const request = readAll(sock);
        sock.sendall(Buffer.concat([Buffer.from('got: '), request]));
        sock.close();
      }));
      const client = connectTls(own, server);
      client.sendall('the whole request');
      client.shutdown();
      expect(guard(() => readAll(client)).toString()).toBe('got: the whole request');
    });
  });

  test('a peer that resets a TLS connection: the error reaches the green thread that reads, nothing crashes', async () => {
    await session((own) => {
      const server = listenTls(own);
      const peerThread = own(spawn(() => own(server.accept()[0])));
      const client = connectTls(own, server);
      const peer = peerThread.wait();
      const reader = own(spawnCatching(() => client.recv(10)));
      sleep(0.01);
      peer.nodeSocket.destroy();   // the TLS socket ends without close_notify
      const error = guard(() => reader.wait());
      // A TCP FIN without close_notify reads as EOF (Node's choice); a reset as ECONNRESET.
      if (error !== null) expect(error).toMatchObject({ code: 'ECONNRESET' });
    });
  });

  test('the plain socket and server handed to wrapSsl are closed to their old owners', async () => {
    await session((own) => {
      const plainServer = own(listen(['127.0.0.1', 0]));
      const server = own(wrapSsl(plainServer, { serverSide: true, key: KEY, cert: CERT }));
      expect(() => plainServer.accept()).toThrow(SocketClosedError);
      own(spawn(() => { const [sock] = server.accept(); own(sock).sendall('tls'); }));
      const plain = own(connect(server.address()));
      const client = own(wrapSsl(plain, { ca: CA, servername: 'localhost' }));
      expect(() => plain.recv(1)).toThrow(SocketClosedError);
      expect(() => plain.sendall('x')).toThrow(SocketClosedError);
      expect(recvExactly(client, 3).toString()).toBe('tls');
    });
  });

  // Python's server reads 'before' from the kernel and leaves the ClientHello there; Node reads
  // both at once, so wrapSsl must hand the bytes already received over to TLS.
  test('STARTTLS with the ClientHello right behind the plain bytes (test_ssl_unwrap, without unwrap)', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const handler = own(spawn(() => {
        const [sock] = server.accept();
        own(sock);
        const before = recvExactly(sock, 6).toString();
        sleep(0.02);   // the client's ClientHello has arrived behind 'before' by now
        const secure = own(wrapSsl(sock, { serverSide: true, key: KEY, cert: CERT }));
        const during = recvExactly(secure, 6).toString();
        secure.sendall('ok');
        return [before, during];
      }));
      const client = own(connect(server.address()));
      client.sendall('before');
      const secure = own(guard(() => wrapSsl(client, { ca: CA, servername: 'localhost' })));
      secure.sendall('during');
      expect(guard(() => recvExactly(secure, 2)).toString()).toBe('ok');
      expect(handler.wait()).toEqual(['before', 'during']);
    });
  });

  test('STARTTLS after a plain exchange: both sides switch to TLS on one connection', async () => {
    await session((own) => {
      const server = own(listen(['127.0.0.1', 0]));
      const handler = own(spawn(() => {
        const [sock] = server.accept();
        own(sock);
        const before = recvExactly(sock, 6).toString();
        sock.sendall('go\n');
        const secure = own(wrapSsl(sock, { serverSide: true, key: KEY, cert: CERT }));
        const during = recvExactly(secure, 6).toString();
        secure.sendall('ok');
        return [before, during];
      }));
      const client = own(connect(server.address()));
      client.sendall('before');
      expect(client.readline().toString()).toBe('go\n');
      const secure = own(guard(() => wrapSsl(client, { ca: CA, servername: 'localhost' })));
      secure.sendall('during');
      expect(guard(() => recvExactly(secure, 2)).toString()).toBe('ok');
      expect(handler.wait()).toEqual(['before', 'during']);
    });
  });

  test('wrapSsl checks its arguments', async () => {
    await session((own) => {
      expect(() => wrapSsl(42 as never)).toThrow(TypeError);
      const plain = own(listen(['127.0.0.1', 0]));
      expect(() => wrapSsl(plain, { serverSide: true, key: Buffer.from('not a key'), cert: CERT })).toThrow();
      expect(() => wrapSsl(plain, { serverSide: true, key: KEY, cert: CERT, colour: 'blue' } as never)).toThrow(TypeError);
    });
  });
});

describe('echo over TLS (issue 8)', () => {
  test('the readline echo server over TLS on TCP, several clients at once', async () => {
    await session((own) => {
      const server = listenTls(own);
      own(spawn(() => serve(server, echoLines)));
      const clients = Array.from({ length: 10 }, (_, i) => own(spawn(() => {
        const c = connectTls(own, server);
        const got: string[] = [];
        for (let n = 0; n < 5; n++) {
          c.sendall(`client ${i} line ${n}\n`);
          got.push(c.readline().toString());
        }
        return got;
      })));
      clients.forEach((c, i) => expect(c.wait()).toEqual([0, 1, 2, 3, 4].map((n) => `client ${i} line ${n}\n`)));
    });
  });

  test('the readline echo server over TLS on a Unix socket', async () => {
    await session((own) => {
      const where = path.join(tmp, 'tls-echo.sock');
      const server = listenTls(own, where);
      own(spawn(() => serve(server, echoLines)));
      const client = own(wrapSsl(own(connect(where)), { ca: CA, servername: 'localhost' }));
      client.sendall('over unix\nand TLS\n');
      expect(client.readline().toString()).toBe('over unix\n');
      expect(client.readline().toString()).toBe('and TLS\n');
      client.shutdown();
      expect(client.readline().length).toBe(0);
    });
  });
});
