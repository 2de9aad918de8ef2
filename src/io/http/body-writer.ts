// BodyWriter: blocking writes of an HTTP message body (a server's response, a client's
// request) to the Node stream that sends it. A write that Node buffers past its high-water
// mark blocks the green thread until the stream drains, so a slow peer slows only the green
// thread writing to it, and a body produced chunk by chunk (an iterable, a generator that
// blocks between chunks, a readable stream) is sent as it is produced, never held whole.
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { SocketBusyError, SocketClosedError, typeError } from '../../errors';
import { waitFor } from '../../green/wait-for';
import { requireGreenThread, type Waiter } from '../../hub/waiter';
import { describe } from '../../validate';
import { reuseWaiter } from '../socket-wait';
import { BodyReader } from './body-reader';

/** One piece of a body: text (sent as UTF-8) or bytes. */
export type BodyChunk = string | Uint8Array;

/**
 * A body to send: text or bytes, an iterable of chunks (a generator may block between them),
 * an async iterable of chunks (a web ReadableStream), a Node readable stream, or nothing.
 */
export type BodySource = BodyChunk | Iterable<BodyChunk> | AsyncIterable<BodyChunk> | Readable | null | undefined;

/** The byte length of `body` when it is known before sending it (text, bytes, nothing), else null. */
export function knownLength(body: BodySource): number | null {
  if (body === null || body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  if (body instanceof Uint8Array) return body.length;
  return null;
}

/** Whether `value` can be sent as a body (see {@link BodySource}). */
export function isBodySource(value: unknown): value is BodySource {
  if (value === null || value === undefined || typeof value === 'string' || value instanceof Uint8Array) return true;
  if (typeof value !== 'object' && typeof value !== 'function') return false;
  const object = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof object[Symbol.iterator] === 'function' || typeof object[Symbol.asyncIterator] === 'function';
}

/**
 * @internal Blocking writes of one body to `out` (a ServerResponse or a ClientRequest), for
 * one green thread at a time.
 */
export class BodyWriter {
  readonly #out: Writable;
  readonly #call: string;
  #listening = false;
  #closed = false;
  #finished = false;
  #error: Error | null = null;
  #writer: Waiter<void> | null = null;
  #spare: Waiter<void> | null = null;
  /** Body bytes handed to Node so far. */
  bytesWritten = 0;

  /**
   * @param out The message being sent.
   * @param call What writes are named in errors, e.g. `'res'`: errors say `res.write()`.
   */
  constructor(out: Writable, call: string) {
    this.#out = out;
    this.#call = call;
  }

  /**
   * Sends `chunk`, blocking the green thread while Node holds more of this message unsent than
   * its high-water mark (until the peer has taken enough).
   * @throws TypeError for a chunk that is not text or bytes; SocketClosedError once the
   *   connection is closed (the peer went away); the stream's error (`ECONNRESET`, ...).
   */
  write(chunk: BodyChunk): void {
    this.#write(chunk, `${this.#call}.write()`);
  }

  /** Sends every chunk of `body` (see {@link BodySource}) as it is produced; does not end the message. */
  writeAll(body: BodySource): void {
    const call = `${this.#call}.write()`;
    if (body === null || body === undefined) return;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      this.#write(body, call);
    } else if (body instanceof Readable) {
      for (const chunk of new BodyReader(body, this.#call)) this.#write(chunk, call);
    } else if (typeof (body as Iterable<BodyChunk>)[Symbol.iterator] === 'function') {
      for (const chunk of body as Iterable<BodyChunk>) this.#write(chunk, call);
    } else if (typeof (body as AsyncIterable<BodyChunk>)[Symbol.asyncIterator] === 'function') {
      const chunks = (body as AsyncIterable<BodyChunk>)[Symbol.asyncIterator]();
      try {
        for (let next; !(next = waitFor(chunks.next())).done;) this.#write(next.value, call);
      } catch (error) {
        // Tells the source nobody reads on (a web stream cancels, a generator runs its finally).
        void chunks.return?.()?.then(undefined, ignore);
        throw error;
      }
    } else {
      throw typeError(`${call}: a body must be a string, bytes, an iterable of chunks or a readable stream, got ${describe(body)}`);
    }
  }

  /** Ends the message, with `chunk` as its last piece; does not wait for it to be sent. */
  end(chunk?: BodyChunk): void {
    const call = `${this.#call}.end()`;
    if (this.#out.writableEnded) return;
    if (chunk !== undefined) this.#write(chunk, call);
    this.#checkOpen(call, true);
    this.#out.end();
  }

  /**
   * Blocks until the ended message has been handed to the operating system.
   * @throws SocketClosedError when the connection closed first; the stream's error.
   */
  waitFinished(): void {
    const call = `${this.#call}.end()`;
    const out = this.#out;
    this.#listen();
    while (!this.#finished && !out.writableFinished) {
      this.#checkOpen(call, false);
      this.#wait(call);
    }
  }

  #write(chunk: BodyChunk, call: string): void {
    let size: number;
    if (typeof chunk === 'string') size = Buffer.byteLength(chunk);
    else if (chunk instanceof Uint8Array) size = chunk.length;
    else throw typeError(`${call}: a body chunk must be a string, a Buffer or a Uint8Array, got ${describe(chunk)}`);
    this.#checkOpen(call, true);
    if (size === 0) return;
    const out = this.#out;
    this.bytesWritten += size;
    if (out.write(chunk)) return;
    // Over the high-water mark: wait for 'drain' (or for the connection to go).
    this.#listen();
    while (out.writableNeedDrain) {
      this.#checkOpen(call, false);
      this.#wait(call);
    }
    this.#checkOpen(call, false);
  }

  // `writing`: the caller is about to write (a write after end is an error, not a no-op).
  #checkOpen(call: string, writing: boolean): void {
    if (this.#error !== null) throw this.#error;
    const out = this.#out;
    if (writing && out.writableEnded) throw new SocketClosedError(`${call}: the message has been ended already`);
    if ((this.#closed || out.destroyed) && !this.#finished && !out.writableFinished) {
      throw new SocketClosedError(`${call}: the connection is closed (the peer went away before the message was sent)`);
    }
  }

  #wait(call: string): void {
    const thread = requireGreenThread(call);
    if (this.#writer !== null) {
      throw new SocketBusyError(`${call}: another green thread is already blocked writing this message`);
    }
    const waiter = reuseWaiter(this.#spare, thread);
    this.#writer = waiter;
    try {
      waiter.wait(call);
    } finally {
      this.#writer = null;
      this.#spare = waiter;
    }
  }

  #listen(): void {
    if (this.#listening) return;
    this.#listening = true;
    const out = this.#out;
    out.on('drain', this.#onDrain);
    out.on('finish', this.#onFinish);
    out.on('close', this.#onClose);
    out.on('error', this.#onError);
  }

  readonly #onDrain = (): void => {
    this.#writer?.wake(undefined);
  };

  readonly #onFinish = (): void => {
    this.#finished = true;
    this.#writer?.wake(undefined);
  };

  readonly #onClose = (): void => {
    this.#closed = true;
    this.#writer?.wake(undefined);
  };

  readonly #onError = (error: Error): void => {
    this.#error ??= error;
    this.#writer?.wake(undefined);
  };
}

function ignore(): void {
  // A source that fails while being cancelled has nobody left to tell.
}
