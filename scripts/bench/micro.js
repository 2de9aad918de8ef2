'use strict';
// Switch-cost benchmarks of greenthread and their plain-Node baselines, in one process so
// their rounds can be interleaved (harness.js). Run as a child of index.js:
//   node micro.js '{"rounds":7,"warmup":2,"roundMs":150}'
// and prints { results: { id: summary } } as JSON on stdout; progress goes to stderr.
const path = require('node:path');
const { now, runInterleaved } = require('./harness');

const config = JSON.parse(process.argv[2] || '{}');
// The package under test: this checkout, or another build given with index.js --root.
const root = config.root ? path.resolve(config.root) : path.join(__dirname, '..', '..');
let gt;
let engine;
try {
  gt = require(path.join(root, 'dist', 'index.js'));
  // The typed wrappers of the raw addon: the mailbox round trip every hub switch is built on.
  engine = require(path.join(root, 'dist', 'engine.js'));
} catch (error) {
  process.stderr.write(`bench: cannot load greenthread from dist/ (run \`npm run build\` first)\n${error.stack}\n`);
  process.exit(2);
}
const { run, spawn, sleep } = gt;
const { createCoroutine, resumeCoroutine, parkOnHub } = engine;

const FANOUT = 10;

// Each benchmark's body runs inside a green thread started by run(); the clock is read inside
// that thread, so starting it and settling run()'s promise are not part of the figure.
const inGreenThread = (body) => (n) => run(() => body(n));

function sleepLoop(n) {
  for (let i = 0; i < n; i++) sleep(0);
}

const one = () => 1;

const benches = [
  {
    id: 'gt.sleep0',
    measure: inGreenThread((n) => {
      const t0 = now();
      sleepLoop(n);
      return now() - t0;
    }),
  },
  {
    // FANOUT threads loop on sleep(0) together: per op = wall time / all sleeps. Spawning
    // them is inside the timing but is a rounding error next to FANOUT * n switches.
    id: 'gt.sleep0x10',
    ops: (n) => n * FANOUT,
    measure: inGreenThread((n) => {
      const t0 = now();
      const threads = [];
      for (let k = 0; k < FANOUT; k++) threads.push(spawn(sleepLoop, n));
      for (const t of threads) t.wait();
      return now() - t0;
    }),
  },
  {
    id: 'gt.spawnWait',
    measure: inGreenThread((n) => {
      const t0 = now();
      for (let i = 0; i < n; i++) spawn(one).wait();
      return now() - t0;
    }),
  },
  {
    // The hub's view of a switch without the hub: plain JavaScript resumes a coroutine that
    // yields straight back. Both sides spin briefly before parking (expectSoon), as sleep(0)
    // with a short run queue does.
    id: 'raw.spin',
    measure: async (n) => rawRoundTrips(n, true),
  },
  {
    // Same, but the coroutine parks in the kernel at once (expectSoon false, what a thread
    // suspended on I/O or a long sleep does): every resume pays a futex wake-up.
    id: 'raw.futex',
    startN: 4,
    measure: async (n) => rawRoundTrips(n, false),
  },
  {
    id: 'node.await',
    startN: 1024,
    measure: async (n) => {
      const resolved = Promise.resolve(1);
      const t0 = now();
      for (let i = 0; i < n; i++) await resolved;
      return now() - t0;
    },
  },
  {
    id: 'node.setImmediate',
    measure: async (n) => {
      const t0 = now();
      for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
      return now() - t0;
    },
  },
];

function rawRoundTrips(n, expectSoon) {
  let stop = false;
  const id = createCoroutine(() => {
    while (!stop) parkOnHub(expectSoon);
    return -1;
  });
  resumeCoroutine(id);  // first resume: the thread starts and parks
  const t0 = now();
  for (let i = 0; i < n; i++) resumeCoroutine(id);
  const elapsed = now() - t0;
  stop = true;
  if (!resumeCoroutine(id)) throw new Error('raw coroutine did not finish');
  return elapsed;
}

async function main() {
  const options = { rounds: config.rounds ?? 7, warmup: config.warmup ?? 2, roundMs: config.roundMs ?? 150 };
  const selected = config.only ? benches.filter((b) => config.only.includes(b.id)) : benches;
  const progress = config.verbose ? (line) => process.stderr.write(`  micro: ${line}\n`) : () => {};
  const results = await runInterleaved(selected, options, progress);
  process.stdout.write(`${JSON.stringify({ options, results })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
