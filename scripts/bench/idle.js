'use strict';
// Footprint of parked green threads: CPU burnt while idle, RSS and OS threads per green thread.
// Run as a child of index.js (a process of its own, so nothing else is alive in it), once per
// engine backend:
//   node idle.js '{"threads":1000,"windowMs":2000,"settleMs":500}'
// Half the threads park in sleep(3600) (a pending timer), half in waitFor() of a promise that
// never settles (no timer at all): the two ways a green thread waits for something far off.
// Prints one JSON object on stdout.
const fs = require('node:fs');
const { perThreadDelta, selfStatus } = require('./proc');
const { backendReport } = require('./backend');
const { loadPackageUnderTest, packageRoot } = require('./package-under-test');

const config = JSON.parse(process.argv[2] || '{}');
const root = packageRoot(config);
const [gt] = loadPackageUnderTest(config, 'index.js');
const { spawnN, sleep, waitFor, hub } = gt;

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** CPU time (user + system, every thread of the process) as % of one core over `ms` of wall. */
async function cpuPercent(ms) {
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  await delay(ms);
  const cpu = process.cpuUsage(cpu0);
  const wallNs = Number(process.hrtime.bigint() - wall0);
  return { percent: ((cpu.user + cpu.system) * 1000 * 100) / wallNs, userUs: cpu.user, systemUs: cpu.system, wallMs: wallNs / 1e6 };
}

// utime + stime (clock ticks) of every OS thread of this process, by thread id: afterwards,
// which threads (if any) used the CPU while everything should have been parked.
function taskTicks() {
  const ticks = new Map();
  for (const tid of fs.readdirSync('/proc/self/task')) {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name is in parentheses and may contain spaces: fields start after it.
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      ticks.set(tid, { name, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // The thread ended between readdir and read.
    }
  }
  return ticks;
}

async function main() {
  const count = config.threads ?? 1000;
  const windowMs = config.windowMs ?? 2000;
  const settleMs = config.settleMs ?? 500;

  // The same process before any green thread: Node's own idle cost and footprint.
  await delay(settleMs);
  const before = selfStatus();
  const baselineCpu = await cpuPercent(Math.min(windowMs, 1000));

  let parked = 0;
  const never = new Promise(() => {});
  const bySleep = () => { parked++; sleep(3600); };
  const byWait = () => { parked++; waitFor(never); };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) spawnN(i % 2 === 0 ? bySleep : byWait);
  while (parked < count) await nextTurn();
  // One more turn: the last thread counted itself just before it parked.
  await nextTurn();
  const spawnParkNs = Number(process.hrtime.bigint() - t0) / count;
  const states = {};
  for (const info of hub.threads()) states[info.state] = (states[info.state] || 0) + 1;

  // Let adaptive spinners give up and every pooled thread settle into its futex wait.
  await delay(settleMs);
  const ticks0 = taskTicks();
  const idle = await cpuPercent(windowMs);
  const ticks1 = taskTicks();
  const after = selfStatus();

  const busyThreads = [];
  for (const [tid, t1] of ticks1) {
    const used = t1.ticks - (ticks0.get(tid)?.ticks ?? 0);
    // The main thread is left out: it reads these 1,000 files itself, and its share of the
    // window is already in cpu.idle.
    if (used > 0 && Number(tid) !== process.pid) busyThreads.push({ tid: Number(tid), name: t1.name, ticks: used });
  }
  busyThreads.sort((a, b) => b.ticks - a.ticks);

  const result = {
    threads: count,
    states,
    engine: hub.stats(),
    backend: backendReport(root, gt),
    spawnParkNsPerThread: spawnParkNs,
    cpu: { idle, baseline: baselineCpu },
    // Clock ticks are 10 ms: only threads that ran noticeably show up here.
    busyThreads: busyThreads.slice(0, 5),
    before,
    after,
    perThread: perThreadDelta(before, after, count),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  // Exit with the threads still parked: the engine's teardown must unwind them cleanly, and
  // the time it takes is part of what a user of 1,000 parked threads gets.
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
