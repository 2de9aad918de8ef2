'use strict';
// A server under test as a child process, shared by the groups that drive servers with a load
// generator (echo, http): started through `sh` with its open-file limit raised, ready once it
// printed `listening on HOST:PORT` (once per listening process: a server with workers prints
// it once in each), stopped with SIGTERM and, 3 s later, SIGKILL, together with every process
// it forked.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { processTree } = require('./proc');

const READY = /listening on ([\d.]+):(\d+)/g;
// Printed by greenthread servers before they listen (echo/report-backend.js, http/gt-app.js).
const BACKEND_LINE = /^greenthread backend: (\{.*\})$/gm;
// File descriptors asked for in every server and load generator (1,000 connections need ~1,050).
const FD_WANTED = 4096;

// Raises the soft open-file limit of the shell to FD_WANTED when it is lower, or to the hard
// limit when that is lower still; what it execs next inherits it. The caller checks the result.
const RAISE_FD_LIMIT = `n=$(ulimit -n); if [ "$n" != unlimited ] && [ "$n" -lt ${FD_WANTED} ]; then ulimit -n ${FD_WANTED} 2>/dev/null || ulimit -n "$(ulimit -Hn)"; fi`;
// `sh -c RAISE_FDS sh program args...`: execs the program, which so keeps the pid whose /proc
// the runner reads.
const RAISE_FDS = `${RAISE_FD_LIMIT}; exec "$@"`;

/** The soft open-file limit of a running process, from /proc/PID/limits (Infinity if unlimited). */
function fdLimit(pid) {
  try {
    const match = /^Max open files\s+(\S+)/m.exec(fs.readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return match[1] === 'unlimited' ? Infinity : Number(match[1]);
  } catch {
    return NaN;
  }
}

/** The telling part of a dead child's stderr: its error line if it has one, else its last lines. */
function reason(stderr) {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const error = lines.find((l) => /^(\w+Error|Error)\b|^\w+: .*(not found|No such)/.test(l));
  return error ?? lines.slice(-3).join(' | ');
}

/**
 * Runs a child that prints its result as JSON on the last line of its stdout, and resolves that
 * result; rejects with why the child failed (killed after `timeoutMs`, a non-zero exit, no
 * JSON), `name` first, then the result's own `error` and the gist of its stderr, if any.
 */
function runJsonChild(name, command, argv, { env = process.env, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      let result = null;
      try { result = JSON.parse(stdout.trim().split('\n').pop()); } catch { /* no JSON */ }
      if (code === 0 && result) {
        resolve(result);
        return;
      }
      const parts = [`${name} ${signal ? `killed by ${signal}` : `exited with code ${code}`}`];
      if (result?.error) parts.push(result.error);
      if (stderr.trim()) parts.push(reason(stderr));
      reject(new Error(parts.join(': ')));
    });
  });
}

/**
 * Starts `server` ({ command, argv, env }) and resolves { child, pid, port, backend, backends,
 * stderr() } once it printed `listening on` `listeners` times (port: the first one's; backend:
 * the first greenthread backend line, backends: all of them); rejects with an Error (with
 * .unavailable for a Python library that cannot be imported).
 */
function startServer(server, { timeoutMs = 20000, listeners = 1, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', RAISE_FDS, 'sh', server.command, ...server.argv], {
      cwd,
      env: { ...process.env, ...server.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let settled = false;
    const done = (error, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        stopServer(child, 0);
        reject(error);
      } else {
        resolve(value);
      }
    };
    child.stdout.on('data', (chunk) => {
      if (settled) return;  // the rest of its output is read and dropped
      stdout += chunk;
      const ready = [...stdout.matchAll(READY)];
      if (ready.length < listeners) return;
      const backends = [];
      for (const [, json] of stdout.matchAll(BACKEND_LINE)) {
        try { backends.push(JSON.parse(json)); } catch { /* not ours */ }
      }
      done(null, { child, pid: child.pid, port: Number(ready[0][2]), backend: backends[0] ?? null, backends, stderr: () => stderr });
    });
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    child.on('error', (error) => done(error));
    child.on('exit', (code, signal) => {
      child.exited = { code, signal };
      let unavailable = null;
      try { unavailable = JSON.parse(stdout.trim().split('\n').pop()).unavailable ?? null; } catch { /* not JSON */ }
      const error = new Error(unavailable ?? `exited with ${signal || `code ${code}`} before listening${stderr.trim() ? `: ${reason(stderr)}` : ''}`);
      error.unavailable = unavailable;
      done(error);
    });
    const timer = setTimeout(() => done(new Error(`did not print "listening on"${listeners > 1 ? ` ${listeners} times` : ''} within ${timeoutMs / 1000} s`)), timeoutMs);
  });
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * SIGTERM to the server, then SIGKILL after `graceMs` to it and to every process it forked that
 * is still there; resolves { crashed } if it had exited before, else { killed }.
 */
function stopServer(child, graceMs = 3000) {
  if (child.exited) return Promise.resolve({ crashed: child.exited });
  // Its workers, read now: once the server is gone they are no longer its children in /proc.
  const forked = processTree(child.pid).slice(1);
  return new Promise((resolve) => {
    const deadline = Date.now() + graceMs;
    let killed = false;
    const kill = () => {
      killed = true;
      for (const pid of [child.pid, ...forked]) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ }
      }
    };
    const timer = setTimeout(kill, graceMs);
    child.on('exit', () => {
      clearTimeout(timer);
      // Workers that outlive their primary get the rest of the grace period, then SIGKILL.
      const waitForWorkers = () => {
        const left = forked.filter(alive);
        if (!left.length) return resolve({ killed });
        if (Date.now() >= deadline) {
          kill();
          return resolve({ killed: true });
        }
        setTimeout(waitForWorkers, 50);
      };
      waitForWorkers();
    });
    child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  });
}

module.exports = { FD_WANTED, RAISE_FD_LIMIT, RAISE_FDS, fdLimit, reason, runJsonChild, startServer, stopServer };
