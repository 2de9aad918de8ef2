'use strict';
// wrk, the http group's load generator, measured in steady state. wrk opens all its connections
// at once when it starts, and a busy server takes seconds to accept 1,000 of them (plain Node
// left 500 in its accept queue for 4 s on this VM while it served the others), so wrk's own
// figure over a short run mixes that ramp with keep-alive serving. Here one wrk run covers a
// warm-up that lasts until the server's accept queue is empty (every connection taken on) or
// has stopped shrinking for a second (plain Node keeps a few hundred of 1,000 waiting for as
// long as the others keep it busy), at least `minWarmup` and at most `maxWarmup` seconds, then
// the measured window: the bytes wrk read
// in it (its /proc/PID/io rchar) over the bytes of one response (from wrk's summary; every
// response of a hello-world server has the same size) are the responses of the window. Then
// wrk gets SIGINT and prints its summary (http/wrk-report.lua: requests, errors, latency of the
// whole run). wrk runs under `sh`, which first raises the open-file limit (1,000 connections
// need more than the common 1,024).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { RAISE_FD_LIMIT } = require('../server-process');
const { processTree, treeUsage } = require('../proc');

const WRK = 'wrk';
const SCRIPT = path.join(__dirname, 'wrk-report.lua');
const SHELL = `${RAISE_FD_LIMIT}; echo "wrk-fds $(ulimit -n)"; exec "$@"`;
const POLL_MS = 100;
const STALL_POLLS = 1000 / POLL_MS;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** wrk's version line, or { error } when it is not installed. */
function wrkVersion() {
  const result = spawnSync(WRK, ['--version'], { encoding: 'utf8' });
  if (result.error) return { error: result.error.code === 'ENOENT' ? 'wrk is not installed (apt-get install wrk)' : `wrk: ${result.error.message}` };
  return { version: `${result.stdout}${result.stderr}`.split('\n')[0].trim() };
}

/**
 * Connections waiting in the accept queues of the sockets listening on 127.0.0.1:`port`
 * (/proc/net/tcp: a listening socket's rx_queue is its accept queue; a server with workers may
 * have one socket per worker).
 */
function acceptQueue(port) {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let waiting = 0;
  for (const line of fs.readFileSync('/proc/net/tcp', 'utf8').split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[1] === local && fields[3] === '0A') waiting += parseInt(fields[4].split(':')[1], 16);
  }
  return waiting;
}

// Bytes wrk has read so far (all from its sockets once it runs).
function bytesRead(pid) {
  return Number(/^rchar:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/io`, 'utf8'))[1]);
}

/**
 * Runs wrk (-t threads -c conns) against 127.0.0.1:port and measures a window of `window` s
 * once the warm-up is over (see the file header). `sample()` is called at both ends of the
 * window (the caller reads the server's CPU there). Resolves { reqPerSec, responses, window,
 * warmupSeconds, acceptQueueAtStart, sampled: [before, after], wrkCpuSeconds, run: wrk's
 * summary of the whole run ({ requests, durationUs, bytes, errors, latencyUs, reqPerSec }),
 * errorCount, wrkThreads, fdLimit }; rejects when wrk fails or prints no summary.
 */
async function runWrk({ port, conns, threads, minWarmup, maxWarmup, window, sample = () => null, timeoutSeconds = 10 }) {
  // wrk gives every thread the same number of connections: never more threads than connections.
  const t = Math.min(threads, conns);
  // Long enough never to end by itself before the window has been measured: SIGINT ends it.
  const duration = Math.ceil(maxWarmup + window + 10);
  const argv = [WRK, `-t${t}`, `-c${conns}`, `-d${duration}s`, '--timeout', `${timeoutSeconds}s`, '-s', SCRIPT, `http://127.0.0.1:${port}/`];
  const child = spawn('sh', ['-c', SHELL, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  const started = process.hrtime.bigint();
  const elapsed = () => Number(process.hrtime.bigint() - started) / 1e9;
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const closed = new Promise((resolve) => {
    child.on('error', (error) => resolve({ error }));
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  let exited = null;
  closed.then((how) => { exited = how; });
  const killer = setTimeout(() => child.kill('SIGKILL'), (duration + timeoutSeconds + 30) * 1000);
  try {
    // `sh` execs wrk once it raised the limit and printed it: the same pid.
    while (!/^wrk-fds /m.test(stdout) && exited === null && elapsed() < 10) await sleep(10);
    const pid = child.pid;
    let window_ = null;
    let waiting = 0;
    // The accept queue's length a second ago: one that stopped shrinking is as short as it gets.
    const history = [];
    while (exited === null) {
      waiting = acceptQueue(port);
      history.push(waiting);
      const aSecondAgo = history.length > STALL_POLLS ? history[history.length - 1 - STALL_POLLS] : Infinity;
      if ((elapsed() >= minWarmup && (waiting === 0 || waiting >= aSecondAgo)) || elapsed() >= maxWarmup) break;
      await sleep(POLL_MS);
    }
    if (exited === null) {
      const mark = () => ({ time: process.hrtime.bigint(), bytes: bytesRead(pid), cpu: treeUsage([pid]).cpuSeconds, sampled: sample() });
      const warmupSeconds = elapsed();
      const before = mark();
      await sleep(window * 1000);
      if (exited === null) {
        const after = mark();
        window_ = { before, after, warmupSeconds, acceptQueueAtStart: waiting };
        child.kill('SIGINT');
      }
    }
    const how = await closed;
    const summary = /^\{"requests".*$/m.exec(stdout);
    if (how.error || how.code !== 0 || !summary || !window_) {
      const said = `${stderr}\n${stdout}`.trim().split('\n').filter((l) => !l.startsWith('wrk-')).slice(-3).join(' | ');
      const why = how.error ? how.error.message : !window_ ? `wrk ended before the window (${how.signal || `code ${how.code}`})` : `wrk ${how.signal ? `killed by ${how.signal}` : `exited with code ${how.code}`}`;
      throw new Error(`${why}${said ? `: ${said}` : ''}`);
    }
    const run = JSON.parse(summary[0]);
    const { connect, read, write, status, timeout } = run.errors;
    const { before, after } = window_;
    const seconds = Number(after.time - before.time) / 1e9;
    const bytesPerResponse = run.requests ? run.bytes / run.requests : NaN;
    const responses = (after.bytes - before.bytes) / bytesPerResponse;
    const fds = /^wrk-fds (\S+)$/m.exec(stdout)?.[1];
    return {
      reqPerSec: responses / seconds,
      responses,
      window: seconds,
      warmupSeconds: window_.warmupSeconds,
      acceptQueueAtStart: window_.acceptQueueAtStart,
      sampled: [before.sampled, after.sampled],
      wrkCpuSeconds: after.cpu - before.cpu,
      bytesPerResponse,
      run: { ...run, reqPerSec: run.requests / (run.durationUs / 1e6) },
      errorCount: connect + read + write + status + timeout,
      wrkThreads: t,
      fdLimit: fds === 'unlimited' ? Infinity : Number(fds),
    };
  } finally {
    clearTimeout(killer);
    if (exited === null) child.kill('SIGKILL');
  }
}

module.exports = { wrkVersion, runWrk, acceptQueue };
