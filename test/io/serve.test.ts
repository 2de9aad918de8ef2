// serve(): eventlet.serve's contract — each connection handled in its own green thread; StopServe
// makes serve return; any other handler exception is thrown from serve; closing the server from
// another thread (or a handler) makes serve return; the listening socket stays open when serve
// returns; the client socket is closed when the handler returns or throws; at most
// `concurrency` handlers at once, connections beyond that served in order, none dropped; a
// slowloris peer never stops the others being served; bad arguments.
import {
  connect, GreenServer, GreenSocket, listen, NotInGreenThreadError, serve, sleep, spawn, StopServe, Timeout,
} from '../../src';
import type { Address, SocketAddress } from '../../src';
import { captureReported, green } from '../helpers';
import { errorOf, readAll, removeTmpDirs, tcpServer, tmpSocketPath, until } from './net-helpers';

const reported = captureReported();
afterAll(removeTmpDirs);

/** Echoes lines until EOF. */
function echoLines(sock: GreenSocket): void {
  for (let line; (line = sock.readline()).length > 0;) sock.sendall(line);
}

/** Connects, sends `text`, half-closes, and returns everything the server sent back. */
function exchange(address: Address, text: string): string {
  const client = connect(address);
  try {
    client.sendall(text);
    client.shutdown();
    return readAll(client).toString();
  } finally {
    client.close();
  }
}

describe('serving', () => {
  test.each(['tcp', 'unix'] as const)('echo over %s: every client in its own green thread, at once', async (kind) => {
    const replies = await green(() => {
      const server = kind === 'tcp' ? tcpServer() : listen(tmpSocketPath());
      const serving = spawn(() => serve(server, echoLines));
      const clients = Array.from({ length: 20 }, (_, i) => spawn(() => exchange(server.address() as Address, `line ${i}\nsecond ${i}\n`)));
      const out = clients.map((c) => c.wait());
      server.close();
      serving.wait();
      return out;
    });
    expect(replies).toEqual(Array.from({ length: 20 }, (_, i) => `line ${i}\nsecond ${i}\n`));
  });

  test('the handler gets the client address (TCP: [host, port]; Unix: "")', async () => {
    const result = await green(() => {
      const addrs: SocketAddress[] = [];
      const handler = (sock: GreenSocket, addr: SocketAddress): void => { addrs.push(addr); sock.sendall('ok'); };
      const tcp = tcpServer();
      const unixPath = tmpSocketPath();
      const unix = listen(unixPath);
      const servers = [tcp, unix].map((server) => spawn(() => serve(server, handler)));
      const client = connect(tcp.address() as Address);
      const name = client.getsockname();
      readAll(client);
      client.close();
      exchange(unixPath, '');
      tcp.close();
      unix.close();
      for (const s of servers) s.wait();
      return { addrs, name };
    });
    expect(result.addrs).toEqual([result.name, '']);
  });

  test('the client socket is closed when the handler returns, and when it throws', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const handled: GreenSocket[] = [];
      const serving = spawn(() => errorOf(() => serve(server, (sock) => {
        handled.push(sock);
        const line = sock.readline().toString();
        sock.sendall(`got ${line}`);
        if (line === 'throw\n') throw new Error('handler failed');
      })));
      // The client does not half-close: the EOF it reads comes from serve closing the socket.
      const read = (text: string): string => {
        const client = connect(server.address() as Address);
        client.sendall(text);
        const reply = readAll(client).toString();
        client.close();
        return reply;
      };
      const returned = read('return\n');
      const threw = read('throw\n');
      const error = serving.wait();
      const out = { returned, threw, error: error.message, closed: handled.map((s) => s.closed), serverOpen: !server.closed };
      server.close();
      return out;
    });
    expect(result).toEqual({ returned: 'got return\n', threw: 'got throw\n', error: 'handler failed', closed: [true, true], serverOpen: true });
  });
});

