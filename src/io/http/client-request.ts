// http.request() and http.get(): one HTTP exchange on node:http/node:https, in blocking style.
// The calling green thread waits on one Waiter that Node's 'response' or 'error' fills, so other
// green threads and the event loop run meanwhile; Node parses, pools and speaks TLS. Around the
// exchange: the request body sent with back-pressure, the timeout (Node's idle timer on the
// connection until the headers are in, then each body read's own), the signal, redirects when
// asked for, and one retry of an idempotent request whose pooled connection turned out closed.
import * as http from 'node:http';
import * as https from 'node:https';
import { RedirectError, SocketClosedError, rangeError, typeError } from '../../errors';
import { underSignal } from '../../hub/abort-watch';
import type { HubThread } from '../../hub/hub-thread';
import { requireGreenThread, Waiter } from '../../hub/waiter';
import { timedOut } from '../socket-wait';
import { agentFor } from './agents';
import { BodyWriter, type BodySource, knownLength } from './body-writer';
import {
  GET_KEYS, type HttpGetOptions, type HttpRequestOptions, parseOptions, parseUrl, REQUEST_KEYS, type RequestPlan,
} from './client-options';
import { HttpClientResponse } from './client-response';
import { isRedirectStatus, isReplayable, redirectTarget } from './redirect';

/**
 * Sends an HTTP request and returns the response as soon as its headers are in; the body is
 * read from the response, in blocking style. Blocks only the calling green thread. An HTTP
 * error status (404, 500) is a response, not an exception; redirects are returned as responses
 * unless `maxRedirects` says to follow them.
 * @param url An `http:` or `https:` URL (a string or a URL); user:password in it is sent as
 *   Basic authorization, as Node does.
 * @throws Node's error for a failed exchange (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`,
 *   certificate errors such as `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ... with `.code`);
 *   SocketTimeoutError after `timeout`; the signal's reason when it aborts; RedirectError;
 *   TypeError/RangeError for bad arguments; NotInGreenThreadError from plain JavaScript.
 */
export function request(url: string | URL, options?: HttpRequestOptions): HttpClientResponse {
  return perform(url, options, 'http.request()', REQUEST_KEYS);
}

/**
 * {@link Http.request | http.request} with method GET: `http.get(url, options)`. Its options
 * are request()'s but `method` and `body`.
 */
export function get(url: string | URL, options?: HttpGetOptions): HttpClientResponse {
  return perform(url, options, 'http.get()', GET_KEYS);
}

function perform(url: unknown, options: HttpRequestOptions | undefined, call: string, keys: readonly string[]): HttpClientResponse {
  const target = parseUrl(url, call);
  const plan = parseOptions(options, call, keys);
  const thread = requireGreenThread(call);
  const signal = plan.signal;
  if (signal === undefined) return follow(target, plan, call, thread);
  return underSignal(signal, () => follow(target, plan, call, thread));
}

// The exchanges of one request: the first, then one per redirect followed.
function follow(target: URL, plan: RequestPlan, call: string, thread: HubThread): HttpClientResponse {
  let urls: string[] | null = null;
  for (;;) {
    const message = exchangeFresh(target, plan, urls !== null, call, thread);
    const status = message.statusCode ?? 0;
    const location = message.headers.location;
    if (plan.maxRedirects === 0 || location === undefined || !isRedirectStatus(status)) {
      return new HttpClientResponse(message, {
        url: target.href, redirected: urls !== null, method: plan.method, timeout: plan.timeout, signal: plan.signal,
      });
    }
    // Its body is dropped as it arrives, so its connection goes back to the pool.
    message.resume();
    urls ??= [target.href];
    if (urls.length > plan.maxRedirects) {
      throw new RedirectError(`${call}: more than ${plan.maxRedirects} redirect${plan.maxRedirects === 1 ? '' : 's'} ` +
        `(options.maxRedirects); the last, a ${status} from ${target.href}, leads to ${location}`, status, urls);
    }
    target = redirectTarget(plan, status, target, location, call, urls);
    urls.push(target.href);
  }
}

// Methods that may be sent again when the first try met a pooled connection the server had
// closed (urllib3's default for retries: the idempotent ones).
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

