// The green fs: each blocking fs.*Sync function redone on its callback form, which runs on
// libuv's thread pool while only the calling green thread waits. Never on fs.promises: its
// errors and FileHandle paths are not the sync forms'. The pieces are in green-fs-*.ts.
import type { GreenModule } from './green-module';
import { fileCalls } from './green-fs-files';
import { ioCalls } from './green-fs-io';
import { simpleCalls } from './green-fs-simple';

/** fs, for monkeyPatch({ fs }) and importPatched. */
export const greenFs: GreenModule = {
  option: 'fs',
  moduleName: 'fs',
  build(fs) {
    return { ...simpleCalls(fs), ...fileCalls(fs), ...ioCalls(fs) };
  },
  unpatched: {
    cpSync: 'fs.cp is a separate implementation whose errors differ from cpSync\'s (copying a directory without `recursive` is a plain Error on one, a SystemError on the other)',
    globSync: 'its only callback form, fs.glob, is a separate walker built on fs.promises (readdir, lstat), not the sync walk',
    mkdtempDisposableSync: 'no callback form (Node 24+): only fs.promises.mkdtempDisposable, whose result is a different object',
    openAsBlobSync: 'no callback form (Node 26+), and it only stats the file: the blob reads lazily',
  },
};
