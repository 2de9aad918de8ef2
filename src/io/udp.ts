// UDP: GreenUdpSocket, udpSocket() and bindUdp() over node:dgram, with the blocking calls of a
// Python datagram socket (recvfrom, sendto, ...). Datagrams Node receives queue here, bounded,
// until a green thread takes them, one per call and without a switch when one is waiting.
// Every send waits for Node's callback, so its failure is thrown where it was made, and dgram's
// 'error' events never reach the process: they go to the thread that uses the socket.
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import { inspect } from 'node:util';
import { rangeError, SocketBusyError, SocketClosedError, typeError } from '../errors';
import { requireGreenThread, Waiter } from '../hub/waiter';
import { signalOption, underSignal, type SignalOptions } from '../hub/abort-watch';
import { describe, validateOptions, validateSeconds } from '../validate';
import { type HostPort, formatAddress, parseAddress, validateFamily } from './address';
import { type SocketData, validateByteCount } from './green-socket';
import { timedOut, TIMED_OUT, waitTimed } from './socket-wait';

/**
 * Most datagrams, and most bytes, queued for a socket nobody reads. Beyond either, a datagram
 * that arrives is dropped (the newest, as a kernel drops when a socket's receive buffer is
 * full): a fast sender cannot grow the process without limit, and UDP promises no delivery.
 */
const MAX_QUEUED_DATAGRAMS = 1024;
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

/** One received datagram as recvfrom() returns it: the bytes and the sender's `[host, port]`. */
export type UdpDatagram = [data: Buffer, address: [host: string, port: number]];

/** Options of {@link bindUdp}. */
export interface BindUdpOptions {
  /**
   * 4 or 6. Default: 6 when the host is an IPv6 address (`'::1'`, `'::'`), 4 otherwise. A
   * family-6 socket bound to `'::'` receives IPv4 datagrams too (as IPv4-mapped addresses).
   */
  family?: 4 | 6;
  /** SO_REUSEADDR (default false): several sockets may bind one address and port (multicast). */
  reuseAddr?: boolean;
}

const enum Bind {
  Unbound,
  Binding,
  Bound,
}

/** The error of send() on a socket that has no peer, shaped like Python's and Node's. */
function noDestination(call: string): Error {
  return Object.assign(new Error(`${call}: the socket is not connected; use sendto() or connect() first (EDESTADDRREQ)`),
    { code: 'EDESTADDRREQ', errno: -89, syscall: 'send' });
}

/** The error of getpeername() on a socket that has no peer. */
function notConnected(call: string): Error {
  return Object.assign(new Error(`${call}: the socket is not connected`), { code: 'ENOTCONN', errno: -107, syscall: 'getpeername' });
}

/** A destination port: an integer 1–65535 (a datagram cannot be sent to port 0). */
function destinationPort(port: number, call: string): number {
  if (port === 0) throw rangeError(`${call}: addr[1] (the port) must be 1–65535 to send to, got 0`);
  return port;
}

function validateData(data: unknown, call: string): asserts data is SocketData {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    throw typeError(`${call}: data must be a Buffer, a Uint8Array or a string, got ${describe(data)}`);
  }
}

// Node's dgram keeps its libuv handle under this symbol (the public `_handle` getter is
// deprecated and prints a warning); used for fileno() only.
function handleFd(socket: dgram.Socket): number {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  const state = key === undefined ? undefined : (socket as unknown as Record<symbol, { handle?: { fd?: unknown } | null } | undefined>)[key];
  const fd = state?.handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}

/**
 * A UDP socket with blocking calls, like a datagram socket of eventlet's green socket module.
 * Made by {@link udpSocket} (unbound: the first sendto() or connect() binds it to a free port,
 * as in Python) and {@link bindUdp}. Usable from any green thread: one reader at a time, any
 * number of senders. Errors are Node's own (`EMSGSIZE`, `ENOTFOUND`, `ECONNREFUSED`, ... with
 * `.code`), plus SocketTimeoutError, SocketBusyError and SocketClosedError.
 */
export class GreenUdpSocket {
  readonly #socket: dgram.Socket;
  readonly #family: 4 | 6;
  // Received datagrams not read yet, consumed from #head; #from[i] is who sent #data[i].
  #data: Array<Buffer | undefined> = [];
  #from: Array<dgram.RemoteInfo | undefined> = [];
  #head = 0;
  #queuedBytes = 0;
  #dropped = 0;
  // The green thread blocked in recvfrom()/recv(), and those blocked until Node calls back
  // (sendto, send, connect, and the bind they wait for).
  #reader: Waiter<void> | null = null;
  readonly #waiting = new Set<{ throw(error: unknown): boolean }>();
  readonly #binders = new Set<Waiter<void>>();
  // An error Node reported while nobody was waiting for one (ECONNREFUSED of a connected
  // socket): thrown once, by the next receive that finds no datagram, or the next send.
  #error: Error | null = null;
  #bind = Bind.Unbound;
  #peer: [string, number] | null = null;
  #closed = false;
  #timeout: number | null = null;

