'use strict';
// The http group's summary (medians over passes, ratios, issue 11's targets) and its tables.
// Ratios are of requests/s, greenthread / other: above 1 greenthread is faster. One figure per
// engine backend; a greenthread process that ran another backend than it was asked for has no
// figure (withheld), as everywhere in the suite.
const { median } = require('../harness');
const { table } = require('../report');

// Issue 11's targets for the hello-world server, at every connection count (informative).
const HTTP_TARGETS = { vsNode: 0.8, vsEventlet: 3 };

const SERVER_NAMES = (backends) => [...backends.map((b) => `greenthread-${b}`), 'node', 'eventlet', 'gevent'];
const CLUSTER_NAMES = (backends) => [...backends.map((b) => `greenthread-${b}-workers`), 'node-cluster'];
const CLIENT_NAMES = (backends) => [...backends.map((b) => `greenthread-${b}`), 'fetch', 'node-http'];

const med = (values) => {
  const known = values.filter((v) => v != null && Number.isFinite(v));
  return known.length ? median(known) : null;
};

// A greenthread figure counts only when every run of it ran the backend it was named after.
function backendFigure(stats, backend) {
  if (!stats) return null;
  return stats.ranBackends?.every((b) => b === backend) === false ? null : stats.reqPerSec;
}

/** One server's medians over its runs at one connection count. */
function serverStats(mine) {
  return {
    // In the measured window, after the warm-up (wrk.js).
    reqPerSec: med(mine.map((r) => r.reqPerSec)),
    min: Math.min(...mine.map((r) => r.reqPerSec)),
    max: Math.max(...mine.map((r) => r.reqPerSec)),
    samples: mine.map((r) => r.reqPerSec),
    // wrk's own figure over its whole run: connecting and warm-up included.
    wholeRunReqPerSec: med(mine.map((r) => r.run.reqPerSec)),
    warmupSeconds: med(mine.map((r) => r.warmupSeconds)),
    // Connections still waiting to be accepted when the window began.
    acceptQueue: med(mine.map((r) => r.acceptQueueAtStart)),
    p50Ms: med(mine.map((r) => r.run.latencyUs.p50 / 1000)),
    p99Ms: med(mine.map((r) => r.run.latencyUs.p99 / 1000)),
    // Of one vCPU (2.0 would be both): the server (all its processes and threads) in the window.
    cpuShare: med(mine.map((r) => r.serverCpuSeconds / r.window)),
    cpuUsPerRequest: med(mine.map((r) => (r.responses ? (r.serverCpuSeconds / r.responses) * 1e6 : null))),
    wrkCpuShare: med(mine.map((r) => r.wrkCpuSeconds / r.window)),
    rssMiB: med(mine.map((r) => r.serverRssKiB / 1024)),
    threads: med(mine.map((r) => r.serverThreads)),
    processes: med(mine.map((r) => r.serverProcesses)),
    errors: mine.reduce((sum, r) => sum + r.errorCount, 0),
    ...(mine[0].backends !== undefined ? { ranBackends: [...new Set(mine.flatMap((r) => (r.backends?.length ? r.backends : [r.backend])).map((b) => b?.backend ?? 'unknown'))] } : {}),
  };
}

const ratioOf = (a, b) => (a != null && b ? a / b : null);
const metOf = (value, target) => (value == null ? null : value >= target);

/**
 * { server: [...per conns], cluster: [...per conns], client } from the runs: medians per server
 * and the ratios per backend (server: vsNodeBy, vsEventletBy, vsGeventBy with ...MetBy flags;
 * cluster: vsNodeClusterBy and scaling, each server's figure over its one-process figure;
 * client: vsFetchBy, vsNodeHttpBy).
 */
