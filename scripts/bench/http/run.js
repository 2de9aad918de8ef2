'use strict';
// The http group of `npm run bench` (issue 11): hello world over keep-alive under wrk, three parts
// interleaved pass by pass:
//   server  greenthread `http.serve` (once per engine backend), plain node:http, eventlet.wsgi and
//           gevent.pywsgi, at each connection count
//   cluster `greenthread --workers N` (once per backend) and node:http under node:cluster with N
//           workers, at the same counts
//   client  `clients` concurrent loops of GET + read the body against a plain node:http server:
//           greenthread's blocking http.request from green threads (once per backend), fetch and
//           node:http.request from async functions
// Every server runs in a process (tree) of its own, started fresh for each run; one wrk run
// warms it up until it has taken on the connections (at least `warmup` s, see wrk.js) and then
// measures `seconds` s of keep-alive serving; never two servers or two load generators at once.
// The order of the servers rotates every pass.
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');
const { FD_WANTED, fdLimit, reason, runJsonChild, startServer, stopServer } = require('../server-process');
const { processTree, treeUsage } = require('../proc');
const { backendEnv } = require('../backend');
const { wrkVersion, runWrk } = require('./wrk');
const { summariseHttp } = require('./report');

const HERE = __dirname;
const REPO = path.resolve(HERE, '..', '..', '..');
const PARTS = ['server', 'cluster', 'client'];
// The longest warm-up of a wrk run: a server whose accept queue still shrinks after this long
// is measured anyway (the queue's length at the start of the window is reported).
const MAX_WARMUP = 10;
const BODY = 'hello';

/** A port free on 127.0.0.1 right now (servers with workers need it known before they start). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** One GET on a fresh connection: null when the server answers 200 "hello", else what it did. */
function checkHello(port) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: 5000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => { body += chunk; });
      response.on('end', () => resolve(response.statusCode === 200 && body === BODY ? null : `answered ${response.statusCode} ${JSON.stringify(body.slice(0, 80))}`));
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', (error) => resolve(error.message));
  });
}

/**
 * What the build under test offers, asked of a child (loading the addon is its business):
 * { serve, request, workers } booleans, or { error }.
 */
function probeBuild(root) {
  const index = path.join(root, 'dist', 'index.js');
  const script = `const g = require(${JSON.stringify(index)}); process.stdout.write(JSON.stringify({ serve: typeof g.http?.serve === 'function', request: typeof g.http?.request === 'function' }))`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 30000 });
  if (result.status !== 0) return { error: `cannot load ${index}: ${reason(result.stderr ?? '') || `exit ${result.status}`}` };
  const offers = JSON.parse(result.stdout);
  const help = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), '--help'], { encoding: 'utf8', timeout: 30000 });
  offers.workers = /--workers\b/.test(`${help.stdout}${help.stderr}`);
  return offers;
}

/** The servers of the server and cluster parts, in the order of their tables. */
function servers({ backends, python, noPython, root, workers, parts, offers }) {
  const gtRoot = root ? path.resolve(root) : REPO;
  const gtEnv = (backend) => ({ GREENTHREAD_BACKEND: backend, ...(root ? { GREENTHREAD_BENCH_ROOT: gtRoot } : {}) });
  const list = [];
  if (parts.includes('server')) {
    for (const backend of backends) {
      list.push({
        name: `greenthread-${backend}`, part: 'server', backend, env: gtEnv(backend),
        command: process.execPath, argv: (port) => [path.join(HERE, 'gt-server.js'), String(port)],
        missing: offers.error ?? (offers.serve ? null : 'this build has no http.serve yet (branch http-server)'),
      });
    }
    list.push({ name: 'node', part: 'server', env: {}, command: process.execPath, argv: (port) => [path.join(HERE, 'node-server.js'), String(port)] });
    for (const lib of ['eventlet', 'gevent']) {
      list.push({
        name: lib, part: 'server', env: {}, python: true, command: python,
        argv: (port) => [path.join(HERE, 'python-server.py'), lib, String(port)],
        missing: noPython ? 'skipped (--no-python)' : null,
      });
    }
  }
  if (parts.includes('cluster')) {
    for (const backend of backends) {
      list.push({
        name: `greenthread-${backend}-workers`, part: 'cluster', backend, env: gtEnv(backend), listeners: workers,
        command: process.execPath, argv: (port) => [path.join(gtRoot, 'dist', 'cli.js'), '--workers', String(workers), path.join(HERE, 'gt-app.js'), String(port)],
        missing: offers.error ?? (!offers.serve ? 'this build has no http.serve yet (branch http-server)' : !offers.workers ? 'this build\'s CLI has no --workers yet (branch cluster-workers)' : null),
      });
    }
    list.push({ name: 'node-cluster', part: 'cluster', env: {}, listeners: workers, command: process.execPath, argv: (port) => [path.join(HERE, 'node-server.js'), String(port), String(workers)] });
  }
  return list;
}

