// UDP sockets (udpSocket, bindUdp, GreenUdpSocket): echo between green threads over IPv4 and
// IPv6, one datagram per recvfrom with truncation, timeouts, close and busy errors, the bounded
// queue, interruptions that lose nothing, connect/send, Node's errors thrown on the green
// thread, and argument checks. Sleeps only let the event loop run; nothing asserts a duration.
import * as os from 'node:os';
import {
  bindUdp, GreenletExit, GreenUdpSocket, NotInGreenThreadError, sleep, SocketBusyError, SocketClosedError,
  SocketTimeoutError, spawn, Timeout, udpSocket,
} from '../../src';
import { green, packageHome, runChild, thrownBy } from '../helpers';

const hasIPv6Loopback = Object.values(os.networkInterfaces()).some((list) => list?.some((info) => info.address === '::1'));

/** Blocks (sleeping, so the event loop polls) until `done()` holds. */
function until(done: () => boolean): void {
  while (!done()) sleep(0.001);
}

/** Echoes `count` datagrams back to their senders, then closes the socket. */
function echoServer(server: GreenUdpSocket, count: number): void {
  for (let i = 0; i < count; i++) {
    const [data, from] = server.recvfrom(65536);
    server.sendto(data, from);
  }
  server.close();
}

describe('echo', () => {
  test('between two green threads over IPv4; the first sendto binds the client to a free port', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const address = server.getsockname();
      const echo = spawn(echoServer, server, 3);
      const client = udpSocket();
      const before = client.getsockname();
      const replies: Array<[string, [string, number]]> = [];
      for (const message of ['one', 'two', 'three']) {
        expect(client.sendto(message, address)).toBe(message.length);
        const [data, from] = client.recvfrom(100);
        replies.push([data.toString(), from]);
      }
      const after = client.getsockname();
      echo.wait();
      client.close();
      return { address, replies, before, after, family: client.family };
    });
    expect(result.address[0]).toBe('127.0.0.1');
    expect(result.address[1]).toBeGreaterThan(0);
    expect(result.replies).toEqual([
      ['one', result.address], ['two', result.address], ['three', result.address],
    ]);
    expect(result.before).toEqual(['0.0.0.0', 0]);
    expect(result.after[0]).toBe('0.0.0.0');
    expect(result.after[1]).toBeGreaterThan(0);
    expect(result.family).toBe(4);
  });

  (hasIPv6Loopback ? test : test.skip)('over IPv6 (::1): the family comes from the address', async () => {
    const result = await green(() => {
      const server = bindUdp(['::1', 0]);
      const address = server.getsockname();
      const echo = spawn(echoServer, server, 1);
      const client = udpSocket(6);
      client.sendto(Buffer.from('over six'), address);
      const [data, from] = client.recvfrom(100);
      echo.wait();
      client.close();
      return { family: server.family, address, data: data.toString(), from };
    });
    expect(result.family).toBe(6);
    expect(result.address[0]).toBe('::1');
    expect(result.data).toBe('over six');
    expect(result.from).toEqual(result.address);
  });

  test('the sender\'s address recvfrom reports is the one to reply to, and Uint8Array data goes as is', async () => {
    const result = await green(() => {
      const a = bindUdp(['127.0.0.1', 0]);
      const b = bindUdp(['127.0.0.1', 0]);
      b.sendto(new Uint8Array([1, 2, 3]), a.getsockname());
      const [data, from] = a.recvfrom(10);
      a.sendto('back', from);
      const reply = b.recv(10).toString();
      const out = { data: [...data], from, b: b.getsockname(), reply };
      a.close();
      b.close();
      return out;
    });
    expect(result.data).toEqual([1, 2, 3]);
    expect(result.from).toEqual(result.b);
    expect(result.reply).toBe('back');
  });

  test('sendto a host name: localhost is resolved by Node', async () => {
    const data = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      client.sendto('by name', ['localhost', server.getsockname()[1]]);
      const out = server.recv(100).toString();
      server.close();
      client.close();
      return out;
    });
    expect(data).toBe('by name');
  });

  test('a host of \'\' binds every interface and sends to this machine', async () => {
    const result = await green(() => {
      const server = bindUdp(['', 0]);
      const client = udpSocket();
      client.sendto('anywhere', ['', server.getsockname()[1]]);
      const out = { local: server.getsockname()[0], data: server.recv(100).toString() };
      server.close();
      client.close();
      return out;
    });
    expect(result).toEqual({ local: '0.0.0.0', data: 'anywhere' });
  });
});

