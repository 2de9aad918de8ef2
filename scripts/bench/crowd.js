'use strict';
// Many green threads at once (issue 10's crowd figures), run as a child of index.js, once per
// engine backend and pass, each measure in a fresh process (nothing pooled by the other):
//   node --expose-gc crowd.js '{"parked":10000}'
//   node crowd.js '{"sleepers":10000,"sleepSeconds":0.5,"rounds":2}'
// "parked": the memory of N green threads parked in Event.wait() (RSS delta / N, after a full
// GC on both sides). "sleepers": `rounds` crowds of M green threads that each sleep(0.5), timed
// from the first spawn until the last has been waited for: round 1 is cold (new OS threads or
// new fiber stacks), later ones reuse what the engine pooled. crowd.py is the Python twin.
// Prints one JSON object on stdout.
const { perThreadDelta, selfStatus } = require('./proc');
const { backendReport } = require('./backend');
const { loadPackageUnderTest, packageRoot } = require('./package-under-test');

const config = JSON.parse(process.argv[2] || '{}');
const root = packageRoot(config);
const [gt] = loadPackageUnderTest(config, 'index.js');
const { run, spawn, spawnN, sleep, Event, hub } = gt;

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Two passes: a weak callback or finaliser released by the first is collected by the second.
function fullGc() {
  if (typeof global.gc !== 'function') return false;
  global.gc();
  global.gc();
  return true;
}

/** RSS, VM size and OS threads per green thread parked in Event.wait(), N of them. */
async function parkedFootprint(count) {
  // Spawn and finish one green thread first: the hub, its handles and the engine's first
  // allocations are not per-thread costs.
  await run(() => spawn(() => 1).wait());
  await delay(50);
  const gcDone = fullGc();
  const before = selfStatus();
  const event = new Event();
  let parked = 0;
  let finished = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) spawnN(() => { parked++; event.wait(); finished++; });
  while (parked < count) await nextTurn();
  await nextTurn();  // the last one counted itself just before it parked
  const spawnParkNs = Number(process.hrtime.bigint() - t0) / count;
  fullGc();
  const after = selfStatus();
  const stats = hub.stats();
  event.send(true);
  while (finished < count) await nextTurn();
  return {
    count,
    gc: gcDone,
    spawnParkNsPerThread: spawnParkNs,
    before,
    after,
    stats,
    perThread: perThreadDelta(before, after, count),
  };
}

/** Seconds from the first of `count` spawn(sleep, s) to the last wait() returning. */
function sleepersRound(count, seconds) {
  return run(() => {
    const t0 = process.hrtime.bigint();
    const threads = [];
    for (let i = 0; i < count; i++) threads.push(spawn(sleep, seconds));
    for (const t of threads) t.wait();
    return Number(process.hrtime.bigint() - t0) / 1e9;
  });
}

async function main() {
  const parked = config.parked > 0 ? await parkedFootprint(config.parked) : null;
  let sleepers = null;
  if (config.sleepers > 0) {
    const sleepSeconds = config.sleepSeconds ?? 0.5;
    const seconds = [];
    for (let r = 0; r < (config.rounds ?? 2); r++) {
      seconds.push(await sleepersRound(config.sleepers, sleepSeconds));
      await delay(20);
    }
    sleepers = { count: config.sleepers, sleepSeconds, seconds, stats: hub.stats(), peak: selfStatus() };
  }
  const result = { backend: backendReport(root, gt), parked, sleepers };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
