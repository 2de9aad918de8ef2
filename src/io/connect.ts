// connect(): eventlet.connect / Python's socket.create_connection — a GreenSocket connected to a
// TCP address (host names resolved by Node's dns.lookup, off the event loop) or a Unix socket.
import * as net from 'node:net';
import { typeError } from '../errors';
import { requireGreenThread } from '../hub/waiter';
import { describe, validateOptions, validateSeconds } from '../validate';
import { type Address, type HostPort, parseAddress, validateFamily } from './address';
import { GreenSocket } from './green-socket';

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Address family to resolve a host name to: 4 or 6 (default: either). */
  family?: 4 | 6;
  /** Local address to connect from: `[host, port]` ('' any address, 0 any port). */
  bind?: HostPort;
  /**
   * Seconds the connection may take (SocketTimeoutError after that); it then stays the
   * socket's timeout, as with Python's `socket.create_connection(timeout=)`. Default: none.
   */
  timeout?: number | null;
}

/**
 * Connects to `addr` — `[host, port]` or a Unix socket path — and returns the connected
 * GreenSocket (eventlet.connect). Blocks only the calling green thread, through the name lookup
 * and the connection. TCP_NODELAY is on.
 * @throws Node's error (`ECONNREFUSED`, `ENOTFOUND`, `ENOENT`, ... with `.code`);
 *   SocketTimeoutError when `timeout` runs out; TypeError/RangeError for bad arguments;
 *   NotInGreenThreadError from plain JavaScript.
 */
export function connect(addr: Address, options?: ConnectOptions): GreenSocket {
  const call = 'connect()';
  const where = parseAddress(addr, call);
  validateOptions(options, call, ['family', 'bind', 'timeout']);
  const family = validateFamily(options?.family, call);
  const timeout = options?.timeout == null ? null : validateSeconds(options.timeout, call, 'timeout');
  const bind = options?.bind === undefined ? undefined : parseAddress(options.bind, call, false, 'bind');
  if (bind !== undefined && where.kind === 'unix') throw typeError(`${call}: bind applies to TCP addresses, not to a Unix socket path`);
  if (options?.family !== undefined && where.kind === 'unix') throw typeError(`${call}: family applies to TCP addresses, got ${describe(addr)}`);
  requireGreenThread(call);
  let stream: net.Socket;
  let sock: GreenSocket;
  if (where.kind === 'unix') {
    stream = net.connect({ path: where.path, allowHalfOpen: true });
    sock = new GreenSocket(stream, { timeout, unix: { peer: where.path, local: '' } });
  } else {
    const host = where.host === '' ? 'localhost' : where.host;
    const local = bind === undefined || bind.kind !== 'ip' ? {} : {
      localAddress: bind.host === '' ? (family === 6 || net.isIPv6(host) ? '::' : '0.0.0.0') : bind.host,
      localPort: bind.port,
    };
    stream = net.connect({ host, port: where.port, ...(family === undefined ? {} : { family }), ...local, noDelay: true, allowHalfOpen: true });
    sock = new GreenSocket(stream, { timeout, host: net.isIP(host) === 0 ? host : undefined });
  }
  try {
    sock.waitConnected(call);
  } catch (error) {
    sock.close();
    stream.destroy();
    throw error;
  }
  return sock;
}
