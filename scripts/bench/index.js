'use strict';
// `npm run bench`: runs greenthread's benchmark suite and prints one comparison table.
//   node scripts/bench/index.js [--quick] [--json] [--passes N] [--rounds N] [--threads N] ...
// Every group runs in a child process of its own, one after another (never two at once on
// this 2-vCPU VM): micro.js (greenthread and plain-Node switch costs) and eventlet-gevent.py
// (the same operations in Python), alternately over a few passes, then idle.js (1,000 parked
// green threads), then the echo servers (echo/run.js: greenthread, Node, eventlet and gevent
// under a C load generator), and the patching group (patch/run.js: monkeyPatch'ed *Sync calls
// against the unpatched ones and the async API). This file only orchestrates and reports. Benchmarks are not tests: a
// missed target does not make the run fail.
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
const { renderPatch, patchRows } = require('./patch/report');

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
  --json         print the results as one JSON object instead of the table
  --out FILE     also write the JSON results to FILE (with the table on stdout)
  --passes N     passes over all benchmark groups (default 3, --quick 1)
  --rounds N     rounds per benchmark in each pass (default 3)
  --threads N    parked green threads for the idle/memory benchmark (default 1000)
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

if (args.only !== undefined && args.only !== 'echo' && args.only !== 'patch') {
  process.stderr.write(`bench: --only takes "echo" or "patch", got ${JSON.stringify(args.only)}\n`);
  process.exit(2);
}
const patchOnly = args.only === 'patch';
const echoOnly = !patchOnly && (args['echo-only'] || args.only === 'echo');
if (echoOnly && args['no-echo']) {
  process.stderr.write('bench: --no-echo with --only echo leaves nothing to run\n');
  process.exit(2);
}

const plan = {
  // A full run pools 3 passes of 3 rounds: 9 figures per benchmark, in about 40 s.
  passes: args.passes !== undefined ? positiveInt(args.passes, 'passes') : args.quick ? 1 : 3,
  rounds: args.rounds !== undefined ? positiveInt(args.rounds, 'rounds') : 3,
  warmup: args.quick ? 1 : 2,
  roundMs: args.quick ? 60 : 150,
  threads: args.threads !== undefined ? positiveInt(args.threads, 'threads') : 1000,
  idleWindowMs: args.quick ? 1000 : 2000,
  // Echo: 3 passes × 3 connection counts × 4 servers × ~3 s per run, about 1.5–2 minutes.
  echo: {
    passes: args['echo-passes'] !== undefined ? positiveInt(args['echo-passes'], 'echo-passes') : args.quick ? 1 : 3,
    seconds: args['echo-seconds'] !== undefined ? positiveNumber(args['echo-seconds'], 'echo-seconds') : args.quick ? 1 : 2,
    warmup: args.quick ? 0.3 : 0.5,
    conns: args['echo-conns'] !== undefined ? args['echo-conns'].split(',').map((c) => positiveInt(c.trim(), 'echo-conns')) : [1, 100, 1000],
  },
};

const status = (line) => {
  if (!args.json || args.verbose) process.stderr.write(`bench: ${line}\n`);
};

/**
 * Runs a child to completion. Resolves { code, signal, stdout, stderr, ms, exitMs } where
 * exitMs is the time from its last output to its exit (idle.js exits with threads parked).
 */