  /** @internal Made by udpSocket() and bindUdp(). */
  constructor(socket: dgram.Socket, family: 4 | 6) {
    this.#socket = socket;
    this.#family = family;
    // 'error' keeps a listener for the socket's whole life: one emitted with none would end
    // the process.
    socket.on('message', this.#onMessage);
    socket.on('listening', this.#onListening);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
  }

  // --- Node's events. Bound once per socket: no allocation per datagram.

  readonly #onMessage = (data: Buffer, from: dgram.RemoteInfo): void => {
    if (this.#closed) return;
    if (this.#data.length - this.#head >= MAX_QUEUED_DATAGRAMS || this.#queuedBytes + data.length > MAX_QUEUED_BYTES) {
      this.#dropped++;
      return;
    }
    this.#data.push(data);
    this.#from.push(from);
    this.#queuedBytes += data.length;
    this.#reader?.wake(undefined);
  };

  readonly #onListening = (): void => {
    this.#bind = Bind.Bound;
    for (const waiter of this.#binders) waiter.wake(undefined);
  };

  readonly #onError = (error: Error): void => {
    if (this.#closed) return;
    if (this.#bind === Bind.Binding) {
      // The bind failed (EADDRINUSE, a name that does not resolve): it goes to those waiting
      // for it, and the socket can be bound again.
      this.#bind = Bind.Unbound;
      for (const waiter of this.#binders) waiter.throw(error);
      return;
    }
    this.#error ??= error;
    this.#reader?.wake(undefined);
  };

  // The Node socket was closed under us (through nodeSocket): as close().
  readonly #onClose = (): void => {
    this.close();
  };

  // --- Binding and connecting

  /**
   * Binds the socket to `addr`: `[host, port]`, host '' meaning every interface ('0.0.0.0', or
   * '::' for a family-6 socket), port 0 a free port (see getsockname()). Blocks the calling green
   * thread until it is bound.
   * @throws Node's error (`EADDRINUSE`, `EADDRNOTAVAIL`, `ERR_SOCKET_ALREADY_BOUND`, ...);
   *   TypeError/RangeError for bad arguments (an IP address of the other family).
   */
  bind(addr: HostPort): void {
    this.#bindTo(addr, 'GreenUdpSocket.bind()');
  }

  /** @internal bind(), naming `call` in errors (bindUdp()). */
  bindTo(addr: HostPort, call: string): void {
    this.#bindTo(addr, call);
  }

  #bindTo(addr: HostPort, call: string): void {
    const where = parseAddress(addr, call, false);
    if (where.kind !== 'ip') return;
    const host = where.host === '' ? this.#anyAddress() : this.#checkFamily(where.host, call);
    requireGreenThread(call);
    this.#checkOpen(call);
    // Node throws ERR_SOCKET_ALREADY_BOUND itself for a socket bound or being bound.
    this.#socket.bind({ port: where.port, address: host });
    this.#bind = Bind.Binding;
    this.#waitBound(call);
  }

  // Binds an unbound socket to a free port on every interface, as the kernel does for the first
  // datagram a Python socket sends; waits while a bind is under way.
  #ensureBound(call: string): void {
    if (this.#bind === Bind.Bound) return;
    if (this.#bind === Bind.Unbound) {
      this.#socket.bind({ port: 0, address: this.#anyAddress() });
      this.#bind = Bind.Binding;
    }
    this.#waitBound(call);
  }

  #waitBound(call: string): void {
    if (this.#bind === Bind.Bound) return;
    const waiter = new Waiter<void>(requireGreenThread(call));
    this.#binders.add(waiter);
    this.#waiting.add(waiter);
    try {
      if (waitTimed(waiter, call, this.#timeout) === TIMED_OUT && (this.#bind as Bind) !== Bind.Bound && !this.#closed) {
        throw timedOut(call, this.#timeout);
      }
    } finally {
      this.#binders.delete(waiter);
      this.#waiting.delete(waiter);
    }
    // Woken by close() without a throw (timed out just then).
    this.#checkOpen(call);
  }

  /**
   * Sets the socket's default destination (Python's `connect` on a datagram socket): send()
   * sends there, and only datagrams from that address are received from now on. Binds an
   * unbound socket first. Connecting again changes the destination.
   * @throws Node's error (`ENOTFOUND`, ...); SocketTimeoutError, SocketClosedError.
   */
  connect(addr: HostPort): void {
    const call = 'GreenUdpSocket.connect()';
    const where = parseAddress(addr, call, false);
    if (where.kind !== 'ip') return;
    const port = destinationPort(where.port, call);
    const host = this.#remoteHost(where.host, call);
    requireGreenThread(call);
    this.#checkOpen(call);
    this.#ensureBound(call);
    if (this.#peer !== null) {
      this.#peer = null;
      this.#socket.disconnect();
    }
    this.#waitCallback<void>(call, (waiter) => {
      this.#socket.connect(port, host, (error?: Error) => {
        if (error === undefined || error === null) waiter.wake(undefined);
        else waiter.throw(error);
      });
    });
    const peer = this.#socket.remoteAddress();
    this.#peer = [peer.address, peer.port];
  }

  // --- Sending

  /**
   * Sends `data` as one datagram to `addr` (`[host, port]`; a host name is resolved by Node,
   * host '' means this machine) and returns the number of bytes sent. Binds an unbound socket
   * first. Blocks the calling green thread until Node has handed the datagram to the kernel, so
   * a failure is thrown here. Interrupted (timeout, kill, Timeout), the datagram may still go
   * out; do not modify a buffer handed to an interrupted sendto.
   * @throws Node's error (`EMSGSIZE` for a datagram too large, `ENOTFOUND`, ...);
   *   SocketTimeoutError, SocketClosedError; TypeError/RangeError for bad arguments.
   */
  sendto(data: SocketData, addr: HostPort): number {
    const call = 'GreenUdpSocket.sendto()';
    validateData(data, call);
    const where = parseAddress(addr, call, false);
    if (where.kind !== 'ip') return 0;
    const port = destinationPort(where.port, call);
    const host = this.#remoteHost(where.host, call);
    requireGreenThread(call);
    this.#checkOpen(call);
    this.#throwPending();
    if (this.#peer !== null) {
      // Node refuses a destination on a connected socket; Linux sends there anyway. Say so.
      throw Object.assign(new Error(`${call}: the socket is connected to ${formatAddress(this.#peer)}; use send()`),
        { code: 'EISCONN', errno: -106, syscall: 'sendto' });
    }
    this.#ensureBound(call);
    return this.#waitCallback<number>(call, (waiter) => {
      this.#socket.send(data, port, host, (error, bytes) => {
        if (error === null || error === undefined) waiter.wake(bytes);
        else waiter.throw(error);
      });
    });
  }

  /**
   * Sends `data` as one datagram to the address given to connect(), and returns the number of
   * bytes sent; otherwise as {@link sendto}.
   * @throws Error with code EDESTADDRREQ when the socket is not connected.
   */
  send(data: SocketData): number {
    const call = 'GreenUdpSocket.send()';
    validateData(data, call);
    requireGreenThread(call);
    this.#checkOpen(call);
    this.#throwPending();
    if (this.#peer === null) throw noDestination(call);
    return this.#waitCallback<number>(call, (waiter) => {
      this.#socket.send(data, (error, bytes) => {
        if (error === null || error === undefined) waiter.wake(bytes);
        else waiter.throw(error);
      });
    });
  }

  // Starts a Node operation that reports through a callback (`start` passes it the waiter to
  // wake or throw) and blocks for it, for at most the socket's timeout.
  #waitCallback<V>(call: string, start: (waiter: Waiter<V>) => void): V {
    const waiter = new Waiter<V>(requireGreenThread(call));
    this.#waiting.add(waiter);
    try {
      try {
        start(waiter);
      } catch (error) {
        waiter.abandon();
        throw error;
      }
      const result = waitTimed(waiter, call, this.#timeout);
      if (result === TIMED_OUT) throw timedOut(call, this.#timeout);
      return result;
    } finally {
      this.#waiting.delete(waiter);
    }
  }

  // --- Receiving

  /**
   * Returns the next datagram and its sender: `[data, [host, port]]`, blocking the green thread
   * until one arrives; returns at once, without a switch, when one is queued. A datagram longer
   * than `maxBytes` is truncated and the rest of it discarded, as in Python (one datagram per
   * call, never part of one). Datagrams are queued up to 1,024 of them or 4 MiB; beyond that
   * the newest are dropped until the socket is read (see droppedDatagrams).
   * @throws SocketTimeoutError after the socket's timeout (a datagram arriving later is kept
   *   for the next call); SocketBusyError if another green thread is blocked receiving on this
   *   socket; SocketClosedError after close(); Node's error once when the kernel reported one
   *   (`ECONNREFUSED` on a connected socket whose peer is not listening).
   * @param options `signal`: aborting it interrupts the wait as the socket's timeout would (a
   *   datagram arriving later is kept), throwing its reason.
   */
  recvfrom(maxBytes: number, options?: SignalOptions): UdpDatagram {
    const call = 'GreenUdpSocket.recvfrom()';
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.recvfrom(maxBytes));
    }
    const max = validateByteCount(maxBytes, call, 'maxBytes');
    this.#waitDatagram(call);
    const from = this.#from[this.#head] as dgram.RemoteInfo;
    return [this.#shift(max), [from.address, from.port]];
  }

  /** Like {@link recvfrom}, returning only the data. */
  recv(maxBytes: number, options?: SignalOptions): Buffer {
    const call = 'GreenUdpSocket.recv()';
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.recv(maxBytes));
    }
    const max = validateByteCount(maxBytes, call, 'maxBytes');
    this.#waitDatagram(call);
    return this.#shift(max);
  }

  // Returns once a datagram is queued; throws a pending error when none is.
  #waitDatagram(call: string): void {
    for (;;) {
      this.#checkOpen(call);
      if (this.#head < this.#data.length) return;
      this.#throwPending();
      this.#waitReadable(call);
    }
  }

  #waitReadable(call: string): void {
    const thread = requireGreenThread(call);
    if (this.#reader !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked receiving on this socket (a second simultaneous read)`);
    }
    const waiter = new Waiter<void>(thread);
    this.#reader = waiter;
    try {
      if (waitTimed(waiter, call, this.#timeout) === TIMED_OUT && this.#head === this.#data.length &&
        this.#error === null && !this.#closed) {
        throw timedOut(call, this.#timeout);
      }
    } finally {
      this.#reader = null;
    }
  }

  // Takes the first queued datagram, truncated to `max` bytes.
  #shift(max: number): Buffer {
    const head = this.#head;
    const data = this.#data[head] as Buffer;
    this.#data[head] = undefined;
    this.#from[head] = undefined;
    this.#head = head + 1;
    this.#queuedBytes -= data.length;
    if (this.#head === this.#data.length) {
      this.#data.length = 0;
      this.#from.length = 0;
      this.#head = 0;
    } else if (this.#head >= MAX_QUEUED_DATAGRAMS && this.#head * 2 >= this.#data.length) {
      // A reader that never empties the queue: drop the consumed slots now and then.
      this.#data.splice(0, this.#head);
      this.#from.splice(0, this.#head);
      this.#head = 0;
    }
    return data.length > max ? data.subarray(0, max) : data;
  }

  #throwPending(): void {
    const error = this.#error;
    if (error !== null) {
      this.#error = null;
      throw error;
    }
  }

  // --- Addresses

  #anyAddress(): string {
    return this.#family === 6 ? '::' : '0.0.0.0';
  }

  // A destination host: '' is this machine; an IP address must be of the socket's family.
  #remoteHost(host: string, call: string): string {
    if (host === '') return this.#family === 6 ? '::1' : '127.0.0.1';
    return this.#checkFamily(host, call);
  }

  #checkFamily(host: string, call: string): string {
    const literal = net.isIP(host);
    if (literal !== 0 && literal !== this.#family) {
      const hint = this.#family === 6 ? ` (an IPv4 address reaches a family-6 socket as '::ffff:${host}')` : ' (make the socket with family 6)';
      throw typeError(`${call}: ${host} is an IPv${literal} address but the socket's family is ${this.#family}${hint}`);
    }
    return host;
  }

  #checkOpen(call: string): void {
    if (this.#closed) throw new SocketClosedError(`${call}: the socket is closed`);
  }

  /**
   * This end's address, `[host, port]`: `['0.0.0.0', 0]` (`['::', 0]` for family 6) while the
   * socket is not bound yet, as in Python.
   * @throws SocketClosedError after close().
   */
  getsockname(): [host: string, port: number] {
    this.#checkOpen('GreenUdpSocket.getsockname()');
    if (this.#bind !== Bind.Bound) return [this.#anyAddress(), 0];
    const local = this.#socket.address();
    return [local.address, local.port];
  }

  /**
   * The address given to connect(), `[host, port]`.
   * @throws Error with code ENOTCONN when the socket is not connected; SocketClosedError after close().
   */
  getpeername(): [host: string, port: number] {
    const call = 'GreenUdpSocket.getpeername()';
    this.#checkOpen(call);
    if (this.#peer === null) throw notConnected(call);
    return [this.#peer[0], this.#peer[1]];
  }

  /** The address family of the socket: 4 or 6. */
  get family(): 4 | 6 {
    return this.#family;
  }

  // --- Options and closing

  /**
   * Sets the timeout of every later blocking call on this socket: `seconds` (a blocked call
   * throws SocketTimeoutError after that long), or `null` (block without limit, the default).
   */
  setTimeout(seconds: number | null): void {
    this.#timeout = seconds === null ? null : validateSeconds(seconds, 'GreenUdpSocket.setTimeout()');
  }

  /** The timeout set by setTimeout, in seconds; `null` for none. */
  gettimeout(): number | null {
    return this.#timeout;
  }

  /**
   * Closes the socket; queued datagrams are discarded. A green thread blocked on the socket
   * (recvfrom, sendto, ...) gets SocketClosedError; so does any later use. Calling it again does
   * nothing.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#data = [];
    this.#from = [];
    this.#head = 0;
    this.#queuedBytes = 0;
    this.#error = null;
    const message = 'the socket was closed by another green thread while this one was blocked on it';
    this.#reader?.throw(new SocketClosedError(message));
    for (const waiter of this.#waiting) waiter.throw(new SocketClosedError(message));
    try {
      this.#socket.close();
    } catch {
      // Closed already, through nodeSocket.
    }
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Datagrams received and not read yet. */
  get queuedDatagrams(): number {
    return this.#data.length - this.#head;
  }

  /** Datagrams dropped because the queue was full (see recvfrom), since the socket was made. */
  get droppedDatagrams(): number {
    return this.#dropped;
  }

  /** The operating system's file descriptor of the socket; -1 before it is bound and once closed. */
  fileno(): number {
    return this.#closed ? -1 : handleFd(this.#socket);
  }

  /** The underlying `dgram.Socket` (setBroadcast, multicast, buffer sizes, ...). */
  get nodeSocket(): dgram.Socket {
    return this.#socket;
  }

  /** Closes the socket: `using sock = bindUdp(addr)` closes it at the end of the block. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** @internal */
  [inspect.custom](): string {
    if (this.#closed) return 'GreenUdpSocket { closed }';
    const local = this.#bind === Bind.Bound ? formatAddress(this.getsockname()) : 'not bound';
    const peer = this.#peer === null ? '' : `, peer: ${formatAddress(this.#peer)}`;
    const queued = this.queuedDatagrams > 0 ? `, queued: ${this.queuedDatagrams}` : '';
    return `GreenUdpSocket { ${local}${peer}${queued} }`;
  }
}

/**
 * Makes an unbound UDP socket of address family `family` (4 or 6), like Python's
 * `socket.socket(AF_INET, SOCK_DGRAM)`. The first sendto() or connect() binds it to a free port;
 * bind() binds it to an address of your choice.
 */
export function udpSocket(family: 4 | 6 = 4): GreenUdpSocket {
  if (family !== 4 && family !== 6) throw typeError(`udpSocket(): family must be 4 or 6, got ${describe(family)}`);
  return new GreenUdpSocket(dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4' }), family);
}

/**
 * Opens a UDP socket bound to `addr`: `[host, port]`, host '' meaning every interface, port 0 a
 * free port (see getsockname()). The family is `options.family`, else 6 for an IPv6 host
 * address and 4 otherwise. Blocks the calling green thread until the socket is bound.
 * @throws Node's error (`EADDRINUSE`, `EADDRNOTAVAIL`, ...) when the address cannot be used;
 *   TypeError/RangeError for bad arguments; NotInGreenThreadError from plain JavaScript.
 */
export function bindUdp(addr: HostPort, options?: BindUdpOptions): GreenUdpSocket {
  const call = 'bindUdp()';
  const where = parseAddress(addr, call, false);
  validateOptions(options, call, ['family', 'reuseAddr']);
  const host = where.kind === 'ip' ? where.host : '';
  const family = validateFamily(options?.family, call) ?? (net.isIPv6(host) ? 6 : 4);
  const reuseAddr = options?.reuseAddr ?? false;
  if (typeof reuseAddr !== 'boolean') throw typeError(`${call}: reuseAddr must be a boolean, got ${describe(reuseAddr)}`);
  requireGreenThread(call);
  const sock = new GreenUdpSocket(dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', reuseAddr }), family);
  try {
    sock.bindTo(addr, call);
  } catch (error) {
    sock.close();
    throw error;
  }
  return sock;
}
