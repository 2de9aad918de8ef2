// listen(): eventlet.listen — a GreenServer listening on a TCP address or a Unix socket path.
import * as net from 'node:net';
import { rangeError, typeError } from '../errors';
import { requireGreenThread } from '../hub/waiter';
import { describe, validateCount, validateOptions } from '../validate';
import { type Address, parseAddress } from './address';
import { GreenServer } from './green-server';
import { waitForEvent } from './socket-wait';

/** Options of {@link listen}. */
export interface ListenOptions {
  /** Length of the kernel's queue of connections not yet accepted (default 50, as eventlet). */
  backlog?: number;
  /**
   * SO_REUSEADDR (default true): a restarted server can bind its port while connections of the
   * previous one linger in TIME_WAIT. Node always sets it on listening TCP sockets, so `false`
   * is refused rather than silently ignored.
   */
  reuseAddr?: boolean;
  /**
   * SO_REUSEPORT (Linux): several processes (or servers) listen on one port and the kernel
   * spreads connections among them. Needs Node 22.12 or later.
   */
  reusePort?: boolean;
}

/** Whether this Node's `server.listen()` takes `reusePort` (added in 22.12 and 23.1). */
function nodeHasReusePort(): boolean {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

/**
 * Opens a listening socket on `addr` — `[host, port]` (host '' means every IPv4 interface, as
 * in Python; '::' every interface, IPv6 and IPv4; port 0 picks a free port, see
 * `server.address()`) or a Unix socket path — and returns it as a GreenServer
 * (eventlet.listen). Blocks the calling green thread until it listens.
 * @throws Node's error (`EADDRINUSE`, `EACCES`, ...) when the address cannot be used;
 *   TypeError/RangeError for bad arguments; NotInGreenThreadError from plain JavaScript.
 */
export function listen(addr: Address, options?: ListenOptions): GreenServer {
  const call = 'listen()';
  const where = parseAddress(addr, call);
  validateOptions(options, call, ['backlog', 'reuseAddr', 'reusePort']);
  const backlog = options?.backlog === undefined ? 50 : validateCount(options.backlog, call, 'backlog');
  const reuseAddr = options?.reuseAddr ?? true;
  const reusePort = options?.reusePort ?? false;
  if (typeof reuseAddr !== 'boolean') throw typeError(`${call}: reuseAddr must be a boolean, got ${describe(reuseAddr)}`);
  if (typeof reusePort !== 'boolean') throw typeError(`${call}: reusePort must be a boolean, got ${describe(reusePort)}`);
  if (!reuseAddr && where.kind === 'ip') {
    throw rangeError(`${call}: reuseAddr: false is not supported: Node (libuv) always sets SO_REUSEADDR on a listening TCP socket`);
  }
  if (reusePort) {
    if (where.kind === 'unix') throw rangeError(`${call}: reusePort applies to TCP addresses, not to a Unix socket path`);
    if (!nodeHasReusePort()) throw rangeError(`${call}: reusePort needs Node 22.12 or later (this is ${process.versions.node}); node:cluster shares a port on any version`);
  }
  requireGreenThread(call);
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
  const listenOptions: net.ListenOptions & { reusePort?: boolean } = where.kind === 'unix'
    ? { path: where.path, backlog }
    : { host: where.host === '' ? '0.0.0.0' : where.host, port: where.port, backlog, ...(reusePort ? { reusePort } : {}) };
  // The server's 'error' has a listener from here on: one with none would end the process.
  server.on('error', keepQuiet);
  try {
    server.listen(listenOptions);
    waitForEvent(server, 'listening', call);
  } catch (error) {
    server.close();
    throw error;
  }
  const green = new GreenServer(server, where.kind === 'unix' ? where.path : null);
  server.off('error', keepQuiet);
  return green;
}

function keepQuiet(): void {
  // Deliberately empty: see listen().
}