function runChild(command, argv, timeoutMs) {
  return new Promise((resolve) => {
    const started = Date.now();
    let lastOutput = started;
    const child = spawn(command, argv, { cwd: HERE, stdio: ['ignore', 'pipe', 'pipe'] });
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
  for (const [key, value] of Object.entries(result)) if (key !== 'results' && key !== 'options') entry.meta[key] = value;
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

async function main() {
  const started = Date.now();
  const notes = [];
  const busyBefore = await machineBusy(300);
  const hostBefore = probeHost();
  const background = watchBackground();
  const config = { rounds: plan.rounds, warmup: plan.warmup, roundMs: plan.roundMs, verbose: args.verbose, root: args.root };

  // Each pass runs every group once; a group's rounds from all passes are pooled before the
  // medians are taken. Spreading each group over the whole run, rather than running it in one
  // block, keeps a minute of heavy load from landing on greenthread alone or on Python alone.
  const groups = echoOnly || patchOnly ? [] : [{ name: 'micro', label: 'greenthread and Node switch costs', command: process.execPath, argv: [path.join(HERE, 'micro.js')] }];
  if (echoOnly || patchOnly) {
    // only the echo or the patching group below
  } else if (args['no-python']) {
    notes.push('eventlet/gevent baselines skipped (--no-python)');
  } else {
    for (const lib of ['gevent', 'eventlet']) {
      groups.push({ name: lib, label: `${lib} baseline (${args.python})`, command: args.python, argv: [path.join(HERE, 'eventlet-gevent.py'), lib], python: true });
    }
  }
  const pooled = new Map();
  for (let pass = 1; pass <= plan.passes; pass++) {
    for (const group of groups) {
      if (group.disabled) continue;
      status(`pass ${pass}/${plan.passes}: ${group.label}...`);
      let result;
      try {
        result = parseChild(group.name, await runChild(group.command, [...group.argv, JSON.stringify(config)], 90000));
      } catch (error) {
        group.disabled = true;
        notes.push(`${group.name} ${group.python ? 'skipped' : 'failed'}: ${error.message}`);
        continue;
      }
      if (result.unavailable) {
        group.disabled = true;
        notes.push(`${group.name} skipped: ${args.python}: ${result.unavailable}`);
        continue;
      }
      pool(pooled, group.name, result);
    }
  }
  const micro = pooled.has('micro') ? finish(pooled.get('micro')) : null;
  const python = {};
  for (const lib of ['gevent', 'eventlet']) if (pooled.has(lib)) python[lib] = finish(pooled.get(lib));

  let idle = null;
  if (!echoOnly && !patchOnly) try {
    status(`${plan.threads} parked green threads: idle CPU and footprint...`);
    const result = await runChild(process.execPath, [path.join(HERE, 'idle.js'),
      JSON.stringify({ threads: plan.threads, windowMs: plan.idleWindowMs, settleMs: 500, root: args.root })], 60000);
    idle = { ...parseChild('idle.js', result), exitMs: result.exitMs };
  } catch (error) {
    idle = { error: error.message };
  }

  // The patching group: one process, its rounds interleaved as many as all passes would give.
  let patch = null;
  if (!echoOnly && !args['no-patch']) try {
    status('patching: monkeyPatch\'ed *Sync vs unpatched vs async...');
    patch = parseChild('patch/run.js', await runChild(process.execPath, [path.join(HERE, 'patch', 'run.js'),
      JSON.stringify({ ...config, rounds: plan.rounds * plan.passes })], 180000));
  } catch (error) {
    patch = { error: error.message };
  }

  // Last, and alone on the machine: servers under a load generator, one at a time.
  let echo = null;
  if (patchOnly) {
    // the patching group alone
  } else if (args['no-echo']) {
    notes.push('echo group skipped (--no-echo)');
  } else {
    echo = await runEcho({ ...plan.echo, python: args.python, noPython: args['no-python'], root: args.root, status });
    notes.push(...echo.notes);
  }

  const hostProbe = { before: hostBefore, after: probeHost() };
  const rows = buildRows(micro, python);
  const env = {
    node: process.version,
    cpus: os.cpus().length,
    passes: plan.passes,
    rounds: plan.rounds,
    warmup: plan.warmup,
    roundMs: plan.roundMs,
    quick: args.quick,
    busyBefore,
    backgroundDuring: background(),
    hostProbe,
    python: args['no-python'] ? null : args.python,
    groups: echoOnly ? ['echo'] : patchOnly ? ['patch'] : ['micro', 'python', 'idle', ...(args['no-patch'] ? [] : ['patch']), ...(args['no-echo'] ? [] : ['echo'])],
    root: args.root ? path.resolve(args.root) : path.resolve(HERE, '..', '..'),
    defaultRoot: path.resolve(HERE, '..', '..'),
    totalSeconds: (Date.now() - started) / 1000,
  };
  const report = { env, targets: TARGETS, anchors: ANCHORS, rows, micro, python, idle, patch, patchRows: patchRows(patch), echo, notes };
  if (args.out) fs.writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else {
    process.stdout.write(`${renderText(report)}\n`);
    status(`done in ${env.totalSeconds.toFixed(1)} s`);
  }
}

// The suite's table (unless --only echo), then the echo section, then every note.
function renderText(report) {
  const { env } = report;
  const out = [];
  if (echoOnly || patchOnly) {
    out.push(`greenthread benchmarks, ${patchOnly ? 'patching' : 'echo'} only: node ${env.node}, ${env.cpus} CPUs; ${env.totalSeconds.toFixed(0)} s`);
    if (env.root !== env.defaultRoot) out.push(`package under test: ${env.root}`);
    out.push(`other load on the machine: ${(env.busyBefore * 100).toFixed(0)}% of all CPUs just before the run, ${(env.backgroundDuring * 100).toFixed(0)}% during it`);
    out.push(...renderHostProbe(env.hostProbe));
  } else {
    // The host mode right under the table's heading line: it qualifies every figure below.
    const [heading, ...table] = render({ ...report, notes: [] }).split('\n');
    out.push(heading, ...renderHostProbe(env.hostProbe), ...table);
  }
  const patch = renderPatch(report.patch);
  if (patch.length) out.push('', ...patch);
  const echo = renderEcho(report.echo);
  if (echo.length) out.push('', ...echo);
  if (report.notes.length) out.push('', ...report.notes.map((note) => `note: ${note}`));
  return out.join('\n');
}

main().catch((error) => {
  process.stderr.write(`bench: ${error.stack || error}\n`);
  process.exit(1);
});
