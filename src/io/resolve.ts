// Name resolution that blocks only the calling green thread (eventlet's greendns role), over
// Node's dns.lookup: the system resolver (/etc/hosts, nsswitch) on libuv's thread pool, never
// on the event loop. IP literals are answered at once, without a lookup or a switch.
import * as dns from 'node:dns';
import * as net from 'node:net';
import { typeError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { describe, validateOptions } from '../validate';
import { validateFamily, validatePort } from './address';

/** One address a host name resolves to (Python's getaddrinfo entry, as an object). */
export interface AddrInfo {
  /** 4 or 6. */
  family: 4 | 6;
  /** The IP address. */
  address: string;
  /** The port asked for (0 when none). */
  port: number;
}

/** Options of {@link getaddrinfo}. */
export interface GetaddrinfoOptions {
  /** Only addresses of this family: 4 or 6 (default: both). */
  family?: 4 | 6;
}

function lookupAll(host: string, family: 4 | 6 | undefined, call: string): dns.LookupAddress[] {
  const literal = net.isIP(host);
  if (literal !== 0) {
    if (family !== undefined && family !== literal) {
      throw Object.assign(new Error(`${call}: ${host} is not an IPv${family} address`), { code: 'EAI_FAMILY', hostname: host, syscall: 'getaddrinfo' });
    }
    return [{ address: host, family: literal }];
  }
  const waiter = new Waiter<dns.LookupAddress[]>(requireGreenThread(call));
  dns.lookup(host, { all: true, family: family ?? 0 }, (error, addresses) => {
    if (error !== null) waiter.throw(error);
    else waiter.wake(addresses);
  });
  return waiter.wait(call);
}

function validateHost(host: unknown, call: string): string {
  if (typeof host !== 'string') throw typeError(`${call}: host must be a string, got ${describe(host)}`);
  return host;
}

/**
 * Resolves `host` to its addresses, in the system resolver's order (Python's
 * `socket.getaddrinfo`, one entry per address). Blocks only the calling green thread.
 * @throws Node's lookup error (`ENOTFOUND`, `EAI_AGAIN`, ... with `.code` and `.hostname`).
 */
export function getaddrinfo(host: string, port?: number | null, options?: GetaddrinfoOptions): AddrInfo[] {
  const call = 'getaddrinfo()';
  validateHost(host, call);
  const portNumber = port == null ? 0 : validatePort(port, call);
  validateOptions(options, call, ['family']);
  const family = validateFamily(options?.family, call);
  return lookupAll(host === '' ? 'localhost' : host, family, call)
    .map(({ address, family: f }) => ({ family: f === 6 ? 6 : 4, address, port: portNumber }));
}

/**
 * Resolves `host` to one IPv4 address (Python's `socket.gethostbyname`). Blocks only the
 * calling green thread.
 * @throws Node's lookup error (`ENOTFOUND`, ...).
 */
export function gethostbyname(host: string): string {
  const call = 'gethostbyname()';
  validateHost(host, call);
  return (lookupAll(host === '' ? 'localhost' : host, 4, call)[0] as dns.LookupAddress).address;
}
