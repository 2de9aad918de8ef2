// The benchmark charts (scripts/bench/chart/): drawn from a small saved result, each is one
// well-formed SVG document with its title, description, series, labels and caption, no
// non-number anywhere, bars in proportion to their figures, the same bytes every time; the CLI
// redraws the committed files from the results.json beside them; a backend that fell back is
// named as withheld, and a chart the results do not cover is removed rather than left stale.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from '../helpers';
import { checkWellFormed } from './well-formed-xml';

interface Chart { name: string; file: string; svg: string }
interface ChartModule {
  renderCharts(report: unknown): Chart[];
  writeCharts(report: unknown, dir: string, options?: { json?: string | false }): { written: string[]; removed: string[] };
}
const chart = require(path.join(root, 'scripts', 'bench', 'chart')) as ChartModule;
const cli = path.join(root, 'scripts', 'bench', 'chart', 'index.js');
const fixtureFile = path.join(root, 'test', 'fixtures', 'bench', 'results.json');
const fixture = (): any => JSON.parse(fs.readFileSync(fixtureFile, 'utf8'));

const byName = (charts: Chart[]) => Object.fromEntries(charts.map((c) => [c.name, c.svg]));
// The text of every <title> inside a bar: "series label: value".
const barTitles = (svg: string) => [...svg.matchAll(/<rect ([^>]*)>\s*<title>([^<]*)<\/title>/g)].map((m) => ({ attrs: m[1], title: m[2] }));
const attr = (attrs: string, name: string) => Number(new RegExp(`(?:^| )${name}="([^"]*)"`).exec(attrs)![1]);

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-charts-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a full result makes the four charts, each a well-formed, self-describing SVG', () => {
  const charts = chart.renderCharts(fixture());
  expect(charts.map((c) => c.file)).toEqual(['micro.svg', 'echo.svg', 'http-server.svg', 'http-client.svg']);
  for (const { name, svg } of charts) {
    expect(checkWellFormed(svg)).toBe('svg');
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" /);
    expect(svg).toContain(`role="img" aria-labelledby="${name}-title ${name}-desc"`);
    expect(svg).toMatch(new RegExp(`<title id="${name}-title">[^<]+</title>`));
    expect(svg).toMatch(new RegExp(`<desc id="${name}-desc">[^<]+</desc>`));
    // Its own white background, under everything else, for GitHub's dark theme.
    expect(svg).toMatch(/<\/desc>\n(?:\s*<defs>[\s\S]*?<\/defs>\n)?\s*<rect width="880" height="[\d.]+" fill="#ffffff"\/>/);
    expect(svg).not.toMatch(/NaN|undefined|Infinity|null|\[object/);
    // The caption: machine, node version, date, host mode.
    expect(svg).toContain('2 CPUs, node v20.19.0, 2026-01-15, a full run');
    expect(svg).toContain('host mode: bare cache-line round trip between CPUs 112 ns at the start, 121 ns at the end');
  }
});

test('the micro chart has every compared operation with both backends and the three baselines', () => {
  const svg = byName(chart.renderCharts(fixture())).micro;
  for (const label of ['sleep(0), 1 thread', 'sleep(0), 10 threads', 'spawn(fn).wait()', 'queue ping-pong (round trip)', 'GreenPool.imap, per item', 'GreenPool.imap, fn sleeps(0), per item', 'GreenPool.spawn + waitAll, per item']) {
    expect(svg).toContain(`>${label}</text>`);
  }
  // The engine's own rows have no counterpart to compare with: they stay in the table.
  expect(svg).not.toContain('blockingDetection');
  expect(svg).not.toContain('raw resume');
  for (const series of ['greenthread, threads backend', 'greenthread, fibers backend', 'plain Node', 'gevent 22.10.2', 'eventlet 0.33.1']) expect(svg).toContain(`>${series}</text>`);
  // 139 ns and 5,875 ns (fibers and gevent sleep(0)) three decades apart: a log axis.
  expect(svg).toContain('(log scale)');
  expect(svg).toContain('<title>greenthread, fibers backend: 139 ns</title>');
  expect(svg).toContain('<title>gevent 22.10.2: 5.88 µs</title>');
  expect(svg).toContain('>10 ns</text>');
  expect(svg).toContain('>1 ms</text>');
});