describe('datagrams', () => {
  test('one datagram per call, truncated to maxBytes; the rest of it is discarded', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      for (const message of ['hello world', 'second', 'third one', 'fourth']) client.sendto(message, server.getsockname());
      until(() => server.queuedDatagrams === 4);
      const out = [
        server.recvfrom(5)[0].toString(),
        server.recvfrom(100)[0].toString(),
        server.recv(0).length,   // consumes "third one"
        server.recv(100).toString(),
      ];
      server.close();
      client.close();
      return out;
    });
    expect(result).toEqual(['hello', 'second', 0, 'fourth']);
  });

  test('an empty datagram is sent and received as one', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      const sent = client.sendto('', server.getsockname());
      client.sendto('after', server.getsockname());
      const out = [sent, server.recv(10).length, server.recv(10).toString()];
      server.close();
      client.close();
      return out;
    });
    expect(result).toEqual([0, 0, 'after']);
  });

  test('recvfrom returns at once when a datagram is queued, without a switch', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      client.sendto('queued', server.getsockname());
      until(() => server.queuedDatagrams === 1);
      let otherRan = false;
      spawn(() => { otherRan = true; });
      const data = server.recv(100).toString();
      const out = { data, otherRan };
      server.close();
      client.close();
      return out;
    });
    expect(result).toEqual({ data: 'queued', otherRan: false });
  });

  test('1,000 datagrams reach one reader in order', async () => {
    const received = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const address = server.getsockname();
      let read = 0;
      const reader = spawn(() => {
        const out: number[] = [];
        for (; read < 1000; read++) out.push(Number(server.recv(16).toString()));
        return out;
      });
      const client = udpSocket();
      // In windows, so the kernel's receive buffer never overflows while the loop is busy.
      for (let i = 0; i < 1000; i++) {
        client.sendto(String(i), address);
        if (i % 100 === 99) until(() => read > i);
      }
      const out = reader.wait();
      server.close();
      client.close();
      return out;
    });
    expect(received).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });

  test('an unread socket queues 1,024 datagrams and drops the newest beyond', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const address = server.getsockname();
      const client = udpSocket();
      for (let i = 0; i < 1030; i++) {
        client.sendto(String(i), address);
        if (i % 50 === 49 || i === 1029) until(() => server.queuedDatagrams + server.droppedDatagrams === i + 1);
      }
      const counts = { queued: server.queuedDatagrams, dropped: server.droppedDatagrams };
      const data: number[] = [];
      while (server.queuedDatagrams > 0) data.push(Number(server.recv(16).toString()));
      // Read again, it receives again.
      client.sendto('later', address);
      const later = server.recv(16).toString();
      server.close();
      client.close();
      return { counts, data, later };
    });
    expect(result.counts).toEqual({ queued: 1024, dropped: 6 });
    expect(result.data).toEqual(Array.from({ length: 1024 }, (_, i) => i));
    expect(result.later).toBe('later');
  });

  test('an unread socket queues at most 4 MiB', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      const big = Buffer.alloc(60000, 1);
      for (let i = 0; i < 71; i++) {
        client.sendto(big, server.getsockname());
        until(() => server.queuedDatagrams + server.droppedDatagrams === i + 1);
      }
      const out = { queued: server.queuedDatagrams, dropped: server.droppedDatagrams };
      server.close();
      client.close();
      return out;
    });
    // 69 × 60,000 bytes fit in 4 MiB (4,194,304), a 70th would not.
    expect(result).toEqual({ queued: 69, dropped: 2 });
  });
});

