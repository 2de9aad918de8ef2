// The `http` namespace of the package: HTTP in blocking style on node:http — http.serve, the
// server side (eventlet.wsgi's role).
import { serve } from './serve';

/**
 * HTTP in blocking style, built on node:http (Node parses HTTP). `http.serve(server, handler)`
 * serves requests on a GreenServer, each handler in a green thread of its own (eventlet.wsgi).
 */
export const http = Object.freeze({
  /** {@inheritDoc serve} */
  serve,
});
