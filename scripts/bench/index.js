'use strict';
// `npm run bench`: runs greenthread's benchmark suite and prints one comparison table.
//   node scripts/bench/index.js [--quick] [--json] [--backend both|threads|fibers] [--passes N] ...
// Every group runs in a child process of its own, one after another (never two at once on
// this 2-vCPU VM), and every greenthread group once per engine backend (GREENTHREAD_BACKEND in
// the child's environment; each child reports which backend really ran): micro.js (greenthread
// and plain-Node switch costs) and eventlet-gevent.py (the same operations in Python), then
// crowd.js / crowd.py (10,000 parked green threads' memory, 10,000 concurrent sleep(0.5)s), all
// taking turns over a few passes; then idle.js (1,000 parked green threads), the patching group
// (patch/run.js), the echo servers (echo/run.js: greenthread on each backend, Node, eventlet
// and gevent under a C load generator) and the http group (http/run.js: hello-world servers
// under wrk, greenthread --workers against node:cluster, and the http.request client). This file
// only orchestrates and reports. Benchmarks are not tests: a missed target does not make the run fail.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { machineBusy, watchBackground } = require('./proc');
const { buildRows, render, TARGETS, ANCHORS } = require('./report');
const { summarise } = require('./harness');
const { probeHost, renderHostProbe } = require('./host-probe/run');
const { runEcho } = require('./echo/run');
const { renderEcho } = require('./echo/report');
const { runHttp, PARTS: HTTP_PARTS } = require('./http/run');
const { renderHttp } = require('./http/report');
const { renderPatch, patchRows } = require('./patch/report');
const { BACKENDS, backendEnv, fellBack } = require('./backend');
const { summariseCrowd, fiberTargets, renderCrowd, renderTargets } = require('./targets');
const { writeCharts, DEFAULT_DIR: CHART_DIR } = require('./chart');

const HERE = __dirname;
// Debian's interpreter has python3-eventlet and python3-gevent; the python3 on PATH may be
// another installation without them.
const DEFAULT_PYTHON = '/usr/bin/python3';

let args;
try {
  ({ values: args } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      rounds: { type: 'string' },
      passes: { type: 'string' },
      threads: { type: 'string' },
      python: { type: 'string', default: DEFAULT_PYTHON },
      root: { type: 'string' },
      'no-python': { type: 'boolean', default: false },
      only: { type: 'string' },
      'echo-only': { type: 'boolean', default: false },
      'no-echo': { type: 'boolean', default: false },
      'no-patch': { type: 'boolean', default: false },
      'echo-passes': { type: 'string' },
      'echo-seconds': { type: 'string' },
      'echo-conns': { type: 'string' },
      'no-http': { type: 'boolean', default: false },
      'http-passes': { type: 'string' },
      'http-seconds': { type: 'string' },
      'http-warmup': { type: 'string' },
      'http-conns': { type: 'string' },
      'http-workers': { type: 'string' },
      'http-clients': { type: 'string' },
      'http-wrk-threads': { type: 'string' },
      'http-parts': { type: 'string' },
      backend: { type: 'string', default: 'both' },
      chart: { type: 'boolean', default: false },
      'chart-dir': { type: 'string' },
      crowd: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }));
} catch (error) {
  process.stderr.write(`bench: ${error.message} (try --help)\n`);
  process.exit(2);
}