test('the echo and http charts group by connection count, bars in proportion to their figures', () => {
  const charts = byName(chart.renderCharts(fixture()));
  const echo = charts.echo;
  for (const label of ['1 connection', '100 connections', '1,000 connections']) expect(echo).toContain(`>${label}</text>`);
  const echoBars = barTitles(echo);
  expect(echoBars).toHaveLength(15);
  // Vertical bars from one baseline: heights in the ratio of the msgs/s (16,181 vs 22,485).
  const height = (title: string) => attr(echoBars.find((b) => b.title === title)!.attrs, 'height');
  expect(height('greenthread fibers (examples/echo-server.js): 16.2k') / height('node:net, socket.pipe(socket): 22.5k')).toBeCloseTo(16181 / 22485, 2);

  const http = charts['http-server'];
  for (const label of ['50 connections', '1,000 connections', 'node:http', 'eventlet.wsgi', 'gevent.pywsgi', 'greenthread http.serve, threads', 'greenthread http.serve, fibers',
    'greenthread --workers 2, threads', 'greenthread --workers 2, fibers', 'node:cluster, 2 workers']) {
    expect(http).toContain(`>${label}</text>`);
  }
  expect(barTitles(http)).toHaveLength(16);
  // The --workers rows are striped: a pattern per series, used by its bars and legend swatch.
  expect(http).toContain('<pattern id="http-server-hatch-greenthread-fibers-workers"');
  expect(http).toContain('fill="url(#http-server-hatch-node-cluster)"');

  const client = charts['http-client'];
  expect(barTitles(client).map((b) => b.title.replace(/: .*/, ''))).toEqual([
    'greenthread http.request(url).text() from green threads, threads', 'greenthread http.request(url).text() from green threads, fibers',
    'fetch(url) + text() from async functions', 'node:http.request, keep-alive agent, from async functions',
  ]);
});

test('the same results draw the same bytes, and the CLI redraws committed charts from the JSON beside them', () => {
  const report = fixture();
  const first = chart.renderCharts(report);
  expect(chart.renderCharts(fixture())).toEqual(first);
  const { written } = chart.writeCharts(report, dir);
  expect(written.map((f) => path.basename(f)).sort()).toEqual(['echo.svg', 'http-client.svg', 'http-server.svg', 'micro.svg', 'results.json']);
  const before = Object.fromEntries(written.map((f) => [path.basename(f), fs.readFileSync(f, 'utf8')]));
  for (const f of written.filter((f) => f.endsWith('.svg'))) fs.unlinkSync(f);
  // From the directory's own results.json, which is left as it is.
  const result = spawnSync(process.execPath, [cli, path.join(dir, 'results.json'), '--out', dir], { encoding: 'utf8', timeout: 30000 });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('micro.svg');
  for (const [name, text] of Object.entries(before)) expect(fs.readFileSync(path.join(dir, name), 'utf8')).toBe(text);

  // From a file elsewhere: copied byte for byte beside the charts.
  const other = path.join(dir, 'elsewhere');
  const copied = spawnSync(process.execPath, [cli, fixtureFile, '--out', other], { encoding: 'utf8', timeout: 30000 });
  expect(copied.status).toBe(0);
  expect(fs.readFileSync(path.join(other, 'results.json'), 'utf8')).toBe(fs.readFileSync(fixtureFile, 'utf8'));
  expect(fs.readFileSync(path.join(other, 'echo.svg'), 'utf8')).toBe(before['echo.svg']);
});

