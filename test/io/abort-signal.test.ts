// `{ signal }` on socket reads and writes (GreenSocket recv/recvInto/readline/send/sendall,
// GreenServer.accept, GreenUdpSocket recv/recvfrom): aborting throws the reason as the socket's
// timeout would interrupt the call, nothing received is lost, and the socket is usable after.
import { getEventListeners } from 'node:events';
import { bindUdp, connect, sleep, timeoutSignal, Timeout, udpSocket } from '../../src';
import type { Address } from '../../src';
import { caught, pseudoRandomBytes, readExactly, session, socketPair, spawnCatching, tcpServer } from './net-helpers';

function abortSoon(reason: unknown): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(reason), 5);
  return controller.signal;
}

describe('socket calls take { signal }', () => {
  test('recv, recvInto and readline: aborted while waiting, then the data sent later is all there', async () => {
    await session((own) => {
      const [client, peer] = socketPair();
      own(client);
      own(peer);
      const reason = new Error('stop reading');
      expect(caught(() => peer.recv(10, { signal: abortSoon(reason) }))).toBe(reason);
      expect(caught(() => peer.recvInto(Buffer.alloc(10), { signal: abortSoon(reason) }))).toBe(reason);
      expect(caught(() => peer.recvInto(Buffer.alloc(10), 5, { signal: abortSoon(reason) }))).toBe(reason);
      client.sendall('part of a line');
      expect(caught(() => peer.readline({ signal: abortSoon(reason) }))).toBe(reason);
      expect(caught(() => peer.readline(100, { signal: abortSoon(reason) }))).toBe(reason);
      client.sendall(' and its end\n');
      const signal = new AbortController().signal;
      expect(peer.readline({ signal }).toString()).toBe('part of a line and its end\n');
      expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    });
  });

  test('an already-aborted signal throws even when data is waiting, and takes none of it', async () => {
    await session((own) => {
      const [client, peer] = socketPair();
      own(client);
      own(peer);
      client.sendall('hello');
      sleep(0.01);
      const reason = new Error('already');
      expect(caught(() => peer.recv(10, { signal: AbortSignal.abort(reason) }))).toBe(reason);
      expect(peer.recv(10).toString()).toBe('hello');
    });
  });

  test('sendall to a peer that does not read: aborted, the data still goes out in full', async () => {
    await session((own) => {
      const [client, peer] = socketPair();
      own(client);
      own(peer);
      const data = pseudoRandomBytes(32 * 1024 * 1024);
      const reason = new Error('stop writing');
      expect(caught(() => client.sendall(data, { signal: abortSoon(reason) }))).toBe(reason);
      expect(readExactly(peer, data.length).equals(data)).toBe(true);
      expect(client.send('more', { signal: new AbortController().signal })).toBe(4);
      expect(peer.recv(10).toString()).toBe('more');
    });
  });

  test('accept: aborted while waiting; a connection made later is accepted by the next call', async () => {
    await session((own) => {
      const server = own(tcpServer());
      const reason = new Error('stop accepting');
      expect(caught(() => server.accept({ signal: abortSoon(reason) }))).toBe(reason);
      const client = own(connect(server.address() as Address));
      const [conn] = server.accept({ signal: new AbortController().signal });
      own(conn);
      client.sendall('hi');
      expect(conn.recv(2).toString()).toBe('hi');
    });
  });

  test('UDP recv and recvfrom: aborted while waiting; a datagram sent later is received', async () => {
    await session((own) => {
      const server = own(bindUdp(['127.0.0.1', 0]));
      const reason = new Error('stop');
      expect(caught(() => server.recvfrom(100, { signal: abortSoon(reason) }))).toBe(reason);
      expect(caught(() => server.recv(100, { signal: abortSoon(reason) }))).toBe(reason);
      const client = own(udpSocket());
      client.sendto('ping', server.getsockname());
      expect(server.recv(100, { signal: new AbortController().signal }).toString()).toBe('ping');
    });
  });

  test('timeoutSignal() bounds a read with a Timeout; another thread reads the socket afterwards', async () => {
    await session((own) => {
      const [client, peer] = socketPair();
      own(client);
      own(peer);
      expect(caught(() => peer.recv(10, { signal: timeoutSignal(0.01) }))).toBeInstanceOf(Timeout);
      const reader = own(spawnCatching(() => peer.recv(10)));
      sleep(0.001);
      client.sendall('x');
      expect(reader.wait()).toBeNull();
    });
  });

  test('a bad signal is a TypeError naming the call', async () => {
    await session((own) => {
      const [client, peer] = socketPair();
      own(client);
      own(peer);
      expect(() => peer.recv(1, { signal: {} as AbortSignal })).toThrow('GreenSocket.recv(): options.signal must be an AbortSignal, got an instance of Object');
      expect(() => client.sendall('x', { signal: 1 as never })).toThrow(/^GreenSocket\.sendall\(\): options\.signal must be an AbortSignal/);
      expect(() => peer.readline({ sigal: 1 } as never)).toThrow(/GreenSocket\.readline\(\): unknown option 'sigal'/);
    });
  });
});
