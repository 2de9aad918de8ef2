// Helpers the networking tests share: sessions that clean up what a test opened, connected
// socket pairs over TCP and Unix sockets, a
// temporary directory for Unix socket paths, reading to EOF, and polling for a condition that
// other green threads or the event loop make true (no test asserts how long anything took).
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, GreenServer, GreenSocket, GreenThread, listen, sleep, spawn, withTimeout } from '../../src';
import { green } from '../helpers';
import type { Address } from '../../src';

/** A fresh temporary directory for Unix socket paths; removed by {@link removeTmpDirs}. */
const dirs: string[] = [];
export function tmpSocketPath(name = 'sock'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-io-'));
  dirs.push(dir);
  return path.join(dir, name);
}

/** Removes every directory {@link tmpSocketPath} made (call it in afterAll). */
export function removeTmpDirs(): void {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Whether this machine has an IPv6 loopback interface (::1). */
export function hasIPv6Loopback(): boolean {
  return Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.family === 'IPv6' && i.address === '::1'));
}

/**
 * A connected pair: `[client, server side]`, over TCP on 127.0.0.1 (default) or a Unix socket
 * at a fresh path. The listening socket is closed once the pair is made.
 */
export function socketPair(kind: 'tcp' | 'unix' = 'tcp'): [GreenSocket, GreenSocket] {
  const server = listen(kind === 'tcp' ? ['127.0.0.1', 0] : tmpSocketPath());
  try {
    const client = connect(server.address() as Address);
    const [peer] = server.accept();
    return [client, peer];
  } finally {
    server.close();
  }
}

/** A listening TCP server on 127.0.0.1 and a free port. */
export function tcpServer(): GreenServer {
  return listen(['127.0.0.1', 0]);
}

/** Reads `sock` to EOF and returns everything. */
export function readAll(sock: GreenSocket, chunk = 65536): Buffer {
  const parts: Buffer[] = [];
  for (let data; (data = sock.recv(chunk)).length > 0;) parts.push(data);
  return Buffer.concat(parts);
}

/** Reads exactly `n` bytes (fails the test at an early EOF). */
export function readExactly(sock: GreenSocket, n: number): Buffer {
  const parts: Buffer[] = [];
  let got = 0;
  while (got < n) {
    const data = sock.recv(n - got);
    if (data.length === 0) throw new Error(`EOF after ${got} of ${n} bytes`);
    parts.push(data);
    got += data.length;
  }
  return Buffer.concat(parts);
}

/** Sleeps in small steps until `condition()` holds (the test's timeout bounds it). */
export function until(condition: () => boolean, step = 0.001): void {
  while (!condition()) sleep(step);
}

/** The hex sha256 of `data`. */
export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Deterministic pseudo-random bytes (a seeded xorshift), fast enough for megabytes. */
export function pseudoRandomBytes(size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed | 0) || 1;
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out.writeInt32LE(x | 0, i);
  }
  for (; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** Runs `fn` and returns what it threw (fails the test if it returned). */
export function errorOf(fn: () => unknown): any {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

/** What a {@link session} cleans up: a socket, a server, or a green thread. */
export type Owned = { close(): void } | GreenThread<unknown>;
/** Hands `r` to the session for cleanup and returns it. */
export type Own = <R extends Owned>(r: R) => R;

/**
 * Runs `body` in a green thread. Whatever it hands to `own` is cleaned up afterwards, pass or
 * fail: green threads killed first, then sockets and servers closed (newest first).
 */
export function session<T>(body: (own: Own) => T): Promise<T> {
  return green(() => {
    const owned: Owned[] = [];
    try {
      return body((r) => { owned.push(r); return r; });
    } finally {
      for (const r of owned) if (r instanceof GreenThread) r.kill();
      for (const r of owned.reverse()) {
        if (r instanceof GreenThread) continue;
        try { r.close(); } catch { /* cleanup only */ }
      }
    }
  });
}

/**
 * Spawns `fn` in a green thread whose result is what `fn` threw (null if it returned): for calls
 * expected to fail on another green thread, which then has no uncaught error to report.
 */
export function spawnCatching(fn: () => unknown): GreenThread<unknown> {
  return spawn(() => caught(fn));
}

/** What `fn` threw, or null if it returned (unlike thrownBy, a return is not a failure). */
export function caught(fn: () => unknown): unknown {
  try {
    fn();
    return null;
  } catch (error) {
    return error;
  }
}

/** Runs `fn` under a 2 s Timeout, so a call that wrongly never returns fails the test instead of hanging it. */
export const guard = <T>(fn: () => T): T => withTimeout(2, fn);
