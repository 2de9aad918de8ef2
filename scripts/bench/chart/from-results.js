'use strict';
// Which charts a benchmark run's JSON (index.js --json / --out) makes, and what is in each: the
// micro operations against eventlet, gevent and plain Node; the echo server's msgs/s by
// connection count; the HTTP servers' req/s by connection count, one process and --workers; the
// HTTP client. Every chart shows both engine backends, and a backend that fell back to threads
// is named as withheld, never drawn with thread figures. The captions say which machine, when,
// and in which host mode the figures were taken, all read from the JSON, so a chart redrawn from
// the same file is the same chart.
const { duration, count } = require('./format');

// Okabe–Ito colours: told apart with the common colour-vision deficiencies, dark enough on white.
const COLOR = {
  threads: '#56B4E9',
  fibers: '#0072B2',
  node: '#009E73',
  eventlet: '#E69F00',
  gevent: '#D55E00',
  fetch: '#CC79A7',
};

// The micro operations charted (report.js's row ids), in the table's order. The blockingDetection
// and raw engine rows have no Python or Node counterpart; they stay in the table.
const MICRO_OPS = ['sleep0', 'sleep0x10', 'spawnWait', 'queuePingPong', 'imap', 'imapYield', 'poolSpawn'];

const pct = (v) => `${Math.round(v * 100)}%`;
const plural = (n, word) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;
// Over how many passes a figure is the median.
const overPasses = (n) => (n === 1 ? 'one pass' : `median of ${n} passes`);
const backendSeries = (backends, suffix = '', labelOf = (b) => `greenthread, ${b} backend`) =>
  backends.map((b) => ({ id: `greenthread-${b}${suffix}`, label: labelOf(b), color: COLOR[b] ?? '#6e7781', hatch: suffix !== '' }));

/** The lines every caption ends with: the machine, the date, how the run went, the host mode. */
function machineCaption(report) {
  const { env } = report;
  const when = env.date ? `${env.date.slice(0, 10)}` : 'date not recorded';
  const run = env.quick ? 'a --quick run (one short pass: rough figures)' : 'a full run';
  const lines = [`${env.cpus} CPUs, node ${env.node}, ${when}, ${run}; other load on the machine ${pct(env.busyBefore ?? 0)} before, ${pct(env.backgroundDuring ?? 0)} during`];
  const probe = env.hostProbe;
  if (probe) {
    const shown = (p) => (!p || p.error ? 'unavailable' : duration(p.roundTripNs));
    lines.push(`host mode: bare cache-line round trip between CPUs ${shown(probe.before)} at the start, ${shown(probe.after)} at the end (thread switches move with it)`);
  }
  return lines;
}

/** Why a backend's figure is not drawn, or null when it is: it fell back, or ran another backend. */
function withheldNote(report, backend, ran) {
  if (report.backends?.[backend]?.fellBack) return 'withheld (fell back)';
  if (ran?.some((b) => b !== backend)) return `withheld (ran ${ran.join(', ')})`;
  return null;
}

// A greenthread bar: its figure, or the note saying why there is none.
function gtBar(report, backend, stats, id, value) {
  if (!stats) return { series: id, value: null };
  const note = withheldNote(report, backend, stats.ranBackends);
  return note ? { series: id, value: null, note } : { series: id, value };
}

