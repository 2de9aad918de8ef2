// What becomes of an exception out of an http.serve handler (or out of sending what it
// returned). The client gets a response that says whose fault it was and nothing more — never
// the error's message or stack: a 400 for a body that was not JSON (req.json()), a 503 for the
// request that stopped the server, a 500 for anything else. Once the response has started
// there is no status left to send: the connection is cut, so the client sees a truncated
// response rather than a complete-looking one. A client that went away is nobody's error.
import type { ServerResponse as NodeServerResponse } from 'node:http';
import { GreenletExit, SocketClosedError, StopServe } from '../../errors';
import { isInvalidJson } from './server-request';

/** How a handler's exception is to be answered. */
export const enum Failure {
  /** The handler's bug: a 500, and the error reported. */
  ServerError,
  /** The request body was not JSON: a 400, nothing reported. */
  BadJson,
  /** StopServe: a 503 if nothing was sent, and http.serve stops. */
  Stop,
  /** The handler was killed: a 500, nothing reported. */
  Killed,
  /** The client went away: nothing to answer, nothing reported. */
  ClientGone,
}

// Errors a write or read gets when the peer has gone.
const GONE_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_PREMATURE_CLOSE', 'ERR_STREAM_WRITE_AFTER_END']);

/** @internal Which kind of failure `error` is, for the response `res`. */
export function classifyFailure(error: unknown, res: NodeServerResponse): Failure {
  if (error instanceof StopServe) return Failure.Stop;
  if (isInvalidJson(error)) return Failure.BadJson;
  if (error instanceof GreenletExit) return Failure.Killed;
  if (res.destroyed || res.socket?.destroyed === true || res.req.socket.destroyed) {
    const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
    if (error instanceof SocketClosedError || (typeof code === 'string' && GONE_CODES.has(code))) return Failure.ClientGone;
  }
  return Failure.ServerError;
}

const ANSWERS: Record<Failure, readonly [number, string] | null> = {
  [Failure.ServerError]: [500, 'Internal Server Error\n'],
  [Failure.BadJson]: [400, 'Bad Request: the request body is not valid JSON\n'],
  [Failure.Stop]: [503, 'Service Unavailable: the server is stopping\n'],
  [Failure.Killed]: [500, 'Internal Server Error\n'],
  [Failure.ClientGone]: null,
};

/**
 * @internal Answers `res` for a failure: the failure's status with a short text body and the
 * connection closed after it, if nothing of the response has been sent yet; else the
 * connection is cut (a response already complete is left alone).
 */
export function answerFailure(failure: Failure, res: NodeServerResponse): void {
  if (res.writableEnded && failure !== Failure.ClientGone) return;
  const answer = ANSWERS[failure];
  if (answer === null || res.headersSent || res.destroyed) {
    // What was written is still corked (Node flushes a response's writes at the next tick;
    // from Node 24 on the response itself holds a tick's chunks back too, and destroying it
    // drops them): out with it first, so the client sees how far the response got.
    const socket = res.socket;
    if (socket !== null && !socket.destroyed) {
      if (!res.destroyed) while (res.writableCorked > 0) res.uncork();
      while (socket.writableCorked > 0) socket.uncork();
    }
    res.destroy();
    return;
  }
  // Headers the handler set for the response it meant to send do not belong on this one.
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.statusCode = answer[0];
  res.statusMessage = '';
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  // The request's body may be unread, and the handler's state is unknown: start afresh.
  res.shouldKeepAlive = false;
  res.end(answer[1]);
}
