// The green crypto functions: each case runs the original outside green threads and the green
// variant (the callback form, on the thread pool) inside one; both must return or throw the
// same, argument errors included. Then: other green threads run during a long pbkdf2Sync, and
// outside green threads the variant is the original. jest's crypto is never patched.
import * as crypto from 'node:crypto';
import { sleep, spawn } from '../../src';
import { greenCrypto } from '../../src/patch/green-crypto';
import { greenFunctions } from '../../src/patch/green-modules';
import { green } from '../helpers';
import { greenOutcome, outcome, type Mask } from './green-outcome';

const variants = greenFunctions(greenCrypto).variants;
const noMask: Mask = (_key, value) => value;
// Random output: only its type and length can be compared.
const randomMask: Mask = (key, value) => {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const [kind, hex] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    if (typeof hex === 'string' && ['Buffer', 'Uint8Array', 'Uint32Array', 'ArrayBuffer', 'DataView', 'Float64Array'].includes(kind)) return { [kind]: `${hex.length / 2} bytes` };
  }
  return value;
};

interface Case { name: string; args: () => unknown[]; mask?: Mask }
const cases: Array<[string, Case]> = [
  ['pbkdf2Sync', { name: 'pbkdf2Sync', args: () => ['secret', 'salt', 1000, 32, 'sha256'] }],
  ['pbkdf2Sync with Buffers', { name: 'pbkdf2Sync', args: () => [Buffer.from('pw'), new Uint8Array([1, 2, 3]), 10, 16, 'sha512'] }],
  ['pbkdf2Sync: unknown digest', { name: 'pbkdf2Sync', args: () => ['pw', 'salt', 1, 16, 'nope'] }],
  ['pbkdf2Sync: bad iterations', { name: 'pbkdf2Sync', args: () => ['pw', 'salt', -1, 16, 'sha256'] }],
  ['pbkdf2Sync: missing digest', { name: 'pbkdf2Sync', args: () => ['pw', 'salt', 1, 16] }],
  ['pbkdf2Sync: a function for the digest', { name: 'pbkdf2Sync', args: () => ['pw', 'salt', 1, 16, () => 0] }],
  ['scryptSync', { name: 'scryptSync', args: () => ['secret', 'salt', 32] }],
  ['scryptSync with options', { name: 'scryptSync', args: () => ['secret', 'salt', 16, { N: 1024, r: 4, p: 2 }] }],
  ['scryptSync: bad N', { name: 'scryptSync', args: () => ['secret', 'salt', 16, { N: 3 }] }],
  ['scryptSync: memory limit', { name: 'scryptSync', args: () => ['secret', 'salt', 16, { N: 2 ** 20, maxmem: 1024 }] }],
  ['scryptSync: bad keylen', { name: 'scryptSync', args: () => ['secret', 'salt', -5] }],
  ['randomFillSync: Buffer', { name: 'randomFillSync', args: () => [Buffer.alloc(16)], mask: randomMask }],
  ['randomFillSync: offset and size', { name: 'randomFillSync', args: () => [Buffer.alloc(16), 4, 8], mask: randomMask }],
  ['randomFillSync: Uint32Array (offset in elements)', { name: 'randomFillSync', args: () => [new Uint32Array(8), 2], mask: randomMask }],
  ['randomFillSync: ArrayBuffer', { name: 'randomFillSync', args: () => [new ArrayBuffer(12)], mask: randomMask }],
  ['randomFillSync: size 0', { name: 'randomFillSync', args: () => [Buffer.alloc(4), 4] }],
  ['randomFillSync: offset out of range', { name: 'randomFillSync', args: () => [Buffer.alloc(4), 5] }],
  ['randomFillSync: size too big', { name: 'randomFillSync', args: () => [Buffer.alloc(4), 1, 9] }],
  ['randomFillSync: not a buffer', { name: 'randomFillSync', args: () => ['nope'] }],
  ['randomBytes', { name: 'randomBytes', args: () => [24], mask: randomMask }],
  ['randomBytes(0)', { name: 'randomBytes', args: () => [0] }],
  ['randomBytes: bad size', { name: 'randomBytes', args: () => [-1] }],
  ['randomBytes: not a number', { name: 'randomBytes', args: () => ['12'] }],
  ['generateKeyPairSync: ed25519 KeyObjects', { name: 'generateKeyPairSync', args: () => ['ed25519'] }],
  ['generateKeyPairSync: ec PEM', {
    name: 'generateKeyPairSync',
    args: () => ['ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }],
    mask: (key, value) => (typeof value === 'string' && value.startsWith('-----BEGIN') ? value.split('\n')[0] : value),
  }],
  ['generateKeyPairSync: unknown type', { name: 'generateKeyPairSync', args: () => ['nope'] }],
  ['generateKeyPairSync: bad option', { name: 'generateKeyPairSync', args: () => ['rsa', { modulusLength: 'big' }] }],
  ['generateKeySync: hmac', { name: 'generateKeySync', args: () => ['hmac', { length: 128 }] }],
  ['generateKeySync: bad length', { name: 'generateKeySync', args: () => ['aes', { length: 100 }] }],
  ['generatePrimeSync', { name: 'generatePrimeSync', args: () => [32], mask: randomMask }],
  ['generatePrimeSync: bigint', { name: 'generatePrimeSync', args: () => [32, { bigint: true }], mask: (key, value) => (value !== null && typeof value === 'object' && 'bigint' in value ? 'a bigint' : value) }],
  ['generatePrimeSync: bad size', { name: 'generatePrimeSync', args: () => [0] }],
  ['generatePrimeSync: bad options', { name: 'generatePrimeSync', args: () => [32, 'x'] }],
  ['checkPrimeSync: a prime', { name: 'checkPrimeSync', args: () => [7919n] }],
  ['checkPrimeSync: not a prime, with checks', { name: 'checkPrimeSync', args: () => [Buffer.from([0x10, 0x01]), { checks: 10 }] }],
  ['checkPrimeSync: bad candidate', { name: 'checkPrimeSync', args: () => ['7'] }],
  ['checkPrimeSync: bad checks', { name: 'checkPrimeSync', args: () => [7n, { checks: -1 }] }],
  ['hkdfSync', { name: 'hkdfSync', args: () => ['sha256', 'key', 'salt', 'info', 42] }],
  ['hkdfSync: too long', { name: 'hkdfSync', args: () => ['sha256', 'key', 'salt', 'info', 255 * 32 + 1] }],
  ['hkdfSync: unknown digest', { name: 'hkdfSync', args: () => ['nope', 'key', 'salt', 'info', 16] }],
];

describe('the green variant returns and throws what the original does', () => {
  test.each(cases)('%s', async (_label, { name, args, mask = noMask }) => {
    const original = (crypto as unknown as Record<string, (...a: unknown[]) => unknown>)[name];
    const variant = variants[name];
    expect(variant).toBeDefined();
    const expected = outcome(() => original(...args()), mask);
    const actual = await greenOutcome(() => variant(...args()), mask);
    expect(actual).toEqual(expected);
  });

  test('randomFillSync fills and returns the very buffer it was given', async () => {
    const buf = Buffer.alloc(64);
    const returned = await green(() => variants.randomFillSync(buf));
    expect(returned).toBe(buf);
    expect(buf.equals(Buffer.alloc(64))).toBe(false);
  });

  test('randomBytes with a callback is the asynchronous form, unchanged', async () => {
    const got = await green(() => new Promise<number>((resolve, reject) => {
      variants.randomBytes(8, (error: Error | null, buf: Buffer) => (error ? reject(error) : resolve(buf.length)));
    }));
    expect(got).toBe(8);
  });

  test('an error from the thread pool carries the caller\'s stack', async () => {
    const stack = await green(() => {
      try {
        variants.scryptSync('secret', 'salt', 16, { N: 2 ** 20, maxmem: 1024 });
      } catch (error) {
        return (error as Error).stack ?? '';
      }
      return '';
    });
    expect(stack).toContain('green-crypto.test');
  });
});

describe('only the calling green thread waits', () => {
  test('a ticker thread keeps ticking during a long pbkdf2Sync', async () => {
    const ticks = await green(() => {
      let count = 0;
      let running = true;
      const ticker = spawn(() => {
        while (running) { count++; sleep(0.001); }
      });
      sleep(0);
      const atStart = count;
      variants.pbkdf2Sync('secret', 'salt', 300_000, 64, 'sha512');
      const during = count - atStart;
      running = false;
      ticker.wait();
      return during;
    });
    expect(ticks).toBeGreaterThan(0);
  });
});

describe('outside green threads', () => {
  test('the variant is the original', () => {
    expect(outcome(() => variants.pbkdf2Sync('pw', 'salt', 10, 16, 'sha256'))).toEqual(outcome(() => crypto.pbkdf2Sync('pw', 'salt', 10, 16, 'sha256')));
    expect(outcome(() => variants.hkdfSync('nope', 'k', 's', 'i', 16))).toEqual(outcome(() => crypto.hkdfSync('nope' as string, 'k', 's', 'i', 16)));
    expect(variants.randomBytes(5).length).toBe(5);
  });
});