function summariseHttp(runs, clientRuns, connCounts, backends) {
  const statsAt = (names, conns) => {
    const servers = {};
    for (const name of names) {
      const mine = runs.filter((r) => r.server === name && r.conns === conns);
      if (mine.length) servers[name] = serverStats(mine);
    }
    return servers;
  };
  const server = connCounts.map((conns) => {
    const servers = statsAt(SERVER_NAMES(backends), conns);
    const row = { conns, servers, vsNodeBy: {}, vsNodeMetBy: {}, vsEventletBy: {}, vsEventletMetBy: {}, vsGeventBy: {} };
    for (const backend of backends) {
      const gt = backendFigure(servers[`greenthread-${backend}`], backend);
      row.vsNodeBy[backend] = ratioOf(gt, servers.node?.reqPerSec);
      row.vsNodeMetBy[backend] = metOf(row.vsNodeBy[backend], HTTP_TARGETS.vsNode);
      row.vsEventletBy[backend] = ratioOf(gt, servers.eventlet?.reqPerSec);
      row.vsEventletMetBy[backend] = metOf(row.vsEventletBy[backend], HTTP_TARGETS.vsEventlet);
      row.vsGeventBy[backend] = ratioOf(gt, servers.gevent?.reqPerSec);
    }
    return row;
  }).filter((row) => Object.keys(row.servers).length);
  const cluster = connCounts.map((conns) => {
    const servers = statsAt(CLUSTER_NAMES(backends), conns);
    const single = statsAt(SERVER_NAMES(backends), conns);
    const row = { conns, servers, vsNodeClusterBy: {}, scaling: {} };
    for (const backend of backends) {
      const gt = backendFigure(servers[`greenthread-${backend}-workers`], backend);
      row.vsNodeClusterBy[backend] = ratioOf(gt, servers['node-cluster']?.reqPerSec);
      row.scaling[`greenthread-${backend}-workers`] = ratioOf(gt, backendFigure(single[`greenthread-${backend}`], backend));
    }
    row.scaling['node-cluster'] = ratioOf(servers['node-cluster']?.reqPerSec, single.node?.reqPerSec);
    return row;
  }).filter((row) => Object.keys(row.servers).length);
  const clients = {};
  for (const name of CLIENT_NAMES(backends)) {
    const mine = clientRuns.filter((r) => r.client === name);
    if (!mine.length) continue;
    clients[name] = {
      reqPerSec: med(mine.map((r) => r.reqPerSec)),
      min: Math.min(...mine.map((r) => r.reqPerSec)),
      max: Math.max(...mine.map((r) => r.reqPerSec)),
      samples: mine.map((r) => r.reqPerSec),
      cpuUsPerRequest: med(mine.map((r) => r.cpuUsPerRequest)),
      serverCpuUsPerRequest: med(mine.map((r) => r.serverCpuUsPerRequest)),
      errors: mine.reduce((sum, r) => sum + r.errors + r.wrong, 0),
      ...(mine[0].backend !== undefined ? { ranBackends: [...new Set(mine.map((r) => r.backend?.backend ?? 'unknown'))] } : {}),
    };
  }
  const client = { clients, vsFetchBy: {}, vsNodeHttpBy: {} };
  for (const backend of backends) {
    const gt = backendFigure(clients[`greenthread-${backend}`], backend);
    client.vsFetchBy[backend] = ratioOf(gt, clients.fetch?.reqPerSec);
    client.vsNodeHttpBy[backend] = ratioOf(gt, clients['node-http']?.reqPerSec);
  }
  return { server, cluster, client: Object.keys(clients).length ? client : null };
}

const num = (v) => (v == null ? '—' : Math.round(v).toLocaleString('en-US'));
const ratio = (v) => (v == null ? '—' : `${v.toFixed(2)}×`);
const mark = (met) => (met == null ? '' : met ? ' ✓' : ' ✗');
const fixed = (v, digits) => (v == null ? '—' : v.toFixed(digits));
const share = (v) => (v == null ? '—' : `${(v * 100).toFixed(0)}%`);

// The per-server details of the server or cluster part: spread, wrk's whole run, CPU, memory.
function detailTable(rows) {
  const lines = [];
  for (const row of rows) {
    for (const [name, s] of Object.entries(row.servers)) {
      const ran = s.ranBackends?.filter((b) => !name.startsWith(`greenthread-${b}`));
      lines.push([
        `${row.conns} × ${name}${ran?.length ? ` (ran ${ran.join(', ')})` : ''}`,
        num(s.reqPerSec), `${num(s.min)}–${num(s.max)}`, share(s.cpuShare), fixed(s.cpuUsPerRequest, 0), share(s.wrkCpuShare),
        fixed(s.warmupSeconds, 1), num(s.acceptQueue), num(s.wholeRunReqPerSec), fixed(s.p50Ms, 1), fixed(s.p99Ms, 0),
        fixed(s.rssMiB, 0), s.processes > 1 ? `${num(s.threads)} in ${s.processes}` : num(s.threads), s.errors ? num(s.errors) : '',
      ]);
    }
  }
  return table(['conns × server', 'req/s', 'min–max', 'CPU', 'CPU µs/req', 'wrk CPU', 'warm-up s', 'unaccepted', 'whole run', 'p50 ms', 'p99 ms', 'RSS MiB', 'threads', 'errors'], lines);
}

/**
 * The http section of the text report (lines), or [] when the group did not run. `backends` is
 * index.js's { backend: { fellBack } }: a greenthread figure of a backend that fell back is withheld.
 */