describe('timeouts, interruptions, close', () => {
  test('a timed-out recvfrom throws SocketTimeoutError; a datagram sent later is still received', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      server.setTimeout(0.02);
      const timeout = server.gettimeout();
      const error = thrownBy(() => server.recvfrom(10));
      const client = udpSocket();
      client.sendto('late', server.getsockname());
      const data = server.recv(10).toString();
      server.setTimeout(null);
      const out = { timeout, error, data, after: server.gettimeout() };
      server.close();
      client.close();
      return out;
    });
    expect(result.timeout).toBe(0.02);
    expect(result.error).toBeInstanceOf(SocketTimeoutError);
    expect((result.error as Error).message).toMatch(/GreenUdpSocket\.recvfrom\(\): timed out/);
    expect(result.data).toBe('late');
    expect(result.after).toBeNull();
  });

  test('a recvfrom interrupted by a Timeout loses no datagram', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const timeout = new Timeout(0.02);
      let caught: unknown;
      try {
        server.recvfrom(10);
      } catch (error) {
        caught = error;
      } finally {
        timeout.cancel();
      }
      const client = udpSocket();
      client.sendto('kept', server.getsockname());
      const data = server.recv(10).toString();
      server.close();
      client.close();
      return { timedOut: caught === timeout, data };
    });
    expect(result).toEqual({ timedOut: true, data: 'kept' });
  });

  test('a reader killed just after a datagram woke it leaves the datagram queued', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const reader = spawn(() => server.recv(10));
      sleep(0);   // the reader is blocked now
      // Runs after the socket's own listener, in the same event: the datagram has woken the
      // reader, and the kill reaches it first.
      server.nodeSocket.once('message', () => reader.kill());
      const client = udpSocket();
      client.sendto('not lost', server.getsockname());
      const killed = thrownBy(() => reader.wait());
      const data = server.recv(10).toString();
      server.close();
      client.close();
      return { killed, data };
    });
    expect(result.killed).toBeInstanceOf(GreenletExit);
    expect(result.data).toBe('not lost');
  });

  test('close() from another green thread wakes a blocked recvfrom with SocketClosedError', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const reader = spawn(() => thrownBy(() => server.recvfrom(10)));
      sleep(0);
      const fd = server.fileno();
      server.close();
      server.close();   // idempotent
      return {
        woken: reader.wait(),
        fd,
        closed: server.closed,
        after: thrownBy(() => server.recv(10)),
        send: thrownBy(() => server.sendto('x', ['127.0.0.1', 9])),
        name: thrownBy(() => server.getsockname()),
        fileno: server.fileno(),
      };
    });
    expect(result.woken).toBeInstanceOf(SocketClosedError);
    expect((result.woken as Error).message).toMatch(/closed by another green thread/);
    expect(result.fd).toBeGreaterThanOrEqual(0);
    expect(result.closed).toBe(true);
    expect(result.after).toBeInstanceOf(SocketClosedError);
    expect(result.send).toBeInstanceOf(SocketClosedError);
    expect(result.name).toBeInstanceOf(SocketClosedError);
    expect(result.fileno).toBe(-1);
  });

  test('close() wakes a sendto waiting for its implicit bind', async () => {
    const error = await green(() => {
      const sock = udpSocket();
      const sender = spawn(() => thrownBy(() => sock.sendto('x', ['127.0.0.1', 9])));
      sleep(0);
      sock.close();
      return sender.wait();
    });
    expect(error).toBeInstanceOf(SocketClosedError);
  });

  test('closing the Node socket directly counts as close()', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const reader = spawn(() => thrownBy(() => server.recv(10)));
      sleep(0);
      server.nodeSocket.close();
      return { woken: reader.wait(), closed: server.closed };
    });
    expect(result.woken).toBeInstanceOf(SocketClosedError);
    expect(result.closed).toBe(true);
  });

  test('a second simultaneous recvfrom throws SocketBusyError; the first still gets its datagram', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const reader = spawn(() => server.recv(10).toString());
      sleep(0);
      const busy = thrownBy(() => server.recvfrom(10));
      const client = udpSocket();
      client.sendto('first', server.getsockname());
      const out = { busy, data: reader.wait() };
      server.close();
      client.close();
      return out;
    });
    expect(result.busy).toBeInstanceOf(SocketBusyError);
    expect((result.busy as Error).message).toMatch(/second simultaneous read/);
    expect(result.data).toBe('first');
  });

  test('Symbol.dispose closes the socket', async () => {
    const closed = await green(() => {
      const sock = bindUdp(['127.0.0.1', 0]);
      sock[Symbol.dispose]();
      return sock.closed;
    });
    expect(closed).toBe(true);
  });
});

