#!/usr/bin/env node
'use strict';
// The benchmark charts: SVG files drawn from a run's JSON, with the JSON beside them, so a
// committed chart can always be redrawn from the figures it shows.
//   node scripts/bench/chart/index.js [results.json] [--out DIR]
// redraws the charts of a saved result (default docs/bench/results.json, into docs/bench/);
// `npm run bench -- --chart` calls writeCharts() at the end of a run.
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { barChart } = require('./bar-chart');
const { chartsFromResults, CHART_NAMES } = require('./from-results');

/** Where the committed charts and their JSON live. */
const DEFAULT_DIR = path.resolve(__dirname, '..', '..', '..', 'docs', 'bench');

/** The charts of a run's results: [{ name, file, svg }], the same bytes for the same results. */
function renderCharts(report) {
  return chartsFromResults(report).map(({ name, spec }) => ({ name, file: `${name}.svg`, svg: barChart(spec) }));
}

/**
 * Writes the charts of `report` into `dir` (created if missing), and the results beside them as
 * results.json: `json` is the file's text to write (defaults to the report, as index.js --out
 * writes it) or false to leave results.json alone. A chart this renderer makes but this run did
 * not (e.g. micro.svg after --only http) is removed, so the directory never shows a chart of
 * other figures than its results.json. Returns { written, removed } (paths).
 */
function writeCharts(report, dir = DEFAULT_DIR, { json } = {}) {
  const charts = renderCharts(report);
  fs.mkdirSync(dir, { recursive: true });
  const written = [];
  for (const chart of charts) {
    const file = path.join(dir, chart.file);
    fs.writeFileSync(file, chart.svg);
    written.push(file);
  }
  if (json !== false) {
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, json ?? `${JSON.stringify(report, null, 2)}\n`);
    written.push(file);
  }
  const removed = [];
  for (const name of CHART_NAMES) {
    const file = path.join(dir, `${name}.svg`);
    if (!charts.some((c) => c.name === name) && fs.existsSync(file)) {
      fs.unlinkSync(file);
      removed.push(file);
    }
  }
  return { written, removed };
}

function main() {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (error) {
    process.stderr.write(`chart: ${error.message} (try --help)\n`);
    process.exit(2);
  }
  if (values.help || positionals.length > 1) {
    (values.help ? process.stdout : process.stderr).write(`usage: node scripts/bench/chart/index.js [results.json] [--out DIR]
  Draws the benchmark charts (SVG) of a saved run (npm run bench -- --json/--out/--chart)
  into DIR, with the results copied beside them as results.json.
  results.json  default ${path.relative(process.cwd(), path.join(DEFAULT_DIR, 'results.json')) || 'results.json'}
  --out DIR     default ${path.relative(process.cwd(), DEFAULT_DIR) || '.'}
`);
    process.exit(values.help ? 0 : 2);
  }
  const source = path.resolve(positionals[0] ?? path.join(DEFAULT_DIR, 'results.json'));
  const dir = path.resolve(values.out ?? DEFAULT_DIR);
  let text;
  let report;
  try {
    text = fs.readFileSync(source, 'utf8');
    report = JSON.parse(text);
  } catch (error) {
    process.stderr.write(`chart: ${source}: ${error.message}\n`);
    process.exit(1);
  }
  // The source itself is left untouched when it already is the directory's results.json.
  const same = path.join(dir, 'results.json') === source;
  const { written, removed } = writeCharts(report, dir, { json: same ? false : text });
  for (const file of written) process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  for (const file of removed) process.stdout.write(`removed ${path.relative(process.cwd(), file)} (not in these results)\n`);
}

if (require.main === module) main();

module.exports = { renderCharts, writeCharts, DEFAULT_DIR };
