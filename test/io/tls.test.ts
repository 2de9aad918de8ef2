// wrapSsl: TLS echo over TCP and Unix sockets, certificate checks that fail on the client's green
// thread (wrong CA, wrong name), a TLS server that keeps serving while clients send garbage or
// nothing, STARTTLS (the server side of one accepted socket), eventlet's file-name options, and
// the plain objects handed over.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  connect, GreenServer, GreenSocket, listen, serve, SocketClosedError, spawn, wrapSsl,
} from '../../src';
import { green, root, thrownBy } from '../helpers';

const dir = path.join(root, 'test', 'fixtures', 'tls');
const key = fs.readFileSync(path.join(dir, 'server-key.pem'));
const cert = fs.readFileSync(path.join(dir, 'server-cert.pem'));
const ca = fs.readFileSync(path.join(dir, 'ca-cert.pem'));
const otherCa = fs.readFileSync(path.join(dir, 'other-ca-cert.pem'));

function echoLines(sock: GreenSocket): void {
  for (let line; (line = sock.readline()).length > 0;) sock.sendall(line);
}

// A TLS echo server serving in its own green thread; returns its address and a stop function.
function startTlsEcho(addr: [string, number] | string = ['127.0.0.1', 0], onClientError?: (e: Error) => void) {
  const server = wrapSsl(listen(addr), { key, cert, ...(onClientError ? { onClientError } : {}) });
  const serving = spawn(serve, server, echoLines);
  return {
    address: server.address(),
    stop(): void {
      server.close();
      serving.wait();
    },
  };
}

test('echo over TLS: the client checks the server against the CA and the host name', async () => {
  const result = await green(() => {
    const echo = startTlsEcho();
    const [, port] = echo.address as [string, number];
    using sock = wrapSsl(connect(['localhost', port]), { ca });
    sock.sendall('hello over tls\n');
    const line = sock.readline().toString();
    const tlsSocket = sock.nodeSocket as import('node:tls').TLSSocket;
    const authorized = tlsSocket.authorized;
    sock.close();
    echo.stop();
    return { line, authorized };
  });
  expect(result).toEqual({ line: 'hello over tls\n', authorized: true });
});

