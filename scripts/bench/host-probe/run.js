'use strict';
// The host-mode probe of a benchmark run: the bare cache-line round trip between two CPUs
// (cacheline.c), measured for 30 ms at the start and at the end of the run. On this VM it
// flips between about 100 ns and about 450 ns with the host's placement of the vCPUs
// (research/switch-cost.md), and every thread-switch figure moves with it: the probe tells
// which mode a run got, so runs can be compared.
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { buildC } = require('../build-c');

/** One probe: { roundTripNs, minNs, maxNs, cpus } or { error }; never throws. */
function probeHost(ms = 30) {
  const built = buildC(path.join(__dirname, 'cacheline.c'), ['-pthread']);
  if (built.error) return { error: built.error };
  const result = spawnSync(built.path, [String(ms)], { encoding: 'utf8', timeout: 10000 });
  if (result.error) return { error: result.error.message };
  try {
    return JSON.parse(result.stdout);
  } catch {
    return { error: `unexpected output: ${result.stdout.trim() || result.stderr.trim()}` };
  }
}

/** The report's line for the probes taken before and after a run. */
function renderHostProbe(probes) {
  if (!probes) return [];
  const shown = (p) => (p.error ? `unavailable (${p.error})` : `${Math.round(p.roundTripNs)} ns`);
  return [`host mode: bare cache-line round trip between CPUs ${shown(probes.before)} at the start, ${shown(probes.after)} at the end ` +
    '(this VM: about 100 ns in its fast mode, about 450 ns in its slow one; thread switches move with it)'];
}

module.exports = { probeHost, renderHostProbe };
