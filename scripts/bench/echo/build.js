'use strict';
// Compiles loadgen.c on demand into .build/ (gitignored), once per version of the source: the
// binary's name carries a hash of the source and the compiler command, so an edit rebuilds it
// and an unchanged one is reused. No C compiler: the caller skips the echo group with a note.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const SOURCE = path.join(__dirname, 'loadgen.c');
const CACHE = path.join(__dirname, '.build');

/**
 * The path of a compiled load generator, building it if needed. Returns { path } or
 * { error } (no compiler, or the compile failed) and never throws.
 */
function buildLoadgen(cc = process.env.CC || 'cc') {
  const source = fs.readFileSync(SOURCE);
  const flags = ['-O2', '-Wall', '-o'];
  const hash = crypto.createHash('sha256').update(source).update(`${cc} ${flags.join(' ')}`).digest('hex').slice(0, 12);
  const binary = path.join(CACHE, `loadgen-${hash}`);
  if (fs.existsSync(binary)) return { path: binary };
  fs.mkdirSync(CACHE, { recursive: true });
  // Built under a temporary name and renamed, so an interrupted build never leaves a binary.
  const temp = `${binary}.${process.pid}.tmp`;
  const result = spawnSync(cc, [...flags, temp, SOURCE], { encoding: 'utf8' });
  if (result.error) return { error: result.error.code === 'ENOENT' ? `no C compiler (${cc} not found; set CC)` : `${cc}: ${result.error.message}` };
  if (result.status !== 0) {
    fs.rmSync(temp, { force: true });
    return { error: `${cc} failed on loadgen.c:\n${result.stderr.trim()}` };
  }
  fs.renameSync(temp, binary);
  return { path: binary };
}

module.exports = { buildLoadgen };
