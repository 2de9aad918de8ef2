// Helpers of the http.serve tests: a server running for the length of a test body, and a raw
// HTTP/1.x client over green sockets that reads responses exactly as they came off the wire
// (status line, headers, body framed by content-length, chunked, or the connection's end), so
// the tests can check framing, keep-alive and what happens to the connection.
import { connect, GreenSocket, http, listen, spawn, withTimeout } from '../../../src';
import type { Address, GreenServer, HttpHandler, HttpServeOptions } from '../../../src';
import { green } from '../../helpers';
import { readExactly } from '../net-helpers';

/** A response as read off the wire. */
export interface WireResponse {
  /** The status line's version, e.g. 'HTTP/1.1'. */
  version: string;
  status: number;
  reason: string;
  /** Header names in lower case; repeated ones joined with ', '. */
  headers: Record<string, string>;
  /** The body; for a chunked one, decoded. */
  body: Buffer;
  /** The chunk sizes of a chunked body, without the final 0. */
  chunks: number[] | null;
}

/**
 * Runs `body(address, server)` in a green thread while `http.serve` serves `handler` on a fresh
 * port; then closes the server and waits for http.serve to return (its graceful stop).
 */
export function withServer<T>(handler: HttpHandler, body: (address: Address, server: GreenServer) => T, options?: HttpServeOptions, make?: () => GreenServer): Promise<T> {
  return green(() => {
    const server = make === undefined ? listen(['127.0.0.1', 0]) : make();
    const serving = spawn(() => http.serve(server, handler, options));
    try {
      return body(server.address() as Address, server);
    } finally {
      server.close();
      try {
        withTimeout(5, () => serving.wait());
      } catch (error) {
        serving.kill();
        throw error;
      }
    }
  });
}

/** Connects to `address` and sends `text` (a request, or several). */
export function send(address: Address, text: string | Buffer): GreenSocket {
  const sock = connect(address);
  sock.sendall(text);
  return sock;
}

/** `GET path` over HTTP/1.1 with a Host header and `extra` header lines. */
export function get(path: string, extra = ''): string {
  return `GET ${path} HTTP/1.1\r\nHost: localhost\r\n${extra}\r\n`;
}

/** Reads one response from `sock`; `head`: it answers a HEAD (no body follows). */
export function readResponse(sock: GreenSocket, head = false): WireResponse {
  const statusLine = line(sock);
  if (statusLine === null) throw new ConnectionClosed('the connection closed before a response');
  const match = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine);
  if (match === null) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
  const headers: Record<string, string> = {};
  for (let header; (header = line(sock)) !== '';) {
    if (header === null) throw new Error('the connection closed in the headers');
    const colon = header.indexOf(':');
    const name = header.slice(0, colon).trim().toLowerCase();
    const value = header.slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const status = Number(match[2]);
  const response: WireResponse = { version: match[1], status, reason: match[3], headers, body: Buffer.alloc(0), chunks: null };
  if (head || status === 204 || status === 304 || (status >= 100 && status < 200)) return response;
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    response.chunks = [];
    for (;;) {
      const size = parseInt(line(sock) ?? '', 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) break;
      parts.push(readExactly(sock, size));
      response.chunks.push(size);
      line(sock);
    }
    // Trailers (none expected) and the final CRLF.
    while ((line(sock) ?? '') !== '');
    response.body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    response.body = readExactly(sock, Number(headers['content-length']));
  } else {
    response.body = readToEnd(sock);
  }
  return response;
}

/** Everything `sock` receives until the peer closes. */
export function readToEnd(sock: GreenSocket): Buffer {
  const parts: Buffer[] = [];
  for (let data; (data = sock.recv(65536)).length > 0;) parts.push(data);
  return Buffer.concat(parts);
}

/** Whether the server has closed `sock` (an EOF, or a reset, comes next). */
export function closedByServer(sock: GreenSocket): boolean {
  try {
    return sock.recv(1).length === 0;
  } catch (error) {
    return (error as { code?: unknown }).code === 'ECONNRESET';
  }
}

/** The connection ended where a response should have started. */
export class ConnectionClosed extends Error {}

// One line without its CRLF; null at EOF before any byte.
function line(sock: GreenSocket): string | null {
  const raw = sock.readline();
  if (raw.length === 0) return null;
  return raw.toString('latin1').replace(/\r?\n$/, '');
}