/** The micro operations chart: median time per operation, greenthread's two backends and the baselines. */
function microChart(report) {
  const rows = report.rows ?? [];
  const backends = report.env.backends ?? ['threads'];
  const python = report.python ?? {};
  const groups = [];
  for (const id of MICRO_OPS) {
    const mine = rows.filter((r) => r.id === id);
    if (!mine.length) continue;
    const first = mine[0];
    const bars = backends.map((b) => {
      const row = mine.find((r) => r.backend === b);
      if (!row) return { series: `greenthread-${b}`, value: null };
      return row.withheld ? { series: `greenthread-${b}`, value: null, note: 'withheld (fell back)' } : { series: `greenthread-${b}`, value: row.greenthread };
    });
    bars.push({ series: 'node', value: first.nodeEquivalent ?? null });
    bars.push({ series: 'gevent', value: first.gevent ?? null });
    bars.push({ series: 'eventlet', value: first.eventlet ?? null });
    groups.push({ label: first.label, bars });
  }
  if (!groups.length) return null;
  const values = groups.flatMap((g) => g.bars.map((b) => b.value)).filter((v) => v != null && v > 0);
  const log = values.length > 1 && Math.max(...values) / Math.min(...values) > 30;
  const version = (lib) => (python[lib]?.version ? ` ${python[lib].version}` : '');
  const { env } = report;
  return {
    id: 'micro',
    title: 'greenthread: cost of the basic operations',
    subtitle: [
      `median time per operation${log ? ' (log scale)' : ''}: shorter is faster`,
      'plain Node: its closest equivalent (a promise channel for the ping-pong, an async map with 1,000 in flight for the pool rows)',
    ],
    orientation: 'horizontal',
    scale: log ? 'log' : 'linear',
    format: duration,
    axisLabel: 'time per operation',
    series: [
      ...backendSeries(backends),
      { id: 'node', label: 'plain Node', color: COLOR.node },
      { id: 'gevent', label: `gevent${version('gevent')}`, color: COLOR.gevent },
      { id: 'eventlet', label: `eventlet${version('eventlet')}`, color: COLOR.eventlet },
    ],
    groups,
    caption: [
      `medians of ${env.passes * env.rounds} rounds of about ${env.roundMs} ms per operation and backend, interleaved with the Python processes (scripts/bench: micro.js, eventlet-gevent.py)`,
      ...machineCaption(report),
    ],
  };
}

/** The echo chart: msgs/s by connection count for every echo server. */
function echoChart(report) {
  const echo = report.echo;
  if (!echo || echo.skipped || !echo.summary?.length) return null;
  const backends = echo.backends ?? ['threads'];
  const groups = echo.summary.map((row) => ({
    label: plural(row.conns, 'connection'),
    bars: [
      ...backends.map((b) => {
        const s = row.servers[`greenthread-${b}`];
        return gtBar(report, b, s, `greenthread-${b}`, s?.msgsPerSec);
      }),
      ...['node', 'eventlet', 'gevent'].map((name) => ({ series: name, value: row.servers[name]?.msgsPerSec ?? null })),
    ],
  }));
  const { options } = echo;
  return {
    id: 'echo',
    title: 'Echo server: messages per second by connection count',
    subtitle: `64-byte echo, one message in flight per connection; msgs/s, ${overPasses(options.passes)}: taller is faster`,
    orientation: 'vertical',
    scale: 'linear',
    format: count,
    axisLabel: 'messages per second',
    series: [
      ...backendSeries(backends, '', (b) => `greenthread ${b === 'threads' ? 'threads' : 'fibers'} (examples/echo-server.js)`),
      { id: 'node', label: 'node:net, socket.pipe(socket)', color: COLOR.node },
      { id: 'eventlet', label: 'eventlet.serve', color: COLOR.eventlet },
      { id: 'gevent', label: 'gevent StreamServer', color: COLOR.gevent },
    ],
    groups,
    caption: [
      `a C epoll load generator on the same machine; a ${options.seconds} s window after ${options.warmup} s of warm-up; every server in a fresh process (scripts/bench/echo)`,
      ...machineCaption(report),
    ],
  };
}

