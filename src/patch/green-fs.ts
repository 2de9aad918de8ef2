// The green fs: each blocking fs.*Sync function redone on its callback form, which runs on
// libuv's thread pool while only the calling green thread waits.
import { blockOnCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';
import type { GreenModule } from './green-module';

/** fs, for monkeyPatch({ fs }) and importPatched. */
export const greenFs: GreenModule = {
  option: 'fs',
  moduleName: 'fs',
  build(fs) {
    const readFile = fs.readFile as AnyFunction;
    return {
      readFileSync(path: unknown, options?: unknown): unknown {
        return blockOnCallback('fs.readFileSync()', (done) => readFile(path, options, done))[0];
      },
    };
  },
  unpatched: {},
};
