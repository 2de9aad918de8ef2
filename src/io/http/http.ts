// The `http` namespace of the package root: HTTP in blocking style on node:http/node:https —
// the client (http.request, http.get: green urllib/requests' role under eventlet).
import { get, request } from './client-request';
import type { HttpClientResponse } from './client-response';

/** The `http` namespace: see each member. */
export interface Http {
  /** {@inheritDoc request} */
  readonly request: typeof request;
  /** {@inheritDoc get} */
  readonly get: typeof get;
}

/**
 * HTTP in blocking style, each call blocking only its green thread:
 * `http.request(url, options)` and `http.get(url, options)` return an {@link HttpClientResponse}
 * once the headers are in; its body is read with `read()`, `text()`, `json()`, `readAll()` or
 * `for…of`. Connections are pooled (keep-alive) per protocol.
 */
export const http: Http = Object.freeze({ request, get });
