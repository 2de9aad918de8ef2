// The green zlib one-shot functions: every zlib.*Sync of the running Node, run as the original
// outside green threads and as the green variant (the callback form, on the thread pool)
// inside one; both must return or throw the same: compressed bytes, corrupt and truncated input
// (Z_DATA_ERROR, Z_BUF_ERROR), maxOutputLength (ERR_BUFFER_TOO_LARGE), bad options and bad
// input types, `info: true`. Then: other green threads run during a big gzipSync, and outside
// green threads the variant is the original. jest's zlib is never patched.
import * as crypto from 'node:crypto';
import * as zlib from 'node:zlib';
import { sleep, spawn } from '../../src';
import { greenFunctions } from '../../src/patch/green-modules';
import { greenZlib } from '../../src/patch/green-zlib';
import { green } from '../helpers';
import { greenOutcome, outcome, type Mask } from './green-outcome';

const variants = greenFunctions(greenZlib).variants;
const z = zlib as unknown as Record<string, ((...args: unknown[]) => unknown) | undefined>;
const noMask: Mask = (_key, value) => value;

// Compressible and incompressible parts, large enough for several output chunks.
const sample = Buffer.concat([crypto.randomBytes(40_000), Buffer.alloc(200_000, 'greenthread ')]);
const PAIRS: Array<[string, string]> = [
  ['deflateSync', 'inflateSync'],
  ['deflateRawSync', 'inflateRawSync'],
  ['gzipSync', 'gunzipSync'],
  ['gzipSync', 'unzipSync'],
  ['brotliCompressSync', 'brotliDecompressSync'],
  ['zstdCompressSync', 'zstdDecompressSync'],
];
const present = PAIRS.filter(([c, d]) => typeof z[c] === 'function' && typeof z[d] === 'function');

interface Case { name: string; args: () => unknown[]; mask?: Mask }
const cases: Array<[string, Case]> = [];
for (const [compress, decompress] of present) {
  const packed = (z[compress] as (b: Buffer) => Buffer)(sample);
  cases.push(
    [`${compress}: a Buffer`, { name: compress, args: () => [sample] }],
    [`${compress}: a string`, { name: compress, args: () => ['héllo '.repeat(1000)] }],
    [`${compress}: empty input`, { name: compress, args: () => [Buffer.alloc(0)] }],
    [`${compress}: a Uint16Array view`, { name: compress, args: () => [new Uint16Array(sample.buffer, sample.byteOffset, 1000)] }],
    [`${compress}: an ArrayBuffer`, { name: compress, args: () => [new Uint8Array([1, 2, 3, 4]).buffer] }],
    [`${compress}: not a buffer`, { name: compress, args: () => [42] }],
    [`${compress}: bad options`, { name: compress, args: () => [sample, { chunkSize: -1 }] }],
    [`${compress}: info: true (the original)`, { name: compress, args: () => [sample, { info: true }], mask: (key, value) => (key === 'engine' ? 'an engine' : value) }],
    [`${decompress}: round trip`, { name: decompress, args: () => [packed] }],
    [`${decompress}: corrupt input`, { name: decompress, args: () => [Buffer.from('this is not compressed data at all')] }],
    [`${decompress}: truncated input`, { name: decompress, args: () => [packed.subarray(0, packed.length >> 1)] }],
    [`${decompress}: maxOutputLength exceeded`, { name: decompress, args: () => [packed, { maxOutputLength: 1000 }] }],
    [`${decompress}: small chunkSize`, { name: decompress, args: () => [packed, { chunkSize: 64 }] }],
  );
}
cases.push(
  ['deflateSync: level and strategy', { name: 'deflateSync', args: () => [sample, { level: 1, strategy: zlib.constants.Z_HUFFMAN_ONLY }] }],
  ['deflateSync: bad level', { name: 'deflateSync', args: () => [sample, { level: 42 }] }],
  ['brotliCompressSync: params', { name: 'brotliCompressSync', args: () => [sample, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 3 } }] }],
  ['gunzipSync: trailing garbage after a member', { name: 'gunzipSync', args: () => [Buffer.concat([zlib.gzipSync('abc'), Buffer.from('garbage')])] }],
  ['gunzipSync: two members', { name: 'gunzipSync', args: () => [Buffer.concat([zlib.gzipSync('abc'), zlib.gzipSync('def')])] }],
  ['inflateSync: a dictionary', { name: 'inflateSync', args: () => [zlib.deflateSync('abcabc', { dictionary: Buffer.from('abc') }), { dictionary: Buffer.from('abc') }] }],
  ['inflateSync: a missing dictionary', { name: 'inflateSync', args: () => [zlib.deflateSync('abcabc', { dictionary: Buffer.from('abc') })] }],
);
if (typeof z.zstdCompressSync === 'function') {
  cases.push(['zstdCompressSync: compression level param', { name: 'zstdCompressSync', args: () => [sample, { params: { [(zlib.constants as unknown as Record<string, number>).ZSTD_c_compressionLevel]: 9 } }] }]);
}

describe('the green variant returns and throws what the original does', () => {
  test('every one-shot *Sync of this Node has a variant', () => {
    const syncs = Object.keys(zlib).filter((k) => k.endsWith('Sync') && typeof z[k] === 'function' && !/zip(Archive|Entry|File)/i.test(k) && k !== 'crc32');
    expect(Object.keys(variants).sort()).toEqual(syncs.sort());
  });

  test.each(cases)('%s', async (_label, { name, args, mask = noMask }) => {
    const original = z[name] as (...a: unknown[]) => unknown;
    const variant = variants[name];
    const expected = outcome(() => original(...args()), mask);
    const actual = await greenOutcome(() => variant(...args()), mask);
    expect(actual).toEqual(expected);
  });
});

describe('only the calling green thread waits', () => {
  test('a ticker thread keeps ticking during a big gzipSync', async () => {
    const big = Buffer.concat(Array.from({ length: 16 }, () => crypto.randomBytes(1 << 20)));
    const ticks = await green(() => {
      let count = 0;
      let running = true;
      const ticker = spawn(() => {
        while (running) { count++; sleep(0); }
      });
      sleep(0);
      const atStart = count;
      const packed = variants.gzipSync(big, { level: 9 }) as Buffer;
      const during = count - atStart;
      running = false;
      ticker.wait();
      expect(zlib.gunzipSync(packed).equals(big)).toBe(true);
      return during;
    });
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('outside green threads', () => {
  test('the variant is the original', () => {
    expect(outcome(() => variants.gzipSync('abc'))).toEqual(outcome(() => zlib.gzipSync('abc')));
    expect(outcome(() => variants.inflateSync(Buffer.from('junk')))).toEqual(outcome(() => zlib.inflateSync(Buffer.from('junk'))));
  });
});
