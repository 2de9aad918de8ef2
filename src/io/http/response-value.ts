// What an http.serve handler returns, sent as the response: `{ status, headers, body }`, a bare
// body (text, bytes: 200), an iterable of chunks or a readable stream (200, sent as produced),
// a web-standard Response, or nothing (the handler streamed through `res`, or an empty 200).
// A body whose length is known goes out in one write with a content-length; any other is
// streamed chunked, each chunk written as it is produced, blocking on a slow client.
import { Readable } from 'node:stream';
import { typeError } from '../../errors';
import { waitFor } from '../../green/wait-for';
import { describe } from '../../validate';
import { type BodySource, isBodySource } from './body-writer';
import type { HttpHeaders } from './headers';
import { setHeaders, type ServerResponse, validateStatus } from './server-response';

/**
 * A response as an http.serve handler returns it. Every field is optional: `{}` is an empty
 * 200. `body` is text (sent as UTF-8), bytes, an iterable of chunks (a generator may block
 * between them: each chunk is sent as it comes, chunked), a Node readable stream or a web
 * ReadableStream, or absent.
 */
export interface HttpResponseInit {
  /** The status code (default 200). */
  status?: number;
  /** Response headers (a record, a web `Headers`, or `[name, value]` pairs). */
  headers?: HttpHeaders | Headers | Array<[string, string]>;
  /** The body (default: empty). */
  body?: BodySource;
}

/** What an http.serve handler may return: see {@link Http.serve | http.serve}. */
export type HttpHandlerResult = HttpResponseInit | string | Uint8Array | Iterable<string | Uint8Array> | Readable | Response | null | undefined | void;

const RESPONSE_KEYS = new Set(['status', 'headers', 'body']);
const CALL = 'http.serve()';

/** @internal Sends `value`, the return value of the handler, through `response`. */
export function sendReturned(value: unknown, response: ServerResponse): void {
  if (response.streamed) {
    // What was streamed stands, ended; a returned value as well is a mistake to report.
    response.endWith(undefined, 'res.end()');
    if (value !== undefined && value !== null) {
      throw typeError(`${CALL}: the handler both wrote the response through res and returned ${describe(value)}; do one or the other`);
    }
    return;
  }
  if (value === undefined || value === null || typeof value === 'string' || value instanceof Uint8Array) {
    response.endWith(value ?? undefined, CALL);
    return;
  }
  if (typeof value !== 'object') throw badReturn(value);
  if (typeof (value as PromiseLike<unknown>).then === 'function') {
    throw typeError(`${CALL}: the handler returned a promise; block on it with waitFor(promise) and return the result`);
  }
  if (typeof Response !== 'undefined' && value instanceof Response) {
    sendWebResponse(value, response);
    return;
  }
  if (value instanceof Readable || isBodySource(value)) {
    sendBody(value as BodySource, response);
    return;
  }
  const init = value as Record<string, unknown>;
  for (const key of Object.keys(init)) {
    if (!RESPONSE_KEYS.has(key)) {
      throw typeError(`${CALL}: the handler returned an object with an unknown key '${key}'; a response is { status, headers, body }`);
    }
  }
  const res = response.raw;
  if (init.status !== undefined) res.statusCode = validateStatus(init.status, `${CALL}: the response's`);
  setHeaders(res, init.headers, `${CALL}: the response's`);
  const body = init.body;
  if (!isBodySource(body)) throw typeError(`${CALL}: the response's body must be a string, bytes, an iterable of chunks or a readable stream, got ${describe(body)}`);
  sendBody(body, response);
}

function sendWebResponse(web: Response, response: ServerResponse): void {
  const res = response.raw;
  res.statusCode = web.status;
  if (web.statusText !== '') res.statusMessage = web.statusText;
  setHeaders(res, web.headers, `${CALL}: the Response's`);
  const stream = web.body;
  if (stream === null) {
    response.endWith(undefined, CALL);
    return;
  }
  // A body of one chunk (a Response made from a string or bytes) goes out whole, with a
  // content-length; a longer one is streamed as it comes.
  const reader = stream.getReader();
  let done = false;
  try {
    const first = waitFor(reader.read());
    if (first.done) {
      done = true;
      response.endWith(undefined, CALL);
      return;
    }
    const second = waitFor(reader.read());
    if (second.done) {
      done = true;
      response.endWith(first.value as Uint8Array, CALL);
      return;
    }
    const writer = response.bodyWriter();
    writer.write(first.value as Uint8Array);
    writer.write(second.value as Uint8Array);
    for (let next; !(next = waitFor(reader.read())).done;) writer.write(next.value as Uint8Array);
    done = true;
    writer.end();
  } finally {
    // Tells the body's source nobody reads on (the client went away, a write failed).
    if (!done) void reader.cancel().then(undefined, ignore);
  }
}

function ignore(): void {
  // A body source that fails while being cancelled has nobody left to tell.
}

function sendBody(body: BodySource, response: ServerResponse): void {
  if (body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array) {
    response.endWith(body ?? undefined, CALL);
    return;
  }
  const writer = response.bodyWriter();
  writer.writeAll(body);
  writer.end();
}

function badReturn(value: unknown): TypeError {
  return typeError(`${CALL}: the handler returned ${describe(value)}; return a response ({ status, headers, body }), ` +
    'a string, bytes, an iterable of chunks, a Response, or nothing after writing through res');
}
