// HttpClientResponse: what http.request() returns once the response's headers are in — status and
// headers, and the body read in blocking style (read, readAll, text, json, for…of), streamed
// from the connection with back-pressure. Its connection goes back to the pool when the body has
// been read to its end; close() (or `using`) releases it earlier; a response dropped unread is
// closed when it is garbage-collected, so an unread body never holds a connection for good.
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { SocketClosedError } from '../../errors';
import type { SignalOptions } from '../../hub/abort-watch';
import { realSetImmediate } from '../../hub/hub';
import { BodyReader } from './body-reader';

// A response garbage-collected with its body unread: its connection is closed (it cannot go
// back to the pool with a body in the way). Destroying a message whose body has ended leaves
// its connection alone, so a late finalizer never touches a connection already reused.
const EMPTY = Buffer.alloc(0);

const unread = new FinalizationRegistry<IncomingMessage>((message) => { message.destroy(); });

// Registering every response made the client's collector work hard: V8 keeps a registered
// object alive through young-generation collections, so each response, its message and its
// buffers were promoted and left for a full collection (measured: 79 against 42 µs of client
// CPU per request, 50 loops of GET "hello"). Most bodies are read to their end at once (text(),
// json()), and a body read to its end has given its connection back, so responses are
// registered one event-loop turn late, and only those whose body has not ended by then (unread,
// or still arriving). The turn is the real setImmediate's: fake timers must not hold it up.
let pending: HttpClientResponse[] = [];

function registerPending(): void {
  const responses = pending;
  pending = [];
  for (const response of responses) response.registerIfUnfinished();
}

// Responses that have no body, whatever their headers say (RFC 9110 6.4.1).
function hasNoBody(method: string, status: number, message: IncomingMessage): boolean {
  return method === 'HEAD' || status === 204 || status === 304 || status < 200 || message.headers['content-length'] === '0';
}

/** @internal How http.request() made the response. */
export interface ResponseInit {
  /** The final URL (after redirects). */
  readonly url: string;
  /** Whether redirects were followed to get it. */
  readonly redirected: boolean;
  /** The method of the request that got it. */
  readonly method: string;
  /** The request's timeout, for each body read (seconds, or null). */
  readonly timeout: number | null;
  /** The request's signal: aborting it ends the body reads too. */
  readonly signal: AbortSignal | undefined;
}

/**
 * The response of {@link Http.request | http.request}: status and headers, and a body read in
 * blocking style (each read blocks only the calling green thread). An HTTP error status (404,
 * 500) is a response like any other, not an exception.
 *
 * The body streams: `read()` returns what has arrived, and the connection is paused while
 * nobody reads, so a body of any size never sits in memory whole. The connection goes back to
 * the keep-alive pool once the body has been read to its end (`text()`, `json()`, `readAll()`,
 * or `read()`/iteration until the end). To give up on a body, call `close()` (or declare the
 * response with `using`); a response dropped unread is closed when it is garbage-collected.
 */
export class HttpClientResponse implements Iterable<Buffer>, Disposable {
  /** The status code, e.g. 200. */
  readonly status: number;
  /** The reason phrase, e.g. 'OK' ('' when the server sent none). */
  readonly statusText: string;
  /**
   * The headers, as Node gives them: lower-case names; repeated headers joined with ', ',
   * except `set-cookie`, always an array.
   */
  readonly headers: IncomingHttpHeaders;
  /** The headers as received, names in their case: [name, value, name, value, ...]. */
  readonly rawHeaders: readonly string[];
  /** '1.1' or '1.0'. */
  readonly httpVersion: string;
  /** The URL of this response: the request's, or where the redirects followed led. */
  readonly url: string;
  /** True when redirects were followed to get this response. */
  readonly redirected: boolean;
  readonly #message: IncomingMessage;
  readonly #body: BodyReader;
  // A response that has no body (HEAD, 204, 304): reads return the end without the reader.
  readonly #noBody: boolean;
  #closed = false;
  #registered = false;

