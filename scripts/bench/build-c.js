'use strict';
// Compiles a benchmark's C helper (the echo load generator, the host probe) on demand into
// .build/ (gitignored), once per version of the source: the binary's name carries a hash of the
// source and the compiler command, so an edit rebuilds it and an unchanged one is reused. No C
// compiler: the caller skips what needed it, with a note.
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const CACHE = path.join(__dirname, '.build');

/**
 * The path of `source` compiled (with `flags` before the output and source), building it if
 * needed. Returns { path } or { error } (no compiler, or the compile failed); never throws.
 */
function buildC(source, flags = [], cc = process.env.CC || 'cc') {
  const text = fs.readFileSync(source);
  const args = ['-O2', '-Wall', ...flags, '-o'];
  const name = path.basename(source, '.c');
  const hash = crypto.createHash('sha256').update(text).update(`${cc} ${args.join(' ')}`).digest('hex').slice(0, 12);
  const binary = path.join(CACHE, `${name}-${hash}`);
  if (fs.existsSync(binary)) return { path: binary };
  fs.mkdirSync(CACHE, { recursive: true });
  // Built under a temporary name and renamed, so an interrupted build never leaves a binary.
  const temp = `${binary}.${process.pid}.tmp`;
  const result = spawnSync(cc, [...args, temp, source], { encoding: 'utf8' });
  if (result.error) return { error: result.error.code === 'ENOENT' ? `no C compiler (${cc} not found; set CC)` : `${cc}: ${result.error.message}` };
  if (result.status !== 0) {
    fs.rmSync(temp, { force: true });
    return { error: `${cc} failed on ${path.basename(source)}:\n${result.stderr.trim()}` };
  }
  fs.renameSync(temp, binary);
  return { path: binary };
}

module.exports = { buildC };