if (args.help) {
  process.stdout.write(`usage: node scripts/bench/index.js [options]
  --quick        1 pass of 3 short rounds instead of 3 passes (a smoke run, rough figures)
  --backend B    engine backend(s) of every greenthread figure: both (default), threads, fibers
  --json         print the results as one JSON object instead of the table
  --out FILE     also write the JSON results to FILE (with the table on stdout)
  --chart        also draw the SVG charts into docs/bench/, the results beside them as
                 docs/bench/results.json (redraw later: node scripts/bench/chart/index.js)
  --chart-dir D  the charts' directory instead of docs/bench/
  --passes N     passes over all benchmark groups (default 3, --quick 1)
  --rounds N     rounds per benchmark in each pass (default 3)
  --threads N    parked green threads for the idle benchmark (default 1000)
  --crowd N      green threads of the crowd group (parked memory, concurrent sleep(0.5));
                 default 10000
  --root DIR     benchmark the greenthread build in DIR (its dist/ and build/Release)
                 instead of this checkout: to compare an experimental engine
  --python PATH  interpreter for the eventlet/gevent baselines (default ${DEFAULT_PYTHON})
  --no-python    skip the eventlet/gevent baselines (and their echo servers)
  --only echo    run only the echo group (same as --echo-only)
  --only patch   run only the patching group (monkeyPatch'ed *Sync vs unpatched vs async)
  --no-patch     skip the patching group
  --no-echo      skip the echo group
  --echo-passes N      passes over servers and connection counts (default 3, --quick 1)
  --echo-seconds S     measured window per run (default 2, --quick 1; warm-up 0.5 s, --quick 0.3)
  --echo-conns A,B,..  connection counts (default 1,100,1000)
  --only http    run only the http group (hello-world servers under wrk, --workers, client)
  --no-http      skip the http group
  --http-passes N      passes over servers, connection counts and clients (default 3, --quick 1)
  --http-seconds S     measured window of every wrk and client run (default 3, --quick 1)
  --http-warmup S      least warm-up before it (default 2, --quick 1); a server's lasts until
                       it has taken on wrk's connections (at most 10 s)
  --http-conns A,B,..  wrk connection counts (default 50,1000)
  --http-workers N     worker processes of the cluster part (default 2)
  --http-clients N     concurrent loops of the client part (default 50)
  --http-wrk-threads N wrk threads (default 2)
  --http-parts P,..    which parts: server, cluster, client (default all three)
  --verbose      progress of every calibration and round on stderr
`);
  process.exit(0);
}

function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`bench: --${name} must be a positive integer, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

function positiveNumber(value, name) {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench: --${name} must be a positive number, got ${JSON.stringify(value)}\n`);
    process.exit(2);
  }
  return n;
}

if (args.only !== undefined && !['echo', 'patch', 'http'].includes(args.only)) {
  process.stderr.write(`bench: --only takes "echo", "patch" or "http", got ${JSON.stringify(args.only)}\n`);
  process.exit(2);
}
if (!['both', ...BACKENDS].includes(args.backend)) {
  process.stderr.write(`bench: --backend takes both, threads or fibers, got ${JSON.stringify(args.backend)}\n`);
  process.exit(2);
}
// Every greenthread group runs once per backend, in this order (threads first, as before).
const backends = args.backend === 'both' ? BACKENDS : [args.backend];
const patchOnly = args.only === 'patch';
const httpOnly = args.only === 'http';
const echoOnly = !patchOnly && !httpOnly && (args['echo-only'] || args.only === 'echo');
// One group alone: the suite's table and the other groups are left out.
const onlyGroup = echoOnly ? 'echo' : patchOnly ? 'patch' : httpOnly ? 'http' : null;
if ((echoOnly && args['no-echo']) || (httpOnly && args['no-http'])) {
  process.stderr.write(`bench: --no-${onlyGroup} with --only ${onlyGroup} leaves nothing to run\n`);
  process.exit(2);
}