describe('how serve ends', () => {
  test('StopServe thrown by a handler makes serve return; the server stays open and usable', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, (sock) => {
        if (sock.readline().toString() === 'stop\n') throw new StopServe();
        sock.sendall('served');
      }));
      const first = exchange(server.address() as Address, 'hello\n');
      const stop = exchange(server.address() as Address, 'stop\n');
      const returned = serving.wait();
      // Still listening: a new connection is queued and can be accepted by hand.
      const client = connect(server.address() as Address);
      const [sock] = server.accept();
      client.close();
      sock.close();
      const out = { first, stop, returned, closedAfter: server.closed };
      server.close();
      return out;
    });
    expect(result).toEqual({ first: 'served', stop: '', returned: undefined, closedAfter: false });
  });

  test('any other handler exception is thrown from serve, the very object; the server stays open', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const failure = new TypeError('bad request');
      const serving = spawn(() => errorOf(() => serve(server, () => { throw failure; })));
      exchange(server.address() as Address, 'x');
      const error = serving.wait();
      const out = { same: error === failure, open: !server.closed };
      server.close();
      return out;
    });
    expect(result).toEqual({ same: true, open: true });
  });

  test('a handler throwing a non-Error value: serve throws that value', async () => {
    const thrown = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => errorOf(() => serve(server, () => { throw 'a string'; })));
      exchange(server.address() as Address, '');
      const out = serving.wait();
      server.close();
      return out;
    });
    expect(thrown).toBe('a string');
  });

  test('closing the server from another green thread makes serve return', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, echoLines));
      const reply = exchange(server.address() as Address, 'one\n');
      sleep(0);
      const stillServing = !serving.dead;
      server.close();
      return { reply, stillServing, returned: serving.wait() };
    });
    expect(result).toEqual({ reply: 'one\n', stillServing: true, returned: undefined });
  });

  test('closing the server from a handler makes serve return', async () => {
    const returned = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, () => server.close()));
      exchange(server.address() as Address, '');
      return serving.wait();
    });
    expect(returned).toBeUndefined();
  });

  test('serve on a server closed already returns at once', async () => {
    const returned = await green(() => {
      const server = tcpServer();
      server.close();
      return serve(server, echoLines);
    });
    expect(returned).toBeUndefined();
  });

  test('handlers still running when serve returns go on to their end', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, (sock) => {
        const line = sock.readline().toString();
        if (line === 'stop\n') throw new StopServe();
        // A long conversation: it outlives serve.
        sock.sendall('first\n');
        sock.sendall(`second ${sock.readline().toString()}`);
      }));
      const talker = connect(server.address() as Address);
      talker.sendall('hello\n');
      const first = talker.readline().toString();
      exchange(server.address() as Address, 'stop\n');
      serving.wait();
      talker.sendall('after serve returned\n');
      const second = talker.readline().toString();
      const eof = talker.recv(10).length;
      talker.close();
      server.close();
      return { first, second, eof };
    });
    expect(result).toEqual({ first: 'first\n', second: 'second after serve returned\n', eof: 0 });
  });

  test('a handler exception after serve has ended goes to hub.onError; a late StopServe is dropped', async () => {
    const result = await green(() => {
      const server = tcpServer();
      let waiting = 0;
      const serving = spawn(() => errorOf(() => serve(server, (sock) => {
        const line = sock.readline().toString();
        if (line === 'first\n') throw new Error('first failure');
        // Waits for the go-ahead, then fails after serve has thrown the first failure.
        waiting++;
        sock.readline();
        throw line === 'late stop\n' ? new StopServe() : new Error('late failure');
      })));
      const late = connect(server.address() as Address);
      late.sendall('late\n');
      const lateStop = connect(server.address() as Address);
      lateStop.sendall('late stop\n');
      // Both are being handled (blocked in their second readline) before the first fails.
      until(() => waiting === 2);
      exchange(server.address() as Address, 'first\n');
      const error = serving.wait();
      late.sendall('go\n');
      lateStop.sendall('go\n');
      readAll(late);
      readAll(lateStop);
      late.close();
      lateStop.close();
      server.close();
      return error.message;
    });
    expect(result).toBe('first failure');
    expect(reported.map((e) => (e as Error).message)).toEqual(['late failure']);
  });

  test('a Timeout in the serving thread ends serve with that Timeout; the server stays open', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const timeout = new Timeout(0.02);
      const error = errorOf(() => serve(server, echoLines));
      timeout.cancel();
      const out = { same: error === timeout, open: !server.closed };
      server.close();
      return out;
    });
    expect(result).toEqual({ same: true, open: true });
  });

  test('killing the serving thread ends serve; connections being handled are served to their end', async () => {
    const result = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, echoLines));
      const client = connect(server.address() as Address);
      client.sendall('before\n');
      const before = client.readline().toString();
      serving.kill();
      client.sendall('after\n');
      const after = client.readline().toString();
      client.close();
      server.close();
      return { before, after, dead: serving.dead };
    });
    expect(result).toEqual({ before: 'before\n', after: 'after\n', dead: true });
  });
});

