// The fiber backend's idle decay (native/engine/engine-fiber.cc, Engine::DecayIdle): finished
// green threads leave their fiber hosts and stacks idle as they are, for the next spawns to take
// back warm, and only once those have sat idle for a period are they trimmed, ended (beyond the
// kept 1,024 hosts) or unmapped (beyond the kept 2,048 stacks), a bounded batch per period, by an
// unref'd timer. Each case runs in a child on fibers; waits poll the engine's counters, with no
// timing limit of their own.
import { describeOnFibers, resultOnFibers } from './fiber-child';

// A short decay period (GREENTHREAD_IDLE_DECAY_MS) for the cases that wait for decay.
const DECAY_100MS = { GREENTHREAD_IDLE_DECAY_MS: '100' };

// Hosts and stacks decay keeps (engine.h kKeepIdleHosts, fiber_stacks_'s keep_idle).
const KEPT = 1024 + 2048;

// Child helpers: a crowd of `n` green threads alive at once, each touching about `depth` frames
// of stack before it ends; and a wait until the idle count is at most `limit`.
const CROWD = `
function deep(n) { return n === 0 ? 0 : 1 + deep(n - 1); }
function crowd(n, depth, atPeak) {
  const gate = new g.Event();
  // With atPeak: every thread, its stack touched, waits until atPeak() has run, so that it runs
  // while all n hosts are in use (none idle yet, whatever decay does meanwhile).
  const hold = atPeak ? new g.Event() : null;
  const allThere = new g.Event();
  let there = 0;
  const ts = [];
  for (let i = 0; i < n; i++) {
    ts.push(g.spawn(() => {
      gate.wait();
      const d = deep(depth);
      if (hold) { if (++there === n) allThere.send(true); hold.wait(); }
      return d;
    }));
  }
  g.sleep(0);
  gate.send(true);
  if (hold) { allThere.wait(); atPeak(); hold.send(true); }
  return ts.reduce((sum, t) => sum + t.wait(), 0);
}
function rssKiB() { return Number(/VmRSS:\\s+(\\d+)/.exec(require('fs').readFileSync('/proc/self/status', 'utf8'))[1]); }
async function idleAtMost(limit) {
  while (g.hub.stats().fiberStacksPooled > limit) await new Promise((r) => setTimeout(r, 100));
}`;

describeOnFibers('idle fiber stacks: kept warm after a crowd, decayed once idle', () => {
  test('a crowd\'s hosts all stay idle as they are when it ends, and the next crowd takes them back', () => {
    // Decay off (GREENTHREAD_IDLE_DECAY_MS=0), so that no period can pass in between, however
    // slow the machine.
    const result = resultOnFibers(`${CROWD}
(async () => {
  const n = 6000;
  const first = await g.run(() => crowd(n, 800));
  const afterFirst = g.hub.stats();
  const second = await g.run(() => crowd(n, 800));
  const afterSecond = g.hub.stats();
  report({ backend: fiberBackend(), sums: [first, second],
    afterFirst: { inUse: afterFirst.fiberStacks, idle: afterFirst.fiberStacksPooled, ids: afterFirst.fiberThreadIds },
    afterSecond: { inUse: afterSecond.fiberStacks, idle: afterSecond.fiberStacksPooled, ids: afterSecond.fiberThreadIds } });
})();`, { timeoutMs: 120000, env: { GREENTHREAD_IDLE_DECAY_MS: '0' } });
    expect(result.sums).toEqual([6000 * 800, 6000 * 800]);
    // Every host of the first crowd (and run()'s own) idle: none ended, none unmapped.
    expect(result.afterFirst.inUse).toBe(0);
    expect(result.afterFirst.idle).toBeGreaterThanOrEqual(6001);
    // The second crowd ran on them: no new V8 threads, the same idle set afterwards.
    expect(result.afterSecond).toEqual({ ...result.afterFirst });
  });

  test('idle hosts and stacks decay to the kept number once idle, and RSS falls', () => {
    const result = resultOnFibers(`${CROWD}
(async () => {
  const n = 6000;
  let rssBefore = 0;
  const first = await g.run(() => crowd(n, 800, () => { rssBefore = rssKiB(); }));
  await idleAtMost(${KEPT});
  // More periods: the last batch of ended hosts hands its stacks to the pool, which ages them,
  // and the kept ones are trimmed.
  await new Promise((r) => setTimeout(r, 1500));
  const decayed = g.hub.stats();
  const rssAfter = rssKiB();
  // Still usable after decay: a crowd larger than what was kept.
  const second = await g.run(() => crowd(n, 10));
  report({ backend: fiberBackend(), sums: [first, second],
    decayed: { inUse: decayed.fiberStacks, idle: decayed.fiberStacksPooled, live: decayed.liveCoroutines },
    rssDropKiB: rssBefore - rssAfter });
})();`, { timeoutMs: 120000 });
    expect(result.sums).toEqual([6000 * 800, 6000 * 10]);
    expect(result.decayed).toEqual({ inUse: 0, idle: expect.any(Number), live: 0 });
    expect(result.decayed.idle).toBeLessThanOrEqual(KEPT);
    // Each ended host gave back its V8 thread and a stack touched about 40 KiB deep; conservatively
    // a quarter of that for ~3,000 of them.
    expect(result.rssDropKiB).toBeGreaterThan(3000 * 10);
  });

  test('decay ends idle hosts while other green threads sit parked (in AsyncLocalStorage contexts) and they all resume intact', () => {
    const result = resultOnFibers(`${CROWD}
const { AsyncLocalStorage } = require('node:async_hooks');
const als = new AsyncLocalStorage();
(async () => {
  const release = new g.Event();
  const parked = g.run(() => {
    const ts = [];
    for (let i = 0; i < 2000; i++) ts.push(als.run(i, () => g.spawn(() => { const before = als.getStore(); release.wait(); return before === i && als.getStore() === i && deep(50) === 50; })));
    return ts.map((t) => t.wait()).every(Boolean);
  });
  // Another crowd ends while those 2,000 stay parked; its idle hosts then decay around them.
  await new Promise((r) => setTimeout(r, 50));
  const ended = await g.run(() => crowd(5000, 100));
  await idleAtMost(${KEPT});
  await new Promise((r) => setTimeout(r, 300));
  const during = g.hub.stats();
  release.send(true);
  const intact = await parked;
  report({ backend: fiberBackend(), ended, intact, parkedDuring: during.fiberStacks, idleDuring: during.fiberStacksPooled <= ${KEPT} });
})();`, { timeoutMs: 120000, env: DECAY_100MS });
    // 2,000 parked plus the first run()'s own thread, still in use while the rest decayed.
    expect(result).toEqual({ ended: 5000 * 100, intact: true, parkedDuring: 2001, idleDuring: true });
  });

  test('the decay timer never keeps a process alive, nor trips its exit', () => {
    // The child ends with 3,000 idle hosts awaiting decay: it must exit at once, cleanly.
    const result = resultOnFibers(`${CROWD}
g.run(() => crowd(3000, 100)).then((sum) => report({ backend: fiberBackend(), sum, idle: g.hub.stats().fiberStacksPooled >= 3000 }));`, { timeoutMs: 60000 });
    expect(result).toEqual({ sum: 300000, idle: true });
  });
});
