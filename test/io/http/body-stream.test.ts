// BodyReader and BodyWriter, the blocking body reads and writes under both HTTP halves, on
// plain Node streams: reads block only their thread and stream in bounded memory, the end and
// a cut-short body are told apart, writes block on back-pressure and fail clearly once the
// connection is gone, every kind of body source is sent in order.
import { PassThrough, Readable, Writable } from 'node:stream';
import { SocketBusyError, SocketClosedError, SocketTimeoutError, sleep, spawn } from '../../../src';
import { BodyReader } from '../../../src/io/http/body-reader';
import { BodyWriter, isBodySource, knownLength } from '../../../src/io/http/body-writer';
import { green, thrownBy } from '../../helpers';

describe('BodyReader', () => {
  test('reads chunks as they arrive, then an empty Buffer at the end', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    setTimeout(() => { stream.write('ab'); setTimeout(() => stream.end('cd'), 5); }, 5);
    const got: string[] = [];
    for (let chunk; (chunk = body.read()).length > 0;) got.push(chunk.toString());
    expect(got.join('')).toBe('abcd');
    expect(body.ended).toBe(true);
    expect(body.read().length).toBe(0);
    expect(body.bytesRead).toBe(4);
  }));

  test('read(maxBytes) takes at most that many bytes, leaving the rest', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    stream.end('hello world');
    expect(body.read(5).toString()).toBe('hello');
    expect(body.readAll().toString()).toBe(' world');
  }));

  test('text(), json() and iteration', () => green(() => {
    const json = new BodyReader(Readable.from([Buffer.from('{"a":'), Buffer.from('[1,2]}')]), 'req');
    expect(json.json()).toEqual({ a: [1, 2] });
    const bad = new BodyReader(Readable.from([Buffer.from('{nope')]), 'req');
    expect(thrownBy(() => bad.json())).toBeInstanceOf(SyntaxError);
    const chunks = [...new BodyReader(Readable.from([Buffer.from('x'), Buffer.from('y')]), 'req')].map(String);
    expect(chunks.join('')).toBe('xy');
    expect(new BodyReader(Readable.from([Buffer.from('é')]), 'req').text()).toBe('é');
  }));

  test('beforeFirstRead runs once, at the first read', () => green(() => {
    const stream = new PassThrough();
    let calls = 0;
    const body = new BodyReader(stream, 'req', { beforeFirstRead: () => { calls++; } });
    expect(calls).toBe(0);
    stream.end('z');
    body.read();
    body.read();
    expect(calls).toBe(1);
  }));

  test('a stream that closes before its end throws ECONNRESET once, then reads the end', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    stream.write('part');
    setTimeout(() => stream.destroy(), 5);
    expect(body.read().toString()).toBe('part');
    const error = thrownBy(() => body.read()) as NodeJS.ErrnoException;
    expect(error.code).toBe('ECONNRESET');
    expect(error.message).toMatch(/closed before the end of the body/);
    expect(body.read().length).toBe(0);
  }));

  test('a stream error is thrown to the reader', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    setTimeout(() => stream.destroy(Object.assign(new Error('boom'), { code: 'EPIPE' })), 5);
    expect((thrownBy(() => body.read()) as NodeJS.ErrnoException).code).toBe('EPIPE');
  }));

  test('timeout: a read waiting longer throws SocketTimeoutError and loses nothing', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    body.timeout = 0.02;
    expect(thrownBy(() => body.read())).toBeInstanceOf(SocketTimeoutError);
    stream.end('late');
    expect(body.text()).toBe('late');
  }));

  test('a second reader blocked at once gets SocketBusyError; other threads run meanwhile', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    const first = spawn(() => body.read().toString());
    sleep(0);
    expect(thrownBy(() => body.read())).toBeInstanceOf(SocketBusyError);
    stream.end('go');
    expect(first.wait()).toBe('go');
  }));

  test('a large body streams with the source paused while nobody reads', () => green(() => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    let produced = 0;
    const total = 64 * 1024 * 1024;
    const source = new Readable({
      read() {
        if (produced >= total) this.push(null);
        else { produced += chunk.length; this.push(chunk); }
      },
    });
    const body = new BodyReader(source, 'res');
    body.read(1);
    sleep(0.05);
    // Paused at the high-water mark: far less than the whole body was produced.
    expect(produced).toBeLessThan(4 * 1024 * 1024);
    let seen = 1;
    for (const piece of body) seen += piece.length;
    expect(seen).toBe(total);
  }));

  test('discard() drops the rest without blocking', () => green(() => {
    const stream = new PassThrough();
    const body = new BodyReader(stream, 'req');
    stream.write('aaa');
    body.discard();
    stream.end('bbb');
    expect(body.read().length).toBe(0);
  }));

  test('bad maxBytes', () => green(() => {
    const body = new BodyReader(new PassThrough(), 'req');
    expect(thrownBy(() => body.read(-1))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => body.read(1.5))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => body.read('3' as never))).toBeInstanceOf(TypeError);
  }));
});

