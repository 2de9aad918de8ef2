'use strict';
// Timing harness of the Node-side benchmarks (micro.js). Each benchmark is calibrated to a
// round of about `roundMs`, warmed up, then every benchmark runs one round in turn, round
// after round. Interleaving the rounds means a burst of noise from this shared VM lands on
// all benchmarks alike instead of on whichever one happened to be running; the median per
// benchmark then throws the bursts away. eventlet-gevent.py follows the same scheme.
//
// Each round also counts the process's context switches per operation (getrusage, all
// threads): a green-thread switch costs ~1 µs when the hub and the green thread spin on two
// vCPUs and several µs when the kernel puts them on one, and the count tells which it was.

/** Nanoseconds from an arbitrary origin, as a bigint (process.hrtime is monotonic). */
const now = () => process.hrtime.bigint();

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Context switches (voluntary + involuntary) of the whole process so far. */
function contextSwitches() {
  const usage = process.resourceUsage();
  return usage.voluntaryContextSwitches + usage.involuntaryContextSwitches;
}

/** Summary of one benchmark's per-round ns/op figures (and switches/op, when counted). */
function summarise(samples, switches) {
  const med = median(samples);
  return {
    ...(switches && switches.length ? { switchesPerOp: median(switches), switches } : {}),
    median: med,
    min: Math.min(...samples),
    max: Math.max(...samples),
    // (max - min) / median: a crude but honest noise indicator for a handful of rounds.
    spread: med > 0 ? (Math.max(...samples) - Math.min(...samples)) / med : 0,
    samples,
  };
}

/**
 * Finds the iteration count for one round of about `roundNs`. Grows n fourfold until a run
 * lasts a quarter of a round (so timer resolution and one-off costs are negligible), then
 * scales. The calibration runs double as the first warm-up.
 */
async function calibrate(bench, roundNs) {
  let n = bench.startN || 16;
  for (;;) {
    const elapsed = Number(await bench.measure(n));
    if (elapsed >= roundNs / 4 || n >= 1e8) {
      return Math.max(1, Math.round((n * roundNs) / Math.max(elapsed, 1)));
    }
    n *= 4;
  }
}

/**
 * Runs `benches` ({ id, measure(n) -> ns elapsed, ops?(n) -> operations in n, startN? }) and
 * returns { [id]: summary + { n, opsPerRound } } with figures in ns per operation.
 */
async function runInterleaved(benches, { rounds, warmup, roundMs }, progress = () => {}) {
  const roundNs = roundMs * 1e6;
  for (const bench of benches) {
    bench.n = await calibrate(bench, roundNs);
    progress(`calibrated ${bench.id}: n=${bench.n}`);
  }
  for (let w = 0; w < warmup; w++) {
    for (const bench of benches) await bench.measure(bench.n);
  }
  const samples = Object.fromEntries(benches.map((b) => [b.id, []]));
  const switches = Object.fromEntries(benches.map((b) => [b.id, []]));
  for (let r = 0; r < rounds; r++) {
    for (const bench of benches) {
      const cs0 = contextSwitches();
      const elapsed = Number(await bench.measure(bench.n));
      const cs = contextSwitches() - cs0;
      const ops = bench.ops ? bench.ops(bench.n) : bench.n;
      samples[bench.id].push(elapsed / ops);
      switches[bench.id].push(cs / ops);
    }
    progress(`round ${r + 1}/${rounds} done`);
  }
  const out = {};
  for (const bench of benches) {
    out[bench.id] = {
      ...summarise(samples[bench.id], switches[bench.id]),
      n: bench.n,
      opsPerRound: bench.ops ? bench.ops(bench.n) : bench.n,
    };
  }
  return out;
}

module.exports = { now, median, summarise, calibrate, runInterleaved };