describe('concurrency', () => {
  test('never more handlers at once than the bound; the others wait and are served in order, none dropped', async () => {
    const bound = 3;
    const count = 10;
    const result = await green(() => {
      const server = tcpServer();
      const started: number[] = [];
      let running = 0;
      let most = 0;
      const serving = spawn(() => serve(server, (sock) => {
        const index = Number(sock.readline().toString());
        started.push(index);
        running++;
        most = Math.max(most, running);
        sock.readline();   // until the test lets this one finish
        running--;
        sock.sendall(`bye ${index}`);
      }, { concurrency: bound }));
      // Connected one after another: they arrive in this order.
      const clients = Array.from({ length: count }, (_, i) => {
        const client = connect(server.address() as Address);
        client.sendall(`${i}\n`);
        return client;
      });
      const snapshots: number[][] = [];
      const replies: string[] = [];
      for (let k = 0; k < count; k++) {
        const expected = Math.min(k + bound, count);
        until(() => started.length >= expected);
        sleep(0.005);   // had the bound been exceeded, more would have started by now
        snapshots.push([...started]);
        clients[k]?.sendall('go\n');
        replies.push(readAll(clients[k] as GreenSocket).toString());
      }
      for (const c of clients) c.close();
      server.close();
      serving.wait();
      return { started, most, snapshots, replies };
    });
    expect(result.most).toBe(bound);
    expect(result.started).toEqual(Array.from({ length: count }, (_, i) => i));
    result.snapshots.forEach((snapshot, k) => {
      expect(snapshot).toEqual(Array.from({ length: Math.min(k + bound, count) }, (_, i) => i));
    });
    expect(result.replies).toEqual(Array.from({ length: count }, (_, i) => `bye ${i}`));
  });

  test('concurrency 1 serves connections one at a time, each to its end, in order', async () => {
    const log = await green(() => {
      const server = tcpServer();
      const events: string[] = [];
      const serving = spawn(() => serve(server, (sock) => {
        const name = sock.readline().toString().trim();
        events.push(`start ${name}`);
        sleep(0.002);
        events.push(`end ${name}`);
      }, { concurrency: 1 }));
      const clients = ['a', 'b', 'c'].map((name) => {
        const client = connect(server.address() as Address);
        client.sendall(`${name}\n`);
        return client;
      });
      for (const c of clients) readAll(c);
      for (const c of clients) c.close();
      server.close();
      serving.wait();
      return events;
    });
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  test('slowloris peers that connect and send nothing never stop the others being served', async () => {
    const replies = await green(() => {
      const server = tcpServer();
      const serving = spawn(() => serve(server, echoLines));
      const slow = Array.from({ length: 20 }, (_, i) => {
        const client = connect(server.address() as Address);
        if (i % 2 === 0) client.sendall('half a li');   // and never the rest
        return client;
      });
      const clients = Array.from({ length: 50 }, (_, i) => spawn(() => exchange(server.address() as Address, `client ${i}\n`)));
      const out = clients.map((c) => c.wait());
      for (const s of slow) s.close();
      server.close();
      serving.wait();
      return out;
    });
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => `client ${i}\n`));
  });
});

describe('arguments', () => {
  test('bad arguments: TypeError (RangeError for a concurrency below 1) naming serve()', async () => {
    const errors = await green(() => {
      const server = tcpServer();
      const out = [
        errorOf(() => serve({} as GreenServer, echoLines)),
        errorOf(() => serve(null as never, echoLines)),
        errorOf(() => serve(server, 'handler' as never)),
        errorOf(() => serve(server, echoLines, { concurrency: 1.5 })),
        errorOf(() => serve(server, echoLines, { concurrency: '10' as never })),
        errorOf(() => serve(server, echoLines, { pool: 1 } as never)),
      ];
      const ranges = [errorOf(() => serve(server, echoLines, { concurrency: 0 })), errorOf(() => serve(server, echoLines, { concurrency: -5 }))];
      server.close();
      return [...out, ...ranges];
    });
    expect(errors.map((e) => e.constructor.name)).toEqual([...Array(6).fill('TypeError'), 'RangeError', 'RangeError']);
    for (const error of errors) expect(error.message).toMatch(/^serve\(\): /);
  });

  test('outside a green thread: NotInGreenThreadError', async () => {
    const server = await green(() => tcpServer());
    expect(() => serve(server, echoLines)).toThrow(NotInGreenThreadError);
    await green(() => server.close());
  });
});
