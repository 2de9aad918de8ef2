// http.serve(): eventlet.wsgi.server's role — HTTP on a GreenServer, each request's handler in
// a green thread of its own. Node parses HTTP: the accepted connections are handed to a
// node:http Server that never listens itself (a Server takes connections accepted elsewhere
// through its 'connection' event, as Node documents), and its requests go to the dispatcher.
// The calling green thread only accepts connections, so keep-alive requests never pass through
// it. It ends as eventlet's does, gracefully: idle connections are closed, busy ones after the
// requests in hand are answered, and it returns once every handler has ended.
import * as nodeHttp from 'node:http';
import { rangeError, SocketClosedError, typeError } from '../../errors';
import { theHub } from '../../hub/hub';
import { requireGreenThread, Waiter } from '../../hub/waiter';
import { describe, validateCount, validateFunction, validateGreenFunction, validateOptions, validateSeconds } from '../../validate';
import { GreenServer } from '../green-server';
import { type AccessLog, accessLogger } from './access-log';
import { clientErrorListener } from './client-error';
import { ConnectionTracker } from './connection-tracker';
import { type HttpErrorHandler, type HttpHandler, RequestDispatcher } from './request-dispatcher';

/** Options of {@link Http.serve | http.serve}. */
export interface HttpServeOptions {
  /**
   * Most handlers running at once (default 1000). Further requests wait, in the order they
   * arrived, for a handler to end; none is dropped.
   */
  concurrency?: number;
  /**
   * Whether a connection may carry more than one request (default true). False: every response
   * says `Connection: close` and its connection is closed after it, as eventlet.wsgi's
   * `keepalive=False` (`keepAliveTimeout: 0` means the opposite: no idle limit).
   */
  keepAlive?: boolean;
  /**
   * Seconds an idle keep-alive connection is kept open for its next request (default 65, as
   * Node; 0: no limit).
   */
  keepAliveTimeout?: number;
  /** Seconds a client may take to send a request's headers (default 60; 0: no limit). Then: 408. */
  headersTimeout?: number;
  /** Seconds a client may take to send a whole request, body included (default 300; 0: no limit). Then: 408. */
  requestTimeout?: number;
  /** Largest request head (request line and headers) in bytes (Node's default, 16 KiB). Beyond it: 431. */
  maxHeaderSize?: number;
  /**
   * Receives a handler's exception (the client got a 500) in place of hub.onError. Not called
   * for a client that went away, a body that was not JSON (400), or StopServe.
   */
  onError?: HttpErrorHandler;
  /**
   * Access log, off by default: a function given an {@link AccessLogEntry} per request, or a
   * writable stream (`process.stdout`) written a line per request in eventlet.wsgi's format.
   */
  log?: AccessLog | null;
}

const OPTION_KEYS = ['concurrency', 'keepAlive', 'keepAliveTimeout', 'headersTimeout', 'requestTimeout', 'maxHeaderSize', 'onError', 'log'];
// Node checks headersTimeout and requestTimeout every 30 s by default: too coarse for short ones.
const MAX_CHECK_INTERVAL_MS = 30_000;
const MIN_CHECK_INTERVAL_MS = 10;

/**
 * Serves HTTP on `server` (a GreenServer from `listen`, or one wrapped by `wrapSsl` for HTTPS):
 * blocks the calling green thread while it runs `handler(req, res)` for every request, each in a
 * green thread of its own, at most `concurrency` at once — eventlet.wsgi.server. A handler may
 * block on anything (sockets, queues, `waitFor`, `sleep`, HTTP requests of its own); it blocks
 * only its own request.
 *
 * The response is what the handler returns:
 * - `{ status = 200, headers, body }`, where `body` is a string, bytes, an iterable of chunks
 *   (sent chunked as it is produced; a generator may block between chunks), a readable
 *   stream, or absent;
 * - a bare string or bytes (a 200), or a bare iterable of chunks (a 200, chunked);
 * - a web-standard `Response`;
 * - nothing, after streaming the response through `res` (`res.writeHead(status, headers)`,
 *   blocking `res.write(chunk)`s, `res.end()`), or for an empty 200.
 *
 * Node's HTTP server does the protocol: keep-alive, pipelining, HEAD, chunked bodies both ways,
 * `Expect: 100-continue` (answered when the handler first reads the body), 400 for a request
 * it cannot parse, 408 for a client too slow to send one.
 *
 * A handler that throws: the client gets a 500 with no detail (the connection is cut if the
 * response had started), and the error goes to the `onError` option or hub.onError; the
 * server goes on. A `SyntaxError` from `req.json()` left uncaught is a 400 instead, reported to
 * nobody. A client that goes away interrupts nothing but its own handler, whose next write
 * throws SocketClosedError.
 *
 * http.serve returns when a handler throws StopServe (that request gets a 503 unless it had
 * answered through `res` first) or when `server` is closed. Either way it stops gracefully, as
 * eventlet's does: it stops accepting and closes the listening socket, closes idle
 * connections, answers the requests in hand (their responses say `Connection: close`), and
 * returns once every handler has ended and every connection is closed. The same happens if the
 * calling green thread is killed, before the kill goes on.
 * @throws TypeError/RangeError for bad arguments or options; NotInGreenThreadError from plain
 *   JavaScript; an error of the listening socket (EMFILE, ...) after the graceful stop.
 */