  /** @internal Made by http.request(). */
  constructor(message: IncomingMessage, init: ResponseInit) {
    this.status = message.statusCode ?? 0;
    this.statusText = message.statusMessage ?? '';
    this.headers = message.headers;
    this.rawHeaders = message.rawHeaders;
    this.httpVersion = message.httpVersion;
    this.url = init.url;
    this.redirected = init.redirected;
    this.#message = message;
    const body = this.#body = new BodyReader(message, 'HttpClientResponse');
    body.timeout = init.timeout;
    this.#noBody = hasNoBody(init.method, this.status, message);
    if (this.#noBody) {
      // Read to its (empty) end now, so the connection goes back to the pool at once.
      body.discard();
    } else {
      if (pending.length === 0) realSetImmediate(registerPending);
      pending.push(this);
    }
    const signal = init.signal;
    if (signal !== undefined) {
      const onAbort = (): void => { message.destroy(signal.reason as Error); };
      signal.addEventListener('abort', onAbort, { once: true });
      message.once('close', () => { signal.removeEventListener('abort', onAbort); });
    }
  }

  /** True for a 2xx status. */
  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** True once the body has been read to its end (or there was none). */
  get ended(): boolean {
    return this.#noBody || this.#body.ended;
  }

  /**
   * Returns the next part of the body, at most `maxBytes` (default: whatever has arrived),
   * blocking until at least one byte has arrived; an empty Buffer at the end of the body.
   * @throws Node's error (`ECONNRESET`, ...) when the connection failed before the end;
   *   SocketTimeoutError after the request's `timeout`; the signal's reason when it aborted;
   *   SocketClosedError after close().
   * @param options `signal`: aborting it interrupts this read (nothing is lost).
   */
  read(maxBytes?: number, options?: SignalOptions): Buffer {
    this.#checkOpen('HttpClientResponse.read()');
    return this.#noBody ? EMPTY : this.#body.read(maxBytes, options);
  }

  /** Reads the rest of the body and returns it as one Buffer. Errors as {@link read}. */
  readAll(options?: SignalOptions): Buffer {
    this.#checkOpen('HttpClientResponse.readAll()');
    return this.#noBody ? EMPTY : this.#body.readAll(options);
  }

  /** Reads the rest of the body and returns it decoded as UTF-8. Errors as {@link read}. */
  text(options?: SignalOptions): string {
    this.#checkOpen('HttpClientResponse.text()');
    return this.#noBody ? '' : this.#body.text(options);
  }

  /**
   * Reads the rest of the body and returns it parsed as JSON.
   * @throws SyntaxError for a body that is not JSON; errors as {@link read}.
   */
  json<T = unknown>(options?: SignalOptions): T {
    this.#checkOpen('HttpClientResponse.json()');
    return (this.#noBody ? JSON.parse('') : this.#body.json(options)) as T;
  }

  /** Iterates over the rest of the body, chunk by chunk as it arrives (blocking between them). */
  [Symbol.iterator](): Iterator<Buffer> {
    this.#checkOpen('HttpClientResponse[Symbol.iterator]()');
    return this.#noBody ? [][Symbol.iterator]() : this.#chunks();
  }

  // The iterator holds the response, not just its body: a response still being iterated is
  // reachable, so the finalizer for unread responses never cuts it mid-body, and a close()
  // during iteration is seen by the next step.
  *#chunks(): Generator<Buffer, void, undefined> {
    for (let chunk; (chunk = this.read()).length > 0;) yield chunk;
  }

  /**
   * Releases the response without reading the rest of its body. When the whole body has
   * arrived already, it is dropped and the connection goes back to the pool; otherwise the
   * connection is closed (the rest may be large, or never end). Reads after close() throw
   * SocketClosedError. Calling it again, or after the body ended, does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#registered) unread.unregister(this);
    if (this.ended) return;
    if (this.#message.complete) this.#body.discard();
    else this.#message.destroy();
  }

  /** Same as {@link close}: `using res = http.get(url)` releases it at the end of the scope. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal See registerPending(). */
  registerIfUnfinished(): void {
    if (this.#closed || this.#message.readableEnded || this.#message.destroyed) return;
    this.#registered = true;
    unread.register(this, this.#message, this);
  }

  #checkOpen(call: string): void {
    if (this.#closed) throw new SocketClosedError(`${call}: the response was closed`);
  }
}
