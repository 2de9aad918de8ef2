'use strict';
// Issue 10's figures: the crowd group's summary and table (crowd.js / crowd.py: memory per
// parked green thread, 10,000 concurrent sleep(0.5)s) and the fiber backend's targets, judged
// with ✓/✗ against this run's medians, each with the thread backend's figure beside it.
const { median } = require('./harness');
const { table, ns, x } = require('./report');

// Issue 10's targets for the fiber backend (medians on the project's 2-vCPU VM).
const FIBER_TARGETS = {
  fasterThanGevent: 3,      // sleep(0) with 10 ready threads and queue ping-pong: ≥ 3× gevent's speed
  rawRoundTripNs: 600,      // raw switch round trip
  spawnWaitNs: 2000,        // spawn + wait
  sleepersSeconds: 0.6,     // 10,000 concurrent sleep(0.5)s, from first spawn to last wait
  parkedRssKiB: 16,         // RSS per parked green thread
  echoVsNode: 0.9,          // echo msgs/s at 100 and 1,000 connections, against plain Node
};

/**
 * The crowd group's medians per backend (threads, fibers) and library (gevent, eventlet):
 * { count, parked: { who: {...} }, sleepers: { who: { cold, warm, ... } } }. A backend that fell
 * back is { withheld: reason }.
 */
function summariseCrowd(runs, backends, withheld = {}) {
  const out = { parked: {}, sleepers: {} };
  const order = [...backends, 'gevent', 'eventlet'];
  for (const who of order) {
    if (withheld[who]) {
      out.parked[who] = { withheld: withheld[who] };
      out.sleepers[who] = { withheld: withheld[who] };
      continue;
    }
    const parked = (runs.parked[who] ?? []).map((r) => r.parked).filter(Boolean);
    if (parked.length) {
      out.count ??= parked[0].count;
      out.parked[who] = {
        count: parked[0].count,
        rssKiB: median(parked.map((p) => p.perThread.rssKiB)),
        vmKiB: median(parked.map((p) => p.perThread.vmKiB)),
        osThreads: median(parked.map((p) => p.perThread.osThreads)),
        spawnParkNs: median(parked.map((p) => p.spawnParkNsPerThread)),
        gc: parked.every((p) => p.gc),
        samples: parked.map((p) => p.perThread.rssKiB),
      };
    }
    const sleepers = (runs.sleepers[who] ?? []).map((r) => r.sleepers).filter(Boolean);
    if (sleepers.length) {
      const warm = sleepers.flatMap((s) => s.seconds.slice(1));
      out.count ??= sleepers[0].count;
      out.sleepers[who] = {
        count: sleepers[0].count,
        sleepSeconds: sleepers[0].sleepSeconds,
        // Round 1 of each fresh process: new OS threads or new fiber stacks; later rounds reuse.
        cold: median(sleepers.map((s) => s.seconds[0])),
        warm: warm.length ? median(warm) : null,
        samples: sleepers.map((s) => s.seconds),
        peakRssMiB: median(sleepers.map((s) => s.peak.rssKiB / 1024)),
      };
    }
  }
  return out;
}

const kib = (v) => (v == null ? '—' : v.toFixed(1));
const sec = (v) => (v == null ? '—' : `${v.toFixed(3)} s`);

/** The crowd section of the text report. */
function renderCrowd(crowd) {
  if (!crowd || (!Object.keys(crowd.parked).length && !Object.keys(crowd.sleepers).length)) return [];
  const who = [...new Set([...Object.keys(crowd.parked), ...Object.keys(crowd.sleepers)])];
  const label = (w) => (w === 'threads' || w === 'fibers' ? `greenthread ${w}` : w);
  const rows = who.map((w) => {
    const p = crowd.parked[w] ?? {};
    const s = crowd.sleepers[w] ?? {};
    if (p.withheld || s.withheld) return [label(w), 'FELL BACK*', '', '', '', '', '', ''];
    return [label(w), kib(p.rssKiB), kib(p.vmKiB), p.osThreads == null ? '—' : p.osThreads.toFixed(2), ns(p.spawnParkNs), sec(s.cold), sec(s.warm), s.peakRssMiB == null ? '—' : s.peakRssMiB.toFixed(0)];
  });
  const n = (crowd.count ?? 10000).toLocaleString('en-US');
  return [
    `crowds: ${n} green threads parked in Event.wait() (RSS delta / N, full GC before and after), and ${n} concurrent sleep(0.5)s`,
    '(seconds from the first spawn to the last wait; cold = the first crowd of a fresh process, warm = the next one); medians over the passes',
    table(['', 'RSS KiB/thread', 'VM KiB/thread', 'OS thr/thread', 'spawn+park ns', 'sleep(0.5) ×N cold', 'warm', 'peak RSS MiB'], rows),
    ...who.filter((w) => crowd.parked[w]?.withheld).map((w) => `* ${w}: no figures (${crowd.parked[w].withheld})`),
  ];
}

/**
 * Issue 10's targets, judged on the fiber backend's medians of this run: [{ id, label, target,
 * fibers, threads, met, detail }] (met null: not measured, or the fibers figures are withheld).
 */
