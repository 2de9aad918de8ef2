// ReadBuffer, the bytes a socket received and nobody read yet: take/takeInto/indexOf across
// chunk boundaries give exactly the bytes pushed, in order; a take that one chunk covers returns
// that chunk (or a view of it) without copying; a long random sequence of operations matches a
// plain reference model.
import { ReadBuffer } from '../../src/io/read-buffer';
import { rng } from '../helpers';

function bufferOf(...chunks: string[]): ReadBuffer {
  const buffer = new ReadBuffer();
  for (const chunk of chunks) buffer.push(Buffer.from(chunk));
  return buffer;
}

/** Whether `a` is a view of `b`'s memory (no copy was made). */
function sharesMemory(a: Buffer, b: Buffer): boolean {
  return a.buffer === b.buffer && a.byteOffset >= b.byteOffset && a.byteOffset + a.length <= b.byteOffset + b.length;
}

describe('take', () => {
  test('an empty buffer gives an empty Buffer, and so does max <= 0', () => {
    const empty = new ReadBuffer();
    expect(empty.take(10)).toEqual(Buffer.alloc(0));
    const buffer = bufferOf('abc');
    expect(buffer.take(0).length).toBe(0);
    expect(buffer.take(-1).length).toBe(0);
    expect(buffer.length).toBe(3);
  });

  test('pushing an empty chunk changes nothing', () => {
    const buffer = new ReadBuffer();
    buffer.push(Buffer.alloc(0));
    expect(buffer.length).toBe(0);
    buffer.push(Buffer.from('x'));
    buffer.push(Buffer.alloc(0));
    expect(buffer.take(10).toString()).toBe('x');
    expect(buffer.length).toBe(0);
  });

  test('a take of exactly the first chunk returns that very chunk (zero copy)', () => {
    const buffer = new ReadBuffer();
    const a = Buffer.from('hello');
    const b = Buffer.from('world');
    buffer.push(a);
    buffer.push(b);
    expect(buffer.take(5)).toBe(a);
    expect(buffer.length).toBe(5);
    expect(buffer.take(100)).toBe(b);
    expect(buffer.length).toBe(0);
  });

  test('a take larger than the only chunk returns it as it is', () => {
    const buffer = new ReadBuffer();
    const a = Buffer.from('only');
    buffer.push(a);
    expect(buffer.take(1 << 20)).toBe(a);
  });

  test('a take inside the first chunk is a view of it, and the rest follows (zero copy)', () => {
    const buffer = new ReadBuffer();
    const a = Buffer.from('abcdefgh');
    buffer.push(a);
    buffer.push(Buffer.from('ij'));
    const first = buffer.take(3);
    expect(first.toString()).toBe('abc');
    expect(sharesMemory(first, a)).toBe(true);
    const second = buffer.take(2);
    expect(second.toString()).toBe('de');
    expect(sharesMemory(second, a)).toBe(true);
    // The rest of the first chunk, exactly: a view of it too.
    const rest = buffer.take(3);
    expect(rest.toString()).toBe('fgh');
    expect(sharesMemory(rest, a)).toBe(true);
    expect(buffer.take(10).toString()).toBe('ij');
  });

  test('a take spanning chunks copies them together, in order', () => {
    const buffer = bufferOf('ab', 'cde', 'f', 'ghij');
    expect(buffer.take(1).toString()).toBe('a');
    const spanning = buffer.take(6);
    expect(spanning.toString()).toBe('bcdefg');
    expect(buffer.length).toBe(3);
    expect(buffer.take(100).toString()).toBe('hij');
    expect(buffer.length).toBe(0);
  });

  test('a take of more than is there spanning chunks returns all of it', () => {
    const buffer = bufferOf('ab', 'cd', 'ef');
    const all = buffer.take(1000);
    expect(all.toString()).toBe('abcdef');
    expect(all.length).toBe(6);
    expect(buffer.length).toBe(0);
    expect(buffer.take(1).length).toBe(0);
  });

  test('a copy made by a spanning take does not change when the source chunks do', () => {
    const a = Buffer.from('xy');
    const b = Buffer.from('z');
    const buffer = new ReadBuffer();
    buffer.push(a);
    buffer.push(b);
    const out = buffer.take(3);
    a.fill(0);
    b.fill(0);
    expect(out.toString()).toBe('xyz');
  });

  test('thousands of one-byte chunks are read back in order (the consumed prefix is compacted)', () => {
    const buffer = new ReadBuffer();
    const n = 5000;
    for (let i = 0; i < n; i++) buffer.push(Buffer.from([i & 0xff]));
    const seen: number[] = [];
    // Interleave takes and pushes so the consumed head moves while chunks keep arriving.
    for (let i = 0; i < n; i++) {
      const got = buffer.take(1);
      seen.push(got[0] as number);
      if (i % 3 === 0) buffer.push(Buffer.from([(n + i) & 0xff]));
    }
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
    const rest = buffer.take(buffer.length);
    const expected = Buffer.from(Array.from({ length: Math.ceil(n / 3) }, (_, k) => (n + 3 * k) & 0xff));
    expect(rest.equals(expected)).toBe(true);
  });
});