describe('connect and send', () => {
  test('connect sets the destination of send() and getpeername()', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      const unconnected = thrownBy(() => client.getpeername());
      const noDestination = thrownBy(() => client.send('x'));
      client.connect(server.getsockname());
      const sent = client.send('via connect');
      const [data, from] = server.recvfrom(100);
      server.sendto('reply', from);
      const out = {
        unconnected, noDestination, sent, data: data.toString(), peer: client.getpeername(),
        reply: client.recv(100).toString(), sendto: thrownBy(() => client.sendto('x', server.getsockname())),
        address: server.getsockname(),
      };
      server.close();
      client.close();
      return out;
    });
    expect((result.unconnected as { code: string }).code).toBe('ENOTCONN');
    expect((result.noDestination as { code: string }).code).toBe('EDESTADDRREQ');
    expect(result.sent).toBe('via connect'.length);
    expect(result.data).toBe('via connect');
    expect(result.peer).toEqual(result.address);
    expect(result.reply).toBe('reply');
    expect((result.sendto as { code: string }).code).toBe('EISCONN');
  });

  test('connecting again changes the destination', async () => {
    const result = await green(() => {
      const a = bindUdp(['127.0.0.1', 0]);
      const b = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      client.connect(a.getsockname());
      client.send('to a');
      client.connect(b.getsockname());
      client.send('to b');
      const out = { a: a.recv(10).toString(), b: b.recv(10).toString() };
      a.close();
      b.close();
      client.close();
      return out;
    });
    expect(result).toEqual({ a: 'to a', b: 'to b' });
  });

  test('ECONNREFUSED from a connected socket\'s peer goes to the reader, and to the next call when none waits', async () => {
    const result = await green(() => {
      const gone = bindUdp(['127.0.0.1', 0]);
      const address = gone.getsockname();
      gone.close();
      const client = udpSocket();
      client.connect(address);
      client.send('anyone?');
      const toReader = thrownBy(() => client.recv(10));
      // The error arrives with nobody reading (seen here after the socket's own listener);
      // the next send reports it.
      let arrived = false;
      client.nodeSocket.once('error', () => { arrived = true; });
      client.send('anyone?');
      until(() => arrived);
      const toSender = thrownBy(() => client.send('again'));
      client.close();
      return { toReader, toSender };
    });
    expect(result.toReader).toMatchObject({ code: 'ECONNREFUSED' });
    expect(result.toSender).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('Node\'s errors on the green thread', () => {
  test('no dgram \'error\' reaches the process: one nobody waits for is kept, or dropped after close (child process)', () => {
    const result = runChild(`
      const { bindUdp, run, sleep, udpSocket } = require('greenthread');
      run(() => {
        const gone = bindUdp(['127.0.0.1', 0]);
        const address = gone.getsockname();
        gone.close();
        const kept = udpSocket();
        kept.connect(address);
        const dropped = udpSocket();
        dropped.connect(address);
        let errors = 0;
        kept.nodeSocket.on('error', () => { errors++; });
        dropped.nodeSocket.on('error', () => { errors++; });
        kept.send('x');
        dropped.send('x');
        while (errors < 2) sleep(0.001);
        dropped.close();
        let code;
        try { kept.recv(10); } catch (error) { code = error.code; }
        kept.close();
        console.log(code);
      }).then(() => console.log('alive'));
    `, { cwd: packageHome() });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('ECONNREFUSED\nalive\n');
    expect(result.status).toBe(0);
  });

  test('EMSGSIZE for a datagram too large; the socket stays usable', async () => {
    const result = await green(() => {
      const server = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      const error = thrownBy(() => client.sendto(Buffer.alloc(70000), server.getsockname()));
      client.sendto('small', server.getsockname());
      const out = { error, data: server.recv(10).toString() };
      server.close();
      client.close();
      return out;
    });
    expect(result.error).toMatchObject({ code: 'EMSGSIZE' });
    expect(result.data).toBe('small');
  });

  test('EADDRINUSE from bindUdp; a failed bind() can be retried', async () => {
    const result = await green(() => {
      const first = bindUdp(['127.0.0.1', 0]);
      const inUse = thrownBy(() => bindUdp(first.getsockname()));
      const sock = udpSocket();
      const again = thrownBy(() => sock.bind(first.getsockname()));
      sock.bind(['127.0.0.1', 0]);
      const twice = thrownBy(() => sock.bind(['127.0.0.1', 0]));
      const out = { inUse, again, bound: sock.getsockname()[1] > 0, twice };
      first.close();
      sock.close();
      return out;
    });
    expect(result.inUse).toMatchObject({ code: 'EADDRINUSE' });
    expect(result.again).toMatchObject({ code: 'EADDRINUSE' });
    expect(result.bound).toBe(true);
    expect(result.twice).toMatchObject({ code: 'ERR_SOCKET_ALREADY_BOUND' });
  });

  test('reuseAddr lets two sockets bind one port', async () => {
    const same = await green(() => {
      const a = bindUdp(['127.0.0.1', 0], { reuseAddr: true });
      const b = bindUdp(a.getsockname(), { reuseAddr: true });
      const out = a.getsockname()[1] === b.getsockname()[1];
      a.close();
      b.close();
      return out;
    });
    expect(same).toBe(true);
  });
});

describe('argument checks', () => {
  test('bad arguments are TypeError or RangeError naming the call', async () => {
    const errors = await green(() => {
      const sock = bindUdp(['127.0.0.1', 0]);
      const out = {
        family: thrownBy(() => udpSocket(5 as 4)),
        path: thrownBy(() => bindUdp('/tmp/x' as unknown as [string, number])),
        pair: thrownBy(() => bindUdp(['127.0.0.1'] as unknown as [string, number])),
        port: thrownBy(() => bindUdp(['127.0.0.1', 70000])),
        option: thrownBy(() => bindUdp(['127.0.0.1', 0], { backlog: 1 } as never)),
        reuse: thrownBy(() => bindUdp(['127.0.0.1', 0], { reuseAddr: 'yes' as unknown as boolean })),
        mismatch: thrownBy(() => bindUdp(['::1', 0], { family: 4 })),
        data: thrownBy(() => sock.sendto(123 as unknown as string, ['127.0.0.1', 9])),
        portZero: thrownBy(() => sock.sendto('x', ['127.0.0.1', 0])),
        sixOnFour: thrownBy(() => sock.sendto('x', ['::1', 9])),
        negative: thrownBy(() => sock.recvfrom(-1)),
        fraction: thrownBy(() => sock.recv(1.5)),
        timeout: thrownBy(() => sock.setTimeout('1' as unknown as number)),
      };
      sock.close();
      return out;
    });
    expect(errors.family).toBeInstanceOf(TypeError);
    expect(errors.path).toBeInstanceOf(TypeError);
    expect(errors.pair).toBeInstanceOf(TypeError);
    expect(errors.port).toBeInstanceOf(RangeError);
    expect(errors.option).toBeInstanceOf(TypeError);
    expect(errors.reuse).toBeInstanceOf(TypeError);
    expect(errors.mismatch).toBeInstanceOf(TypeError);
    expect((errors.mismatch as Error).message).toMatch(/bindUdp\(\): ::1 is an IPv6 address/);
    expect(errors.data).toBeInstanceOf(TypeError);
    expect(errors.portZero).toBeInstanceOf(RangeError);
    expect(errors.sixOnFour).toBeInstanceOf(TypeError);
    expect(errors.negative).toBeInstanceOf(RangeError);
    expect(errors.fraction).toBeInstanceOf(TypeError);
    expect(errors.timeout).toBeInstanceOf(TypeError);
  });

  test('blocking calls from plain JavaScript throw NotInGreenThreadError; recvfrom of a queued datagram does not block', async () => {
    expect(thrownBy(() => bindUdp(['127.0.0.1', 0]))).toBeInstanceOf(NotInGreenThreadError);
    const sock = udpSocket();
    expect(thrownBy(() => sock.sendto('x', ['127.0.0.1', 9]))).toBeInstanceOf(NotInGreenThreadError);
    expect(thrownBy(() => sock.recvfrom(10))).toBeInstanceOf(NotInGreenThreadError);
    sock.close();
    const server = await green(() => {
      const s = bindUdp(['127.0.0.1', 0]);
      const client = udpSocket();
      client.sendto('queued', s.getsockname());
      client.close();
      until(() => s.queuedDatagrams === 1);
      return s;
    });
    expect(server.recvfrom(10)[0].toString()).toBe('queued');
    server.close();
  });
});