test('echo over TLS on a Unix socket, with servername given', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-tls-'));
  try {
    const line = await green(() => {
      const echo = startTlsEcho(path.join(tmp, 'sock'));
      using sock = wrapSsl(connect(echo.address), { ca, servername: 'localhost' });
      sock.sendall('unix and tls\n');
      const got = sock.readline().toString();
      sock.close();
      echo.stop();
      return got;
    });
    expect(line).toBe('unix and tls\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('a wrong CA and a wrong host name fail on the client\'s green thread; the server serves on', async () => {
  const result = await green(() => {
    const echo = startTlsEcho();
    const [, port] = echo.address as [string, number];
    const wrongCa = thrownBy(() => wrapSsl(connect(['localhost', port]), { ca: otherCa })) as NodeJS.ErrnoException;
    const wrongName = thrownBy(() => wrapSsl(connect(['127.0.0.1', port]), { ca, servername: 'not-this-host.example' })) as NodeJS.ErrnoException;
    const noCa = thrownBy(() => wrapSsl(connect(['localhost', port]))) as NodeJS.ErrnoException;
    using good = wrapSsl(connect(['localhost', port]), { ca });
    good.sendall('still here\n');
    const line = good.readline().toString();
    good.close();
    echo.stop();
    return { wrongCa: wrongCa.code, wrongName: wrongName.code, noCa: noCa.code, line };
  });
  expect(result.wrongCa).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  expect(result.wrongName).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  expect(result.noCa).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  expect(result.line).toBe('still here\n');
});

test('garbage bytes and a silent client never hold up the TLS server; onClientError hears of the garbage', async () => {
  const clientErrors: Error[] = [];
  const result = await green(() => {
    const echo = startTlsEcho(['127.0.0.1', 0], (e) => clientErrors.push(e));
    const address = echo.address as [string, number];
    using silent = connect(address);  // connects and never says anything
    using garbage = connect(address);
    garbage.sendall('GET / HTTP/1.1\r\nHost: x\r\n\r\n' + 'x'.repeat(1000));
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      using sock = wrapSsl(connect(['localhost', address[1]]), { ca });
      sock.sendall(`client ${i}\n`);
      answers.push(sock.readline().toString());
    }
    // The garbage client is dropped: it reads EOF (or a reset).
    let ended: string;
    try {
      ended = garbage.recv(100).length === 0 ? 'eof' : 'data';
    } catch (error) {
      ended = (error as NodeJS.ErrnoException).code ?? 'error';
    }
    silent.close();
    echo.stop();
    return { answers, ended };
  });
  expect(result.answers).toEqual(['client 0\n', 'client 1\n', 'client 2\n']);
  expect(['eof', 'ECONNRESET']).toContain(result.ended);
  expect(clientErrors.length).toBeGreaterThanOrEqual(1);
});

test('STARTTLS: wrapSsl(accepted, { serverSide: true }) handshakes one connection on its thread', async () => {
  const result = await green(() => {
    using server = listen(['127.0.0.1', 0]);
    const side = spawn(() => {
      const [plain] = server.accept();
      plain.sendall('220 ready for tls\n');
      const secure = wrapSsl(plain, { serverSide: true, key, cert });
      secure.sendall(`secret ${secure.readline().toString()}`);
      secure.close();
      return thrownBy(() => plain.recv(1));
    });
    const plain = connect(['localhost', (server.address() as [string, number])[1]]);
    const greeting = plain.readline().toString();
    const secure = wrapSsl(plain, { ca });
    secure.sendall('handshake done\n');
    const answer = secure.readline().toString();
    const eof = secure.recv(10).length;
    secure.close();
    return { greeting, answer, eof, plainAfter: side.wait(), clientPlainAfter: thrownBy(() => plain.sendall('x')) };
  });
  expect(result.greeting).toBe('220 ready for tls\n');
  expect(result.answer).toBe('secret handshake done\n');
  expect(result.eof).toBe(0);
  expect(result.plainAfter).toBeInstanceOf(SocketClosedError);
  expect((result.plainAfter as Error).message).toMatch(/handed to wrapSsl/);
  expect(result.clientPlainAfter).toBeInstanceOf(SocketClosedError);
});

test("eventlet's file-name options: certfile, keyfile, cafile", async () => {
  const line = await green(() => {
    const server = wrapSsl(listen(['127.0.0.1', 0]), {
      certfile: path.join(dir, 'server-cert.pem'), keyfile: path.join(dir, 'server-key.pem'),
    });
    const serving = spawn(serve, server, echoLines);
    using sock = wrapSsl(connect(['localhost', (server.address() as [string, number])[1]]), { cafile: path.join(dir, 'ca-cert.pem') });
    sock.sendall('files\n');
    const got = sock.readline().toString();
    sock.close();
    server.close();
    serving.wait();
    return got;
  });
  expect(line).toBe('files\n');
});

test('the plain server is handed over; a bad key leaves it untouched; bad options are TypeErrors', async () => {
  const result = await green(() => {
    const plain = listen(['127.0.0.1', 0]);
    const badKey = thrownBy(() => wrapSsl(plain, { key: 'not a key', cert }));
    const stillOpen = !plain.closed;
    const secure = wrapSsl(plain, { key, cert });
    const handedOver = thrownBy(() => plain.accept());
    const errors = [
      thrownBy(() => wrapSsl(plain, { key, cert })),
      thrownBy(() => wrapSsl({} as never)),
      thrownBy(() => wrapSsl(secure, { key, cert, serverSide: false })),
      thrownBy(() => wrapSsl(secure, { key, cert, severSide: true } as never)),
      thrownBy(() => wrapSsl(secure, { cert, certfile: 'x' })),
    ];
    secure.close();
    return { badKey, stillOpen, handedOver, errors, secureIsServer: secure instanceof GreenServer };
  });
  expect(typeof (result.badKey as Error).message).toBe("string");  // node:tls's own error (another realm under jest)
  expect(result.stillOpen).toBe(true);
  expect(result.handedOver).toBeInstanceOf(SocketClosedError);
  expect(result.secureIsServer).toBe(true);
  expect(result.errors[0]).toBeInstanceOf(SocketClosedError);
  for (const error of result.errors.slice(1)) {
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^wrapSsl\(\): /);
  }
});