function fiberTargets(report) {
  const T = FIBER_TARGETS;
  const fibersWithheld = report.backends?.fibers?.fellBack ?? null;
  const rowOf = (id, backend) => report.rows.find((r) => r.id === id && r.backend === backend && !r.withheld) ?? null;
  const out = [];
  const add = (id, label, target, fibers, threads, met, detail = '') => {
    out.push({ id, label, target, fibers: fibersWithheld ? null : fibers, threads, met: fibersWithheld ? null : met, withheld: fibersWithheld, detail });
  };

  for (const [id, label] of [['sleep0x10', 'sleep(0), 10 ready threads'], ['queuePingPong', 'queue ping-pong']]) {
    const f = rowOf(id, 'fibers');
    const t = rowOf(id, 'threads');
    const gevent = (f ?? t)?.gevent ?? null;
    const speedup = (row) => (row && gevent ? gevent / row.greenthread : null);
    add(id, `${label}: ≥ ${T.fasterThanGevent}× faster than gevent`, `≥ ${T.fasterThanGevent}×`,
      f && { ns: f.greenthread, vsGevent: speedup(f) }, t && { ns: t.greenthread, vsGevent: speedup(t) },
      f && gevent ? speedup(f) >= T.fasterThanGevent : null,
      gevent == null ? 'no gevent figure' : `gevent ${ns(gevent)} ns`);
  }
  {
    const f = rowOf('raw.spin', 'fibers');
    const t = rowOf('raw.spin', 'threads');
    const probe = report.env?.hostProbe;
    const mode = probe && !probe.before?.error ? `host mode ${Math.round(probe.before.roundTripNs)}/${Math.round(probe.after?.roundTripNs ?? NaN)} ns` : 'host mode unknown';
    add('raw.spin', `raw switch round trip ≤ ${T.rawRoundTripNs} ns`, `≤ ${T.rawRoundTripNs} ns`, f && { ns: f.greenthread }, t && { ns: t.greenthread },
      f ? f.greenthread <= T.rawRoundTripNs : null, mode);
  }
  {
    const f = rowOf('spawnWait', 'fibers');
    const t = rowOf('spawnWait', 'threads');
    add('spawnWait', `spawn + wait ≤ ${T.spawnWaitNs.toLocaleString('en-US')} ns`, `≤ ${T.spawnWaitNs.toLocaleString('en-US')} ns`, f && { ns: f.greenthread }, t && { ns: t.greenthread },
      f ? f.greenthread <= T.spawnWaitNs : null);
  }
  const crowd = report.crowd ?? { parked: {}, sleepers: {} };
  {
    const s = crowd.sleepers;
    const f = s.fibers && !s.fibers.withheld ? s.fibers : null;
    const t = s.threads && !s.threads.withheld ? s.threads : null;
    const py = ['gevent', 'eventlet'].filter((l) => s[l]).map((l) => `${l} ${sec(s[l].cold)}`).join(', ');
    add('sleepers', `${(crowd.count ?? 10000).toLocaleString('en-US')} concurrent sleep(0.5) < ${T.sleepersSeconds} s (cold)`, `< ${T.sleepersSeconds} s`,
      f && { seconds: f.cold, warm: f.warm }, t && { seconds: t.cold, warm: t.warm }, f ? f.cold < T.sleepersSeconds : null,
      `${f ? `fibers warm ${sec(f.warm)}` : ''}${py ? `; ${py}` : ''}`);
  }
  {
    const p = crowd.parked;
    const f = p.fibers && !p.fibers.withheld ? p.fibers : null;
    const t = p.threads && !p.threads.withheld ? p.threads : null;
    const py = ['gevent', 'eventlet'].filter((l) => p[l]).map((l) => `${l} ${kib(p[l].rssKiB)} KiB`).join(', ');
    add('parkedRss', `RSS per parked green thread ≤ ${T.parkedRssKiB} KiB`, `≤ ${T.parkedRssKiB} KiB`, f && { kib: f.rssKiB }, t && { kib: t.rssKiB },
      f ? f.rssKiB <= T.parkedRssKiB : null, py);
  }
  for (const conns of [100, 1000]) {
    const row = report.echo?.summary?.find((r) => r.conns === conns);
    const f = row?.vsNodeBy?.fibers ?? null;
    const t = row?.vsNodeBy?.threads ?? null;
    add(`echo${conns}`, `echo at ${conns.toLocaleString('en-US')} connections ≥ ${T.echoVsNode}× plain Node`, `≥ ${T.echoVsNode}×`,
      f == null ? null : { vsNode: f }, t == null ? null : { vsNode: t }, f == null ? null : f >= T.echoVsNode,
      row?.servers?.node ? `node ${Math.round(row.servers.node.msgsPerSec).toLocaleString('en-US')} msgs/s` : 'echo not run');
  }
  return out;
}

// One figure of a target line, in the target's own unit.
function figure(v) {
  if (!v) return '—';
  if (v.vsGevent != null) return `${ns(v.ns)} ns (gevent's time ÷ ${v.vsGevent.toFixed(2)})`;
  if (v.ns != null) return `${ns(v.ns)} ns`;
  if (v.seconds != null) return sec(v.seconds);
  if (v.kib != null) return `${kib(v.kib)} KiB`;
  if (v.vsNode != null) return `${x(v.vsNode)} Node`;
  return '—';
}

/** The targets section of the text report; `measuredOnly` leaves out what this run did not measure. */
function renderTargets(targets, measuredOnly = false) {
  if (measuredOnly) targets = (targets ?? []).filter((t) => t.fibers || t.threads);
  if (!targets || !targets.length) return [];
  const mark = (met) => (met == null ? '?' : met ? '✓' : '✗');
  const withheld = targets.find((t) => t.withheld)?.withheld;
  return [
    'issue 10 targets, judged on the fiber backend (✓ met, ✗ not met, ? not measured); the thread backend beside it',
    ...(withheld ? [`the fiber backend did not run (${withheld}): nothing to judge`] : []),
    table(['', 'target', 'fibers', 'threads', ''],
      targets.map((t) => [`${mark(t.met)} ${t.label}`, t.target, t.withheld ? 'FELL BACK' : figure(t.fibers), figure(t.threads), t.detail]), [0, 4]),
  ];
}

module.exports = { FIBER_TARGETS, summariseCrowd, renderCrowd, fiberTargets, renderTargets };