describe('takeInto', () => {
  test('copies across chunk boundaries, bounded by max, the buffer and what waits', () => {
    const buffer = bufferOf('abc', 'defg', 'h');
    const target = Buffer.alloc(5, '.');
    expect(buffer.takeInto(target, 100)).toBe(5);
    expect(target.toString()).toBe('abcde');
    const small = Buffer.alloc(10, '.');
    expect(buffer.takeInto(small, 2)).toBe(2);
    expect(small.toString()).toBe('fg........');
    expect(buffer.takeInto(small, 10)).toBe(1);
    expect(small.toString()).toBe('hg........');
    expect(buffer.length).toBe(0);
    expect(buffer.takeInto(small, 10)).toBe(0);
  });

  test('works into a plain Uint8Array and with max 0', () => {
    const buffer = bufferOf('xyz');
    const target = new Uint8Array(4);
    expect(buffer.takeInto(target, 0)).toBe(0);
    expect(buffer.takeInto(target, 4)).toBe(3);
    expect(Buffer.from(target.subarray(0, 3)).toString()).toBe('xyz');
  });

  test('takeInto part of a chunk and then take the rest: nothing lost or repeated', () => {
    const buffer = bufferOf('0123456789', 'abc');
    const target = Buffer.alloc(4);
    expect(buffer.takeInto(target, 4)).toBe(4);
    expect(target.toString()).toBe('0123');
    expect(buffer.take(6).toString()).toBe('456789');
    expect(buffer.take(100).toString()).toBe('abc');
  });
});

describe('indexOf', () => {
  const NL = 0x0a;

  test('finds a byte in the first chunk, in a later chunk, and after a partial take', () => {
    const buffer = bufferOf('ab\ncd', 'ef\ngh');
    expect(buffer.indexOf(NL, 0, Infinity)).toBe(2);
    expect(buffer.indexOf(NL, 3, Infinity)).toBe(7);
    buffer.take(3);
    // Offsets are relative to the bytes still waiting.
    expect(buffer.indexOf(NL, 0, Infinity)).toBe(4);
    expect(buffer.take(5).toString()).toBe('cdef\n');
    expect(buffer.indexOf(NL, 0, Infinity)).toBe(-1);
  });

  test('respects from and end (end excluded), across chunk boundaries', () => {
    const buffer = bufferOf('a\n', 'b', '\nc');
    expect(buffer.indexOf(NL, 0, 1)).toBe(-1);
    expect(buffer.indexOf(NL, 0, 2)).toBe(1);
    expect(buffer.indexOf(NL, 2, 3)).toBe(-1);
    expect(buffer.indexOf(NL, 2, 4)).toBe(3);
    expect(buffer.indexOf(NL, 4, 100)).toBe(-1);
    expect(buffer.indexOf(NL, 100, 200)).toBe(-1);
  });

  test('a byte that occurs before `from` within a chunk is not reported', () => {
    const buffer = bufferOf('\n\nxx\n');
    expect(buffer.indexOf(NL, 2, Infinity)).toBe(4);
  });

  test('on an empty buffer: -1', () => {
    expect(new ReadBuffer().indexOf(NL, 0, Infinity)).toBe(-1);
  });
});

test('clear() forgets everything; the buffer is usable after', () => {
  const buffer = bufferOf('abc', 'def');
  buffer.take(1);
  buffer.clear();
  expect(buffer.length).toBe(0);
  expect(buffer.take(10).length).toBe(0);
  expect(buffer.indexOf(0x61, 0, Infinity)).toBe(-1);
  buffer.push(Buffer.from('new'));
  expect(buffer.take(10).toString()).toBe('new');
});

test('a random sequence of push/take/takeInto/indexOf matches a reference byte array', () => {
  const random = rng(8);
  const buffer = new ReadBuffer();
  let model: number[] = [];
  let counter = 0;
  for (let step = 0; step < 20000; step++) {
    const r = random();
    if (r < 0.4) {
      const size = Math.floor(random() * 50);
      const chunk = Buffer.alloc(size);
      for (let i = 0; i < size; i++) chunk[i] = (counter++ * 7) & 0xff;
      buffer.push(chunk);
      model.push(...chunk);
    } else if (r < 0.7) {
      const max = Math.floor(random() * 80);
      const got = buffer.take(max);
      const want = model.slice(0, Math.max(0, Math.min(max, model.length)));
      model = model.slice(want.length);
      if (!got.equals(Buffer.from(want))) expect([...got]).toEqual(want);
    } else if (r < 0.85) {
      const target = Buffer.alloc(Math.floor(random() * 60));
      const max = Math.floor(random() * 80);
      const n = buffer.takeInto(target, max);
      const want = model.slice(0, Math.min(max, model.length, target.length));
      model = model.slice(want.length);
      if (n !== want.length || !target.subarray(0, n).equals(Buffer.from(want))) {
        expect([...target.subarray(0, n)]).toEqual(want);
      }
    } else {
      const byte = Math.floor(random() * 256);
      const from = Math.floor(random() * (model.length + 2));
      const end = random() < 0.3 ? Infinity : Math.floor(random() * (model.length + 5));
      let want = -1;
      for (let i = from; i < Math.min(end, model.length); i++) {
        if (model[i] === byte) { want = i; break; }
      }
      const got = buffer.indexOf(byte, from, end);
      if (got !== want) expect({ byte, from, end, got }).toEqual({ byte, from, end, got: want });
    }
    if (buffer.length !== model.length) expect(buffer.length).toBe(model.length);
  }
});
