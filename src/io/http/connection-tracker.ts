// The connections of one http.serve, and how many requests each has in hand (received and not
// yet answered by their handler), for the graceful stop: at the stop an idle connection is
// closed at once, a busy one once its last request in hand is answered, and http.serve returns
// when none is left. Only a counter per connection changes on the hot path.
import type * as net from 'node:net';
import type { Writable } from 'node:stream';
import type { IncomingMessage } from 'node:http';

const inHand = Symbol('greenthread.http.requestsInHand');
const lastRequest = Symbol('greenthread.http.lastRequest');
const closing = Symbol('greenthread.http.closing');

type TrackedSocket = net.Socket & { [inHand]?: number; [lastRequest]?: IncomingMessage; [closing]?: boolean };

/** @internal The connections of one http.serve. */
export class ConnectionTracker {
  readonly #sockets = new Set<TrackedSocket>();
  #stopping = false;
  /** Called whenever a connection closes, while stopping. */
  onChange: (() => void) | null = null;

  /** Number of connections open. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Whether stop() has been called: responses from now on close their connection. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Starts tracking `socket` (a connection just handed to the Node server). */
  add(socket: net.Socket): void {
    const tracked = socket as TrackedSocket;
    tracked[inHand] = 0;
    this.#sockets.add(tracked);
    socket.once('close', () => {
      this.#sockets.delete(tracked);
      if (this.#stopping) this.onChange?.();
    });
  }

  /** A request was received: its handler is running or queued. */
  requestStarted(message: IncomingMessage): void {
    const tracked = message.socket as TrackedSocket;
    tracked[inHand] = (tracked[inHand] ?? 0) + 1;
    tracked[lastRequest] = message;
  }

  /** Whether responses on `socket` must close it after them (stopping, or see closeAfterRequests). */
  closes(socket: net.Socket): boolean {
    return this.#stopping || (socket as TrackedSocket)[closing] === true;
  }

  /**
   * Keeps `socket` open for the requests it has in hand, whose responses then close it; false
   * (nothing done) if it has none, or if the last one has not been received whole. For a
   * connection whose client sent something Node cannot parse after complete requests.
   */
  closeAfterRequests(socket: net.Socket): boolean {
    const tracked = socket as TrackedSocket;
    if ((tracked[inHand] ?? 0) === 0 || tracked[lastRequest]?.complete !== true) return false;
    tracked[closing] = true;
    return true;
  }

  /** The handler of a request of `socket` is done with it; `response` is that request's. */
  requestDone(socket: net.Socket, response: Writable): void {
    const tracked = socket as TrackedSocket;
    const left = (tracked[inHand] ?? 1) - 1;
    tracked[inHand] = left;
    if (left !== 0) return;
    tracked[lastRequest] = undefined;
    if (!this.#stopping && tracked[closing] !== true) return;
    // After Node's own 'finish' listener, which detaches the response and hands the socket to
    // a pipelined one waiting behind it.
    if (response.writableFinished || response.destroyed) closeGently(tracked);
    else response.once('finish', () => { closeGently(tracked); });
  }

  /**
   * Stops keeping connections alive: idle ones are closed now (after what was written to them
   * is sent), busy ones once their requests in hand are answered.
   */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    for (const socket of this.#sockets) if (socket[inHand] === 0) closeGently(socket);
  }

  /** Closes every connection at once, whatever it is doing. */
  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}

// Ends the connection once everything written to it has been sent (a response just ended may
// still be on its way); a client that stops reading is cut off by the server's timeouts.
function closeGently(socket: net.Socket): void {
  if (socket.destroyed) return;
  socket.destroySoon();
}
