// The `http` namespace of the package root: HTTP in blocking style on node:http/node:https.
// The server, http.serve (eventlet.wsgi's role), and the client, http.request and http.get
// (green urllib/requests' role under eventlet).
import { get, request } from './client-request';
import type { HttpClientResponse } from './client-response';
import { serve } from './serve';

/** The `http` namespace: see each member. */
export interface Http {
  /**
   * Serves HTTP on a GreenServer, each request's handler in a green thread of its own
   * (eventlet.wsgi's `server`); blocks the calling green thread while it serves.
   */
  readonly serve: typeof serve;
  /**
   * Sends an HTTP request and returns the response once its headers are in, blocking only the
   * calling green thread.
   */
  readonly request: typeof request;
  /** `request` with method GET. */
  readonly get: typeof get;
}

/**
 * HTTP in blocking style, built on node:http (Node parses HTTP), each call blocking only its
 * green thread. `http.serve(server, handler)` serves requests on a GreenServer, each handler in
 * a green thread of its own. `http.request(url, options)` and `http.get(url, options)` return
 * an {@link HttpClientResponse} once the headers are in; its body is read with `read()`,
 * `text()`, `json()`, `readAll()` or `for…of`. Client connections are pooled (keep-alive).
 */
export const http: Http = Object.freeze({ serve, request, get });
