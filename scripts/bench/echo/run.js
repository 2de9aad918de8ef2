'use strict';
// The echo group of `npm run bench`: for each pass, each connection count and each server in
// turn (the greenthread example once per engine backend), starts the server in a process of its
// own, drives it with the C load generator (another process) and stops it, so never two servers or two load generators run at once. Servers take
// turns within every pass, in a rotated order, so a burst of load on the VM hits them all alike.
const fs = require('node:fs');
const path = require('node:path');
const { FD_WANTED, fdLimit, reason, runJsonChild, startServer, stopServer } = require('../server-process');
const { buildLoadgen } = require('./build');
const { summariseRuns } = require('./report');

const HERE = __dirname;
const REPO = path.resolve(HERE, '..', '..', '..');
const EXAMPLE = path.join(REPO, 'examples', 'echo-server.js');

/** The servers under test, in the order of the table: the greenthread example once per backend. */
function servers({ python, noPython, root, backends = ['threads'] }) {
  const list = [];
  for (const backend of backends) {
    const gt = { name: `greenthread-${backend}`, backend, command: process.execPath, argv: ['-r', path.join(HERE, 'report-backend.js'), EXAMPLE, '0'], env: { GREENTHREAD_BACKEND: backend } };
    if (!fs.existsSync(EXAMPLE)) gt.missing = 'examples/echo-server.js is not in this checkout yet';
    if (root) {
      // The example of this checkout, with `require('greenthread')` pointed at DIR's build.
      gt.argv = ['-r', path.join(HERE, 'use-root.js'), ...gt.argv];
      gt.env.GREENTHREAD_BENCH_ROOT = path.resolve(root);
    }
    list.push(gt);
  }
  list.push({ name: 'node', command: process.execPath, argv: [path.join(HERE, 'node-server.js'), '0'], env: {} });
  for (const lib of ['eventlet', 'gevent']) {
    const server = { name: lib, command: python, argv: [path.join(HERE, 'python-server.py'), lib, '0'], env: {}, python: true };
    if (noPython) server.missing = 'skipped (--no-python)';
    list.push(server);
  }
  return list;
}

/** Runs the load generator once; resolves its JSON result or rejects with the reason. */
function runLoadgen(binary, { port, pid, conns, seconds, warmup }) {
  const argv = ['-p', String(port), '-c', String(conns), '-d', String(seconds), '-w', String(warmup), '-P', String(pid)];
  // connect (≤ 20 s) + priming (≤ 10 s) + warm-up + window, and some slack
  return runJsonChild('load generator', binary, argv, { timeoutMs: (40 + warmup + seconds) * 1000 });
}

const kilo = (v) => (v >= 1000 ? `${(v / 1000).toFixed(v >= 100000 ? 0 : 1)}k` : `${Math.round(v)}`);

/**
 * Runs the echo group. options: { passes, seconds, warmup, conns: number[], backends, python,
 * noPython, root, status(line) }. Resolves { options, loadgen, runs, summary, notes }; never rejects for
 * a server that cannot run (that becomes a note).
 */
async function runEcho(options) {
  const { passes, seconds, warmup, conns: connCounts, status } = options;
  const notes = [];
  const started = Date.now();
  const built = buildLoadgen();
  if (built.error) {
    notes.push(`echo benchmark skipped: ${built.error}`);
    return { skipped: built.error, notes };
  }
  const list = servers(options);
  for (const server of list) if (server.missing) notes.push(`echo: ${server.name} ${server.missing.startsWith('skipped') ? server.missing : `skipped: ${server.missing}`}`);
  const active = list.filter((s) => !s.missing);
  const runs = [];
  // Every backend report a greenthread server printed, by the backend it was asked for.
  const backendReports = {};
  const maxConns = Math.max(...connCounts);
  for (let pass = 1; pass <= passes; pass++) {
    for (const conns of connCounts) {
      // Rotated each pass, so no server always runs first (after a quiet spell) or last.
      const order = active.map((_, i) => active[(i + pass - 1) % active.length]);
      const line = [];
      for (const server of order) {
        if (server.disabled) continue;
        let handle;
        try {
          handle = await startServer(server, { cwd: REPO });
        } catch (error) {
          server.disabled = true;
          notes.push(`echo: ${server.name} skipped: ${error.message}`);
          continue;
        }
        if (server.backend) {
          (backendReports[server.backend] ??= []).push(handle.backend ?? { backend: 'unknown', requested: server.backend, fallbackReason: 'the server printed no backend line', via: 'none' });
          if (handle.backend?.backend !== server.backend) server.fellBack = true;
        }
        const limit = fdLimit(handle.pid);
        if (limit < maxConns + 64 && !server.fdNoted) {
          server.fdNoted = true;
          notes.push(`echo: ${server.name} runs with an open-file limit of ${limit} (could not raise it to ${FD_WANTED}); its ${maxConns}-connection runs may fail`);
        }
        let result = null;
        try {
          result = await runLoadgen(built.path, { port: handle.port, pid: handle.pid, conns, seconds, warmup });
        } catch (error) {
          notes.push(`echo: ${server.name}, ${conns} connections, pass ${pass}: ${error.message}`);
        }
        const stop = await stopServer(handle.child);
        if (stop.crashed) notes.push(`echo: ${server.name} exited during the ${conns}-connection run (${stop.crashed.signal || `code ${stop.crashed.code}`})${handle.stderr().trim() ? `: ${reason(handle.stderr())}` : ''}`);
        if (stop.killed) notes.push(`echo: ${server.name} ignored SIGTERM after the ${conns}-connection run and was killed`);
        if (!result) continue;
        if (result.errors || result.corrupt || result.neverEchoed) {
          notes.push(`echo: ${server.name}, ${conns} connections, pass ${pass}: ${result.errors} dropped, ${result.corrupt} corrupt echoes, ${result.neverEchoed} connections never served`);
        }
        // `proc`: the loadgen's readings of the server process (CPU over the window, memory).
        const { server: proc, ...figures } = result;
        runs.push({ server: server.name, conns, pass, ...(server.backend ? { backend: handle.backend } : {}), ...figures, proc: proc ?? null });
        line.push(`${server.name}${server.backend && handle.backend?.backend !== server.backend ? ` (ran ${handle.backend?.backend ?? '?'})` : ''} ${kilo(result.msgsPerSec)}`);
      }
      status(`echo pass ${pass}/${passes}, ${conns} connection${conns > 1 ? 's' : ''}: ${line.join(', ') || 'nothing ran'} msgs/s`);
    }
  }
  return {
    options: { passes, seconds, warmup, conns: connCounts, size: 64 },
    servers: list.map((s) => ({ name: s.name, command: [s.command, ...s.argv].join(' '), ran: runs.some((r) => r.server === s.name) })),
    loadgen: built.path,
    totalSeconds: (Date.now() - started) / 1000,
    backends: list.filter((s) => s.backend).map((s) => s.backend),
    backendReports,
    summary: summariseRuns(runs, connCounts, list.filter((s) => s.backend && !s.missing).map((s) => s.backend)),
    runs,
    notes,
  };
}

module.exports = { runEcho };
