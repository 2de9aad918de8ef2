// The green crypto: the expensive synchronous key derivations and generators redone on their
// callback forms, which run on libuv's thread pool while only the calling green thread waits.
// Each callback form validates its arguments as the sync form does (the same internal checks,
// in lib/internal/crypto/), so the errors thrown before anything starts are the original's.
import { blockOnCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';
import type { GreenModule } from './green-module';

// A function among the arguments would be taken for the callback by the callback form (which
// shifts its arguments), so such calls go to the original, which rejects or ignores it as ever.
function hasFunction(args: readonly unknown[]): boolean {
  return args.some((arg) => typeof arg === 'function');
}

/** crypto, for monkeyPatch({ crypto }) and importPatched. */
export const greenCrypto: GreenModule = {
  option: 'crypto',
  moduleName: 'crypto',
  build(crypto) {
    const fn = (name: string): AnyFunction => crypto[name] as AnyFunction;
    const original = (name: string, self: unknown, args: unknown[]): unknown => Reflect.apply(fn(name), self, args);
    /** `name`Sync(...args) as `name`(...args, callback): the callback's first result. */
    const viaCallback = (name: string, args: unknown[]): unknown =>
      blockOnCallback(`crypto.${name}Sync()`, (done) => fn(name)(...args, done))[0];

    const green: Record<string, AnyFunction> = {
      pbkdf2Sync(this: unknown, password: unknown, salt: unknown, iterations: unknown, keylen: unknown, digest: unknown): unknown {
        const args = [password, salt, iterations, keylen, digest];
        return hasFunction(args) ? original('pbkdf2Sync', this, args) : viaCallback('pbkdf2', args);
      },
      scryptSync(this: unknown, password: unknown, salt: unknown, keylen: unknown, options?: unknown): unknown {
        const args = [password, salt, keylen, options];
        return hasFunction(args) ? original('scryptSync', this, args) : viaCallback('scrypt', args);
      },
      randomFillSync(this: unknown, buf: unknown, offset?: unknown, size?: unknown): unknown {
        // randomFillSync's `offset = 0` default; randomFill has none.
        const args = [buf, offset === undefined ? 0 : offset, size];
        return hasFunction(args) ? original('randomFillSync', this, [buf, offset, size]) : viaCallback('randomFill', args);
      },
      randomBytes(this: unknown, ...args: unknown[]): unknown {
        // Only the synchronous form (no callback) blocks.
        if (args.length !== 1 || typeof args[0] === 'function') return original('randomBytes', this, args);
        return viaCallback('randomBytes', args);
      },
      generateKeyPairSync(this: unknown, type: unknown, options?: unknown): unknown {
        const args = [type, options];
        if (hasFunction(args)) return original('generateKeyPairSync', this, args);
        const [publicKey, privateKey] = blockOnCallback('crypto.generateKeyPairSync()', (done) => fn('generateKeyPair')(type, options, done));
        return { publicKey, privateKey };
      },
      generateKeySync(this: unknown, type: unknown, options?: unknown): unknown {
        const args = [type, options];
        return hasFunction(args) ? original('generateKeySync', this, args) : viaCallback('generateKey', args);
      },
      generatePrimeSync(this: unknown, size: unknown, options?: unknown): unknown {
        // generatePrimeSync's `options = kEmptyObject` default; generatePrime has none.
        const args = [size, options === undefined ? {} : options];
        return hasFunction(args) ? original('generatePrimeSync', this, [size, options]) : viaCallback('generatePrime', args);
      },
      checkPrimeSync(this: unknown, candidate: unknown, options?: unknown): unknown {
        const args = [candidate, options];
        return hasFunction(args) ? original('checkPrimeSync', this, args) : viaCallback('checkPrime', args);
      },
      hkdfSync(this: unknown, digest: unknown, ikm: unknown, salt: unknown, info: unknown, keylen: unknown): unknown {
        const args = [digest, ikm, salt, info, keylen];
        return hasFunction(args) ? original('hkdfSync', this, args) : viaCallback('hkdf', args);
      },
    };
    return green;
  },
  unpatched: {
    randomInt: 'draws from a small cache of random bytes that its synchronous form refills in microseconds; the callback form would only add a trip through the thread pool',
    randomUUID: 'takes 16 bytes from a cache refilled in microseconds; nothing worth moving off the event loop',
  },
};
