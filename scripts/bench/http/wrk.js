'use strict';
// wrk, the http group's load generator: one run against a URL, its summary as figures. wrk
// runs under `sh`, which first raises the open-file limit (1,000 connections need more than
// the common 1,024) and after wrk exits reads its own /proc/PID/stat, whose cutime/cstime are
// then wrk's CPU time: how much of the two shared vCPUs the load generator itself took.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');
const { RAISE_FD_LIMIT } = require('../server-process');
const { TICKS_PER_SECOND } = require('../proc');

const WRK = 'wrk';
const SCRIPT = path.join(__dirname, 'wrk-report.lua');
// `read` is a shell builtin: no child of the shell but wrk is counted in cutime/cstime.
const SHELL = `${RAISE_FD_LIMIT}; echo "wrk-fds $(ulimit -n)"; "$@"; rc=$?; read -r stat < /proc/$$/stat; echo "wrk-stat $stat"; exit $rc`;

/** wrk's version line, or { error } when it is not installed. */
function wrkVersion() {
  const result = spawnSync(WRK, ['--version'], { encoding: 'utf8' });
  if (result.error) return { error: result.error.code === 'ENOENT' ? 'wrk is not installed (apt-get install wrk)' : `wrk: ${result.error.message}` };
  return { version: `${result.stdout}${result.stderr}`.split('\n')[0].trim() };
}

/**
 * Runs `wrk -t threads -c conns -d seconds` against url and resolves { requests, reqPerSec,
 * durationUs, errors: { connect, read, write, status, timeout }, errorCount, latencyUs: { mean,
 * p50, p90, p99, max }, wrkCpuSeconds, fdLimit }; rejects when wrk fails or prints no summary.
 */
function runWrk({ url, conns, threads, seconds, timeoutSeconds = 10 }) {
  // wrk gives every thread the same number of connections: never more threads than connections.
  const t = Math.min(threads, conns);
  const argv = [WRK, `-t${t}`, `-c${conns}`, `-d${seconds}s`, `--timeout`, `${timeoutSeconds}s`, '-s', SCRIPT, url];
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', SHELL, 'sh', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + timeoutSeconds + 30) * 1000);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const summary = /^\{"requests".*$/m.exec(stdout);
      if (code !== 0 || !summary) {
        const said = `${stderr}\n${stdout}`.trim().split('\n').filter((l) => !l.startsWith('wrk-')).slice(-3).join(' | ');
        reject(new Error(`wrk ${signal ? `killed by ${signal}` : `exited with code ${code}`}${said ? `: ${said}` : ''}`));
        return;
      }
      const figures = JSON.parse(summary[0]);
      const stat = /^wrk-stat .*\) (.*)$/m.exec(stdout)?.[1].split(' ');
      const fds = /^wrk-fds (\S+)$/m.exec(stdout)?.[1];
      const { connect, read, write, status, timeout } = figures.errors;
      resolve({
        ...figures,
        reqPerSec: figures.requests / (figures.durationUs / 1e6),
        errorCount: connect + read + write + status + timeout,
        wrkCpuSeconds: stat ? (Number(stat[13]) + Number(stat[14])) / TICKS_PER_SECOND : null,
        wrkThreads: t,
        fdLimit: fds === 'unlimited' ? Infinity : Number(fds),
      });
    });
  });
}

module.exports = { wrkVersion, runWrk };
