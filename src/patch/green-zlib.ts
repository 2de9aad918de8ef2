// The green zlib: every one-shot zlib.*Sync redone on its callback form, which compresses on
// libuv's thread pool while only the calling green thread waits. Both forms build the same
// engine from the options (so option errors are the original's) and report the same errors
// (Z_DATA_ERROR and friends from the native handle, ERR_BUFFER_TOO_LARGE for maxOutputLength).
import { blockOnCallback } from './block-on-callback';
import type { AnyFunction } from './green-function';
import type { GreenModule } from './green-module';

/** The one-shot functions, sync name → callback name; those absent on the running Node are skipped. */
const CONVENIENCE: Readonly<Record<string, string>> = {
  deflateSync: 'deflate',
  inflateSync: 'inflate',
  deflateRawSync: 'deflateRaw',
  inflateRawSync: 'inflateRaw',
  gzipSync: 'gzip',
  gunzipSync: 'gunzip',
  unzipSync: 'unzip',
  brotliCompressSync: 'brotliCompress',
  brotliDecompressSync: 'brotliDecompress',
  zstdCompressSync: 'zstdCompress',
  zstdDecompressSync: 'zstdDecompress',
};

/**
 * The input as zlibBufferSync takes it (a string is UTF-8, an ArrayBuffer is viewed as a
 * Buffer), or undefined for what it rejects: the original then throws its own error.
 */
function inputOf(buffer: unknown): ArrayBufferView | undefined {
  if (typeof buffer === 'string') return Buffer.from(buffer);
  if (ArrayBuffer.isView(buffer)) return buffer;
  if (buffer instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && buffer instanceof SharedArrayBuffer)) return Buffer.from(buffer);
  return undefined;
}

/** zlib, for monkeyPatch({ zlib }) and importPatched. */
export const greenZlib: GreenModule = {
  option: 'zlib',
  moduleName: 'zlib',
  build(zlib) {
    const green: Record<string, AnyFunction> = {};
    for (const [syncName, asyncName] of Object.entries(CONVENIENCE)) {
      const sync = zlib[syncName] as AnyFunction | undefined;
      const callbackForm = zlib[asyncName] as AnyFunction | undefined;
      if (typeof sync !== 'function' || typeof callbackForm !== 'function') continue;
      green[syncName] = function (this: unknown, ...args: unknown[]): unknown {
        const [buffer, opts] = args;
        const input = inputOf(buffer);
        // `info: true` returns the engine itself, which differs between the two forms; a
        // function for the options would be taken for the callback.
        if (input === undefined || typeof opts === 'function' || (opts !== null && typeof opts === 'object' && (opts as { info?: unknown }).info)) {
          return Reflect.apply(sync, this, args);
        }
        let options = opts;
        if (syncName === 'zstdCompressSync') {
          // zstdCompress writes the input and ends the frame in two steps, so zstd cannot infer
          // the size as zstdCompressSync does and frames it differently; pledging the size (as
          // Node 26's own zstdCompress does) makes the output byte for byte the sync one's.
          if (opts !== undefined && opts !== null && Object.getPrototypeOf(opts) !== Object.prototype) return Reflect.apply(sync, this, args);
          if ((opts as { pledgedSrcSize?: unknown } | null | undefined)?.pledgedSrcSize === undefined) {
            options = { ...(opts as object | null | undefined), pledgedSrcSize: input.byteLength };
          }
        }
        return blockOnCallback(`zlib.${syncName}()`, (done) => callbackForm(input, options, done))[0];
      };
    }
    return green;
  },
  unpatched: {
    'the *Sync functions with `info: true`': 'they return the compression engine itself, which the callback form does not give back in the same state; these calls run the original',
    crc32: 'a checksum over memory that runs at gigabytes per second; no callback form',
  },
};
