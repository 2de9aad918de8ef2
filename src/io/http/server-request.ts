// ServerRequest: what an http.serve handler gets as `req` — the request line and headers
// Node's parser produced, and blocking reads of the body. Everything is read lazily from the
// IncomingMessage: a request whose handler looks only at its method and URL (a hello world)
// allocates no URL, no query and no body reader.
import type { IncomingMessage, ServerResponse as NodeServerResponse } from 'node:http';
import type { SignalOptions } from '../../hub/abort-watch';
import { BodyReader } from './body-reader';

// SyntaxErrors thrown by req.json(): one of these that escapes the handler is the client's
// fault (a 400), not the server's (a 500). Identity, not the class, tells them apart from a
// JSON.parse of the handler's own.
const invalidJson = new WeakSet<object>();

/** @internal Whether `error` is the SyntaxError of a request body that was not JSON. */
export function isInvalidJson(error: unknown): boolean {
  return typeof error === 'object' && error !== null && invalidJson.has(error);
}

/**
 * A request received by {@link Http.serve | http.serve}, as its handler sees it. The body is
 * read with the blocking calls (`read`, `readAll`, `text`, `json`, or
 * `for (const chunk of req)`): they block the handler's green thread only, until the client has sent enough. A client that sent
 * `Expect: 100-continue` gets its `100 Continue` when the body is first read, so a handler that
 * answers without reading (a 413, a 401) spares the client from sending it.
 */
export class ServerRequest {
  readonly #message: IncomingMessage;
  readonly #response: NodeServerResponse;
  readonly #expectsContinue: boolean;
  #reader: BodyReader | null = null;
  #path: string | null = null;
  #query: URLSearchParams | null = null;

  /** @internal Made by http.serve for each request. */
  constructor(message: IncomingMessage, response: NodeServerResponse, expectsContinue: boolean) {
    this.#message = message;
    this.#response = response;
    this.#expectsContinue = expectsContinue;
  }

  /** The request method, upper case as sent: `'GET'`, `'POST'`, ... */
  get method(): string {
    return this.#message.method as string;
  }

  /** The request target as sent: path and query, e.g. `'/items?page=2'` (percent-encoding kept). */
  get url(): string {
    return this.#message.url as string;
  }

  /** The path part of {@link url}, without the query, percent-encoding kept: `'/items'`. */
  get path(): string {
    if (this.#path === null) this.#splitUrl();
    return this.#path as string;
  }

  /** The query part of {@link url}, parsed: `req.query.get('page')`. Empty when there is none. */
  get query(): URLSearchParams {
    if (this.#query === null) this.#splitUrl();
    return this.#query as URLSearchParams;
  }

  #splitUrl(): void {
    let target = this.url;
    // An absolute-form target (a request meant for a proxy): its path and query are what count.
    if (!target.startsWith('/')) {
      try {
        const parsed = new URL(target);
        target = parsed.pathname + parsed.search;
      } catch { /* '*' (OPTIONS) and the like: kept whole as the path */ }
    }
    const mark = target.indexOf('?');
    this.#path = mark < 0 ? target : target.slice(0, mark);
    this.#query = new URLSearchParams(mark < 0 ? '' : target.slice(mark + 1));
  }

  /**
   * The request headers, names in lower case (Node's `IncomingMessage.headers`: repeated
   * headers joined with `, `, except `set-cookie`, an array). `raw.rawHeaders` has them as sent.
   */
  get headers(): IncomingMessage['headers'] {
    return this.#message.headers;
  }

  /** The HTTP version the client spoke: `'1.1'` or `'1.0'`. */
  get httpVersion(): string {
    return this.#message.httpVersion;
  }

  /** The client's IP address; `''` over a Unix socket. */
  get remoteAddress(): string {
    return this.#message.socket.remoteAddress ?? '';
  }

  /** The client's port; 0 over a Unix socket. */
  get remotePort(): number {
    return this.#message.socket.remotePort ?? 0;
  }

  /** Whether the request came over TLS (a server wrapped with `wrapSsl`). */
  get secure(): boolean {
    return (this.#message.socket as { encrypted?: boolean }).encrypted === true;
  }

  /** The underlying Node `IncomingMessage`, for what this class does not cover. Do not read its body directly. */
  get raw(): IncomingMessage {
    return this.#message;
  }

  /**
   * Seconds a body read may wait for the client to send more before it throws
   * SocketTimeoutError (default `null`: no limit of its own; the server's `requestTimeout`
   * still applies).
   */
  get timeout(): number | null {
    return this.#reader?.timeout ?? null;
  }

  /** Sets the body reads' timeout in seconds (`null`: no limit of its own) for the reads to come. */
  set timeout(seconds: number | null) {
    this.#body().timeout = seconds;
  }

  /**
   * Returns up to `maxBytes` bytes of the body (default: whatever has arrived), blocking until
   * at least one is there; an empty Buffer at the end of the body.
   * @throws SocketTimeoutError after {@link timeout}; an Error with code `ECONNRESET` (or
   *   Node's error) when the client went away mid-body; the reason of an aborted `signal`.
   */
  read(maxBytes?: number, options?: SignalOptions): Buffer {
    return this.#body().read(maxBytes, options);
  }

  /** The rest of the body in one Buffer, blocking until it has all arrived. Throws as {@link read}. */
  readAll(options?: SignalOptions): Buffer {
    return this.#body().readAll(options);
  }

  /** The rest of the body decoded as UTF-8. Throws as {@link read}. */
  text(options?: SignalOptions): string {
    return this.#body().text(options);
  }

  /**
   * The rest of the body parsed as JSON.
   * @throws SyntaxError when the body is not JSON; if the handler lets it escape, the client
   *   gets a `400 Bad Request` (not a 500) and nothing is reported. Otherwise throws as {@link read}.
   */
  json(options?: SignalOptions): unknown {
    const text = this.#body().text(options);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      if (typeof error === 'object' && error !== null) invalidJson.add(error);
      throw error;
    }
  }

  /** The rest of the body, chunk by chunk as it arrives: `for (const chunk of req)`. */
  [Symbol.iterator](): Iterator<Buffer> {
    return this.#body()[Symbol.iterator]();
  }

  #body(): BodyReader {
    let reader = this.#reader;
    if (reader === null) {
      const response = this.#response;
      const hooks = this.#expectsContinue ? { beforeFirstRead: () => { if (!response.headersSent) response.writeContinue(); } } : undefined;
      reader = new BodyReader(this.#message, 'req', hooks);
      this.#reader = reader;
    }
    return reader;
  }
}
