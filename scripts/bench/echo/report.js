'use strict';
// The echo group's summary (medians over passes, ratios against the targets) and its table.
// Ratios here are greenthread msgs/s / other msgs/s: above 1 greenthread is faster (the other
// way round from the switch-cost table, which compares times), one per engine backend.

// The greenthread example runs once per engine backend, as greenthread-threads and -fibers.
const SERVERS = ['greenthread-threads', 'greenthread-fibers', 'node', 'eventlet', 'gevent'];
// Issue 8's targets, medians of msgs/s at every connection count.
const ECHO_TARGETS = { vsNode: 0.9, vsBestPython: 1 };
// DESIGN.md's figures from the same VM (msgs/s at 1/100/1000 connections), for context.
const ECHO_ANCHORS = {
  node: { 1: '17k', 100: '144k', 1000: '112–125k' },
  eventlet: { 1: '20k', 100: '63k', 1000: '41k' },
  gevent: { 1: '17k', 100: '101k', 1000: '79k' },
};

function median(values) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Per connection count: each server's medians over its passes, and each greenthread backend's
 * ratios (vsNodeBy / vsBestPythonBy: { backend: ratio }, with the ...Met flags beside them).
 */
function summariseRuns(runs, connCounts, backends = ['threads']) {
  return connCounts.map((conns) => {
    const servers = {};
    for (const name of SERVERS) {
      const mine = runs.filter((r) => r.server === name && r.conns === conns);
      if (!mine.length) continue;
      const withServer = mine.filter((r) => r.proc != null && r.msgs > 0);
      servers[name] = {
        msgsPerSec: median(mine.map((r) => r.msgsPerSec)),
        min: Math.min(...mine.map((r) => r.msgsPerSec)),
        max: Math.max(...mine.map((r) => r.msgsPerSec)),
        samples: mine.map((r) => r.msgsPerSec),
        // The server process's own CPU (all its threads) per 100,000 echoed messages.
        cpuPer100k: median(withServer.map((r) => (r.proc.cpuSeconds / r.msgs) * 1e5)),
        // Of one vCPU: how busy the server was over the window (2.0 would be both vCPUs).
        cpuShare: median(withServer.map((r) => r.proc.cpuSeconds / r.seconds)),
        peakRssMiB: median(withServer.map((r) => r.proc.hwmKiB / 1024)),
        threads: median(withServer.map((r) => r.proc.threads)),
        loadgenCpuShare: median(mine.map((r) => r.loadgenCpuSeconds / r.seconds)),
        errors: mine.reduce((sum, r) => sum + r.errors + r.corrupt + r.neverEchoed, 0),
        // The greenthread servers: the backends they reported (all of them must be the one asked for).
        ...(mine[0].backend !== undefined ? { ranBackends: [...new Set(mine.map((r) => r.backend?.backend ?? 'unknown'))] } : {}),
      };
    }
    const node = servers.node?.msgsPerSec ?? null;
    const pythons = ['eventlet', 'gevent'].filter((n) => servers[n]);
    const bestPython = pythons.length ? pythons.reduce((a, b) => (servers[a].msgsPerSec >= servers[b].msgsPerSec ? a : b)) : null;
    const best = bestPython ? servers[bestPython].msgsPerSec : null;
    const vsNodeBy = {};
    const vsNodeMetBy = {};
    const vsBestPythonBy = {};
    const vsBestPythonMetBy = {};
    for (const backend of backends) {
      const s = servers[`greenthread-${backend}`];
      // A server that ran another backend than it was asked for has no figure of this one.
      const gt = s && s.ranBackends?.every((b) => b === backend) !== false ? s.msgsPerSec : null;
      vsNodeBy[backend] = gt != null && node ? gt / node : null;
      vsNodeMetBy[backend] = vsNodeBy[backend] == null ? null : vsNodeBy[backend] >= ECHO_TARGETS.vsNode;
      vsBestPythonBy[backend] = gt != null && best ? gt / best : null;
      vsBestPythonMetBy[backend] = vsBestPythonBy[backend] == null ? null : vsBestPythonBy[backend] > ECHO_TARGETS.vsBestPython;
    }
    return { conns, servers, bestPython, vsNodeBy, vsNodeMetBy, vsBestPythonBy, vsBestPythonMetBy };
  });
}

