// ServerResponse: the `res` an http.serve handler may stream its response through instead of
// returning it — writeHead, then blocking write()s, then end(). A write blocks the handler's
// green thread while Node holds more than its high-water mark unsent, so a client that reads
// slowly slows only its own handler; once the client is gone, the next write throws.
import type { OutgoingHttpHeaders, ServerResponse as NodeServerResponse } from 'node:http';
import { rangeError, SocketClosedError, typeError } from '../../errors';
import { describe } from '../../validate';
import { type BodyChunk, BodyWriter } from './body-writer';
import type { HttpHeaders } from './headers';


/** @internal Sets each of `headers` (a record, a web `Headers`, or `[name, value]` pairs) on `res`. */
export function setHeaders(res: NodeServerResponse, headers: unknown, call: string): void {
  if (headers === undefined || headers === null) return;
  if (typeof headers !== 'object') throw typeError(`${call}: headers must be an object of header names to values, got ${describe(headers)}`);
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    for (const [name, value] of headers) if (name !== 'set-cookie') res.setHeader(name, value);
    const cookies = headers.getSetCookie();
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    return;
  }
  // An array or a Map of [name, value] pairs.
  if (typeof (headers as Partial<Iterable<unknown>>)[Symbol.iterator] === 'function') {
    for (const pair of headers as Iterable<unknown>) {
      if (!Array.isArray(pair) || pair.length !== 2) throw typeError(`${call}: headers given as pairs must hold [name, value] pairs, got ${describe(pair)}`);
      res.appendHeader(String(pair[0]), pair[1] as string);
    }
    return;
  }
  for (const name of Object.keys(headers)) {
    const value = (headers as Record<string, unknown>)[name];
    if (value !== undefined) res.setHeader(name, value as string | number | readonly string[]);
  }
}

/**
 * The response of one request of {@link Http.serve | http.serve}, for a handler that streams it:
 *
 * ```ts
 * http.serve(server, (req, res) => {
 *   res.writeHead(200, { 'content-type': 'text/plain' });
 *   for (const line of lines()) res.write(line);   // blocks while the client is slow
 *   res.end();
 * });
 * ```
 *
 * A handler that uses `res` returns nothing; one that returns a response never touches `res`
 * (except for {@link setHeader}, whose headers the returned response keeps). If the handler
 * returns without calling end(), the response is ended for it.
 */
export class ServerResponse {
  readonly #res: NodeServerResponse;
  #writer: BodyWriter | null = null;
  #streamed = false;
  // The body endWith() sent whole, without a writer.
  #sent: BodyChunk | undefined = undefined;

  /** @internal Made by http.serve for each request. */
  constructor(res: NodeServerResponse) {
    this.#res = res;
  }

  /** The status code sent, or to be sent (default 200). */
  get statusCode(): number {
    return this.#res.statusCode;
  }

  /**
   * Sets the status code to send; it has no effect once the headers have gone out.
   * @throws TypeError if it is not an integer; RangeError outside 100 to 999.
   */
  set statusCode(status: number) {
    this.#res.statusCode = validateStatus(status, 'res.statusCode');
  }

  /** Whether the status line and headers have gone out (after writeHead and the first write). */
  get headersSent(): boolean {
    return this.#res.headersSent;
  }

  /** Whether end() has been called. */
  get ended(): boolean {
    return this.#res.writableEnded;
  }

  /** The underlying Node `ServerResponse`, for what this class does not cover. Writes to it do not block. */
  get raw(): NodeServerResponse {
    return this.#res;
  }

  /** Sets a header to send (replacing one of that name); before the headers are sent. */
  setHeader(name: string, value: string | number | readonly string[]): this {
    this.#res.setHeader(name, value);
    return this;
  }

  /** The value of a header set to be sent, or undefined. */
  getHeader(name: string): string | number | string[] | undefined {
    return this.#res.getHeader(name);
  }

  /** Drops a header set to be sent. */
  removeHeader(name: string): this {
    this.#res.removeHeader(name);
    return this;
  }

  /**
   * Sets the status and headers (merged over those from setHeader). They go out with the first
   * write, or with end(). Without a `content-length`, the body is sent chunked (to an HTTP/1.0
   * client: until the connection closes).
   * @throws TypeError for a bad status or headers; Node's error once the headers were sent.
   */
  writeHead(status: number, headers?: HttpHeaders | OutgoingHttpHeaders | Headers | Array<[string, string]>): this {
    const call = 'res.writeHead()';
    this.#streamed = true;
    const res = this.#res;
    res.statusCode = validateStatus(status, call);
    setHeaders(res, headers, call);
    return this;
  }

  /**
   * Sends `chunk` (text is sent as UTF-8), blocking the handler's green thread while the
   * client is slow to take what was sent before.
   * @throws SocketClosedError once the client has gone away (its connection closed or reset);
   *   TypeError for a chunk that is not text or bytes.
   */
  write(chunk: BodyChunk): void {
    this.#streamed = true;
    this.#bodyWriter().write(chunk);
  }

  /**
   * Ends the response, with `chunk` as its last piece. Does not wait for the client to take it.
   * A call after the end does nothing.
   * @throws SocketClosedError once the client has gone away.
   */
  end(chunk?: BodyChunk): void {
    this.#streamed = true;
    this.endWith(chunk, 'res.end()');
  }

  /** @internal end() for the handler's returned body (which leaves {@link streamed} alone). */
  endWith(chunk: BodyChunk | undefined, call: string): void {
    const res = this.#res;
    if (this.#writer !== null || res.headersSent) {
      this.#bodyWriter().end(chunk);
      return;
    }
    // All of it at once: Node sends it with a content-length rather than chunked.
    if (res.writableEnded) return;
    if (chunk !== undefined && typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
      throw typeError(`${call}: a body must be a string, a Buffer or a Uint8Array, got ${describe(chunk)}`);
    }
    if (res.destroyed) throw new SocketClosedError(`${call}: the connection is closed (the client went away before the response was sent)`);
    // Measured only if the access log asks (see bytesWritten).
    this.#sent = chunk;
    // Node leaves the content-length out of a HEAD response; a GET's would have had it.
    if (res.req.method === 'HEAD' && !res.hasHeader('content-length')) {
      res.setHeader('content-length', chunk === undefined ? 0 : typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length);
    }
    res.end(chunk);
  }

  /** @internal Whether the handler wrote through this object (so its return value must be empty). */
  get streamed(): boolean {
    return this.#streamed;
  }

  /** @internal Body bytes handed to Node so far (for the access log). */
  get bytesWritten(): number {
    const sent = this.#sent;
    const whole = sent === undefined ? 0 : typeof sent === 'string' ? Buffer.byteLength(sent) : sent.length;
    return whole + (this.#writer?.bytesWritten ?? 0);
  }

  /** @internal The writer of this response's body, made on first use. */
  bodyWriter(): BodyWriter {
    return this.#bodyWriter();
  }

  #bodyWriter(): BodyWriter {
    return this.#writer ??= new BodyWriter(this.#res, 'res');
  }
}

/** @internal A status code: an integer from 100 to 999 (Node's own range). */
export function validateStatus(status: unknown, call: string): number {
  if (typeof status !== 'number' || !Number.isInteger(status)) throw typeError(`${call}: status must be an integer, got ${describe(status)}`);
  if (status < 100 || status > 999) throw rangeError(`${call}: status must be from 100 to 999, got ${status}`);
  return status;
}