test('a backend that fell back is drawn as withheld, never with thread figures', () => {
  const report = fixture();
  report.backends.fibers.fellBack = 'self-check failed: platform';
  for (const row of report.rows) if (row.backend === 'fibers') Object.assign(row, { greenthread: null, withheld: 'self-check failed: platform' });
  const charts = chart.renderCharts(report);
  for (const { svg } of charts) {
    expect(checkWellFormed(svg)).toBe('svg');
    expect(svg).toContain('fibers');
    expect(svg).toContain('withheld (fell back)');
    expect(barTitles(svg).filter((b) => /fibers/.test(b.title))).toEqual([]);
    expect(svg).not.toMatch(/NaN|undefined|null/);
  }
  // A server that reported another backend than it was named after is withheld too.
  const ran = fixture();
  ran.echo.summary[0].servers['greenthread-fibers'].ranBackends = ['threads'];
  expect(byName(chart.renderCharts(ran)).echo).toContain('withheld (ran threads)');
});

test('results of one group draw its charts only, and the other charts are removed, not left stale', () => {
  chart.writeCharts(fixture(), dir);
  fs.writeFileSync(path.join(dir, 'notes.md'), 'kept');
  const httpOnly = fixture();
  delete httpOnly.rows;
  httpOnly.echo = null;
  const { written, removed } = chart.writeCharts(httpOnly, dir);
  expect(written.map((f) => path.basename(f))).toEqual(['http-server.svg', 'http-client.svg', 'results.json']);
  expect(removed.map((f) => path.basename(f))).toEqual(['micro.svg', 'echo.svg']);
  expect(fs.readdirSync(dir).sort()).toEqual(['http-client.svg', 'http-server.svg', 'notes.md', 'results.json']);
  // A result without a date or host probe still draws, and says so.
  const bare = fixture();
  delete bare.env.date;
  delete bare.env.hostProbe;
  const svg = byName(chart.renderCharts(bare)).echo;
  expect(svg).toContain('date not recorded');
  expect(svg).not.toContain('host mode');
});

test('input that is not a benchmark result is refused with a clear error', () => {
  expect(() => chart.renderCharts({})).toThrow(/not a benchmark result/);
  const report = fixture();
  report.echo.summary[0].servers.node.msgsPerSec = -1;
  expect(() => chart.renderCharts(report)).toThrow(/value -1/);
  const bad = path.join(dir, 'bad.json');
  fs.writeFileSync(bad, '{ not json');
  const result = spawnSync(process.execPath, [cli, bad, '--out', dir], { encoding: 'utf8', timeout: 30000 });
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^chart: .*bad\.json: /);
});

test('the well-formedness check itself rejects broken markup', () => {
  expect(checkWellFormed('<svg a="1"><g><text>a &amp; b</text></g><rect/></svg>\n')).toBe('svg');
  for (const broken of ['<svg><g></svg>', '<svg><text>a & b</text></svg>', '<svg a=1/>', '<svg a="1" a="2"/>', '<svg/><svg/>', '<svg><text>&nbsp;</text></svg>', 'x<svg/>', '<svg>']) {
    expect(() => checkWellFormed(broken)).toThrow();
  }
});

test('the committed charts in docs/bench are what their results.json draws, and the README shows each of them', () => {
  const benchDir = path.join(root, 'docs', 'bench');
  const committed = JSON.parse(fs.readFileSync(path.join(benchDir, 'results.json'), 'utf8'));
  const charts = chart.renderCharts(committed);
  expect(charts.length).toBeGreaterThan(0);
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  for (const { file, svg } of charts) {
    expect(fs.readFileSync(path.join(benchDir, file), 'utf8')).toBe(svg);
    expect(readme).toContain(`](docs/bench/${file})`);
  }
  // No stray chart left in the directory that the results do not draw.
  const svgs = fs.readdirSync(benchDir).filter((f) => f.endsWith('.svg')).sort();
  expect(svgs).toEqual(charts.map((c) => c.file).sort());
});
