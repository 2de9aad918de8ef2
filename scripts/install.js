#!/usr/bin/env node
// npm's install step, for an installed package and for a checkout of the repository alike:
// find or build the native engine (node-gyp-build: a matching binary from prebuilds/ or
// build/, else `node-gyp rebuild`), then, in a checkout only (tsconfig.json and src/ exist and
// TypeScript is installed), compile the TypeScript into dist/. One script instead of an
// install script plus a `prepare` script, which would show up in the packed manifest.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.join(__dirname, '..');

function run(file, args) {
  const result = spawnSync(process.execPath, [file, ...args], { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(require.resolve('node-gyp-build/bin.js', { paths: [ROOT] }), []);

if (fs.existsSync(path.join(ROOT, 'tsconfig.json')) && fs.existsSync(path.join(ROOT, 'src'))) {
  let tsc;
  try {
    tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  } catch {
    tsc = null;  // a checkout installed with --omit=dev: dist/ is built by `npm run build:ts`
  }
  if (tsc !== null) run(tsc, ['-p', 'tsconfig.json']);
}
