'use strict';
// The patching benchmark (issue 9), run as a child of index.js (once per engine backend):
//   node patch/run.js '{"rounds":3,"warmup":2,"roundMs":150}'
// Two blocking calls, each three ways: the patched *Sync from 50 green threads (after
// monkeyPatch), the unpatched original from 50 green threads, and the async API from 50
// concurrent async loops in plain Node. Throughout each round a ticker green thread loops on
// sleep(1 ms), so every figure comes with what the rest of the program got done meanwhile.
// Rounds of all six are interleaved (harness.js); prints { results } as JSON on stdout.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { promisify } = require('node:util');
const { now, runInterleaved } = require('../harness');
const { backendReport } = require('../backend');
const { loadPackageUnderTest, packageRoot } = require('../package-under-test');

const config = JSON.parse(process.argv[2] || '{}');
const root = packageRoot(config);
const [gt] = loadPackageUnderTest(config, 'index.js');
if (typeof gt.monkeyPatch !== 'function') {
  process.stdout.write(`${JSON.stringify({ unavailable: 'this build has no monkeyPatch' })}\n`);
  process.exit(0);
}
const { run, spawn, sleep, monkeyPatch, original } = gt;
// Internal (tests and this benchmark only): puts every original back on the modules.
const { unpatchAll } = require(path.join(root, 'dist', 'patch', 'monkey-patch.js'));

const THREADS = 50;
const TICK_SECONDS = 0.001;
const PBKDF2 = ['greenthread', 'salt', 10_000, 32, 'sha256'];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-bench-patch-'));
const file = path.join(dir, 'small.txt');
fs.writeFileSync(file, 'x'.repeat(64));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

// Taken before monkeyPatch replaces them on the modules.
const asyncReadFile = fs.promises.readFile;
const asyncPbkdf2 = promisify(require('node:crypto').pbkdf2);
monkeyPatch({ fs: true, crypto: true });
const patched = { fs: require('node:fs'), crypto: require('node:crypto') };
const unpatched = { fs: original('fs'), crypto: original('crypto') };

const ops = [
  {
    id: 'readFile',
    patched: () => patched.fs.readFileSync(file),
    unpatched: () => unpatched.fs.readFileSync(file),
    async: () => asyncReadFile(file),
  },
  {
    id: 'pbkdf2',
    patched: () => patched.crypto.pbkdf2Sync(...PBKDF2),
    unpatched: () => unpatched.crypto.pbkdf2Sync(...PBKDF2),
    async: () => asyncPbkdf2(...PBKDF2),
  },
];

/**
 * Starts the ticker green thread: it loops on sleep(1 ms) and counts its wake-ups and the
 * longest gap between two of them, from reset() to snapshot() (called right where the timed
 * work starts and ends, so turns the ticker gets before or after it are not counted). stop()
 * ends it.
 */
function startTicker() {
  const state = { running: true, ticks: 0, maxGap: 0n, last: now() };
  const done = run(() => {
    while (state.running) {
      sleep(TICK_SECONDS);
      const t = now();
      if (t - state.last > state.maxGap) state.maxGap = t - state.last;
      state.last = t;
      state.ticks++;
    }
  });
  let figures = null;
  return {
    reset() { state.ticks = 0; state.maxGap = 0n; state.last = now(); },
    snapshot() {
      const t = now();
      if (t - state.last > state.maxGap) state.maxGap = t - state.last;
      figures = { ticks: state.ticks, maxGapNs: Number(state.maxGap) };
    },
    async stop() {
      state.running = false;
      await done;
      return figures;
    },
  };
}

// n calls shared among THREADS green threads, each calling `call` until none are left.
function inGreenThreads(call) {
  return (n, ticker) => run(() => {
    ticker.reset();
    let left = n;
    const workers = [];
    for (let i = 0; i < THREADS; i++) workers.push(spawn(() => { while (left > 0) { left--; call(); } }));
    for (const w of workers) w.wait();
    ticker.snapshot();
  });
}

// n calls shared among THREADS async loops.
function inAsyncLoops(call) {
  return async (n, ticker) => {
    ticker.reset();
    let left = n;
    const loops = [];
    for (let i = 0; i < THREADS; i++) loops.push((async () => { while (left > 0) { left--; await call(); } })());
    await Promise.all(loops);
    ticker.snapshot();
  };
}

const benches = [];
for (const op of ops) {
  for (const [mode, body] of [['patched', inGreenThreads(op.patched)], ['unpatched', inGreenThreads(op.unpatched)], ['async', inAsyncLoops(op.async)]]) {
    const bench = {
      id: `${op.id}.${mode}`,
      startN: THREADS,
      ticker: [],
      async measure(n) {
        // Some originals call other functions through the module object (Node 20's
        // readFileSync without an encoding calls fs.openSync, fs.readSync, ...): the unpatched
        // rounds run with the modules really unpatched, or those inner calls would be green.
        if (mode === 'unpatched') unpatchAll();
        const ticker = startTicker();
        await new Promise((resolve) => setTimeout(resolve, 2));  // the ticker is parked in its sleep
        let elapsed;
        try {
          const t0 = now();
          await body(n, ticker);
          elapsed = now() - t0;
        } finally {
          if (mode === 'unpatched') monkeyPatch({ fs: true, crypto: true });
        }
        const figures = await ticker.stop();
        bench.ticker.push({ ticksPerSecond: figures.ticks / (Number(elapsed) / 1e9), maxGapMs: figures.maxGapNs / 1e6 });
        return elapsed;
      },
    };
    benches.push(bench);
  }
}

async function main() {
  const options = { rounds: config.rounds ?? 3, warmup: config.warmup ?? 2, roundMs: config.roundMs ?? 150 };
  const progress = config.verbose ? (line) => process.stderr.write(`  patch: ${line}\n`) : () => {};
  const results = await runInterleaved(benches, options, progress);
  for (const bench of benches) {
    // The measured rounds are each benchmark's last calls (calibration and warm-up came first).
    const rounds = bench.ticker.slice(-options.rounds);
    results[bench.id].ticksPerSecond = rounds.map((r) => r.ticksPerSecond);
    results[bench.id].maxGapMs = rounds.map((r) => r.maxGapMs);
  }
  process.stdout.write(`${JSON.stringify({ options, backend: backendReport(root, gt), threads: THREADS, tickSeconds: TICK_SECONDS, pbkdf2: PBKDF2.slice(2), fileBytes: 64, uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE) || 4, results })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