const num = (v) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));
const ratio = (v) => (v == null ? '—' : `${v.toFixed(2)}×`);
const met = (v) => (v == null ? '' : v ? 'yes' : 'NO');

function table(header, rows, alignLeft = [0]) {
  const cells = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => String(row[c]).length)));
  const line = (row) => row.map((cell, c) => (alignLeft.includes(c) ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The echo section of the text report (lines), or [] when the group did not run. `backends` is
 * index.js's { backend: { fellBack } }: a greenthread server that fell back shows the reason.
 */
function renderEcho(echo, backends = {}) {
  if (!echo || echo.skipped || !echo.summary) return [];
  const { options, summary } = echo;
  const gtBackends = echo.backends ?? ['threads'];
  const out = [];
  out.push(`echo: 64-byte messages, one in flight per connection, C epoll load generator in its own process;`);
  out.push(`median msgs/s of ${options.passes} pass${options.passes > 1 ? 'es' : ''} (${options.seconds} s window after ${options.warmup} s warm-up); server and load generator share the VM's vCPUs; ${echo.totalSeconds.toFixed(0)} s`);
  out.push(`greenthread ran examples/echo-server.js once per engine backend; targets ≥ ${ECHO_TARGETS.vsNode}× Node and > ${ECHO_TARGETS.vsBestPython}× the best Python, each marked ✓/✗`);
  for (const backend of gtBackends) if (backends[backend]?.fellBack) out.push(`greenthread-${backend}: withheld: ${backends[backend].fellBack}`);
  const mark = (met) => (met == null ? '' : met ? ' ✓' : ' ✗');
  const header = ['conns', ...gtBackends.map((b) => `gt ${b}`), 'node', 'eventlet', 'gevent'];
  for (const b of gtBackends) header.push(`${b}/node`);
  for (const b of gtBackends) header.push(`${b}/best Python`);
  out.push(table(header, summary.map((row) => {
    const withheld = (b) => backends[b]?.fellBack || row.servers[`greenthread-${b}`]?.ranBackends?.some((ran) => ran !== b);
    return [
      row.conns,
      ...gtBackends.map((b) => (withheld(b) ? 'withheld' : num(row.servers[`greenthread-${b}`]?.msgsPerSec))),
      num(row.servers.node?.msgsPerSec), num(row.servers.eventlet?.msgsPerSec), num(row.servers.gevent?.msgsPerSec),
      ...gtBackends.map((b) => `${ratio(row.vsNodeBy[b])}${mark(row.vsNodeMetBy[b])}`),
      ...gtBackends.map((b) => (row.vsBestPythonBy[b] == null ? '—' : `${ratio(row.vsBestPythonBy[b])} (${row.bestPython})${mark(row.vsBestPythonMetBy[b])}`)),
    ];
  })));
  out.push('');
  out.push('per server: min–max msgs/s over the passes; server CPU s per 100k msgs and share of one vCPU over the window;');
  out.push('peak RSS (VmHWM) and OS threads of the server process; DESIGN.md anchor (msgs/s, same VM, earlier)');
  const rows = [];
  for (const row of summary) {
    for (const [name, s] of Object.entries(row.servers)) {
      const ran = s.ranBackends?.filter((b) => `greenthread-${b}` !== name);
      rows.push([
        `${row.conns} × ${name}${ran?.length ? ` (ran ${ran.join(', ')})` : ''}`,
        num(s.msgsPerSec),
        `${num(s.min)}–${num(s.max)}`,
        s.cpuPer100k == null ? '—' : s.cpuPer100k.toFixed(2),
        s.cpuShare == null ? '—' : `${(s.cpuShare * 100).toFixed(0)}%`,
        s.peakRssMiB == null ? '—' : s.peakRssMiB.toFixed(1),
        s.threads == null ? '—' : num(s.threads),
        s.errors ? num(s.errors) : '',
        ECHO_ANCHORS[name]?.[row.conns] ?? '',
      ]);
    }
  }
  out.push(table(['conns × server', 'msgs/s', 'min–max', 'CPU s/100k', 'CPU', 'RSS MiB', 'threads', 'errors', 'anchor'], rows));
  return out;
}

module.exports = { summariseRuns, renderEcho, ECHO_TARGETS, ECHO_ANCHORS };