/** The clients of the client part, in the order of its table. */
function clients({ backends, root, offers }) {
  const list = backends.map((backend) => ({
    name: `greenthread-${backend}`, mode: 'greenthread', backend,
    missing: offers.error ?? (offers.request ? null : 'this build has no http.request yet (branch http-client)'),
  }));
  list.push({ name: 'fetch', mode: 'fetch' }, { name: 'node-http', mode: 'node-http' });
  return list.map((c) => ({ ...c, root }));
}

/** Runs one client child to completion; resolves its JSON result or rejects with the reason. */
function runClient(client, config) {
  const argv = [path.join(HERE, 'client.js'), JSON.stringify({ ...config, mode: client.mode, root: client.root })];
  return runJsonChild('client', process.execPath, argv, {
    env: backendEnv(client.backend), timeoutMs: (config.warmup + config.seconds + 60) * 1000,
  });
}

const kilo = (v) => (v >= 1000 ? `${(v / 1000).toFixed(1)}k` : `${Math.round(v)}`);
const rotate = (list, by) => list.map((_, i) => list[(i + by) % list.length]);

/**
 * Runs the http group. options: { passes, seconds, warmup, conns: number[], wrkThreads, workers,
 * clients, parts: ('server'|'cluster'|'client')[], backends, python, noPython, root, status }.
 * Resolves { options, runs, clientRuns, summary, backendReports, notes, ... }; a server or client
 * that cannot run becomes a note, never a rejection.
 */
