// GreenSocket: a connected stream socket (TCP, Unix, or TLS over either) with blocking calls in
// the style of Python's socket object: recv, sendall, readline, ... Each call suspends only the
// calling green thread. Node's socket flows into a ReadBuffer that reads take from (without a
// switch when data is waiting), is paused above a high-water mark so an unread socket cannot
// grow the process, and every event it emits ('error' included) is handled here: failures reach
// the green thread that uses the socket, or are dropped when none does.
import type * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { inspect } from 'node:util';
import { rangeError, SocketBusyError, SocketClosedError, typeError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';
import { describe, validateSeconds } from '../validate';
import { type SocketAddress, formatAddress, socketAddress } from './address';
import { prefixedStream } from './prefixed-stream';
import { ReadBuffer } from './read-buffer';
import { reuseWaiter, timedOut, TIMED_OUT, waitTimed } from './socket-wait';

/** What a socket sends: bytes (a Buffer or any Uint8Array) or a string (sent as UTF-8). */
export type SocketData = Uint8Array | string;

// Above this many unread bytes the Node socket is paused (the kernel's buffers then fill and
// TCP flow control slows the sender); reading resumes once readers bring it below LOW_WATER.
const HIGH_WATER = 256 * 1024;
const LOW_WATER = HIGH_WATER / 2;

const EMPTY = Buffer.alloc(0);

/** Python's `socket.SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`, or their names. */
export type ShutdownHow = 0 | 1 | 2 | 'read' | 'write' | 'both';

/** @internal How a GreenSocket's Unix socket is named: its peer's path and its own ('' when unnamed). */
export interface UnixNames {
  readonly peer: string;
  readonly local: string;
}

/** @internal What GreenSocket.handOver gives wrapSsl: the connection and what is known of it. */
export interface HandedOver {
  /** The Node socket, or a Duplex over it when bytes had been read from it already. */
  readonly stream: Duplex;
  readonly host: string | undefined;
  readonly timeout: number | null;
  readonly unix: UnixNames | null;
  readonly peer: SocketAddress | null;
}

/** @internal What made a GreenSocket, for its defaults. */
export interface GreenSocketInit {
  /** The socket's timeout to start with (seconds, or null). */
  readonly timeout?: number | null;
  /** A Unix socket's names; absent for TCP. */
  readonly unix?: UnixNames | null;
  /** The host name it was connected to (the default TLS server name). */
  readonly host?: string;
  /** The peer's address, when the stream cannot tell it (TLS over a Duplex). */
  readonly peer?: SocketAddress | null;
  /** A TLS client socket whose handshake is under way ('secureConnect' ends it). */
  readonly handshaking?: boolean;
}

/** The error of a write to a socket that can no longer send, shaped like Node's own. */
function brokenPipe(call: string): Error {
  return Object.assign(new Error(`${call}: write EPIPE (the socket can no longer send)`), { code: 'EPIPE', errno: -32, syscall: 'write' });
}

/**
 * A connected stream socket with blocking calls, like a socket of eventlet's green socket
 * module. Made by {@link connect}, {@link GreenServer.accept} and {@link wrapSsl}; usable from any
 * green thread (one reader and one writer at a time). Errors are Node's own (`ECONNRESET`, ...
 * with `.code`), plus SocketTimeoutError, SocketBusyError and SocketClosedError.
 */
export class GreenSocket {
  #stream: net.Socket;
  readonly #buffer = new ReadBuffer();
  // The green thread blocked reading (recv, recvInto, readline) and the one blocked writing.
  #reader: Waiter<void> | null = null;
  #writer: Waiter<void> | null = null;
  // The last reader's and writer's Waiters, done with: the next wait by the same green thread
  // (a connection's own thread, every time) reuses them, so a wait allocates nothing.
  #spareReader: Waiter<void> | null = null;
  #spareWriter: Waiter<void> | null = null;
  #eof = false;
  // Failure of the connection: reported once to a reader (after that the socket reads as at
  // EOF), and to every writer from then on.
  #readError: Error | null = null;
  #writeError: Error | null = null;
  #writeShut = false;
  #closed = false;
  // Why the socket can no longer be used although close() was not called (wrapSsl took it).
  #handedOver: string | null = null;
  #paused = false;
  #handshaking: boolean;
  #timeout: number | null;
  #peer: SocketAddress | null = null;
  readonly #unix: UnixNames | null;
  readonly #host: string | undefined;

  /** @internal Made by connect(), GreenServer.accept() and wrapSsl(). */
  constructor(stream: net.Socket, init: GreenSocketInit = {}) {
    this.#stream = stream;
    this.#timeout = init.timeout ?? null;
    this.#unix = init.unix ?? null;
    this.#host = init.host;
    this.#handshaking = init.handshaking ?? false;
    this.#peer = init.peer ?? null;
    this.#attach(stream);
    if (!stream.connecting && this.#peer === null) this.#notePeer();
  }

  // --- Node's events. Bound once per socket: no allocation per message.

  readonly #onData = (chunk: Buffer): void => {
    if (this.#closed || this.#eof) return;
    this.#buffer.push(chunk);
    // A reader waiting for more (a long line) keeps the socket flowing.
    if (this.#buffer.length >= HIGH_WATER && !this.#paused && this.#reader === null) {
      this.#paused = true;
      this.#stream.pause();
    }
    this.#reader?.wake(undefined);
  };

  readonly #onEnd = (): void => {
    this.#eof = true;
    this.#reader?.wake(undefined);
  };

  readonly #onError = (error: Error): void => {
    if (this.#closed) return;
    if (!this.#eof) this.#readError ??= error;
    this.#writeError ??= error;
    this.#reader?.wake(undefined);
    this.#writer?.wake(undefined);
  };

  readonly #onClose = (): void => {
    this.#eof = true;
    this.#reader?.wake(undefined);
    this.#writer?.wake(undefined);
  };

  readonly #onSecure = (): void => {
    this.#handshaking = false;
    this.#writer?.wake(undefined);
  };

  // 'connect', 'drain', and the completion of every write: a blocked writer re-checks.
  readonly #onWritable = (): void => {
    if (this.#peer === null && !this.#stream.connecting) this.#notePeer();
    this.#writer?.wake(undefined);
  };

  #attach(stream: net.Socket): void {
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    stream.on('connect', this.#onWritable);
    stream.on('drain', this.#onWritable);
    if (this.#handshaking) stream.once('secureConnect', this.#onSecure);
    // A server socket accepted with pauseOnConnect starts reading now.
    stream.resume();
  }

  #notePeer(): void {
    if (this.#unix !== null) {
      this.#peer = this.#unix.peer;
      return;
    }
    const { remoteAddress, remotePort } = this.#stream;
    if (remoteAddress !== undefined) this.#peer = socketAddress(remoteAddress, remotePort, null);
  }

  // --- Reading

  /**
   * Returns up to `maxBytes` received bytes, blocking the green thread until at least one is
   * there; returns at once, without a switch, when data is already waiting. An empty Buffer
   * means the peer closed its side (EOF).
   * @throws SocketTimeoutError after the socket's timeout; SocketBusyError if another green
   *   thread is blocked reading this socket; SocketClosedError after close(); Node's error
   *   (`ECONNRESET`, ...) once when the connection failed, EOF after that.
   * @param options `signal`: aborting it interrupts the wait as the socket's timeout would
   *   (nothing received is lost: it waits in the socket's buffer), throwing its reason.
   */
  recv(maxBytes: number, options?: SignalOptions): Buffer {
    const call = 'GreenSocket.recv()';
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.recv(maxBytes));
    }
    const max = validateByteCount(maxBytes, call, 'maxBytes');
    this.#checkNoOtherReader(call);
    for (;;) {
      if (this.#buffer.length > 0) return this.#taken(this.#buffer.take(max));
      if (this.#readEnded(call) || max === 0) return EMPTY;
      this.#waitReadable(call);
    }
  }

  /**
   * Like {@link recv}, into `buffer` (at most `nbytes`, default its whole length): returns how
   * many bytes it wrote there, 0 at EOF. Takes `{ signal }` as recv does, after `nbytes` or in
   * its place.
   */
  recvInto(buffer: Uint8Array, options?: SignalOptions): number;
  recvInto(buffer: Uint8Array, nbytes?: number, options?: SignalOptions): number;
  recvInto(buffer: Uint8Array, nbytes?: number | SignalOptions, options?: SignalOptions): number {
    const call = 'GreenSocket.recvInto()';
    if (typeof nbytes === 'object' && nbytes !== null && options === undefined) {
      options = nbytes;
      nbytes = undefined;
    }
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.recvInto(buffer, nbytes as number | undefined));
    }
    if (!(buffer instanceof Uint8Array)) throw typeError(`${call}: buffer must be a Buffer or Uint8Array, got ${describe(buffer)}`);
    let max = buffer.byteLength;
    if (nbytes !== undefined) {
      max = validateByteCount(nbytes, call, 'nbytes');
      if (max > buffer.byteLength) throw rangeError(`${call}: nbytes (${max}) is larger than the buffer (${buffer.byteLength} bytes)`);
    }
    this.#checkNoOtherReader(call);
    for (;;) {
      if (this.#buffer.length > 0) {
        const count = this.#buffer.takeInto(buffer, max);
        this.#resumeIfDrained();
        return count;
      }
      if (this.#readEnded(call) || max === 0) return 0;
      this.#waitReadable(call);
    }
  }

  /**
   * Returns the next line, up to and including its `\n` (eventlet's `makefile().readline()`;
   * the next form returns at most `limit` bytes of it). At EOF it returns what is left: a last
   * line without `\n`, then an empty Buffer.
   * @param options `signal`, as for recv; the part of a line read so far stays in the socket's
   *   buffer for the next read.
   */
  readline(options?: SignalOptions): Buffer;
  /**
   * The form above returning at most `limit` bytes of the line.
   * @param limit Most bytes to return; omitted or negative: no limit.
   * @param options `signal`, as in the form above.
   */
  readline(limit?: number, options?: SignalOptions): Buffer;
  readline(limit?: number | SignalOptions, options?: SignalOptions): Buffer {
    const call = 'GreenSocket.readline()';
    if (typeof limit === 'object' && limit !== null && options === undefined) {
      options = limit;
      limit = undefined;
    }
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.readline(limit as number | undefined));
    }
    let max = Infinity;
    if (limit !== undefined) {
      if (typeof limit !== 'number' || !Number.isInteger(limit)) throw typeError(`${call}: limit must be an integer, got ${describe(limit)}`);
      if (limit >= 0) max = limit;
    }
    this.#checkNoOtherReader(call);
    let scanned = 0;
    for (;;) {
      const at = this.#buffer.indexOf(0x0a, scanned, max);
      if (at >= 0) return this.#taken(this.#buffer.take(at + 1));
      if (this.#buffer.length >= max) return this.#taken(this.#buffer.take(max));
      scanned = this.#buffer.length;
      if (this.#readEnded(call)) return this.#taken(this.#buffer.take(this.#buffer.length));
      this.#waitReadable(call);
    }
  }

  // After a read: below the low-water mark again, a paused socket reads from the kernel again.
  #taken(data: Buffer): Buffer {
    this.#resumeIfDrained();
    return data;
  }

  #resumeIfDrained(): void {
    if (this.#paused && this.#buffer.length < LOW_WATER) {
      this.#paused = false;
      this.#stream.resume();
    }
  }

  // True at EOF. Throws on a closed socket, and (once) the connection's failure.
  #readEnded(call: string): boolean {
    if (this.#closed) throw this.#closedError(call);
    const error = this.#readError;
    if (error !== null) {
      this.#readError = null;
      this.#eof = true;
      throw error;
    }
    return this.#eof;
  }

  // A read while another green thread is blocked reading would take bytes from the middle of
  // what that one is waiting for (a line): refused, even when data is waiting.
  #checkNoOtherReader(call: string): void {
    if (this.#reader !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked reading this socket (a second simultaneous read)`);
    }
  }

  #waitReadable(call: string): void {
    const thread = requireGreenThread(call);
    this.#checkNoOtherReader(call);
    if (this.#paused) {
      // Waiting for bytes beyond the high-water mark (a long line): read on.
      this.#paused = false;
      this.#stream.resume();
    }
    const waiter = reuseWaiter(this.#spareReader, thread);
    // What the caller has already seen and waits for more than (readline: part of a line).
    const had = this.#buffer.length;
    this.#reader = waiter;
    try {
      if (waitTimed(waiter, call, this.#timeout) === TIMED_OUT && this.#buffer.length === had && !this.#eof &&
        this.#readError === null && !this.#closed) {
        throw timedOut(call, this.#timeout);
      }
    } finally {
      this.#reader = null;
      this.#spareReader = waiter;
    }
  }

  // --- Writing

  /**
   * Sends all of `data`, blocking the green thread until Node has handed every byte to the
   * kernel (back-pressure: a peer that does not read holds the sender here, not in memory).
   * Interrupted (timeout, kill, Timeout), the data is still queued in full and goes out, in
   * order, before anything sent later; do not modify a buffer handed to an interrupted
   * sendall until the socket is closed.
   * @throws SocketTimeoutError, SocketBusyError (another green thread is blocked writing),
   *   SocketClosedError, or Node's error (`EPIPE`, `ECONNRESET`, ...).
   * @param options `signal`: aborting it interrupts the wait as the socket's timeout would (the
   *   data still goes out), throwing its reason.
   */
  sendall(data: SocketData, options?: SignalOptions): void {
    this.#send(data, 'GreenSocket.sendall()', options);
  }

  /**
   * Sends `data` and returns the number of bytes sent: all of them (greenthread's send waits
   * as sendall does, so unlike a raw socket it never sends part). Takes `{ signal }` as sendall does.
   */
  send(data: SocketData, options?: SignalOptions): number {
    return this.#send(data, 'GreenSocket.send()', options);
  }

  #send(data: SocketData, call: string, options?: SignalOptions): number {
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.#send(data, call));
    }
    let size: number;
    if (typeof data === 'string') size = Buffer.byteLength(data);
    // length, not byteLength: the same for bytes, and about half the cost on Node 20's V8.
    else if (data instanceof Uint8Array) size = data.length;
    else throw typeError(`${call}: data must be a Buffer, a Uint8Array or a string, got ${describe(data)}`);
    this.#checkWritable(call);
    if (this.#writer !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked writing this socket (a second simultaneous write)`);
    }
    if (size === 0) return 0;
    const stream = this.#stream;
    // No callback: a write Node hands to the kernel at once then costs nothing more, where a
    // callback would cost a process.nextTick and two objects per write.
    stream.write(data);
    if (stream.writableLength > 0) {
      // Not all handed over yet (the kernel's buffer is full, a connect is under way): an empty
      // write queued behind the data calls back once the data before it is out (or failed).
      stream.write(EMPTY, this.#onWritable);
      do {
        this.#checkWritable(call);
        this.#waitWritable(call, GreenSocket.#flushing);
      } while (stream.writableLength > 0);
    }
    // Written out, but the write may have failed on the way (its 'error' came meanwhile).
    if (this.#writeError !== null) throw this.#writeError;
    return size;
  }

  #checkWritable(call: string): void {
    if (this.#closed) throw this.#closedError(call);
    if (this.#writeError !== null) throw this.#writeError;
    if (this.#writeShut || this.#stream.destroyed) throw brokenPipe(call);
  }

  // Waits for the writing side to move ('connect', 'secureConnect', a write done, 'drain', a
  // failure). `blocked` says whether what the caller waits for is still not there: if so when
  // the socket's timeout runs out, SocketTimeoutError.
  #waitWritable(call: string, blocked: (socket: GreenSocket) => boolean): void {
    const waiter = reuseWaiter(this.#spareWriter, requireGreenThread(call));
    this.#writer = waiter;
    try {
      if (waitTimed(waiter, call, this.#timeout) === TIMED_OUT && this.#writeError === null && !this.#closed && blocked(this)) {
        throw timedOut(call, this.#timeout);
      }
    } finally {
      this.#writer = null;
      this.#spareWriter = waiter;
    }
  }

  static #flushing(socket: GreenSocket): boolean {
    return socket.#stream.writableLength > 0;
  }

  static #connecting(socket: GreenSocket): boolean {
    return socket.#stream.connecting;
  }

  static #inHandshake(socket: GreenSocket): boolean {
    return socket.#handshaking;
  }

  /**
   * @internal Blocks until the socket is connected (connect()), for at most the socket's
   * timeout. Node's connection error (`ECONNREFUSED`, ...) is thrown as it is.
   */
  waitConnected(call: string): void {
    while (this.#stream.connecting) {
      if (this.#writeError !== null) throw this.#writeError;
      if (this.#closed) throw this.#closedError(call);
      this.#waitWritable(call, GreenSocket.#connecting);
    }
    if (this.#writeError !== null) throw this.#writeError;
    if (this.#stream.destroyed) throw brokenPipe(call);
    this.#notePeer();
  }

  /**
   * @internal Blocks until the TLS handshake of a client socket made by wrapSsl is done, for at
   * most the socket's timeout. A failed handshake (an untrusted certificate, a wrong host
   * name, a peer that does not speak TLS) throws Node's error.
   */
  waitHandshake(call: string): void {
    while (this.#handshaking) {
      if (this.#writeError !== null) throw this.#writeError;
      if (this.#closed) throw this.#closedError(call);
      if (this.#stream.destroyed) throw Object.assign(new Error(`${call}: the connection closed during the TLS handshake`), { code: 'ECONNRESET' });
      this.#waitWritable(call, GreenSocket.#inHandshake);
    }
    if (this.#writeError !== null) throw this.#writeError;
  }

  // --- Closing

  /**
   * Half-closes the socket: `'write'` (Python's SHUT_WR, the default) sends EOF to the peer,
   * which can still send; reads go on. `'read'` ends reading here (further reads return EOF);
   * `'both'` does both. Data already sent is delivered first.
   */
  shutdown(how: ShutdownHow = 'write'): void {
    const call = 'GreenSocket.shutdown()';
    const read = how === 0 || how === 2 || how === 'read' || how === 'both';
    const write = how === 1 || how === 2 || how === 'write' || how === 'both';
    if (!read && !write) throw typeError(`${call}: how must be 'read', 'write', 'both' or 0, 1, 2, got ${describe(how)}`);
    if (this.#closed) throw this.#closedError(call);
    if (read && !this.#eof) {
      this.#eof = true;
      this.#buffer.clear();
      this.#reader?.wake(undefined);
    }
    if (write && !this.#writeShut) {
      this.#writeShut = true;
      if (!this.#stream.destroyed) this.#stream.end();
    }
  }

  /**
   * Closes the socket. Data already sent still goes out before the connection ends; unread
   * data is discarded. A green thread blocked on the socket gets SocketClosedError; so does
   * any later use. Calling it again does nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer.clear();
    this.#failWaiters();
    const stream = this.#stream;
    if (this.#handedOver !== null || stream.destroyed) return;
    // Keep draining the peer's data (dropped in #onData) so it never blocks on us; destroy
    // once what was sent has been flushed.
    if (this.#paused) stream.resume();
    if (stream.writableFinished || this.#writeError !== null) {
      stream.destroy();
    } else {
      stream.once('finish', () => stream.destroy());
      stream.end();
    }
  }

  #failWaiters(): void {
    this.#reader?.throw(new SocketClosedError('the socket was closed by another green thread while this one was blocked on it'));
    this.#writer?.throw(new SocketClosedError('the socket was closed by another green thread while this one was blocked on it'));
  }

  /** Whether close() has been called (or the socket was handed to wrapSsl). */
  get closed(): boolean {
    return this.#closed;
  }

  #closedError(call: string): SocketClosedError {
    return new SocketClosedError(this.#handedOver !== null ? `${call}: ${this.#handedOver}` : `${call}: the socket is closed`);
  }

  /**
   * @internal Takes the Node socket away for wrapSsl (`why` says so to later users of this
   * object): every listener of ours is removed and this object counts as closed. Data already
   * received and not read comes first in the stream returned.
   */
  handOver(call: string, why: string): HandedOver {
    if (this.#closed) throw this.#closedError(call);
    if (this.#reader !== null || this.#writer !== null) {
      throw new SocketBusyError(`${call}: another green thread is blocked on this socket`);
    }
    const stream = this.#stream;
    stream.off('data', this.#onData);
    stream.off('end', this.#onEnd);
    stream.off('error', this.#onError);
    stream.off('close', this.#onClose);
    stream.off('connect', this.#onWritable);
    stream.off('drain', this.#onWritable);
    stream.off('secureConnect', this.#onSecure);
    // The TLS socket over it reports the connection's failures; one emitted here as well must
    // not find the stream without a listener (that would end the process).
    stream.on('error', ignoreError);
    stream.pause();
    // Bytes read already go first, in front of the socket's own (a Duplex over it).
    const taken = this.#buffer.length > 0 ? prefixedStream(stream, this.#buffer.take(this.#buffer.length)) : stream;
    this.#handedOver = why;
    this.#closed = true;
    return { stream: taken, host: this.#host, timeout: this.#timeout, unix: this.#unix, peer: this.#peer };
  }

  // --- Options and names

  /**
   * Sets the timeout of every later blocking call on this socket: `seconds` (a blocked call
   * throws SocketTimeoutError after that long), or `null` (block without limit, the default).
   */
  setTimeout(seconds: number | null): void {
    this.#timeout = seconds === null ? null : validateSeconds(seconds, 'GreenSocket.setTimeout()');
  }

  /** The timeout set by setTimeout (or connect's `timeout`), in seconds; `null` for none. */
  gettimeout(): number | null {
    return this.#timeout;
  }

  /** Turns Nagle's algorithm off (`true`, the default on every GreenSocket) or on. */
  setNoDelay(noDelay = true): void {
    if (typeof noDelay !== 'boolean') throw typeError(`GreenSocket.setNoDelay(): noDelay must be a boolean, got ${describe(noDelay)}`);
    if (this.#unix === null && !this.#stream.destroyed) this.#stream.setNoDelay(noDelay);
  }

  /** Turns TCP keep-alive probes on or off (`initialDelay` in seconds before the first probe). */
  setKeepAlive(enable = true, initialDelay = 0): void {
    if (!this.#stream.destroyed) this.#stream.setKeepAlive(enable, validateSeconds(initialDelay, 'GreenSocket.setKeepAlive()', 'initialDelay') * 1000);
  }

  /**
   * The peer's address: `[host, port]`, or for a Unix socket the path it is bound to ('' when
   * unnamed). Known until close(), even after the connection ended.
   * @throws Error with code ENOTCONN before the socket is connected.
   */
  getpeername(): SocketAddress {
    if (this.#peer === null) this.#notePeer();
    if (this.#peer === null) {
      throw Object.assign(new Error('GreenSocket.getpeername(): the socket is not connected'), { code: 'ENOTCONN', syscall: 'getpeername' });
    }
    return typeof this.#peer === 'string' ? this.#peer : [this.#peer[0], this.#peer[1]];
  }

  /** This end's address: `[host, port]`, or for a Unix socket its path ('' when unnamed). */
  getsockname(): SocketAddress {
    if (this.#unix !== null) return this.#unix.local;
    const local = this.#stream.address() as Partial<net.AddressInfo>;
    return socketAddress(local.address, local.port, null);
  }

  /** The operating system's file descriptor of the socket, or -1 once closed (or over TLS). */
  fileno(): number {
    if (this.#closed) return -1;
    const fd = (this.#stream as unknown as { _handle?: { fd?: unknown } | null })._handle?.fd;
    return typeof fd === 'number' ? fd : -1;
  }

  /** Bytes received and not read yet. */
  get bufferedBytes(): number {
    return this.#buffer.length;
  }

  /** The underlying Node socket (a `net.Socket`, or a `tls.TLSSocket` after wrapSsl), for what this class does not cover. */
  get nodeSocket(): net.Socket {
    return this.#stream;
  }

  /** Closes the socket: `using sock = connect(addr)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [inspect.custom](): string {
    if (this.#closed) return 'GreenSocket { closed }';
    const peer = this.#peer === null ? 'not connected' : formatAddress(this.#peer);
    return `GreenSocket { fd: ${this.fileno()}, peer: ${peer}${this.#buffer.length > 0 ? `, buffered: ${this.#buffer.length}` : ''} }`;
  }
}

function ignoreError(): void {
  // Deliberately empty: see handOver().
}

// `spare` made ready again if it belongs to `thread`, else a new Waiter for it.
/** A byte count argument: an integer >= 0. */
export function validateByteCount(value: unknown, call: string, name: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw typeError(`${call}: ${name} must be an integer, got ${describe(value)}`);
  if (value < 0) throw rangeError(`${call}: ${name} must be >= 0, got ${value}`);
  return value;
}
