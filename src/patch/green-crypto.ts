// The green crypto: the expensive synchronous key derivations and generators redone on their
// callback forms, which run on libuv's thread pool while only the calling green thread waits.
import { blockOnCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';
import type { GreenModule } from './green-module';

/** crypto, for monkeyPatch({ crypto }) and importPatched. */
export const greenCrypto: GreenModule = {
  option: 'crypto',
  moduleName: 'crypto',
  build(crypto) {
    const pbkdf2 = crypto.pbkdf2 as AnyFunction;
    return {
      pbkdf2Sync(password: unknown, salt: unknown, iterations: unknown, keylen: unknown, digest: unknown): unknown {
        return blockOnCallback('crypto.pbkdf2Sync()', (done) => pbkdf2(password, salt, iterations, keylen, digest, done))[0];
      },
    };
  },
  unpatched: {},
};
