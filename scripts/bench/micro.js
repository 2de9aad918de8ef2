'use strict';
// Switch-cost benchmarks of greenthread and their plain-Node baselines, in one process so
// their rounds can be interleaved (harness.js). Run as a child of index.js, once per engine
// backend (GREENTHREAD_BACKEND=threads|fibers in its environment):
//   node micro.js '{"rounds":7,"warmup":2,"roundMs":150}'
// and prints { backend, results: { id: summary } } as JSON on stdout; progress goes to stderr.
const path = require('node:path');
const { now, runInterleaved } = require('./harness');
const { backendReport } = require('./backend');
const { loadPackageUnderTest, packageRoot } = require('./package-under-test');

const config = JSON.parse(process.argv[2] || '{}');
const root = packageRoot(config);
// With the typed wrappers of the raw addon: the mailbox round trip every hub switch is built on
// (dist/engine.js in builds from before src/ had layer folders: --root may name one).
const [gt, engine] = loadPackageUnderTest(config, 'index.js',
  require('node:fs').existsSync(path.join(root, 'dist', 'engine', 'engine.js')) ? 'engine/engine.js' : 'engine.js');
const { run, spawn, sleep, Queue, GreenPool, hub } = gt;
const { createCoroutine, resumeCoroutine, parkOnHub } = engine;

const FANOUT = 10;
// Pool size of the pool benchmarks: eventlet's and gevent's default-ish 1000, so a burst of
// spawns runs without blocking the spawner until the pool is full.
const POOL_SIZE = 1000;

// Each benchmark's body runs inside a green thread started by run(); the clock is read inside
// that thread, so starting it and settling run()'s promise are not part of the figure.
const inGreenThread = (body) => (n) => run(() => body(n));

// The same benchmark body with hub.blockingDetection on for the round (a threshold no round
// reaches, so nothing is printed): what the watchdog costs the switch path.
const withBlockingDetection = (measure) => async (n) => {
  hub.blockingDetection(10);
  try {
    return await measure(n);
  } finally {
    hub.blockingDetection(false);
  }
};

function sleepLoop(n) {
  for (let i = 0; i < n; i++) sleep(0);
}

const one = () => 1;
const identity = (x) => x;
const yieldThenIdentity = (x) => { sleep(0); return x; };

// Times `for (const v of pool.imap(fn, range(n)))` in a green thread; checks nothing was lost.
function imapOverRange(fn, n) {
  const pool = new GreenPool(POOL_SIZE);
  const t0 = now();
  let sum = 0;
  for (const value of pool.imap(fn, range(n))) sum += value;
  const elapsed = now() - t0;
  if (sum !== (n * (n - 1)) / 2) throw new Error('imap lost items');
  return elapsed;
}

function* range(n) {
  for (let i = 0; i < n; i++) yield i;
}

// A minimal promise-based channel: what an async program would use instead of a queue.
class AsyncChannel {
  constructor() {
    this.items = [];
    this.waiters = [];
  }

  put(item) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.items.push(item);
  }

  get() {
    if (this.items.length) return Promise.resolve(this.items.shift());
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

// Calls fn(i) for i < n with at most `limit` calls in flight; resolves to the results in order.
function mapLimit(n, limit, fn) {
  return new Promise((resolve, reject) => {
    const results = new Array(n);
    let next = 0;
    let done = 0;
    if (n === 0) resolve(results);
    const launch = () => {
      const i = next++;
      fn(i).then((value) => {
        results[i] = value;
        if (++done === n) resolve(results);
        else if (next < n) launch();
      }, reject);
    };
    for (let k = 0; k < Math.min(limit, n); k++) launch();
  });
}

// FANOUT green threads looping on sleep(0) n times each; the elapsed ns.
function sleepFanout(n) {
  const t0 = now();
  const threads = [];
  for (let k = 0; k < FANOUT; k++) threads.push(spawn(sleepLoop, n));
  for (const t of threads) t.wait();
  return now() - t0;
}

// n round trips of an item over two queues between this green thread and an echoing one.
function queuePingPong(n) {
  const there = new Queue();
  const back = new Queue();
  const echo = spawn(() => { for (let i = 0; i < n; i++) back.put(there.get()); });
  const t0 = now();
  for (let i = 0; i < n; i++) {
    there.put(i);
    back.get();
  }
  const elapsed = now() - t0;
  echo.wait();
  return elapsed;
}

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
    measure: inGreenThread(sleepFanout),
  },
  {
    id: 'gt.sleep0x10.detect',
    ops: (n) => n * FANOUT,
    measure: withBlockingDetection(inGreenThread(sleepFanout)),
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
    // Two green threads bounce an item over two queues: per op = one round trip (each side
    // puts once and gets once, so two switches).
    id: 'gt.queuePingPong',
    measure: inGreenThread(queuePingPong),
  },
  {
    id: 'gt.queuePingPong.detect',
    measure: withBlockingDetection(inGreenThread(queuePingPong)),
  },
  {
    // Per item of GreenPool.imap over a range: results in order, at most POOL_SIZE calls at once.
    id: 'gt.imap',
    measure: inGreenThread((n) => imapOverRange(identity, n)),
  },
  {
    // The same with a function that yields once (sleep(0)) per call, so every item really
    // runs concurrently with others: the workers take turns, as eventlet's greenlets do.
    id: 'gt.imapYield',
    measure: inGreenThread((n) => imapOverRange(yieldThenIdentity, n)),
  },
  {
    // Per item of GreenPool.spawn (n of them, the spawner blocking whenever the pool is full)
    // and the final waitAll.
    id: 'gt.poolSpawn',
    measure: inGreenThread((n) => {
      const pool = new GreenPool(POOL_SIZE);
      const t0 = now();
      for (let i = 0; i < n; i++) pool.spawn(one);
      pool.waitAll();
      return now() - t0;
    }),
  },
  {
    // Plain Node's closest equivalent of the queue ping-pong: two async functions bouncing a
    // value over two promise-based channels.
    id: 'node.channelPingPong',
    measure: async (n) => {
      const there = new AsyncChannel();
      const back = new AsyncChannel();
      const echo = (async () => { for (let i = 0; i < n; i++) back.put(await there.get()); })();
      const t0 = now();
      for (let i = 0; i < n; i++) {
        there.put(i);
        await back.get();
      }
      const elapsed = now() - t0;
      await echo;
      return elapsed;
    },
  },
  {
    // Plain Node's closest equivalent of imap and pool spawn: an async function per item,
    // at most POOL_SIZE in flight, results collected in input order.
    id: 'node.mapLimit',
    measure: async (n) => {
      const t0 = now();
      const results = await mapLimit(n, POOL_SIZE, async (i) => i);
      const elapsed = now() - t0;
      if (results.length !== n) throw new Error('mapLimit lost items');
      return elapsed;
    },
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
  // Which engine backend ran these figures (GREENTHREAD_BACKEND asks; a failed fiber self-check
  // falls back to threads): index.js refuses to print thread figures as fiber ones.
  process.stdout.write(`${JSON.stringify({ options, backend: backendReport(root, gt), results })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
