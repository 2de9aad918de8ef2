'use strict';
// Preloaded (`node -r use-root.js examples/echo-server.js 0`) when index.js is given --root DIR:
// makes `require('greenthread')` in the example load DIR's build instead of this checkout's.
// NODE_PATH cannot do it: a package's own name resolves to itself before NODE_PATH is tried.
const Module = require('node:module');
const path = require('node:path');

const root = process.env.GREENTHREAD_BENCH_ROOT;
if (root) {
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function resolveFromRoot(request, ...rest) {
    if (request === 'greenthread') return resolve.call(this, path.join(root, 'dist', 'index.js'), ...rest);
    if (request.startsWith('greenthread/')) return resolve.call(this, path.join(root, request.slice('greenthread/'.length)), ...rest);
    return resolve.call(this, request, ...rest);
  };
}
