// ReadBuffer: the bytes a socket has received and nobody has read yet, as the chunks Node
// delivered them. Reads take from the front without copying when one chunk covers them, so a
// `recv` that finds data waiting costs a slice, not a copy.

const EMPTY = Buffer.alloc(0);

/** @internal The unread bytes of one socket (see the header). */
export class ReadBuffer {
  // Chunks in arrival order, consumed from `head`; the first `offset` bytes of chunks[head]
  // have been read already.
  private chunks: Buffer[] = [];
  private head = 0;
  private offset = 0;
  /** Bytes waiting. */
  length = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** Takes up to `max` bytes from the front (an empty Buffer when none wait). */
  take(max: number): Buffer {
    if (this.length === 0 || max <= 0) return EMPTY;
    const first = this.chunks[this.head] as Buffer;
    const inFirst = first.length - this.offset;
    if (max >= inFirst) {
      // The rest of the first chunk, as it is (the common case: one recv per chunk).
      if (max === inFirst || this.head + 1 === this.chunks.length) {
        const out = this.offset === 0 ? first : first.subarray(this.offset);
        this.dropFirst();
        this.length -= out.length;
        return out;
      }
    } else {
      const out = first.subarray(this.offset, this.offset + max);
      this.offset += max;
      this.length -= max;
      return out;
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
    let base = 0;
    for (let i = this.head; i < this.chunks.length && base < end; i++) {
      const chunk = this.chunks[i] as Buffer;
      const start = i === this.head ? this.offset : 0;
      const size = chunk.length - start;
      if (from < base + size) {
        const lo = start + Math.max(0, from - base);
        const hi = start + Math.min(size, end - base);
        const at = chunk.indexOf(byte, lo);
        if (at >= 0 && at < hi) return base + (at - start);
      }
      base += size;
    }
    return -1;
  }

  /** Forgets every waiting byte. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.offset = 0;
    this.length = 0;
  }

  // Moves `count` (<= length) bytes from the front into `target`.
  private copyInto(target: Uint8Array, count: number): void {
    let done = 0;
    while (done < count) {
      const chunk = this.chunks[this.head] as Buffer;
      const n = Math.min(count - done, chunk.length - this.offset);
      chunk.copy(target, done, this.offset, this.offset + n);
      done += n;
      this.offset += n;
      if (this.offset === chunk.length) this.dropFirst();
    }
    this.length -= count;
  }

  private dropFirst(): void {
    this.chunks[this.head++] = EMPTY;
    this.offset = 0;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