// A pooled connection can have been closed by the server just as it was taken from the pool
// (its keep-alive timeout ran out): such a request fails before any response, with one of
// these, and is sent again, on another connection (each try takes another pooled one or a new
// one, which is not retried: the loop ends).
function exchangeFresh(target: URL, plan: RequestPlan, redirected: boolean, call: string, thread: HubThread): http.IncomingMessage {
  for (;;) {
    const message = exchange(target, plan, redirected, call, thread);
    if (message !== STALE) return message;
  }
}

const STALE: unique symbol = Symbol('greenthread.staleConnection');

function isStale(req: http.ClientRequest, failure: Error, plan: RequestPlan): boolean {
  const code = (failure as NodeJS.ErrnoException).code;
  return req.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED') &&
    IDEMPOTENT.has(plan.method) && isReplayable(plan.body);
}

// One request and the wait for its response's headers.
function exchange(target: URL, plan: RequestPlan, redirected: boolean, call: string, thread: HubThread): http.IncomingMessage | typeof STALE {
  const options: https.RequestOptions = { method: plan.method, agent: agentFor(plan.agent, target.protocol, redirected) };
  if (plan.headers !== undefined) options.headers = plan.headers;
  const seconds = plan.timeout;
  // Node's idle timer on the connection: it runs through the name lookup, the connection, each
  // write and the wait for the headers, restarting at each activity, as a socket timeout does.
  if (seconds !== null) options.timeout = seconds * 1000;
  if (plan.tls !== undefined) Object.assign(options, plan.tls);
  let req: http.ClientRequest;
  try {
    req = (target.protocol === 'https:' ? https : http).request(target, options);
  } catch (error) {
    throw callError(error, call);
  }
  const waiter = new Waiter<http.IncomingMessage>(thread);
  let response: http.IncomingMessage | null = null;
  let failure: Error | null = null;
  // Both stay for the request's life: Node may report a failure after the wait is over, and an
  // 'error' nobody listens to would take the process down.
  req.on('response', (message: http.IncomingMessage) => {
    response = message;
    waiter.wake(message);
  });
  req.on('error', (error: Error) => {
    failure ??= error;
    waiter.throw(error);
  });
  const onTimeout = seconds === null ? null : (): void => { req.destroy(timedOut(call, seconds)); };
  if (onTimeout !== null) req.on('timeout', onTimeout);
  let message: http.IncomingMessage;
  try {
    sendBody(req, plan.body, call);
    message = waiter.wait(call);
  } catch (error) {
    // A server may answer before it has read the whole body (413, 401) and close: that answer
    // is the response, not the failed upload.
    if (response !== null && (error instanceof SocketClosedError || (failure !== null && error === failure))) {
      message = response;
    } else {
      req.destroy();
      if (response === null && failure !== null && isStale(req, failure, plan)) return STALE;
      throw error instanceof SocketClosedError && failure !== null ? failure : error;
    }
  }
  if (onTimeout !== null) {
    // From here the response's body reads time themselves (while nobody reads, nothing must).
    req.off('timeout', onTimeout);
    req.setTimeout(0);
  }
  return message;
}

// Sends the body and ends the request. A string or bytes go in one write with their
// Content-Length (Node adds it); an iterable or stream chunk by chunk, waiting for 'drain'.
function sendBody(req: http.ClientRequest, body: BodySource, call: string): void {
  if (body == null) {
    req.end();
  } else if (typeof body === 'string' || body instanceof Uint8Array) {
    req.end(body);
  } else {
    const length = knownLength(body);
    if (length !== null && !req.hasHeader('content-length') && !req.hasHeader('transfer-encoding')) req.setHeader('content-length', length);
    const writer = new BodyWriter(req, call);
    writer.writeAll(body);
    writer.end();
  }
}

// Node's own checks (a header name or value, a TLS option) throw from http.request() with
// Node's message: the same error class and code, its message prefixed with the call.
// (By name: under a vm context, e.g. jest's, Node's errors come from another realm.)
function callError(error: unknown, call: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { name, message } = error as Error;
  if (name === 'TypeError') return withCode(typeError(`${call}: ${message}`), error as Error);
  if (name === 'RangeError') return withCode(rangeError(`${call}: ${message}`), error as Error);
  return error;
}

function withCode(made: Error, error: Error): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined) Object.defineProperty(made, 'code', { value: code, writable: true, configurable: true, enumerable: true });
  return made;
}
