// BodyReader: blocking reads of an HTTP message body (a server's request, a client's
// response) from the Node stream that carries it. The stream is paused whenever more than a
// high-water mark waits unread, so a body of any size streams through in bounded memory and a
// reader that stops reading holds back only its own connection. Nothing is attached to the
// stream before the first read: a handler that never reads a body costs no listeners, and the
// first read is where a server answers `Expect: 100-continue`.
import type { Readable } from 'node:stream';
import { rangeError, SocketBusyError, typeError } from '../../errors';
import { signalOption, underSignal, type SignalOptions } from '../../hub/abort-watch';
import { requireGreenThread, type Waiter } from '../../hub/waiter';
import { describe } from '../../validate';
import { ReadBuffer } from '../read-buffer';
import { reuseWaiter, timedOut, TIMED_OUT, waitTimed } from '../socket-wait';

const EMPTY = Buffer.alloc(0);
// Unread bytes beyond which the stream is paused until a reader takes some.
const HIGH_WATER = 256 * 1024;

/** Hooks of a {@link BodyReader}'s owner. */
export interface BodyReaderHooks {
  /** Called once, before the first read touches the stream (a server's `100 Continue`). */
  beforeFirstRead?: () => void;
}

/**
 * @internal Blocking reads of one HTTP body from `stream` (an IncomingMessage), for one green
 * thread at a time. Reads return Buffers; an empty Buffer means the body has ended.
 */
export class BodyReader {
  readonly #stream: Readable;
  readonly #call: string;
  #beforeFirstRead: (() => void) | undefined;
  #attached = false;
  #buffer = new ReadBuffer();
  #ended = false;
  #error: Error | null = null;
  #paused = false;
  #discarding = false;
  #reader: Waiter<void> | null = null;
  #spare: Waiter<void> | null = null;
  /** Bytes handed to readers so far. */
  bytesRead = 0;
  /** Seconds a blocking read waits for more of the body before SocketTimeoutError (null: no limit). */
  timeout: number | null = null;

  /**
   * @param stream The body's stream; nothing may have consumed it yet.
   * @param call What reads are named in errors, e.g. `'req'`: errors say `req.read()`.
   */
  constructor(stream: Readable, call: string, hooks?: BodyReaderHooks) {
    this.#stream = stream;
    this.#call = call;
    this.#beforeFirstRead = hooks?.beforeFirstRead;
    // A body already complete (a bodyless request) needs no listener to say so.
    if (stream.readableEnded) this.#ended = true;
  }

  /** Whether the whole body has been read (or discarded). */
  get ended(): boolean {
    return this.#ended && this.#buffer.length === 0;
  }