const plan = {
  // A full run pools 3 passes of 3 rounds: 9 figures per benchmark, in about 40 s.
  passes: args.passes !== undefined ? positiveInt(args.passes, 'passes') : args.quick ? 1 : 3,
  rounds: args.rounds !== undefined ? positiveInt(args.rounds, 'rounds') : 3,
  warmup: args.quick ? 1 : 2,
  roundMs: args.quick ? 60 : 150,
  threads: args.threads !== undefined ? positiveInt(args.threads, 'threads') : 1000,
  // The crowd group: N parked green threads' memory, N concurrent sleep(0.5)s (issue 10).
  crowd: args.crowd !== undefined ? positiveInt(args.crowd, 'crowd') : 10000,
  crowdRounds: 2,
  idleWindowMs: args.quick ? 1000 : 2000,
  // Echo: 3 passes × 3 connection counts × 4 servers × ~3 s per run, about 1.5–2 minutes.
  echo: {
    passes: args['echo-passes'] !== undefined ? positiveInt(args['echo-passes'], 'echo-passes') : args.quick ? 1 : 3,
    seconds: args['echo-seconds'] !== undefined ? positiveNumber(args['echo-seconds'], 'echo-seconds') : args.quick ? 1 : 2,
    warmup: args.quick ? 0.3 : 0.5,
    conns: args['echo-conns'] !== undefined ? args['echo-conns'].split(',').map((c) => positiveInt(c.trim(), 'echo-conns')) : [1, 100, 1000],
  },
  // http: 3 passes × 2 connection counts × 8 servers × 6–8 s per run, plus the client part:
  // about 6 minutes.
  http: {
    passes: args['http-passes'] !== undefined ? positiveInt(args['http-passes'], 'http-passes') : args.quick ? 1 : 3,
    seconds: args['http-seconds'] !== undefined ? positiveNumber(args['http-seconds'], 'http-seconds') : args.quick ? 1 : 3,
    // At least; the warm-up goes on while the server is still taking on wrk's connections.
    warmup: args['http-warmup'] !== undefined ? positiveNumber(args['http-warmup'], 'http-warmup') : args.quick ? 1 : 2,
    conns: args['http-conns'] !== undefined ? args['http-conns'].split(',').map((c) => positiveInt(c.trim(), 'http-conns')) : [50, 1000],
    workers: args['http-workers'] !== undefined ? positiveInt(args['http-workers'], 'http-workers') : 2,
    clients: args['http-clients'] !== undefined ? positiveInt(args['http-clients'], 'http-clients') : 50,
    wrkThreads: args['http-wrk-threads'] !== undefined ? positiveInt(args['http-wrk-threads'], 'http-wrk-threads') : 2,
    parts: args['http-parts'] !== undefined ? args['http-parts'].split(',').map((p) => p.trim()) : HTTP_PARTS,
  },
};
for (const part of plan.http.parts) {
  if (!HTTP_PARTS.includes(part)) {
    process.stderr.write(`bench: --http-parts takes ${HTTP_PARTS.join(', ')}, got ${JSON.stringify(part)}\n`);
    process.exit(2);
  }
}

const status = (line) => {
  if (!args.json || args.verbose) process.stderr.write(`bench: ${line}\n`);
};

/**
 * Runs a child to completion. Resolves { code, signal, stdout, stderr, ms, exitMs } where
 * exitMs is the time from its last output to its exit (idle.js exits with threads parked).
 */
function runChild(command, argv, timeoutMs, env = process.env) {
  return new Promise((resolve) => {
    const started = Date.now();
    let lastOutput = started;
    const child = spawn(command, argv, { cwd: HERE, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; lastOutput = Date.now(); });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (args.verbose) process.stderr.write(chunk);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr, error, ms: Date.now() - started, exitMs: 0 });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const end = Date.now();
      resolve({ code, signal, stdout, stderr, ms: end - started, exitMs: end - lastOutput });
    });
  });
}

// The last JSON line a child printed, or an error naming how it failed.
function parseChild(name, result) {
  if (result.error) throw new Error(`${name}: ${result.error.message}`);
  const lines = result.stdout.trim().split('\n');
  if (result.code !== 0) {
    const tail = result.stderr.trim().split('\n').slice(-5).join('\n    ');
    throw new Error(`${name} exited with ${result.signal || `code ${result.code}`}${tail ? `:\n    ${tail}` : ''}`);
  }
  return JSON.parse(lines[lines.length - 1]);
}

// Adds one child's results to the pool of its group: every round's figure, and the n it used.
function pool(pooled, name, result) {
  const entry = pooled.get(name) ?? { meta: {}, samples: {}, switches: {}, n: {} };
  for (const [key, value] of Object.entries(result)) if (key !== 'results' && key !== 'options' && key !== 'backend') entry.meta[key] = value;
  // Every pass's backend report is kept: one fallback in any pass withholds the figures.
  if (result.backend) (entry.meta.backendRuns ??= []).push(result.backend);
  for (const [id, r] of Object.entries(result.results)) {
    (entry.samples[id] ??= []).push(...r.samples);
    if (r.switches) (entry.switches[id] ??= []).push(...r.switches);
    (entry.n[id] ??= []).push(r.n);
  }
  pooled.set(name, entry);
}

// A group's pooled rounds summarised like a single run's (median, spread, every sample).
function finish(entry) {
  const results = {};
  for (const [id, samples] of Object.entries(entry.samples)) results[id] = { ...summarise(samples, entry.switches[id]), nPerPass: entry.n[id] };
  return { ...entry.meta, results };
}

