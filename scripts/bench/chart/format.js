'use strict';
// How the charts print figures: three significant digits, with the unit's own prefixes (ns/µs/ms
// for times, k/M for rates), the same on every machine (no locale).

/** `v` to three significant digits, trailing zeros kept off ("35.2", "120", "4.5"). */
function sig3(v) {
  if (v === 0) return '0';
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
  return String(Number(v.toFixed(digits)));
}

/** A duration given in nanoseconds: "850 ns", "4.21 µs", "12.5 ms". */
function duration(ns) {
  // 999.7 would round to "1000 ns": from 999.5 on it is the next unit's "1 µs".
  if (ns < 999.5) return `${sig3(ns)} ns`;
  if (ns < 999.5e3) return `${sig3(ns / 1e3)} µs`;
  if (ns < 999.5e6) return `${sig3(ns / 1e6)} ms`;
  return `${sig3(ns / 1e9)} s`;
}

/** A count per second (or any large count): "950", "35.2k", "1.2M". */
function count(v) {
  if (Math.abs(v) < 999.5) return sig3(v);
  if (Math.abs(v) < 999.5e3) return `${sig3(v / 1e3)}k`;
  return `${sig3(v / 1e6)}M`;
}

module.exports = { sig3, duration, count };
