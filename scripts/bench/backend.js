'use strict';
// The engine backend of a benchmark child: which one it asked for (GREENTHREAD_BACKEND, read by
// the addon when it loads, inherited by every child) and which one actually ran. Fibers that
// failed their self-check fall back to threads; the report must then say so and why, never
// print thread figures under the fibers heading.
const path = require('node:path');

/** The backends a run can ask for, in the order of every table. */
const BACKENDS = ['threads', 'fibers'];

/** The environment of a child that should run `backend` (null: whatever the addon picks). */
function backendEnv(backend) {
  const env = { ...process.env };
  if (backend) env.GREENTHREAD_BACKEND = backend;
  return env;
}

/**
 * What ran in this process: { backend, requested, fallbackReason, via }. `gt` is the loaded
 * package, `root` its directory. Prefers the public hub.stats().backend; builds from before it
 * have the addon's backend() behind dist/engine/binding.js (the package's own handle on the
 * addon, so a prebuilt binary is found the way the package finds it); builds older still have
 * no fiber backend at all. Call it after the measurements: by then the backend is settled.
 */
function backendReport(root, gt) {
  const requested = process.env.GREENTHREAD_BACKEND ?? null;
  try {
    const stats = gt.hub.stats();
    if (stats && typeof stats.backend === 'string') {
      return { backend: stats.backend, requested, fallbackReason: stats.fallbackReason ?? null, via: 'hub.stats()' };
    }
  } catch {
    // fall through to the binding
  }
  try {
    const { native } = require(path.join(root, 'dist', 'engine', 'binding.js'));
    if (typeof native.backend === 'function') return { ...native.backend(), via: 'binding backend()' };
  } catch {
    // a build from before src/engine/binding.ts
  }
  return {
    backend: 'threads',
    requested,
    fallbackReason: requested === 'fibers' ? 'this build has no fiber backend (its engine has no backend())' : null,
    via: 'none',
  };
}

/**
 * Whether a child asked for `requested` got it: null when it did, else the reason to print in
 * place of its figures ("fell back to threads: <why>").
 */
function fellBack(requested, report) {
  if (!report || !requested || report.backend === requested) return null;
  return `asked for ${requested}, ran ${report.backend}${report.fallbackReason ? `: ${report.fallbackReason}` : ''}`;
}

module.exports = { BACKENDS, backendEnv, backendReport, fellBack };