/** The HTTP server chart: req/s by connection count, each server in one process and under --workers / node:cluster. */
function httpServerChart(report) {
  const http = report.http;
  const summary = http?.summary;
  if (!summary || (!summary.server?.length && !summary.cluster?.length)) return null;
  const backends = http.backends ?? ['threads'];
  const workers = http.options?.workers ?? 2;
  const conns = [...new Set([...summary.server, ...summary.cluster].map((r) => r.conns))].sort((a, b) => a - b);
  const groups = conns.map((c) => {
    const single = summary.server.find((r) => r.conns === c)?.servers ?? {};
    const cluster = summary.cluster.find((r) => r.conns === c)?.servers ?? {};
    return {
      label: plural(c, 'connection'),
      bars: [
        ...backends.map((b) => gtBar(report, b, single[`greenthread-${b}`], `greenthread-${b}`, single[`greenthread-${b}`]?.reqPerSec)),
        ...['node', 'eventlet', 'gevent'].map((name) => ({ series: name, value: single[name]?.reqPerSec ?? null })),
        ...backends.map((b) => gtBar(report, b, cluster[`greenthread-${b}-workers`], `greenthread-${b}-workers`, cluster[`greenthread-${b}-workers`]?.reqPerSec)),
        { series: 'node-cluster', value: cluster['node-cluster']?.reqPerSec ?? null },
      ],
    };
  });
  const { options } = http;
  return {
    id: 'http-server',
    title: 'HTTP server: requests per second by connection count',
    subtitle: [
      `hello world over keep-alive under wrk -t${options.wrkThreads}; req/s, ${overPasses(options.passes)}: taller is faster`,
      `striped: ${workers} worker processes (greenthread --workers ${workers}, node:http under node:cluster)`,
    ],
    orientation: 'vertical',
    scale: 'linear',
    format: count,
    axisLabel: 'requests per second',
    series: [
      ...backendSeries(backends, '', (b) => `greenthread http.serve, ${b}`),
      { id: 'node', label: 'node:http', color: COLOR.node },
      { id: 'eventlet', label: 'eventlet.wsgi', color: COLOR.eventlet },
      { id: 'gevent', label: 'gevent.pywsgi', color: COLOR.gevent },
      ...backendSeries(backends, '-workers', (b) => `greenthread --workers ${workers}, ${b}`),
      { id: 'node-cluster', label: `node:cluster, ${workers} workers`, color: COLOR.node, hatch: true },
    ],
    groups,
    caption: [
      `a ${options.seconds} s window once the server has taken on wrk's connections (at least ${options.warmup} s in); wrk and the server share the machine, neither pinned (scripts/bench/http)`,
      ...machineCaption(report),
    ],
  };
}

/** The HTTP client chart: req/s of 50 concurrent GET loops, greenthread's http.request against fetch and node:http. */
function httpClientChart(report) {
  const http = report.http;
  const client = http?.summary?.client;
  if (!client) return null;
  const backends = http.backends ?? ['threads'];
  const { options } = http;
  const bars = [
    ...backends.map((b) => gtBar(report, b, client.clients[`greenthread-${b}`], `greenthread-${b}`, client.clients[`greenthread-${b}`]?.reqPerSec)),
    { series: 'fetch', value: client.clients.fetch?.reqPerSec ?? null },
    { series: 'node-http', value: client.clients['node-http']?.reqPerSec ?? null },
  ];
  return {
    id: 'http-client',
    title: 'HTTP client: requests per second',
    subtitle: `${options.clients} concurrent loops of GET + read the whole body against a node:http server in another process; req/s, ${overPasses(options.passes)}: longer is faster`,
    orientation: 'horizontal',
    scale: 'linear',
    format: count,
    axisLabel: 'requests per second',
    series: [
      ...backendSeries(backends, '', (b) => `greenthread http.request(url).text() from green threads, ${b}`),
      { id: 'fetch', label: 'fetch(url) + text() from async functions', color: COLOR.fetch },
      { id: 'node-http', label: 'node:http.request, keep-alive agent, from async functions', color: COLOR.node },
    ],
    groups: [{ label: `${options.clients} loops`, bars }],
    caption: [
      `a ${options.seconds} s window after ${options.warmup} s of warm-up; one client process per run (scripts/bench/http/client.js)`,
      ...machineCaption(report),
    ],
  };
}

/** The charts a run's results make, as [{ name, spec }] (name: the file's base name). */
function chartsFromResults(report) {
  if (!report || typeof report !== 'object' || !report.env) throw new TypeError('chart: not a benchmark result (no env): expected the JSON of npm run bench -- --json');
  return [
    ['micro', microChart(report)],
    ['echo', echoChart(report)],
    ['http-server', httpServerChart(report)],
    ['http-client', httpClientChart(report)],
  ].filter(([, spec]) => spec).map(([name, spec]) => ({ name, spec }));
}

/** Every chart name this renderer can make, produced or not by a given run. */
const CHART_NAMES = ['micro', 'echo', 'http-server', 'http-client'];

module.exports = { chartsFromResults, machineCaption, CHART_NAMES };
