// The options of http.request() and http.get(): their public types, and their checks, done once
// per call before anything is sent (a bad option is a TypeError/RangeError naming the call, never
// a half-sent request). The checked form, RequestPlan, is what the exchange and the redirect
// rules work from.
import type * as http from 'node:http';
import type * as tls from 'node:tls';
import { typeError } from '../../errors';
import { validateSignal } from '../../hub/abort-watch';
import { describe, validateCount, validateOptions, validateSeconds } from '../../validate';
import { type AgentOption, validateAgent } from './agents';
import { type BodySource, isBodySource } from './body-writer';
import type { HttpHeaders } from './headers';


/** The TLS options of an `https:` request (Node's `tls.connect` options of the same names). */
export interface HttpTlsOptions {
  /** Certificate authorities to trust instead of Node's bundled ones (PEM). */
  ca?: tls.ConnectionOptions['ca'];
  /** Client certificate chain (PEM), for servers that ask for one. */
  cert?: tls.ConnectionOptions['cert'];
  /** Private key of the client certificate (PEM). */
  key?: tls.ConnectionOptions['key'];
  /** Client key and certificate as PKCS#12. */
  pfx?: tls.ConnectionOptions['pfx'];
  /** Passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** False accepts a certificate that does not verify (tests only). Default true. */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks (default: the URL's host name). */
  servername?: string;
  /** Cipher suites, in OpenSSL's format. */
  ciphers?: string;
  /** Lowest TLS version to accept, e.g. 'TLSv1.2'. */
  minVersion?: tls.SecureVersion;
  /** Highest TLS version to accept. */
  maxVersion?: tls.SecureVersion;
  /** Replaces the check of the server's name against its certificate. */
  checkServerIdentity?: tls.ConnectionOptions['checkServerIdentity'];
}

/** Options of {@link Http.get | http.get}: those of {@link HttpRequestOptions} but `method` and `body`. */
export interface HttpGetOptions extends HttpTlsOptions {
  /** Request headers. `host`, `connection` and `content-length` are filled in when absent. */
  headers?: HttpHeaders;
  /**
   * Seconds the server may keep the request waiting at each step — the connection (name lookup
   * included), each part of the body sent, the response's headers — and, on the response, each
   * blocking body read: `SocketTimeoutError` after that, as a Python socket timeout. Not a
   * deadline for the whole exchange (use a `Timeout` or `signal` for that). Default: none.
   */
  timeout?: number | null;
  /**
   * Aborting it ends the request, and later the response's body reads, with `signal.reason`
   * (the connection is closed), as with `fetch`.
   */
  signal?: AbortSignal;
  /**
   * The connection pool. Default: greenthread's keep-alive Agent for the protocol (connections
   * are reused). `false`: a connection of the request's own, closed after it. Or an
   * `http.Agent`/`https.Agent` of yours (its `keepAlive`, `maxSockets`, ... apply).
   */
  agent?: http.Agent | false;
  /**
   * Redirects (301, 302, 303, 307, 308 with a Location) followed before the response is
   * returned; default 0: a redirect is returned as the response, as eventlet's green urllib
   * does (`urlopen` follows only through a handler the caller installs), so the caller sees and
   * decides. Past the limit: RedirectError.
   */
  maxRedirects?: number;
}

/** Options of {@link Http.request | http.request}. */
export interface HttpRequestOptions extends HttpGetOptions {
  /** The method (case-insensitive, sent in upper case). Default 'GET'. */
  method?: string;
  /**
   * The request body: a string (UTF-8), a Buffer/Uint8Array, an iterable of those (a generator
   * may block between chunks), an async iterable of those (a web ReadableStream), or a Node
   * Readable — all but the first two are sent as they are produced, chunked unless a
   * `content-length` header is given, with back-pressure. Default: none.
   */
  body?: BodySource;
}

/** @internal A request after its checks: what every hop of it is sent with. */
export interface RequestPlan {
  method: string;
  headers: http.OutgoingHttpHeaders | undefined;
  body: BodySource;
  readonly timeout: number | null;
  readonly signal: AbortSignal | undefined;
  readonly agent: AgentOption;
  readonly maxRedirects: number;
  /** The TLS options given, or undefined when none were. */
  readonly tls: HttpTlsOptions | undefined;
}

const TLS_KEYS = [
  'ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername', 'ciphers', 'minVersion', 'maxVersion',
  'checkServerIdentity',
] as const;

/** @internal The option names of http.get(). */
export const GET_KEYS: readonly string[] = ['headers', 'timeout', 'signal', 'agent', 'maxRedirects', ...TLS_KEYS];
/** @internal The option names of http.request(). */
export const REQUEST_KEYS: readonly string[] = ['method', 'body', ...GET_KEYS];

// RFC 9110 token: what a method may be made of.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The URL of a request: a string or a URL, http: or https:.
 * @throws TypeError naming `call` for anything else.
 */
export function parseUrl(url: unknown, call: string): URL {
  let parsed: URL;
  if (url instanceof URL) {
    parsed = url;
  } else if (typeof url === 'string') {
    try {
      parsed = new URL(url);
    } catch {
      throw typeError(`${call}: url is not a valid absolute URL: ${describe(url)}`);
    }
  } else {
    throw typeError(`${call}: url must be a string or a URL, got ${describe(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw typeError(`${call}: url must be an http: or https: URL, got ${JSON.stringify(parsed.protocol)}`);
  }
  return parsed;
}

/**
 * @internal Checks the options of `call` (their names against `keys`) and returns the plan.
 * @throws TypeError/RangeError naming `call` and the option.
 */
export function parseOptions(options: HttpRequestOptions | undefined, call: string, keys: readonly string[]): RequestPlan {
  if (options === undefined) {
    return { method: 'GET', headers: undefined, body: undefined, timeout: null, signal: undefined, agent: undefined, maxRedirects: 0, tls: undefined };
  }
  validateOptions(options, call, keys);
  let method = 'GET';
  if (options.method !== undefined) {
    if (typeof options.method !== 'string' || !TOKEN.test(options.method)) {
      throw typeError(`${call}: options.method must be an HTTP method name, got ${describe(options.method)}`);
    }
    method = options.method.toUpperCase();
  }
  let tlsOptions: HttpTlsOptions | undefined;
  for (const key of TLS_KEYS) {
    if (options[key] !== undefined) (tlsOptions ??= {})[key] = options[key] as never;
  }
  if (tlsOptions?.rejectUnauthorized !== undefined && typeof tlsOptions.rejectUnauthorized !== 'boolean') {
    throw typeError(`${call}: options.rejectUnauthorized must be a boolean, got ${describe(tlsOptions.rejectUnauthorized)}`);
  }
  if (tlsOptions?.servername !== undefined && typeof tlsOptions.servername !== 'string') {
    throw typeError(`${call}: options.servername must be a string, got ${describe(tlsOptions.servername)}`);
  }
  const maxRedirects = options.maxRedirects === undefined ? 0 : validateCount(options.maxRedirects, call, 'options.maxRedirects');
  return {
    method,
    headers: options.headers === undefined ? undefined : parseHeaders(options.headers, call),
    body: validateBody(options.body, call),
    timeout: options.timeout == null ? null : validateSeconds(options.timeout, call, 'options.timeout'),
    signal: validateSignal(options.signal, call),
    agent: validateAgent(options.agent, call),
    maxRedirects,
    tls: tlsOptions,
  };
}

// Headers as Node takes them: a plain object is passed on as it is (Node checks names and
// values); pairs are gathered into one, a repeated name into an array.
function parseHeaders(headers: unknown, call: string): http.OutgoingHttpHeaders {
  if (typeof headers !== 'object' || headers === null) {
    throw typeError(`${call}: options.headers must be an object or an iterable of [name, value] pairs, got ${describe(headers)}`);
  }
  if (!(Symbol.iterator in headers)) return headers as http.OutgoingHttpHeaders;
  const gathered: Record<string, string | string[]> = {};
  for (const pair of headers as Iterable<unknown>) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      throw typeError(`${call}: options.headers pairs must be [name, value] arrays, got ${describe(pair)}`);
    }
    const name = pair[0].toLowerCase();
    const value = String(pair[1]);
    const had = gathered[name];
    gathered[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return gathered;
}

function validateBody(body: unknown, call: string): BodySource {
  if (isBodySource(body)) return body;
  const hint = body instanceof ArrayBuffer ? '; wrap an ArrayBuffer in new Uint8Array(buffer)' : `, got ${describe(body)}`;
  throw typeError(`${call}: options.body must be a string, a Buffer/Uint8Array, an iterable or async iterable of those, or a Readable${hint}`);
}