/** A Writable that keeps what it gets and takes a chunk only when `release()` says so. */
function slowSink(highWaterMark: number): { out: Writable; got: Buffer[]; release(): void } {
  const got: Buffer[] = [];
  const held: Array<() => void> = [];
  const out = new Writable({
    highWaterMark,
    write(chunk: Buffer, _encoding, done) {
      got.push(chunk);
      held.push(done);
    },
  });
  return { out, got, release: () => { for (const done of held.splice(0)) done(); } };
}

describe('BodyWriter', () => {
  test('write blocks on back-pressure until the stream drains', () => green(() => {
    const sink = slowSink(4);
    const body = new BodyWriter(sink.out, 'res');
    let released = false;
    setTimeout(() => { released = true; sink.release(); }, 10);
    body.write('12345678');
    expect(released).toBe(true);
    body.end();
    body.waitFinished();
    expect(Buffer.concat(sink.got).toString()).toBe('12345678');
  }));

  test('writeAll sends every kind of source in order', () => green(() => {
    const got: Buffer[] = [];
    const out = new Writable({ write(chunk: Buffer, _e, done) { got.push(chunk); done(); } });
    const body = new BodyWriter(out, 'res');
    body.writeAll('a');
    body.writeAll(Buffer.from('b'));
    body.writeAll(new Uint8Array([99]));
    body.writeAll(['d', Buffer.from('e')]);
    body.writeAll((function* () { yield 'f'; sleep(0.005); yield 'g'; })());
    body.writeAll((async function* () { yield 'h'; await new Promise((r) => setTimeout(r, 5)); yield 'i'; })());
    body.writeAll(Readable.from([Buffer.from('j'), Buffer.from('k')]));
    body.writeAll(null);
    body.writeAll(undefined);
    body.end('l');
    body.waitFinished();
    expect(Buffer.concat(got).toString()).toBe('abcdefghijkl');
    expect(body.bytesWritten).toBe(12);
  }));

  test('a chunk of the wrong type, or a body that is no source, is a TypeError', () => green(() => {
    const body = new BodyWriter(new PassThrough(), 'res');
    expect(thrownBy(() => body.write(5 as never))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => body.writeAll([1] as never))).toBeInstanceOf(TypeError);
    expect(thrownBy(() => body.writeAll(5 as never))).toBeInstanceOf(TypeError);
  }));

  test('a write after the connection closed throws SocketClosedError; a blocked writer wakes with it', () => green(() => {
    const sink = slowSink(1);
    const body = new BodyWriter(sink.out, 'res');
    setTimeout(() => sink.out.destroy(), 10);
    const error = thrownBy(() => { body.write('xx'); body.write('yy'); });
    expect(error).toBeInstanceOf(SocketClosedError);
    expect((error as Error).message).toMatch(/res\.write\(\): the connection is closed/);
  }));

  test('a stream error is thrown to the writer', () => green(() => {
    const sink = slowSink(1);
    const body = new BodyWriter(sink.out, 'req');
    setTimeout(() => sink.out.destroy(Object.assign(new Error('reset'), { code: 'ECONNRESET' })), 10);
    expect((thrownBy(() => body.write('xx')) as NodeJS.ErrnoException).code).toBe('ECONNRESET');
  }));

  test('a write after end is refused; end twice is harmless', () => green(() => {
    const out = new PassThrough();
    out.resume();
    const body = new BodyWriter(out, 'res');
    body.end('x');
    body.end();
    expect(thrownBy(() => body.write('y'))).toBeInstanceOf(SocketClosedError);
  }));

  test('knownLength and isBodySource', () => {
    expect(knownLength('é')).toBe(2);
    expect(knownLength(Buffer.alloc(3))).toBe(3);
    expect(knownLength(undefined)).toBe(0);
    expect(knownLength(['a'])).toBeNull();
    for (const ok of ['', Buffer.alloc(0), [], new PassThrough(), null, undefined]) expect(isBodySource(ok)).toBe(true);
    for (const bad of [1, {}, true]) expect(isBodySource(bad)).toBe(false);
  });
});
