// Socket addresses as eventlet writes them: `[host, port]` for TCP and UDP, a path string for a
// Unix socket. This file checks what the user passed and turns Node's address fields back into
// that form.
import { rangeError, typeError } from '../errors';
import { describe } from '../validate';

/** An IP endpoint: `[host, port]` (host: a name, an IPv4 or an IPv6 address). */
export type HostPort = readonly [host: string, port: number];

/** Where a socket connects or listens: `[host, port]`, or the path of a Unix socket. */
export type Address = HostPort | string;

/** What a socket reports as its or its peer's address: `[host, port]`, or a Unix path ('' when unnamed). */
export type SocketAddress = [host: string, port: number] | string;

/** A checked address: TCP/UDP host and port, or a Unix socket path. */
export type ParsedAddress =
  | { readonly kind: 'ip'; readonly host: string; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/**
 * Checks `addr` for `call`: a `[host, port]` pair (host a string, '' meaning every interface
 * for a server and this machine for a client; port an integer 0–65535) or, where `unix` is
 * allowed, a non-empty path string.
 * @throws TypeError or RangeError naming the call and the argument.
 */
export function parseAddress(addr: unknown, call: string, unix = true, name = 'addr'): ParsedAddress {
  if (typeof addr === 'string') {
    if (!unix) throw typeError(`${call}: ${name} must be a [host, port] pair, got ${describe(addr)}`);
    if (addr.length === 0) throw rangeError(`${call}: ${name} must not be an empty path`);
    if (addr.includes('\0')) throw typeError(`${call}: ${name} must not contain NUL characters`);
    return { kind: 'unix', path: addr };
  }
  if (!Array.isArray(addr) || addr.length !== 2) {
    const shape = unix ? 'a [host, port] pair or a Unix socket path' : 'a [host, port] pair';
    throw typeError(`${call}: ${name} must be ${shape}, got ${describe(addr)}`);
  }
  const [host, port] = addr as unknown[];
  if (typeof host !== 'string') throw typeError(`${call}: ${name}[0] (the host) must be a string, got ${describe(host)}`);
  return { kind: 'ip', host, port: validatePort(port, call, `${name}[1] (the port)`) };
}

/** A port number: an integer 0–65535. */
export function validatePort(port: unknown, call: string, name = 'port'): number {
  if (typeof port !== 'number' || !Number.isInteger(port)) {
    throw typeError(`${call}: ${name} must be an integer, got ${describe(port)}`);
  }
  if (port < 0 || port > 65535) throw rangeError(`${call}: ${name} must be 0–65535, got ${port}`);
  return port;
}

/** The address family option: 4, 6, or undefined (either). */
export function validateFamily(family: unknown, call: string): 4 | 6 | undefined {
  if (family === undefined || family === 0) return undefined;
  if (family !== 4 && family !== 6) throw typeError(`${call}: family must be 4 or 6, got ${describe(family)}`);
  return family;
}

/**
 * Turns a Node socket's address fields into eventlet's form: `[address, port]` for an IP
 * socket, the path ('' when unnamed) for a Unix one. `address` undefined: no IP address known.
 */
export function socketAddress(address: string | undefined, port: number | undefined, unixPath: string | null): SocketAddress {
  if (unixPath !== null) return unixPath;
  return [address ?? '', port ?? 0];
}

/** `host:port` for messages, with IPv6 hosts bracketed. */
export function formatAddress(address: SocketAddress): string {
  if (typeof address === 'string') return address;
  const [host, port] = address;
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