// The pooled node.* baselines of all backends' micro processes: the plain-Node rows do not
// depend on the engine backend, so every process's rounds count.
function nodeBaselines(entries) {
  const samples = {};
  for (const entry of entries) {
    for (const [id, values] of Object.entries(entry.samples)) if (id.startsWith('node.')) (samples[id] ??= []).push(...values);
  }
  return Object.fromEntries(Object.entries(samples).map(([id, values]) => [id, summarise(values)]));
}

/** { backend: { requested, ran, fellBack } } from the backend reports every child printed. */
function backendSummary(reportsByBackend) {
  const out = {};
  for (const backend of backends) {
    const reports = reportsByBackend[backend] ?? [];
    const reasons = [...new Set(reports.map((r) => fellBack(backend, r)).filter(Boolean))];
    out[backend] = { requested: backend, ran: [...new Set(reports.map((r) => r.backend))], fellBack: reasons.length ? reasons.join('; ') : null, reports: reports.length, via: reports[0]?.via ?? null };
  }
  return out;
}

async function main() {
  const started = Date.now();
  // When the figures were taken: the charts' captions give it.
  const date = new Date(started).toISOString();
  const notes = [];
  const busyBefore = await machineBusy(300);
  const hostBefore = probeHost();
  const background = watchBackground();
  const config = { rounds: plan.rounds, warmup: plan.warmup, roundMs: plan.roundMs, verbose: args.verbose, root: args.root };
  // Every backend report a child printed, by the backend it asked for.
  const backendReports = Object.fromEntries(backends.map((b) => [b, []]));
  const noteBackend = (backend, report) => { if (backend && report) backendReports[backend].push(report); };

  // Each pass runs every group once; a group's rounds from all passes are pooled before the
  // medians are taken. Spreading each group over the whole run, rather than running it in one
  // block, keeps a minute of heavy load from landing on one backend or on Python alone.
  const groups = [];
  const python = !args['no-python'];
  if (!onlyGroup) {
    const crowdConfig = (what) => JSON.stringify(what === 'parked' ? { root: args.root, parked: plan.crowd } : { root: args.root, sleepers: plan.crowd, sleepSeconds: 0.5, rounds: plan.crowdRounds });
    for (const backend of backends) {
      groups.push({ name: `micro.${backend}`, kind: 'micro', backend, label: `greenthread (${backend}) and Node switch costs`, command: process.execPath, argv: [path.join(HERE, 'micro.js'), JSON.stringify(config)] });
    }
    if (python) {
      for (const lib of ['gevent', 'eventlet']) {
        groups.push({ name: lib, kind: 'python', label: `${lib} baseline (${args.python})`, command: args.python, argv: [path.join(HERE, 'eventlet-gevent.py'), lib, JSON.stringify(config)], python: true });
      }
    } else {
      notes.push('eventlet/gevent baselines skipped (--no-python)');
    }
    for (const what of ['parked', 'sleepers']) {
      const gc = what === 'parked' ? ['--expose-gc'] : [];
      for (const backend of backends) {
        groups.push({ name: `${what}.${backend}`, kind: 'crowd', what, backend, label: `${plan.crowd.toLocaleString('en-US')} ${what} green threads (${backend})`, command: process.execPath, argv: [...gc, path.join(HERE, 'crowd.js'), crowdConfig(what)] });
      }
      if (python) {
        for (const lib of ['gevent', 'eventlet']) {
          groups.push({ name: `${what}.${lib}`, kind: 'crowd', what, lib, label: `${plan.crowd.toLocaleString('en-US')} ${what} greenlets (${lib})`, command: args.python, argv: [path.join(HERE, 'crowd.py'), lib, crowdConfig(what)], python: true });
        }
      }
    }
  }
  const pooled = new Map();
  const crowdRuns = { parked: {}, sleepers: {} };
  for (let pass = 1; pass <= plan.passes; pass++) {
    for (const group of groups) {
      if (group.disabled) continue;
      status(`pass ${pass}/${plan.passes}: ${group.label}...`);
      let result;
      try {
        result = parseChild(group.name, await runChild(group.command, group.argv, 120000, backendEnv(group.backend)));
      } catch (error) {
        group.disabled = true;
        notes.push(`${group.name} ${group.python ? 'skipped' : 'failed'}: ${error.message}`);
        continue;
      }
      if (result.unavailable) {
        group.disabled = true;
        if (group.kind === 'python') notes.push(`${group.name} skipped: ${args.python}: ${result.unavailable}`);
        continue;
      }
      noteBackend(group.backend, result.backend);
      if (group.kind === 'crowd') (crowdRuns[group.what][group.backend ?? group.lib] ??= []).push(result);
      else pool(pooled, group.name, result);
    }
  }
  const micro = {};
  for (const backend of backends) if (pooled.has(`micro.${backend}`)) micro[backend] = finish(pooled.get(`micro.${backend}`));
  const node = nodeBaselines(backends.filter((b) => pooled.has(`micro.${b}`)).map((b) => pooled.get(`micro.${b}`)));
  const pythonResults = {};
  for (const lib of ['gevent', 'eventlet']) if (pooled.has(lib)) pythonResults[lib] = finish(pooled.get(lib));

  const idle = {};
  if (!onlyGroup) {
    for (const backend of backends) {
      try {
        status(`${plan.threads} parked green threads (${backend}): idle CPU and footprint...`);
        const result = await runChild(process.execPath, [path.join(HERE, 'idle.js'),
          JSON.stringify({ threads: plan.threads, windowMs: plan.idleWindowMs, settleMs: 500, root: args.root })], 60000, backendEnv(backend));
        idle[backend] = { ...parseChild('idle.js', result), exitMs: result.exitMs };
        noteBackend(backend, idle[backend].backend);
      } catch (error) {
        idle[backend] = { error: error.message };
      }
    }
  }

  // The patching group: one process per backend, its rounds interleaved as many as all passes would give.
  const patch = {};
  if ((!onlyGroup || patchOnly) && !args['no-patch']) {
    for (const backend of backends) {
      try {
        status(`patching (${backend}): monkeyPatch'ed *Sync vs unpatched vs async...`);
        patch[backend] = parseChild('patch/run.js', await runChild(process.execPath, [path.join(HERE, 'patch', 'run.js'),
          JSON.stringify({ ...config, rounds: plan.rounds * plan.passes })], 180000, backendEnv(backend)));
        noteBackend(backend, patch[backend].backend);
      } catch (error) {
        patch[backend] = { error: error.message };
      }
    }
  }

  // Last, and alone on the machine: servers under a load generator, one at a time.
  let echo = null;
  if (onlyGroup && !echoOnly) {
    // another group alone
  } else if (args['no-echo']) {
    notes.push('echo group skipped (--no-echo)');
  } else {
    echo = await runEcho({ ...plan.echo, backends, python: args.python, noPython: args['no-python'], root: args.root, status });
    notes.push(...echo.notes);
    for (const [backend, reports] of Object.entries(echo.backendReports ?? {})) for (const report of reports) noteBackend(backend, report);
  }
  let httpResult = null;
  if (onlyGroup && !httpOnly) {
    // another group alone
  } else if (args['no-http']) {
    notes.push('http group skipped (--no-http)');
  } else {
    httpResult = await runHttp({ ...plan.http, backends, python: args.python, noPython: args['no-python'], root: args.root, status });
    notes.push(...httpResult.notes);
    for (const [backend, reports] of Object.entries(httpResult.backendReports)) for (const report of reports) noteBackend(backend, report);
  }

  const hostProbe = { before: hostBefore, after: probeHost() };
  const backendState = backendSummary(backendReports);
  const withheld = Object.fromEntries(backends.map((b) => [b, backendState[b].fellBack]));
  const rows = buildRows(micro, node, pythonResults, backends, withheld);
  const crowd = summariseCrowd(crowdRuns, backends, withheld);
  const env = {
    node: process.version,
    cpus: os.cpus().length,
    date,
    passes: plan.passes,
    rounds: plan.rounds,
    warmup: plan.warmup,
    roundMs: plan.roundMs,
    quick: args.quick,
    backends,
    crowd: plan.crowd,
    busyBefore,
    backgroundDuring: background(),
    hostProbe,
    python: args['no-python'] ? null : args.python,
    groups: onlyGroup ? [onlyGroup] : ['micro', 'python', 'crowd', 'idle', ...(args['no-patch'] ? [] : ['patch']), ...(args['no-echo'] ? [] : ['echo']), ...(args['no-http'] ? [] : ['http'])],
    root: args.root ? path.resolve(args.root) : path.resolve(HERE, '..', '..'),
    defaultRoot: path.resolve(HERE, '..', '..'),
    totalSeconds: (Date.now() - started) / 1000,
  };
  const report = {
    env, targets: TARGETS, anchors: ANCHORS, backends: backendState, rows, micro, node, python: pythonResults, crowd, idle,
    patch, patchRows: Object.fromEntries(Object.entries(patch).map(([b, p]) => [b, patchRows(p)])), echo, http: httpResult, notes,
  };
  report.fiberTargets = fiberTargets(report);
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  if (args.chart || args['chart-dir'] !== undefined) {
    // A chart that cannot be drawn must not cost the run's figures: they are still printed.
    try {
      const { written, removed } = writeCharts(report, args['chart-dir'] !== undefined ? path.resolve(args['chart-dir']) : CHART_DIR);
      for (const file of written) status(`wrote ${path.relative(process.cwd(), file)}`);
      for (const file of removed) status(`removed ${path.relative(process.cwd(), file)} (not in this run)`);
    } catch (error) {
      process.stderr.write(`bench: drawing the charts failed: ${error.stack || error}\n`);
      process.exitCode = 1;
    }
  }
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderText(report)}\n`);
    status(`done in ${env.totalSeconds.toFixed(1)} s`);
  }
}

/** The report's lines naming which backend each greenthread figure ran on. */
function renderBackends(state) {
  return Object.entries(state).map(([backend, s]) => {
    if (!s.reports) return `engine backend ${backend}: no greenthread group reported one`;
    if (s.fellBack) return `engine backend ${backend}: FELL BACK (${s.fellBack}); its figures are withheld below`;
    return `engine backend ${backend}: ran ${s.ran.join(', ')} in ${s.reports === 1 ? 'its one greenthread process' : `all ${s.reports} greenthread processes`} (checked with ${s.via})`;
  });
}

// The suite's table (unless --only echo, patch or http), then the crowd, targets, patching, echo
// and http sections, then every note.
function renderText(report) {
  const { env } = report;
  const out = [];
  if (onlyGroup) {
    out.push(`greenthread benchmarks, ${patchOnly ? 'patching' : onlyGroup} only: node ${env.node}, ${env.cpus} CPUs; backends ${env.backends.join(', ')}; ${env.totalSeconds.toFixed(0)} s`);
    if (env.root !== env.defaultRoot) out.push(`package under test: ${env.root}`);
    out.push(`other load on the machine: ${(env.busyBefore * 100).toFixed(0)}% of all CPUs just before the run, ${(env.backgroundDuring * 100).toFixed(0)}% during it`);
    out.push(...renderHostProbe(env.hostProbe), ...renderBackends(report.backends));
  } else {
    // The host mode right under the table's heading line: it qualifies every figure below.
    const [heading, ...table] = render({ ...report, notes: [] }).split('\n');
    out.push(heading, ...renderHostProbe(env.hostProbe), ...renderBackends(report.backends), ...table);
    const crowd = renderCrowd(report.crowd);
    if (crowd.length) out.push('', ...crowd);
  }
  for (const [backend, patch] of Object.entries(report.patch)) {
    const lines = renderPatch(patch);
    if (!lines.length) continue;
    const withheld = report.backends[backend]?.fellBack;
    out.push('', `[${backend} backend]${withheld ? ` withheld: ${withheld}` : ''}`, ...(withheld ? [] : lines));
  }
  const echo = renderEcho(report.echo, report.backends);
  if (echo.length) out.push('', ...echo);
  const httpLines = renderHttp(report.http, report.backends);
  if (httpLines.length) out.push('', ...httpLines);
  const targets = httpOnly ? [] : renderTargets(report.fiberTargets, echoOnly || patchOnly);
  if (targets.length) out.push('', ...targets);
  if (report.notes.length) out.push('', ...report.notes.map((note) => `note: ${note}`));
  return out.join('\n');
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack || error}\n`);
  process.exit(1);
});