export function serve(server: GreenServer, handler: HttpHandler, options?: HttpServeOptions): void {
  const call = 'http.serve()';
  if (!(server instanceof GreenServer)) throw typeError(`${call}: server must be a GreenServer (from listen() or wrapSsl()), got ${describe(server)}`);
  validateGreenFunction(handler, call, 'handler');
  validateOptions(options, call, OPTION_KEYS);
  const concurrency = options?.concurrency === undefined ? 1000 : validateCount(options.concurrency, call, 'concurrency');
  if (concurrency < 1) throw rangeError(`${call}: concurrency must be >= 1, got ${concurrency}`);
  const keepAlive = options?.keepAlive ?? true;
  if (typeof keepAlive !== 'boolean') throw typeError(`${call}: keepAlive must be a boolean, got ${describe(keepAlive)}`);
  const onError = options?.onError ?? null;
  if (onError !== null) validateFunction(onError, call, 'onError');
  const log = accessLogger(options?.log, call);
  const nodeServer = nodeHttp.createServer(nodeServerOptions(options, call));
  const thread = requireGreenThread(call);

  const connections = new ConnectionTracker();
  // Thrown into this thread (blocked in accept) by the first StopServe.
  const stopSignal = { stopServe: true };
  let stopRequested = false;
  let drainWaiter: Waiter<void> | null = null;
  const dispatcher = new RequestDispatcher({
    handler, concurrency, keepAlive, onError, log, connections,
    stop: () => {
      if (stopRequested) return;
      stopRequested = true;
      // Already stopping (the server was closed, or this thread killed): nothing to interrupt.
      if (!connections.stopping) theHub.throwInto(thread, stopSignal);
    },
    idle: () => {
      if (dispatcher.idle && connections.size === 0) drainWaiter?.wake(undefined);
    },
  });
  connections.onChange = dispatcher.settings.idle;
  nodeServer.on('request', dispatcher.onRequest);
  nodeServer.on('checkContinue', dispatcher.onCheckContinue);
  nodeServer.on('clientError', clientErrorListener(connections));
  // What listen() would set up: Node's tracking of connections, for headersTimeout and
  // requestTimeout (stopped again by close()).
  nodeServer.emit('listening');

  try {
    for (;;) {
      let stream;
      try {
        stream = server.acceptStream(call);
      } catch (error) {
        if (error instanceof SocketClosedError && server.closed) return;
        throw error;
      }
      connections.add(stream);
      nodeServer.emit('connection', stream);
      // Accepted paused (see GreenServer): Node's parser reads it from now on.
      stream.resume();
    }
  } catch (error) {
    if (error !== stopSignal) throw error;
  } finally {
    server.close();
    connections.stop();
    try {
      while (!dispatcher.idle || connections.size > 0) {
        const waiter = new Waiter<void>(thread);
        drainWaiter = waiter;
        try {
          waiter.wait(call);
        } catch (error) {
          // A StopServe that raced the server's closing arrives here: it asks for what is under way.
          if (error !== stopSignal) throw error;
        } finally {
          drainWaiter = null;
        }
      }
    } finally {
      nodeServer.close();
    }
  }
}

// node:http's options from http.serve's (seconds to milliseconds).
function nodeServerOptions(options: HttpServeOptions | undefined, call: string): nodeHttp.ServerOptions {
  const ms = (name: 'keepAliveTimeout' | 'headersTimeout' | 'requestTimeout'): number | undefined => {
    const value = options?.[name];
    return value === undefined ? undefined : Math.round(validateSeconds(value, call, name) * 1000);
  };
  const keepAliveTimeout = ms('keepAliveTimeout');
  const requestTimeout = ms('requestTimeout') ?? 300_000;
  const headersTimeout = ms('headersTimeout') ?? Math.min(60_000, requestTimeout || 60_000);
  if (requestTimeout > 0 && headersTimeout > requestTimeout) {
    throw rangeError(`${call}: headersTimeout (${headersTimeout / 1000} s) must not be longer than requestTimeout (${requestTimeout / 1000} s)`);
  }
  const limits = [headersTimeout, requestTimeout].filter((t) => t > 0);
  const interval = Math.max(MIN_CHECK_INTERVAL_MS, Math.min(MAX_CHECK_INTERVAL_MS, ...limits.map((t) => Math.ceil(t / 2))));
  const out: nodeHttp.ServerOptions & { connectionsCheckingInterval?: number } = {
    requestTimeout, headersTimeout, connectionsCheckingInterval: interval, noDelay: true,
  };
  if (keepAliveTimeout !== undefined) out.keepAliveTimeout = keepAliveTimeout;
  if (options?.maxHeaderSize !== undefined) out.maxHeaderSize = validateCount(options.maxHeaderSize, call, 'maxHeaderSize');
  return out;
}
