// wrapSsl(): TLS over a GreenSocket (client side) or a GreenServer (server side), on node:tls.
// A client handshake blocks the calling green thread and its failure is thrown there. On a
// server, every connection's handshake runs on the event loop through a tls.Server that never
// listens itself (connections are handed to it as Node documents for 'connection'); accept()
// returns only connections whose handshake succeeded, so a slow or garbage-speaking client never
// holds up the others, and its failure is dropped (or given to `onClientError`).
import { readFileSync } from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { typeError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { describe, validateOptions } from '../validate';
import { GreenServer } from './green-server';
import { GreenSocket } from './green-socket';
import { installSecureContextGuard } from './secure-context-guard';
import { timedOut, TIMED_OUT, waitTimed } from './socket-wait';

installSecureContextGuard();

/** Options of {@link wrapSsl}: node:tls's own, plus eventlet's file-name forms. */
export interface WrapSslOptions extends tls.SecureContextOptions {
  /** TLS server (required for a GreenServer, where it defaults to true) or client (default). */
  serverSide?: boolean;
  /** Client: the server name for SNI and the certificate check (default: the host connected to). */
  servername?: string;
  /** Client: refuse a server whose certificate is not trusted (default true). Server: with `requestCert`, refuse such clients. */
  rejectUnauthorized?: boolean;
  /** Client: replaces the check of the server certificate against `servername`. */
  checkServerIdentity?: (hostname: string, cert: tls.PeerCertificate) => Error | undefined;
  /** Client: a session to resume. */
  session?: Buffer;
  /** Server: ask clients for a certificate. */
  requestCert?: boolean;
  /** Application protocols to offer (ALPN). */
  ALPNProtocols?: string[];
  /** Server: milliseconds a client may take over its handshake (Node's default 120 000). */
  handshakeTimeout?: number;
  /** Server: picks a SecureContext per requested server name. */
  SNICallback?: tls.TlsOptions['SNICallback'];
  /** A ready SecureContext (from `tls.createSecureContext`) instead of key/cert/ca. */
  secureContext?: tls.SecureContext;
  /** Path of a PEM certificate (chain) file: eventlet's `certfile`. */
  certfile?: string;
  /** Path of a PEM private key file: eventlet's `keyfile`. */
  keyfile?: string;
  /** Path of a PEM file of trusted CA certificates: eventlet's `ca_certs`. */
  cafile?: string;
  /** Server: called with each client's handshake failure (default: dropped silently). */
  onClientError?: (error: Error) => void;
}

const CONTEXT_KEYS = [
  'ca', 'cert', 'key', 'pfx', 'passphrase', 'ciphers', 'minVersion', 'maxVersion', 'ecdhCurve', 'dhparam', 'sigalgs',
  'crl', 'honorCipherOrder', 'sessionTimeout', 'ticketKeys', 'secureOptions', 'secureProtocol', 'sessionIdContext',
  'privateKeyEngine', 'privateKeyIdentifier', 'clientCertEngine', 'allowPartialTrustChain',
] as const;
const OUR_KEYS = ['serverSide', 'certfile', 'keyfile', 'cafile', 'onClientError'] as const;
const CLIENT_KEYS = ['servername', 'rejectUnauthorized', 'checkServerIdentity', 'session', 'ALPNProtocols', 'secureContext'] as const;
const SERVER_KEYS = ['requestCert', 'rejectUnauthorized', 'ALPNProtocols', 'handshakeTimeout', 'SNICallback', 'secureContext'] as const;
const ALL_KEYS: readonly string[] = [...new Set<string>([...CONTEXT_KEYS, ...OUR_KEYS, ...CLIENT_KEYS, ...SERVER_KEYS])];

// node:tls options from `options`, with the eventlet-style file names read into key/cert/ca.
function tlsOptions(options: WrapSslOptions, call: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value !== undefined && !(OUR_KEYS as readonly string[]).includes(key)) out[key] = value;
  }
  const files: Array<[keyof WrapSslOptions, string]> = [['certfile', 'cert'], ['keyfile', 'key'], ['cafile', 'ca']];
  for (const [from, to] of files) {
    const file = options[from];
    if (file === undefined) continue;
    if (typeof file !== 'string') throw typeError(`${call}: ${from} must be a file path string, got ${describe(file)}`);
    if (out[to] !== undefined) throw typeError(`${call}: give either ${from} or ${to}, not both`);
    out[to] = readFileSync(file);
  }
  return out;
}

/**
 * Wraps a connection in TLS (eventlet's `wrap_ssl`):
 * - `wrapSsl(sock, { serverSide: true, key, cert, ... })` on an accepted GreenSocket: the server
 *   side of that one connection, the handshake blocking the calling green thread.
 * - `wrapSsl(sock, options?)` on a connected GreenSocket: the client side. Blocks the calling
 *   green thread through the handshake, checking the server's certificate against `ca` (default:
 *   Node's trusted roots) and `servername` (default: the host name given to connect()). Returns
 *   the TLS GreenSocket; the plain one is handed over and throws SocketClosedError from now on.
 * - `wrapSsl(server, { serverSide: true, key, cert, ... })` on a GreenServer: returns the TLS
 *   server, whose accept() gives connections that completed their handshake. The plain server
 *   object is handed over likewise.
 *
 * `wrapSsl(connect(addr))` and `wrapSsl(listen(addr), { key, cert })` are the idioms.
 * @throws Node's TLS error for a failed client handshake (e.g. `UNABLE_TO_VERIFY_LEAF_SIGNATURE`,
 *   `ERR_TLS_CERT_ALTNAME_INVALID`, `ECONNRESET`); SocketTimeoutError after the socket's timeout;
 *   TypeError for bad arguments or a bad key/certificate.
 */
