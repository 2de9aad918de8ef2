#!/usr/bin/env node
// `greenthread <script> [args…]`: runs a script's top level inside a green thread, so it can
// block (sleep, wait, waitFor, ...) from the first line. CommonJS scripts, and ES modules
// without top-level await (loaded through require(esm), Node >= 20.19).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { run } from './index';

const usage = `Usage: greenthread [--help] [--version] <script> [args...]

Runs <script>'s top level inside a green thread. Arguments after <script> are passed to it
in process.argv. An uncaught exception prints its stack and exits with code 1.`;

function main(argv: string[]): void {
  // Options belong to greenthread only up to the script; everything after is the script's.
  const scriptAt = argv.findIndex((arg) => !arg.startsWith('-'));
  const own = scriptAt < 0 ? argv : argv.slice(0, scriptAt);
  let values;
  try {
    ({ values } = parseArgs({ args: own, options: { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`greenthread: ${(error as Error).message}\n\n${usage}\n`);
    process.exit(9);
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  if (values.version) {
    process.stdout.write(`${require('../package.json').version}\n`);
    return;
  }
  if (scriptAt < 0) {
    process.stderr.write(`greenthread: no script given\n\n${usage}\n`);
    process.exit(9);
  }
  const script = path.resolve(argv[scriptAt]);
  process.argv = [process.argv[0], script, ...argv.slice(scriptAt + 1)];
  run(() => {
    if (isEsModule(script)) {
      // require(esm) evaluates the module synchronously, so its top level runs right here in
      // the green thread (Node's own ESM entry point would evaluate it later, outside it).
      require(script);
    } else {
      // Loaded as the main module, so `require.main === module` holds in the script.
      const Module = require('node:module') as unknown as { _load(request: string, parent: null, isMain: boolean): unknown };
      Module._load(script, null, true);
    }
  }).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}

// .mjs, or .js under a package.json with "type": "module".
function isEsModule(file: string): boolean {
  if (file.endsWith('.mjs')) return true;
  if (!file.endsWith('.js')) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        return JSON.parse(fs.readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    if (path.dirname(dir) === dir) return false;
  }
}

main(process.argv.slice(2));