  /**
   * Returns up to `maxBytes` bytes of the body (default: whatever has arrived), blocking the
   * green thread until at least one is there; an empty Buffer at the end of the body.
   * @throws SocketTimeoutError after `timeout` seconds without data; Node's error (`ECONNRESET`
   *   when the peer went away mid-body) once, the end after that; SocketBusyError while another
   *   green thread is blocked reading this body; the reason of an aborted `signal`.
   */
  read(maxBytes?: number, options?: SignalOptions): Buffer {
    const call = `${this.#call}.read()`;
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.read(maxBytes));
    }
    let max = Infinity;
    if (maxBytes !== undefined) {
      if (typeof maxBytes !== 'number' || !Number.isInteger(maxBytes)) throw typeError(`${call}: maxBytes must be an integer, got ${describe(maxBytes)}`);
      if (maxBytes < 0) throw rangeError(`${call}: maxBytes must be >= 0, got ${maxBytes}`);
      max = maxBytes;
    }
    return this.#read(max, call);
  }

  /** The rest of the body in one Buffer, blocking until it has all arrived. */
  readAll(options?: SignalOptions): Buffer {
    const call = `${this.#call}.readAll()`;
    if (options !== undefined) {
      const signal = signalOption(options, call);
      if (signal !== undefined) return underSignal(signal, () => this.readAll());
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for (let chunk; (chunk = this.#read(Infinity, call)).length > 0;) {
      chunks.push(chunk);
      size += chunk.length;
    }
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
  }

  /** The rest of the body decoded as UTF-8. */
  text(options?: SignalOptions): string {
    return this.readAll(options).toString('utf8');
  }

  /**
   * The rest of the body parsed as JSON.
   * @throws SyntaxError (JSON.parse's) when it is not JSON.
   */
  json(options?: SignalOptions): unknown {
    return JSON.parse(this.text(options)) as unknown;
  }

  /** The rest of the body, chunk by chunk as it arrives. */
  *[Symbol.iterator](): Iterator<Buffer> {
    const call = `${this.#call}[Symbol.iterator]()`;
    for (let chunk; (chunk = this.#read(Infinity, call)).length > 0;) yield chunk;
  }

  /**
   * Drops the rest of the body without blocking: what is buffered now and whatever still
   * arrives. For an owner done with a message whose body nobody wanted.
   */
  discard(): void {
    this.#buffer.clear();
    if (this.#ended || this.#discarding) return;
    this.#discarding = true;
    this.#beforeFirstRead = undefined;
    this.#attach();
    if (this.#paused) {
      this.#paused = false;
      this.#stream.resume();
    }
  }

  #read(max: number, call: string): Buffer {
    if (this.#discarding) return EMPTY;
    if (!this.#attached) {
      const hook = this.#beforeFirstRead;
      this.#beforeFirstRead = undefined;
      hook?.();
      this.#attach();
    }
    for (;;) {
      const buffer = this.#buffer;
      if (buffer.length > 0) {
        const chunk = buffer.take(max === Infinity ? buffer.length : max);
        this.bytesRead += chunk.length;
        if (this.#paused && buffer.length < HIGH_WATER) {
          this.#paused = false;
          this.#stream.resume();
        }
        return chunk;
      }
      const error = this.#error;
      if (error !== null) {
        this.#error = null;
        this.#ended = true;
        throw error;
      }
      if (this.#ended || max === 0) return EMPTY;
      this.#wait(call);
    }
  }

  #wait(call: string): void {
    const thread = requireGreenThread(call);
    if (this.#reader !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked reading this body`);
    }
    if (this.#paused) {
      this.#paused = false;
      this.#stream.resume();
    }
    const waiter = reuseWaiter(this.#spare, thread);
    this.#reader = waiter;
    try {
      if (waitTimed(waiter, call, this.timeout) === TIMED_OUT && this.#buffer.length === 0 && !this.#ended && this.#error === null) {
        throw timedOut(call, this.timeout);
      }
    } finally {
      this.#reader = null;
      this.#spare = waiter;
    }
  }

  #attach(): void {
    if (this.#attached) return;
    this.#attached = true;
    const stream = this.#stream;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('error', this.#onError);
    stream.on('close', this.#onClose);
    // An IncomingMessage that ended before anyone listened has emitted its 'end' already.
    if (stream.readableEnded) this.#onEnd();
    else if (stream.destroyed) this.#onClose();
  }

  readonly #onData = (chunk: Buffer | string): void => {
    if (this.#discarding) return;
    const buffer = this.#buffer;
    buffer.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    // Even with a reader woken and about to run: a stream may deliver much more in this tick.
    if (buffer.length >= HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.#stream.pause();
    }
    this.#reader?.wake(undefined);
  };

  readonly #onEnd = (): void => {
    this.#ended = true;
    this.#reader?.wake(undefined);
  };

  readonly #onError = (error: Error): void => {
    if (this.#ended) return;
    this.#error ??= error;
    this.#reader?.wake(undefined);
  };

  // Closed before its end with no error said (a peer that went away): the body is cut short.
  readonly #onClose = (): void => {
    if (this.#ended) return;
    this.#error ??= truncated(`${this.#call}: the connection closed before the end of the body`);
    this.#reader?.wake(undefined);
  };
}

/** Node's shape for a connection lost mid-message: an Error with code ECONNRESET. */
function truncated(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}
