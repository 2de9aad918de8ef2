// The redirect rules of http.request() when maxRedirects > 0, as the Fetch standard and browsers
// apply them (and Python's requests): which statuses redirect, when the method becomes GET and the
// body is dropped, which headers do not go to another origin, and which bodies can be sent twice.
import type * as http from 'node:http';
import { Readable } from 'node:stream';
import { RedirectError } from '../../errors';
import type { BodySource } from './body-writer';
import type { RequestPlan } from './client-options';

/** True for a status that redirects (with a Location header): 301, 302, 303, 307, 308. */
export function isRedirectStatus(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

// Headers that describe a body: dropped with it when the method becomes GET.
const BODY_HEADERS = new Set(['content-type', 'content-length', 'transfer-encoding', 'content-encoding', 'content-language', 'content-location']);
// Credentials and the Host: not sent on to another origin.
const ORIGIN_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'host']);

/**
 * True when `body` can be sent again for a 307/308: absent, a string or bytes, or an iterable
 * that is not itself an iterator (an array, a Set) — not a stream, a generator or an async
 * iterable, which the first send has consumed.
 */
export function isReplayable(body: BodySource): boolean {
  if (body == null || typeof body === 'string' || body instanceof Uint8Array) return true;
  if (body instanceof Readable || typeof (body as Partial<Iterable<unknown>>)[Symbol.iterator] !== 'function') return false;
  return typeof (body as Partial<Iterator<unknown>>).next !== 'function';
}

/**
 * Where the redirect `status` with `location` from `from` leads, and `plan` changed for that hop
 * (method, body, headers), as the Fetch standard says: 303 makes any method but HEAD a GET
 * without a body, 301 and 302 do so for POST, 307 and 308 keep method and body; credentials
 * and Host are dropped when the origin changes.
 * @param urls The URLs requested so far (for the error).
 * @throws RedirectError when the Location is not an http(s) URL or the body cannot be sent again.
 */
export function redirectTarget(plan: RequestPlan, status: number, from: URL, location: string, call: string, urls: readonly string[]): URL {
  let to: URL;
  try {
    to = new URL(location, from);
  } catch {
    throw new RedirectError(`${call}: the ${status} redirect's Location is not a valid URL: ${JSON.stringify(location)}`, status, urls);
  }
  if (to.protocol !== 'http:' && to.protocol !== 'https:') {
    throw new RedirectError(`${call}: the ${status} redirect leads to a ${to.protocol} URL, which http.request() does not fetch: ${to.href}`, status, urls);
  }
  const toGet = (status === 303 && plan.method !== 'HEAD') || ((status === 301 || status === 302) && plan.method === 'POST');
  if (toGet) {
    plan.method = 'GET';
    plan.body = undefined;
    plan.headers = without(plan.headers, BODY_HEADERS);
  } else if (!isReplayable(plan.body)) {
    throw new RedirectError(`${call}: the ${status} redirect to ${to.href} must send the request body again, but it was a ` +
      'stream or an iterator and has been consumed; pass a string, Buffer or array of chunks, or follow the redirect ' +
      'yourself (maxRedirects: 0)', status, urls);
  }
  if (to.origin !== from.origin) plan.headers = without(plan.headers, ORIGIN_HEADERS);
  return to;
}

// A copy of `headers` without the names in `drop` (case-insensitive); the same object when it
// has none of them.
function without(headers: http.OutgoingHttpHeaders | undefined, drop: ReadonlySet<string>): http.OutgoingHttpHeaders | undefined {
  if (headers === undefined) return undefined;
  const names = Object.keys(headers);
  if (!names.some((name) => drop.has(name.toLowerCase()))) return headers;
  const kept: http.OutgoingHttpHeaders = {};
  for (const name of names) if (!drop.has(name.toLowerCase())) kept[name] = headers[name];
  return kept;
}
