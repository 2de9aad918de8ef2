// GreenServer: a listening socket whose accept() blocks the calling green thread until a
// client connects (eventlet.listen's socket). Node's server accepts connections as they come;
// they queue here, paused (pauseOnConnect), until a green thread accepts them, so a connection
// nobody has accepted costs a file descriptor and no buffered data.
import type * as net from 'node:net';
import { inspect } from 'node:util';
import { SocketBusyError, SocketClosedError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';
import { validateSeconds } from '../validate';
import { type SocketAddress, formatAddress, socketAddress } from './address';
import { GreenSocket } from './green-socket';
import { addOpenServer, removeOpenServer } from './open-servers';
import { timedOut, TIMED_OUT, waitTimed } from './socket-wait';

/**
 * @internal Takes each accepted Node socket through a layer (wrapSsl's TLS handshake, done on
 * the event loop) and calls `deliver` with the stream to hand to accept() once it is ready;
 * a connection that fails on the way is the layer's to drop.
 */
export type AcceptWrapper = (raw: net.Socket, deliver: (stream: net.Socket) => void) => void;

/**
 * A listening socket, made by {@link listen} (or {@link wrapSsl} over one). `accept()` blocks
 * the calling green thread until a client connects.
 */
export class GreenServer {
  #server: net.Server;
  // Accepted Node sockets nobody has taken yet, consumed from #head.
  #pending: Array<net.Socket | undefined> = [];
  #head = 0;
  #acceptor: Waiter<void> | null = null;
  #error: Error | null = null;
  #closed = false;
  #handedOver: string | null = null;
  #timeout: number | null = null;
  readonly #unixPath: string | null;
  readonly #wrap: AcceptWrapper | null;
  #address: SocketAddress;

  /** @internal Made by listen() (a listening Node server) and wrapSsl(). */
  constructor(server: net.Server, unixPath: string | null, wrap: AcceptWrapper | null = null, pending: net.Socket[] = []) {
    this.#server = server;
    this.#unixPath = unixPath;
    this.#wrap = wrap;
    server.on('connection', this.#onConnection);
    // Connections accepted before a wrapSsl go through its layer like later ones.
    for (const raw of pending) this.#onConnection(raw);
    server.on('error', this.#onError);
    server.on('close', this.#onClose);
    this.#address = this.#readAddress();
    addOpenServer(this);
  }

  readonly #onConnection = (socket: net.Socket): void => {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    // Until a green thread takes it, an error on it (a reset) has nobody to go to.
    socket.on('error', dropError);
    if (this.#unixPath === null) socket.setNoDelay(true);
    if (this.#wrap === null) this.#deliver(socket);
    else this.#wrap(socket, this.#deliver);
  };

  readonly #deliver = (stream: net.Socket): void => {
    if (this.#closed) {
      stream.destroy();
      return;
    }
    stream.on('error', dropError);
    this.#pending.push(stream);
    this.#acceptor?.wake(undefined);
  };

  readonly #onError = (error: Error): void => {
    if (this.#closed) return;
    this.#error ??= error;
    this.#acceptor?.wake(undefined);
  };

  readonly #onClose = (): void => {
    this.#acceptor?.wake(undefined);
  };

  #readAddress(): SocketAddress {
    if (this.#unixPath !== null) return this.#unixPath;
    const info = this.#server.address() as net.AddressInfo | null;
    return socketAddress(info?.address, info?.port, null);
  }

  /**
   * Blocks the calling green thread until a client connects, and returns the connection and
   * the client's address: `[GreenSocket, [host, port]]` (for a Unix socket the address is the
   * client's path, usually ''). Connections are accepted in the order they arrived.
   * @throws SocketTimeoutError after the server's timeout (setTimeout); SocketBusyError if
   *   another green thread is blocked in accept() on this server; SocketClosedError once the
   *   server is closed, also in a thread blocked in accept() when another one closes it.
   * @param options `signal`: aborting it interrupts the wait as the server's timeout would (a
   *   connection arriving later is kept for the next accept), throwing its reason.
   */
  accept(options?: SignalOptions): [GreenSocket, SocketAddress] {
    const call = 'GreenServer.accept()';
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.accept());
    }
    const stream = this.acceptStream(call);
    const unix = this.#unixPath === null ? null : { peer: '', local: this.#unixPath };
    const sock = new GreenSocket(stream, { unix });
    return [sock, unix === null ? sock.getpeername() : ''];
  }

  /**
   * @internal accept() without the GreenSocket: blocks the calling green thread until a
   * connection is ready and returns Node's socket for it, still paused, with no listeners of
   * ours left on it (http.serve hands it to a node:http server). Throws as accept() does.
   */
  acceptStream(call: string): net.Socket {
    for (;;) {
      if (this.#closed) throw this.#closedError(call);
      const stream = this.#shift();
      if (stream !== undefined) {
        // Reset by the client while it waited (its peer is gone): skipped, as the kernel would.
        if (this.#unixPath === null && stream.remoteAddress === undefined) {
          stream.destroy();
          continue;
        }
        stream.off('error', dropError);
        return stream;
      }
      const error = this.#error;
      if (error !== null) {
        // Reported once (EMFILE and the like are transient): the next accept() waits again.
        this.#error = null;
        throw error;
      }
      if (!this.#server.listening) throw new SocketClosedError(`${call}: the server is no longer listening`);
      this.#waitAcceptable(call);
    }
  }

  #shift(): net.Socket | undefined {
    while (this.#head < this.#pending.length) {
      const raw = this.#pending[this.#head];
      this.#pending[this.#head++] = undefined;
      if (this.#head === this.#pending.length) {
        this.#pending.length = 0;
        this.#head = 0;
      }
      // Reset by the client while it waited: skip it, as the kernel would.
      if (raw !== undefined && !raw.destroyed) return raw;
    }
    return undefined;
  }

  #waitAcceptable(call: string): void {
    const thread = requireGreenThread(call);
    if (this.#acceptor !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked in accept() on this server`);
    }
    const waiter = new Waiter<void>(thread);
    this.#acceptor = waiter;
    try {
      if (waitTimed(waiter, call, this.#timeout) === TIMED_OUT && this.#head === this.#pending.length &&
        this.#error === null && !this.#closed) {
        throw timedOut(call, this.#timeout);
      }
    } finally {
      this.#acceptor = null;
    }
  }

  /**
   * The address the server listens on: `[host, port]` (the port chosen when listening on port
   * 0), or the Unix socket's path.
   */
  address(): SocketAddress {
    return typeof this.#address === 'string' ? this.#address : [this.#address[0], this.#address[1]];
  }

  /**
   * Sets the timeout of later accept() calls: `seconds`, or `null` (wait without limit, the
   * default).
   */
  setTimeout(seconds: number | null): void {
    this.#timeout = seconds === null ? null : validateSeconds(seconds, 'GreenServer.setTimeout()');
  }

  /** The timeout set by setTimeout, in seconds; `null` for none. */
  gettimeout(): number | null {
    return this.#timeout;
  }

  /**
   * Stops listening and closes the connections not accepted yet. Connections already accepted
   * stay open. A green thread blocked in accept() (a `serve` loop) gets SocketClosedError (serve
   * returns). Calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    removeOpenServer(this);
    for (let raw; (raw = this.#shift()) !== undefined;) raw.destroy();
    this.#acceptor?.throw(new SocketClosedError('GreenServer.accept(): the server was closed by another green thread'));
    if (this.#handedOver === null && this.#server.listening) this.#server.close();
  }

  /** Whether close() has been called (or the server was handed to wrapSsl). */
  get closed(): boolean {
    return this.#closed;
  }

  #closedError(call: string): SocketClosedError {
    return new SocketClosedError(this.#handedOver !== null ? `${call}: ${this.#handedOver}` : `${call}: the server is closed`);
  }

  /**
   * @internal Takes the Node server away for wrapSsl: a new GreenServer over it, whose accept()
   * passes each connection through `wrap`. This object counts as closed from now on.
   */
  handOver(call: string, why: string, wrap: AcceptWrapper): GreenServer {
    if (this.#closed) throw this.#closedError(call);
    if (this.#acceptor !== null) throw new SocketBusyError(`${call}: another green thread is blocked in accept() on this server`);
    const server = this.#server;
    server.off('connection', this.#onConnection);
    server.off('error', this.#onError);
    server.off('close', this.#onClose);
    const pending: net.Socket[] = [];
    for (let raw; (raw = this.#shift()) !== undefined;) {
      raw.off('error', dropError);
      pending.push(raw);
    }
    this.#handedOver = why;
    this.#closed = true;
    removeOpenServer(this);
    const successor = new GreenServer(server, this.#unixPath, wrap, pending);
    successor.#timeout = this.#timeout;
    return successor;
  }

  /** The operating system's file descriptor of the listening socket, or -1 once closed. */
  fileno(): number {
    if (this.#closed) return -1;
    const fd = (this.#server as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    return typeof fd === 'number' ? fd : -1;
  }

  /** The underlying Node server, for what this class does not cover. */
  get nodeServer(): net.Server {
    return this.#server;
  }

  /** Closes the server: `using server = listen(addr)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [inspect.custom](): string {
    return this.#closed ? 'GreenServer { closed }' : `GreenServer { listening: ${formatAddress(this.#address)} }`;
  }
}

function dropError(): void {
  // Deliberately empty: see #onConnection.
}