async function runHttp(options) {
  const { passes, seconds, warmup, conns: connCounts, wrkThreads, parts, status } = options;
  const notes = [];
  const started = Date.now();
  const offers = probeBuild(options.root ? path.resolve(options.root) : REPO);
  const wrk = wrkVersion();
  let list = servers({ ...options, offers });
  if (wrk.error && list.length) {
    notes.push(`http: server and cluster parts skipped: ${wrk.error}`);
    list = [];
  }
  const clientList = parts.includes('client') ? clients({ ...options, offers }) : [];
  for (const item of [...list, ...clientList]) {
    if (item.missing) notes.push(`http: ${item.part ?? 'client'} ${item.name} ${item.missing.startsWith('skipped') ? item.missing : `skipped: ${item.missing}`}`);
  }
  const runs = [];
  const clientRuns = [];
  // Every backend report a greenthread process printed, by the backend it was asked for.
  const backendReports = {};
  const noteBackend = (asked, report) => {
    (backendReports[asked] ??= []).push(report ?? { backend: 'unknown', requested: asked, fallbackReason: 'the process printed no backend line', via: 'none' });
  };
  const maxConns = Math.max(...connCounts);

  // One measured run of `server` at `conns` connections; adds to runs, or a note.
  const measureServer = async (server, conns, pass) => {
    const label = `${server.name}, ${conns} connections, pass ${pass}`;
    let handle;
    try {
      handle = await startServer({ ...server, argv: server.argv(await freePort()) }, { cwd: REPO, listeners: server.listeners ?? 1, timeoutMs: 30000 });
    } catch (error) {
      server.disabled = true;
      notes.push(`http: ${server.name} skipped: ${error.message}`);
      return null;
    }
    try {
      if (server.backend) for (const report of handle.backends.length ? handle.backends : [null]) noteBackend(server.backend, report);
      const limit = fdLimit(handle.pid);
      if (limit < maxConns + 64 && !server.fdNoted) {
        server.fdNoted = true;
        notes.push(`http: ${server.name} runs with an open-file limit of ${limit} (could not raise it to ${FD_WANTED}); its ${maxConns}-connection runs may fail`);
      }
      const wrong = await checkHello(handle.port);
      if (wrong) {
        server.disabled = true;
        notes.push(`http: ${server.name} skipped: GET / ${wrong}`);
        return null;
      }
      let result;
      const pids = processTree(handle.pid);
      try {
        result = await runWrk({ port: handle.port, conns, threads: wrkThreads, minWarmup: warmup, maxWarmup: MAX_WARMUP, window: seconds, sample: () => treeUsage(pids) });
      } catch (error) {
        notes.push(`http: ${label}: ${error.message}`);
        return null;
      }
      const [before, after] = result.sampled;
      if (result.errorCount) {
        const e = result.run.errors;
        notes.push(`http: ${label}: wrk counted errors: ${e.connect} connect, ${e.read} read, ${e.write} write, ${e.timeout} timeout, ${e.status} non-2xx/3xx`);
      }
      if (result.fdLimit < conns + 16 && !wrk.fdNoted) {
        wrk.fdNoted = true;
        notes.push(`http: wrk ran with an open-file limit of ${result.fdLimit}: its ${conns}-connection runs cannot open every connection`);
      }
      delete result.sampled;
      const run = {
        server: server.name, part: server.part, conns, pass, ...result,
        serverCpuSeconds: after.cpuSeconds - before.cpuSeconds, serverRssKiB: after.rssKiB, serverThreads: after.threads, serverProcesses: after.processes,
        ...(server.backend ? { backend: handle.backend, backends: handle.backends } : {}),
      };
      runs.push(run);
      return run;
    } finally {
      const stop = await stopServer(handle.child);
      if (stop.crashed) notes.push(`http: ${server.name} exited during the ${conns}-connection run (${stop.crashed.signal || `code ${stop.crashed.code}`})${handle.stderr().trim() ? `: ${reason(handle.stderr())}` : ''}`);
      if (stop.killed) notes.push(`http: ${server.name} ignored SIGTERM after the ${conns}-connection run and was killed`);
    }
  };

  // The client part of one pass: a fresh node:http server, each client in turn against it.
  const measureClients = async (pass) => {
    const active = clientList.filter((c) => !c.missing && !c.disabled);
    if (!active.length) return [];
    let handle;
    try {
      handle = await startServer({ command: process.execPath, argv: [path.join(HERE, 'node-server.js'), String(await freePort())], env: {} }, { cwd: REPO });
    } catch (error) {
      notes.push(`http: client part, pass ${pass}: the node:http server did not start: ${error.message}`);
      return [];
    }
    const line = [];
    try {
      const url = `http://127.0.0.1:${handle.port}/`;
      const pids = processTree(handle.pid);
      for (const client of rotate(active, pass - 1)) {
        const before = treeUsage(pids);
        let result;
        try {
          result = await runClient(client, { url, clients: options.clients, seconds, warmup });
        } catch (error) {
          client.disabled = true;
          notes.push(`http: client ${client.name} skipped: ${error.message}`);
          continue;
        }
        const after = treeUsage(pids);
        if (result.unavailable) {
          client.disabled = true;
          notes.push(`http: client ${client.name} skipped: ${result.unavailable}`);
          continue;
        }
        if (client.backend) noteBackend(client.backend, result.backend);
        if (result.wrong || result.errors) notes.push(`http: client ${client.name}, pass ${pass}: ${result.wrong} wrong answers, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}`);
        const serverCpuSeconds = after.cpuSeconds - before.cpuSeconds;
        clientRuns.push({
          client: client.name, pass, ...result,
          // The server's CPU over the whole child (warm-up included) per response it gave.
          serverCpuUsPerRequest: result.totalRequests ? (serverCpuSeconds / result.totalRequests) * 1e6 : null,
        });
        line.push(`${client.name} ${kilo(result.reqPerSec)}`);
      }
    } finally {
      await stopServer(handle.child);
    }
    return line;
  };

  for (let pass = 1; pass <= passes; pass++) {
    for (const conns of connCounts) {
      const active = list.filter((s) => !s.missing);
      if (!active.length) break;
      const line = [];
      for (const server of rotate(active, pass - 1)) {
        if (server.disabled) continue;
        const run = await measureServer(server, conns, pass);
        if (run) line.push(`${server.name} ${kilo(run.reqPerSec)}`);
      }
      status(`http pass ${pass}/${passes}, ${conns} connections: ${line.join(', ') || 'nothing ran'} requests/s`);
    }
    if (clientList.length) {
      const line = await measureClients(pass);
      status(`http pass ${pass}/${passes}, client, ${options.clients} loops: ${line.join(', ') || 'nothing ran'} requests/s`);
    }
  }
  return {
    options: { passes, seconds, warmup, conns: connCounts, wrkThreads, workers: options.workers, clients: options.clients, parts },
    wrk: wrk.version ?? null,
    offers,
    servers: list.map((s) => ({ name: s.name, part: s.part, command: [s.command, ...s.argv('PORT')].join(' '), ran: runs.some((r) => r.server === s.name) })),
    clients: clientList.map((c) => ({ name: c.name, mode: c.mode, ran: clientRuns.some((r) => r.client === c.name) })),
    totalSeconds: (Date.now() - started) / 1000,
    backends: options.backends,
    backendReports,
    summary: summariseHttp(runs, clientRuns, connCounts, options.backends),
    runs,
    clientRuns,
    notes,
  };
}

module.exports = { runHttp, PARTS };