export function wrapSsl(sock: GreenSocket, options?: WrapSslOptions): GreenSocket;
export function wrapSsl(server: GreenServer, options: WrapSslOptions): GreenServer;
export function wrapSsl(target: GreenSocket | GreenServer, options?: WrapSslOptions): GreenSocket | GreenServer {
  const call = 'wrapSsl()';
  validateOptions(options, call, ALL_KEYS);
  const opts: WrapSslOptions = options ?? {};
  const onClientError = opts.onClientError;
  if (onClientError !== undefined && typeof onClientError !== 'function') {
    throw typeError(`${call}: onClientError must be a function, got ${describe(onClientError)}`);
  }
  if (target instanceof GreenServer) {
    if (opts.serverSide === false) throw typeError(`${call}: a GreenServer can only be wrapped with serverSide: true`);
    return wrapServer(target, tlsOptions(opts, call), onClientError, call);
  }
  if (!(target instanceof GreenSocket)) throw typeError(`${call}: expected a GreenSocket or a GreenServer, got ${describe(target)}`);
  if (opts.serverSide === true) return wrapAccepted(target, tlsOptions(opts, call), call);
  if (onClientError !== undefined) throw typeError(`${call}: onClientError applies to a server (serverSide: true)`);
  return wrapClient(target, tlsOptions(opts, call), call);
}

function wrapClient(sock: GreenSocket, options: Record<string, unknown>, call: string): GreenSocket {
  requireGreenThread(call);
  const taken = sock.handOver(call, 'this socket was handed to wrapSsl(): use the TLS socket it returned');
  const servername = options['servername'] ?? taken.host;
  let stream: tls.TLSSocket;
  try {
    stream = tls.connect({ ...options, ...(servername === undefined ? {} : { servername }), socket: taken.stream as net.Socket } as tls.ConnectionOptions);
  } catch (error) {
    taken.stream.destroy();
    throw error;
  }
  const secure = new GreenSocket(stream, { timeout: taken.timeout, unix: taken.unix, host: taken.host, peer: taken.peer, handshaking: true });
  try {
    secure.waitHandshake(call);
  } catch (error) {
    secure.close();
    stream.destroy();
    throw error;
  }
  return secure;
}

// The server side of one connection (a STARTTLS server, or eventlet's wrap_ssl on an accepted
// socket): a tls.Server of its own handshakes it, and the calling green thread waits for that.
function wrapAccepted(sock: GreenSocket, options: Record<string, unknown>, call: string): GreenSocket {
  const thread = requireGreenThread(call);
  const handshaker = tls.createServer(options as tls.TlsOptions);
  const taken = sock.handOver(call, 'this socket was handed to wrapSsl(): use the TLS socket it returned');
  const waiter = new Waiter<tls.TLSSocket>(thread);
  handshaker.once('secureConnection', (secure: tls.TLSSocket) => { waiter.wake(secure); });
  handshaker.once('tlsClientError', (error: Error, secure: tls.TLSSocket) => {
    secure.destroy();
    waiter.throw(error);
  });
  handshaker.emit('connection', taken.stream);
  // handOver paused it; the TLS layer now reads through it.
  taken.stream.resume();
  let stream: tls.TLSSocket;
  try {
    const result = waitTimed(waiter, call, taken.timeout);
    if (result === TIMED_OUT) throw timedOut(call, taken.timeout);
    stream = result;
  } catch (error) {
    taken.stream.destroy();
    throw error;
  }
  return new GreenSocket(stream, { timeout: taken.timeout, unix: taken.unix, host: taken.host, peer: taken.peer });
}

function wrapServer(server: GreenServer, options: Record<string, unknown>, onClientError: ((error: Error) => void) | undefined, call: string): GreenServer {
  // Made first: a bad key or certificate throws here, before the plain server is handed over.
  const handshaker = tls.createServer(options as tls.TlsOptions);
  handshaker.on('tlsClientError', (error: Error, socket: tls.TLSSocket) => {
    socket.destroy();
    if (onClientError !== undefined) onClientError(error);
  });
  let delivering = false;
  return server.handOver(call, 'this server was handed to wrapSsl(): use the TLS server it returned', (raw: net.Socket, deliver) => {
    // `deliver` is the new server's one intake: it takes every connection whose handshake ends.
    if (!delivering) {
      handshaker.on('secureConnection', deliver);
      delivering = true;
    }
    // Node's tls.Server takes a connection from its own 'connection' event: the documented way
    // to hand it one that was accepted elsewhere. It emits 'secureConnection' once the
    // handshake succeeds, or 'tlsClientError'.
    handshaker.emit('connection', raw);
  });
}
