// ReadBuffer: the bytes a socket has received and nobody has read yet, as the chunks Node
// delivered them. Reads take from the front without copying when one chunk covers them, so a
// `recv` that finds data waiting costs a slice, not a copy. The front chunk has a field of its
// own: the common case (one chunk arrives, one recv takes it) touches no array, so a message
// allocates nothing here (an array emptied and pushed to again would grow a new backing store
// every time).

const EMPTY = Buffer.alloc(0);

/** @internal The unread bytes of one socket (see the header). */
export class ReadBuffer {
  // The front chunk, of which the first `offset` bytes have been read already; EMPTY when
  // nothing waits.
  private first: Buffer = EMPTY;
  private offset = 0;
  // The chunks behind it in arrival order, consumed from `restHead`.
  private rest: Buffer[] = [];
  private restHead = 0;
  /** Bytes waiting. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.length === 0) {
      this.first = chunk;
      this.offset = 0;
    } else {
      this.rest.push(chunk);
    }
    this.length += chunk.length;
  }

  /** Takes up to `max` bytes from the front (an empty Buffer when none wait). */
  take(max: number): Buffer {
    if (this.length === 0 || max <= 0) return EMPTY;
    const first = this.first;
    const offset = this.offset;
    const inFirst = first.length - offset;
    if (max < inFirst) {
      this.offset = offset + max;
      this.length -= max;
      return first.subarray(offset, offset + max);
    }
    // The rest of the first chunk, as it is (the common case: one recv per chunk).
    if (max === inFirst || this.length === inFirst) {
      this.dropFirst();
      this.length -= inFirst;
      return offset === 0 ? first : first.subarray(offset);
    }
    const out = Buffer.allocUnsafe(Math.min(max, this.length));
    this.copyInto(out, out.length);
    return out;
  }

  /** Copies up to `max` bytes from the front into `target`; returns how many. */
  takeInto(target: Uint8Array, max: number): number {
    const count = Math.min(max, this.length, target.byteLength);
    if (count > 0) this.copyInto(target, count);
    return count;
  }

  /**
   * The offset of the first `byte` in the waiting bytes, searching from offset `from` up to
   * (not including) `end`; -1 if there is none there.
   */
  indexOf(byte: number, from: number, end: number): number {
    end = Math.min(end, this.length);
    let chunk = this.first;
    let start = this.offset;
    let next = this.restHead;
    let base = 0;
    while (base < end) {
      const size = chunk.length - start;
      if (from < base + size) {
        const lo = start + Math.max(0, from - base);
        const hi = start + Math.min(size, end - base);
        const at = chunk.indexOf(byte, lo);
        if (at >= 0 && at < hi) return base + (at - start);
      }
      base += size;
      if (next === this.rest.length) break;
      chunk = this.rest[next++] as Buffer;
      start = 0;
    }
    return -1;
  }

  /** Forgets every waiting byte. */
  clear(): void {
    this.first = EMPTY;
    this.offset = 0;
    this.rest = [];
    this.restHead = 0;
    this.length = 0;
  }

  // Moves `count` (<= length) bytes from the front into `target`.
  private copyInto(target: Uint8Array, count: number): void {
    let done = 0;
    while (done < count) {
      const chunk = this.first;
      const n = Math.min(count - done, chunk.length - this.offset);
      chunk.copy(target, done, this.offset, this.offset + n);
      done += n;
      this.offset += n;
      if (this.offset === chunk.length) this.dropFirst();
    }
    this.length -= count;
  }

  // The next chunk in line becomes the front one.
  private dropFirst(): void {
    this.offset = 0;
    const rest = this.rest;
    if (this.restHead === rest.length) {
      this.first = EMPTY;
      return;
    }
    this.first = rest[this.restHead] as Buffer;
    rest[this.restHead++] = EMPTY;
    if (this.restHead === rest.length) {
      rest.length = 0;
      this.restHead = 0;
    } else if (this.restHead >= 64 && this.restHead * 2 >= rest.length) {
      this.rest = rest.slice(this.restHead);
      this.restHead = 0;
    }
  }
}
