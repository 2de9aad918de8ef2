'use strict';
// Runs the jest suite once per engine backend (GREENTHREAD_BACKEND=fibers, then threads), so
// that everything — in-process tests, child processes, Workers — runs on each. Shared by
// `npm test` (scripts/test-backends.js) and `npm run test:matrix`. A run whose backend was
// asked for but fell back (fibers failing their self-check on some machine) still runs, and
// says so: the suite then tests threads twice, which is the truth of that machine.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.join(__dirname, '..');
const JEST = require.resolve('jest/bin/jest', { paths: [ROOT] });
const BACKENDS = ['fibers', 'threads'];

// Suites that never run the engine under the backend in the environment: the documentation
// check (TypeDoc), the type check of a consumer's code, the benchmark charts' renderer, the C++
// fiber core built and run standalone, the layer rule, and the backend selection suite (each of
// its children names its backend). The same on every backend, so a run over several runs them
// in the first only (keeps CI's two passes within its time budget); a run of one backend runs
// them as usual.
const BACKEND_INDEPENDENT = [
  'test/package/api-docs.test.ts',
  'test/package/consumer-types.test.ts',
  'test/package/layers.test.ts',
  'test/scripts/',
  'test/engine/fiber-core.test.ts',
  'test/engine/fiber-backend.test.ts',
];

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Which backends a run covers: GREENTHREAD_BACKEND when it names one, else both. */
function backendsFor(env) {
  const asked = env.GREENTHREAD_BACKEND;
  return BACKENDS.includes(asked) ? [asked] : BACKENDS;
}

/**
 * The backend the addon really runs under `env` (a fallback shows here), with the reason;
 * null when the addon does not load (jest then reports that itself).
 */
function probeBackend(nodeBin, env) {
  const probe = spawnSync(nodeBin, ['-e', `
    const { hub } = require(process.argv[1]);
    const s = hub.stats();
    process.stdout.write(JSON.stringify({ backend: s.backend, fallbackReason: s.fallbackReason }));
  `, ROOT], { cwd: ROOT, env, encoding: 'utf8', timeout: 60000 });
  try {
    return JSON.parse(probe.stdout);
  } catch {
    return null;
  }
}

/** Pulls --json and --outputFile out of jest's arguments: this runner writes the merged report. */
function splitReportArgs(args) {
  const rest = [];
  let json = false;
  let outputFile = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--json') json = true;
    else if (arg === '--outputFile') outputFile = args[++i];
    else if (arg.startsWith('--outputFile=')) outputFile = arg.slice('--outputFile='.length);
    else rest.push(arg);
  }
  return { json, outputFile, rest };
}

/** Sums per-backend jest reports into one, each test's name prefixed with its backend. */
function mergeReports(reports) {
  const merged = {
    numPassedTests: 0, numFailedTests: 0, numPendingTests: 0, numTotalTests: 0,
    numRuntimeErrorTestSuites: 0, numFailedTestSuites: 0, numPassedTestSuites: 0, numTotalTestSuites: 0,
    success: true, backends: [], testResults: [],
  };
  for (const { backend, ran, report } of reports) {
    merged.backends.push({ requested: backend, ran });
    if (!report) {
      merged.success = false;
      merged.numRuntimeErrorTestSuites += 1;
      continue;
    }
    for (const key of Object.keys(merged)) {
      if (key.startsWith('num')) merged[key] += report[key] ?? 0;
    }
    merged.success = merged.success && report.success === true;
    for (const suite of report.testResults ?? []) merged.testResults.push({ ...suite, backend });
  }
  return merged;
}

/**
 * Runs jest under each backend with `nodeBin` and `env`; returns { passed, failed, ok, runs }
 * where failed counts failed tests plus suites that failed to load (the .ci/run rule).
 */
function runJestOnBackends({ nodeBin = process.execPath, env = process.env, jestArgs = [], outputFile = null, label = '' }) {
  const { rest } = splitReportArgs(jestArgs);
  const reports = [];
  let ok = true;
  const backends = backendsFor(env);
  for (const backend of backends) {
    const runEnv = { ...env, GREENTHREAD_BACKEND: backend };
    // Last, as one `=` argument: jest's array options take every argument after them as theirs.
    const once = backend === backends[0] ? [] : [`--testPathIgnorePatterns=${['/node_modules/', ...BACKEND_INDEPENDENT].map(escapeRegExp).join('|')}`];
    const ran = probeBackend(nodeBin, runEnv);
    const fell = ran && ran.backend !== backend ? ` (fell back to ${ran.backend}: ${ran.fallbackReason})` : '';
    console.log(`\n> jest${label} with GREENTHREAD_BACKEND=${backend}${fell}`);
    const file = path.join(os.tmpdir(), `greenthread-jest-${process.pid}-${backend}.json`);
    fs.rmSync(file, { force: true });
    const jest = spawnSync(nodeBin, [JEST, '--json', `--outputFile=${file}`, ...rest, ...once], { cwd: ROOT, env: runEnv, stdio: 'inherit' });
    let report = null;
    try {
      report = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      console.log(`> jest under ${backend} wrote no report (exit ${jest.status ?? jest.signal})`);
    }
    fs.rmSync(file, { force: true });
    if (jest.status !== 0) ok = false;
    reports.push({ backend, ran, report });
  }
  const merged = mergeReports(reports);
  if (outputFile) fs.writeFileSync(outputFile, JSON.stringify(merged));
  const failed = merged.numFailedTests + merged.numRuntimeErrorTestSuites;
  return { passed: merged.numPassedTests, failed, ok: ok && failed === 0, runs: reports.map(({ backend, ran, report }) => ({
    backend,
    ran: ran ? ran.backend : null,
    fallbackReason: ran ? ran.fallbackReason : null,
    passed: report?.numPassedTests ?? 0,
    failed: (report?.numFailedTests ?? 0) + (report?.numRuntimeErrorTestSuites ?? 0),
  })) };
}

module.exports = { runJestOnBackends, splitReportArgs, backendsFor };