function renderHttp(result, backends = {}) {
  if (!result || !result.summary) return [];
  const { options, summary } = result;
  const gtBackends = result.backends;
  const out = [];
  const withheld = (b, stats) => backends[b]?.fellBack || stats?.ranBackends?.some((ran) => ran !== b);
  const gtCell = (b, stats) => (withheld(b, stats) ? 'withheld' : num(stats?.reqPerSec));
  for (const b of gtBackends) if (backends[b]?.fellBack) out.push(`http: greenthread-${b}: withheld: ${backends[b].fellBack}`);
  const passes = `${options.passes} pass${options.passes > 1 ? 'es' : ''}`;
  if (summary.server.length || summary.cluster.length) {
    out.push(`http: hello world (GET / → 200 "hello") over keep-alive, wrk -t${options.wrkThreads} in its own process, median requests/s of ${passes}, each`);
    out.push(`a ${options.seconds} s window once the server has taken on wrk's connections (at least ${options.warmup} s in), a fresh server per run;`);
    out.push(`wrk and the server share the VM's vCPUs, neither pinned; ${result.totalSeconds.toFixed(0)} s in all`);
  }
  if (summary.server.length) {
    out.push(`server: greenthread http.serve (gt-app.js) once per engine backend; targets ≥ ${HTTP_TARGETS.vsNode}× node:http and ≥ ${HTTP_TARGETS.vsEventlet}× eventlet.wsgi, ✓/✗ (informative)`);
    const header = ['conns', ...gtBackends.map((b) => `gt ${b}`), 'node', 'eventlet', 'gevent',
      ...gtBackends.map((b) => `${b}/node`), ...gtBackends.map((b) => `${b}/eventlet`), ...gtBackends.map((b) => `${b}/gevent`)];
    out.push(table(header, summary.server.map((row) => [
      row.conns,
      ...gtBackends.map((b) => gtCell(b, row.servers[`greenthread-${b}`])),
      num(row.servers.node?.reqPerSec), num(row.servers.eventlet?.reqPerSec), num(row.servers.gevent?.reqPerSec),
      ...gtBackends.map((b) => `${ratio(row.vsNodeBy[b])}${mark(row.vsNodeMetBy[b])}`),
      ...gtBackends.map((b) => `${ratio(row.vsEventletBy[b])}${mark(row.vsEventletMetBy[b])}`),
      ...gtBackends.map((b) => ratio(row.vsGeventBy[b])),
    ])));
  }
  if (summary.cluster.length) {
    out.push('');
    out.push(`cluster: \`greenthread --workers ${options.workers} gt-app.js\` vs node:http under node:cluster with ${options.workers} workers; scaling: over the same server in one process`);
    const names = [...gtBackends.map((b) => `greenthread-${b}-workers`), 'node-cluster'];
    const header = ['conns', ...gtBackends.map((b) => `gt ${b} ×${options.workers}`), `node ×${options.workers}`,
      ...gtBackends.map((b) => `${b}/node`), ...names.map((n) => `scaling ${n.replace(/^greenthread-(\w+)-workers$/, '$1')}`)];
    out.push(table(header, summary.cluster.map((row) => [
      row.conns,
      ...gtBackends.map((b) => gtCell(b, row.servers[`greenthread-${b}-workers`])),
      num(row.servers['node-cluster']?.reqPerSec),
      ...gtBackends.map((b) => ratio(row.vsNodeClusterBy[b])),
      ...names.map((n) => ratio(row.scaling[n])),
    ])));
  }
  if (summary.server.length || summary.cluster.length) {
    out.push('');
    out.push('per server (medians): min–max req/s over the passes; in the window the server\'s CPU (all its processes) as share of one');
    out.push('vCPU and µs per request, and wrk\'s own; the warm-up\'s length and the connections still not accepted after it; wrk\'s');
    out.push('own req/s and latency over its whole run (connecting and warm-up included); resident memory and OS threads; wrk\'s errors');
    out.push(detailTable([...summary.server, ...summary.cluster]));
  }
  if (summary.client) {
    const { clients, vsFetchBy, vsNodeHttpBy } = summary.client;
    if (out.length) out.push('');
    out.push(`client: ${options.clients} concurrent loops of GET + read the body against a plain node:http server (another process), median requests/s`);
    out.push(`of ${passes} (${options.seconds} s after ${options.warmup} s); greenthread http.request from green threads, fetch and node:http.request (keep-alive agent) from async functions`);
    const rows = Object.entries(clients).map(([name, c]) => {
      const backend = /^greenthread-(\w+)$/.exec(name)?.[1];
      return [
        name, backend ? gtCell(backend, c) : num(c.reqPerSec), `${num(c.min)}–${num(c.max)}`,
        backend ? ratio(vsFetchBy[backend]) : '', backend ? ratio(vsNodeHttpBy[backend]) : '',
        fixed(c.cpuUsPerRequest, 0), fixed(c.serverCpuUsPerRequest, 0), c.errors ? num(c.errors) : '',
      ];
    });
    out.push(table(['client', 'req/s', 'min–max', '/fetch', '/node:http', 'client CPU µs/req', 'server CPU µs/req', 'errors'], rows));
  }
  return out;
}

module.exports = { summariseHttp, renderHttp, HTTP_TARGETS };
