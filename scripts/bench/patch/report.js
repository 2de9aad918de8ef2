'use strict';
// The patching benchmark's table: per blocking call, the three ways of making it from many
// concurrent callers (patched *Sync in green threads, unpatched *Sync in green threads, the
// async API in async loops), with throughput, the ratios between them, and what a ticker green
// thread (looping on sleep(1 ms)) got done meanwhile. Medians over the pooled rounds.
const { median } = require('../harness');

const MODES = [
  ['patched', 'patched *Sync, 50 green threads'],
  ['unpatched', 'unpatched *Sync, 50 green threads'],
  ['async', 'async API, 50 async loops'],
];

function label(op, meta) {
  if (op === 'readFile') return `fs.readFileSync, ${meta.fileBytes ?? 64}-byte file`;
  const [iterations, keylen, digest] = meta.pbkdf2 ?? [];
  return `crypto.pbkdf2Sync, ${Number(iterations).toLocaleString('en-US')} × ${digest}, ${keylen} B`;
}

/** Rows for --json: one per call and mode. */
function patchRows(patch) {
  if (!patch || !patch.results) return [];
  const rows = [];
  for (const op of ['readFile', 'pbkdf2']) {
    const of = (mode) => patch.results[`${op}.${mode}`];
    for (const [mode, how] of MODES) {
      const r = of(mode);
      if (!r) continue;
      const opsPerSecond = 1e9 / r.median;
      const ratio = (other) => (of(other) ? of(other).median / r.median : null);
      rows.push({
        op, label: label(op, patch), mode, how,
        nsPerOp: r.median, opsPerSecond, spread: r.spread,
        // Throughput relative to the other two ways (above 1: this way is faster).
        vsUnpatched: mode === 'unpatched' ? null : ratio('unpatched'),
        vsAsync: mode === 'async' ? null : ratio('async'),
        tickerTicksPerSecond: median(r.ticksPerSecond ?? [0]),
        tickerMaxGapMs: median(r.maxGapMs ?? [0]),
      });
    }
  }
  return rows;
}

const fmt = (v, digits = 0) => (v == null ? '—' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const x = (v) => (v == null ? '—' : `${v.toFixed(2)}×`);

/** The text section for the report (empty when the group did not run). */
function renderPatch(patch) {
  if (!patch) return [];
  if (patch.error) return [`patching benchmark failed: ${patch.error}`];
  if (patch.unavailable) return [`patching benchmark skipped: ${patch.unavailable}`];
  const rows = patchRows(patch);
  const header = ['call', 'made as', 'ops/s', 'vs unpatched', 'vs async', 'spread', 'ticker ticks/s', 'ticker max gap'];
  const body = rows.map((r) => [r.label, r.how, fmt(r.opsPerSecond), x(r.vsUnpatched), x(r.vsAsync), `${(r.spread * 100).toFixed(0)}%`, fmt(r.tickerTicksPerSecond), `${fmt(r.tickerMaxGapMs, 1)} ms`]);
  const cells = [header, ...body];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => String(row[c]).length)));
  const line = (row) => row.map((cell, c) => (c < 2 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ').trimEnd();
  return [
    `Patching (monkeyPatch): ${patch.threads} concurrent callers each way; a ticker green thread loops on sleep(${patch.tickSeconds * 1000} ms) meanwhile (at most ~1,000 ticks/s); libuv thread pool ${patch.uvThreadpoolSize}`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    'ratios are throughput (above 1: faster than the other way); "ticker max gap" is the longest the ticker waited for a turn',
  ];
}

module.exports = { patchRows, renderPatch };
