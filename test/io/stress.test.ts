// Volume and concurrency through the socket layer, every byte checked: a 16 MiB sendall to a
// peer that reads small pieces with sleeps (sha256 at both ends); 10,000 random-sized writes
// reassembled exactly; 1,000 concurrent client green threads against one serve (2,000 green
// threads, each on its own OS thread), every byte verified.
import { createHash } from 'node:crypto';
import { connect, listen, serve, sleep, spawn } from '../../src';
import type { Address } from '../../src';
import { Gate, green, rng } from '../helpers';
import { pseudoRandomBytes, readAll, sha256, socketPair } from './net-helpers';

const MiB = 1024 * 1024;

test.each(['tcp', 'unix'] as const)('16 MiB sendall over %s to a slowly reading peer arrives intact (sha256 both ends)', async (kind) => {
  const result = await green(() => {
    const [client, peer] = socketPair(kind);
    const data = pseudoRandomBytes(16 * MiB, 16);
    const sender = spawn(() => {
      const sent = sha256(data);
      client.sendall(data);
      client.shutdown();
      return sent;
    });
    // Small reads, often stopping: the sender keeps hitting back-pressure.
    const random = rng(16);
    const hash = createHash('sha256');
    let received = 0;
    let reads = 0;
    for (let chunk; (chunk = peer.recv(1 + Math.floor(random() * 16384))).length > 0;) {
      hash.update(chunk);
      received += chunk.length;
      if (++reads % 64 === 0) sleep(0.001);
      else if (reads % 8 === 0) sleep(0);
    }
    const sent = sender.wait();
    client.close();
    peer.close();
    return { sent, got: hash.digest('hex'), received };
  });
  expect(result.received).toBe(16 * MiB);
  expect(result.got).toBe(result.sent);
});

test('10,000 random-sized writes (bytes, views and strings) are reassembled exactly by random-sized reads', async () => {
  const result = await green(() => {
    const [client, peer] = socketPair();
    const random = rng(10000);
    const pieces: Buffer[] = [];
    for (let i = 0; i < 10000; i++) {
      const size = Math.floor(random() * random() * 4096);   // many small, some large, some empty
      const bytes = pseudoRandomBytes(size, i + 1);
      pieces.push(bytes);
    }
    const sender = spawn(() => {
      pieces.forEach((bytes, i) => {
        switch (i % 4) {
          case 0: client.sendall(bytes); break;
          case 1: client.send(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length)); break;
          case 2: client.sendall(bytes.subarray(0)); break;
          default: client.sendall(bytes.toString('hex')); break;
        }
        if (i % 100 === 0) sleep(0);
      });
      client.shutdown();
    });
    const parts: Buffer[] = [];
    const readRandom = rng(7);
    for (;;) {
      const how = readRandom();
      let chunk: Buffer;
      if (how < 0.6) {
        chunk = peer.recv(1 + Math.floor(readRandom() * 5000));
      } else if (how < 0.9) {
        const target = Buffer.alloc(1 + Math.floor(readRandom() * 3000));
        chunk = target.subarray(0, peer.recvInto(target));
      } else {
        chunk = peer.readline(1 + Math.floor(readRandom() * 2000));
      }
      if (chunk.length === 0) break;
      parts.push(chunk);
    }
    sender.wait();
    client.close();
    peer.close();
    const expected = Buffer.concat(pieces.map((bytes, i) => (i % 4 === 3 ? Buffer.from(bytes.toString('hex')) : bytes)));
    const got = Buffer.concat(parts);
    return { length: got.length, expectedLength: expected.length, same: got.equals(expected) };
  });
  expect(result.length).toBe(result.expectedLength);
  expect(result.same).toBe(true);
});

test('1,000 concurrent client green threads against one serve: every byte echoed back intact', async () => {
  const clients = 1000;
  const result = await green(() => {
    // A backlog for 1,000 connections arriving at once (50, the default, overflows: under gVisor
    // the overflowing connections are reset rather than retried).
    const server = listen(['127.0.0.1', 0], { backlog: clients });
    let running = 0;
    let most = 0;
    // No handler echoes before all 1,000 are running: they all live at once.
    const handlersGate = new Gate();
    const serving = spawn(() => serve(server, (sock) => {
      running++;
      most = Math.max(most, running);
      if (running === clients) handlersGate.open();
      handlersGate.wait();
      try {
        for (let chunk; (chunk = sock.recv(65536)).length > 0;) sock.sendall(chunk);
      } finally {
        running--;
      }
    }, { concurrency: clients }));
    // Every client connects, then all send at once: 1,000 handlers and 1,000 clients live together.
    const gate = new Gate();
    let connected = 0;
    const threads = Array.from({ length: clients }, (_, i) => spawn(() => {
      const sock = connect(server.address() as Address);
      connected++;
      if (connected === clients) gate.open();
      gate.wait();
      const data = pseudoRandomBytes(1 + ((i * 7919) % 20000), i + 1);
      // Small enough for the buffers on the way: no need for a separate writer thread.
      sock.sendall(data);
      sock.shutdown();
      const back = readAll(sock);
      sock.close();
      return back.equals(data);
    }));
    const ok = threads.map((t) => t.wait());
    server.close();
    serving.wait();
    return { ok: ok.filter(Boolean).length, most };
  });
  expect(result.ok).toBe(clients);
  expect(result.most).toBe(clients);
});
