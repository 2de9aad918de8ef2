'use strict';
// Value axes of the bar charts: a linear one from zero with round ticks (throughputs), and a
// logarithmic one over whole decades (switch costs, which span three orders of magnitude between
// a fiber's sleep(0) and a Python pool's spawn). Each maps a value to a fraction 0..1 of the
// axis length and lists its ticks.

/** A round step (1, 2, 2.5 or 5 × a power of ten) giving about `count` ticks up to `max`. */
function niceStep(max, count) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * power).find((s) => s >= raw);
  return step;
}

/**
 * A linear axis from 0 to a round value at or above `max` (a positive number):
 * { kind, max, at(value) → 0..1, ticks: [{ value, major }] }.
 */
function linearScale(max, count = 5) {
  const top = max > 0 ? max : 1;
  const step = niceStep(top, count);
  const end = Math.ceil(top / step - 1e-9) * step;
  const ticks = [];
  // Integer multiples, so 0.1 + 0.2 never prints as 0.30000000000000004.
  for (let i = 0; i * step <= end + step * 1e-9; i++) ticks.push({ value: Number((i * step).toPrecision(12)), major: true });
  return { kind: 'linear', min: 0, max: end, at: (v) => v / end, ticks };
}

/**
 * A logarithmic axis over the whole decades around [min, max] (positive numbers), with a major
 * tick per decade and minor ones at 2–9 × each: { kind, min, max, at(value) → 0..1, ticks }.
 * Bars on it start at the axis's left end, the decade below the smallest value.
 */
function logScale(min, max) {
  let low = Math.floor(Math.log10(min));
  let high = Math.ceil(Math.log10(max));
  if (high <= low) high = low + 1;
  const span = high - low;
  const ticks = [];
  for (let d = low; d <= high; d++) {
    ticks.push({ value: 10 ** d, major: true });
    if (d < high) for (let m = 2; m <= 9; m++) ticks.push({ value: m * 10 ** d, major: false });
  }
  return { kind: 'log', min: 10 ** low, max: 10 ** high, at: (v) => (Math.log10(v) - low) / span, ticks };
}

module.exports = { linearScale, logScale, niceStep };
