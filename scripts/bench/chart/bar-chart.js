'use strict';
// The grouped bar chart every benchmark chart is: groups (an operation, a connection count) of
// bars (one per series: a backend, a baseline), horizontal or vertical, on a linear or
// logarithmic value axis, with a legend, the value at the end of every bar, and a caption. The
// picture is self-contained SVG with its own white background and dark text, so it reads the
// same on GitHub's light and dark themes, and it carries a <title> and a <desc> that say in
// words what the bars show, for screen readers and for anyone reading the file.
const { el, num, textWidth } = require('./svg');
const { linearScale, logScale } = require('./scale');

const WIDTH = 880;
const MARGIN = 20;
const FONT = 'system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif';
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#d0d7de';
const GRID_MINOR = '#eef1f4';
const SIZE = { title: 16, subtitle: 12, label: 12, value: 11, tick: 11, caption: 11 };
const LINE = 17;

/**
 * One chart as an SVG document (a string). `spec`:
 * - `id`: a name for the ids inside the file (title, desc, patterns)
 * - `title`, `subtitle` (a string or lines), `caption` (lines under the chart)
 * - `orientation`: 'horizontal' (groups down the side, bars to the right) or 'vertical'
 * - `scale`: 'linear' (from zero) or 'log' (positive values, whole decades)
 * - `format(value)`: how a value is printed (bar ends, ticks, description)
 * - `axisLabel`: what the value axis measures; `groupAxisLabel` (vertical only) under the groups
 * - `series`: [{ id, label, color, hatch }] in legend order; `hatch` stripes the bar
 * - `groups`: [{ label, bars: [{ series, value, note }] }]: a bar with a null value and a note
 *   (e.g. a backend that fell back) prints the note where the bar would be; with neither it is
 *   left out.
 */
function barChart(spec) {
  const series = new Map(spec.series.map((s) => [s.id, s]));
  const groups = spec.groups
    .map((g) => ({ label: g.label, bars: g.bars.filter((b) => b.value != null || b.note) }))
    .filter((g) => g.bars.length);
  for (const g of groups) {
    for (const b of g.bars) {
      if (!series.has(b.series)) throw new Error(`chart ${spec.id}: bar of unknown series ${b.series}`);
      if (b.value != null && !(Number.isFinite(b.value) && b.value >= 0)) throw new RangeError(`chart ${spec.id}: ${g.label}, ${b.series}: value ${b.value}`);
      if (b.value != null && spec.scale === 'log' && b.value <= 0) throw new RangeError(`chart ${spec.id}: ${g.label}, ${b.series}: ${b.value} on a log scale`);
    }
  }
  const values = groups.flatMap((g) => g.bars.map((b) => b.value).filter((v) => v != null));
  const scale = spec.scale === 'log' && values.length
    ? logScale(Math.min(...values), Math.max(...values))
    : linearScale(values.length ? Math.max(...values) : 1);
  const used = spec.series.filter((s) => groups.some((g) => g.bars.some((b) => b.series === s.id)));
  const ids = { title: `${spec.id}-title`, desc: `${spec.id}-desc`, pattern: (s) => `${spec.id}-hatch-${s.id.replace(/[^A-Za-z0-9_-]/g, '-')}` };
  const fill = (s) => (s.hatch ? `url(#${ids.pattern(s)})` : s.color);

  const body = [];
  let y = MARGIN + SIZE.title;
  body.push(el('text', { x: MARGIN, y, 'font-size': SIZE.title, 'font-weight': 'bold', fill: INK }, spec.title));
  for (const line of wrap([].concat(spec.subtitle ?? []), SIZE.subtitle)) {
    y += LINE;
    body.push(el('text', { x: MARGIN, y, 'font-size': SIZE.subtitle, fill: MUTED }, line));
  }
  y = legend(body, used, fill, y + 22);
  const plot = spec.orientation === 'vertical'
    ? vertical(body, spec, groups, series, scale, fill, y + 8)
    : horizontal(body, spec, groups, series, scale, fill, y + 8);
  y = plot.bottom;
  for (const line of wrap(spec.caption ?? [], SIZE.caption)) {
    y += LINE - 2;
    body.push(el('text', { x: MARGIN, y, 'font-size': SIZE.caption, fill: MUTED }, line));
  }
  const height = y + MARGIN;

  const defs = used.filter((s) => s.hatch).map((s) => el('pattern', { id: ids.pattern(s), patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)' }, [
    el('rect', { width: 6, height: 6, fill: s.color }),
    el('rect', { width: 2.5, height: 6, fill: '#ffffff', 'fill-opacity': 0.6 }),
  ]));
  return `${el('svg', {
    xmlns: 'http://www.w3.org/2000/svg', width: WIDTH, height, viewBox: `0 0 ${WIDTH} ${num(height)}`,
    role: 'img', 'aria-labelledby': `${ids.title} ${ids.desc}`, 'font-family': FONT,
  }, [
    el('title', { id: ids.title }, spec.title),
    el('desc', { id: ids.desc }, describe(spec, groups, series)),
    ...(defs.length ? [el('defs', {}, defs)] : []),
    // Explicit, so a dark page behind the image never shows through dark text.
    el('rect', { width: WIDTH, height, fill: '#ffffff' }),
    ...body,
  ])}\n`;
}

// Lines broken at spaces so that none is wider than the chart; a continuation is indented.
function wrap(lines, size) {
  const room = WIDTH - 2 * MARGIN;
  const out = [];
  for (const line of lines) {
    let current = '';
    for (const word of line.split(' ')) {
      const next = current ? `${current} ${word}` : word;
      if (current && textWidth(next, size) > room) {
        out.push(current);
        current = `   ${word}`;
      } else {
        current = next;
      }
    }
    out.push(current);
  }
  return out;
}

// The legend: one swatch and label per series, wrapped into rows. Returns the y under it.
function legend(body, used, fill, top) {
  let x = MARGIN;
  let y = top;
  for (const s of used) {
    const w = 12 + 6 + textWidth(s.label, SIZE.label);
    if (x > MARGIN && x + w > WIDTH - MARGIN) {
      x = MARGIN;
      y += LINE + 2;
    }
    body.push(el('rect', { x, y: y - 10, width: 12, height: 12, fill: fill(s), stroke: INK, 'stroke-opacity': 0.35, 'stroke-width': 0.5 }));
    body.push(el('text', { x: x + 18, y, 'font-size': SIZE.label, fill: INK }, s.label));
    x += w + 20;
  }
  return y + 6;
}

// A bar's rectangle with its value as a tooltip.
function bar(s, text, fill, x, y, width, height) {
  return el('rect', { x, y, width, height, fill: fill(s), stroke: INK, 'stroke-opacity': 0.35, 'stroke-width': 0.5 }, [el('title', {}, `${s.label}: ${text}`)]);
}

// Groups down the left, bars growing to the right, the value axis at the bottom.
function horizontal(body, spec, groups, series, scale, fill, top) {
  const barH = 15;
  const barGap = 3;
  const groupGap = 14;
  const labelW = Math.min(WIDTH * 0.4, Math.max(...groups.map((g) => textWidth(g.label, SIZE.label)))) + 10;
  const valueW = Math.max(40, ...groups.flatMap((g) => g.bars.filter((b) => b.value != null).map((b) => textWidth(spec.format(b.value), SIZE.value)))) + 8;
  const left = MARGIN + labelW;
  const width = WIDTH - MARGIN - valueW - left;
  const height = groups.reduce((h, g) => h + g.bars.length * (barH + barGap) - barGap, 0) + groupGap * (groups.length + 1);
  const at = (v) => left + Math.max(0, Math.min(1, scale.at(v))) * width;
  const grid = [];
  for (const tick of scale.ticks) {
    const x = at(tick.value);
    grid.push(el('line', { x1: x, y1: top, x2: x, y2: top + height, stroke: tick.major ? GRID : GRID_MINOR, 'stroke-width': 1 }));
    if (tick.major) grid.push(el('text', { x, y: top + height + 16, 'font-size': SIZE.tick, fill: MUTED, 'text-anchor': 'middle' }, spec.format(tick.value)));
  }
  body.push(...grid);
  let y = top + groupGap;
  for (const g of groups) {
    const h = g.bars.length * (barH + barGap) - barGap;
    body.push(el('text', { x: left - 8, y: y + h / 2 + 4, 'font-size': SIZE.label, fill: INK, 'text-anchor': 'end' }, g.label));
    for (const b of g.bars) {
      const s = series.get(b.series);
      if (b.value == null) {
        body.push(el('text', { x: left + 6, y: y + barH / 2 + 4, 'font-size': SIZE.value, fill: MUTED, 'font-style': 'italic' }, `${s.label}: ${b.note}`));
      } else {
        const text = spec.format(b.value);
        const end = at(b.value);
        body.push(bar(s, text, fill, left, y, Math.max(1, end - left), barH));
        body.push(el('text', { x: Math.max(left + 1, end) + 4, y: y + barH / 2 + 4, 'font-size': SIZE.value, fill: INK }, text));
      }
      y += barH + barGap;
    }
    y += groupGap - barGap;
  }
  body.push(el('line', { x1: left, y1: top, x2: left, y2: top + height, stroke: MUTED, 'stroke-width': 1 }));
  let bottom = top + height + 16;
  if (spec.axisLabel) {
    bottom += LINE;
    body.push(el('text', { x: left + width / 2, y: bottom, 'font-size': SIZE.label, fill: INK, 'text-anchor': 'middle' }, spec.axisLabel));
  }
  return { bottom: bottom + 8 };
}

// Groups along the bottom, bars growing upwards, the value axis on the left.
function vertical(body, spec, groups, series, scale, fill, top) {
  const plotH = spec.plotHeight ?? 280;
  const tickW = Math.max(...scale.ticks.filter((t) => t.major).map((t) => textWidth(spec.format(t.value), SIZE.tick)));
  const left = MARGIN + (spec.axisLabel ? LINE + 4 : 0) + tickW + 8;
  const width = WIDTH - MARGIN - left;
  const groupW = width / groups.length;
  const most = Math.max(...groups.map((g) => g.bars.length));
  const step = Math.min(52, (groupW * 0.86) / most);
  const barW = step - 4;
  // A value wider than its bar is written upwards instead; the plot leaves room for it.
  const labels = groups.flatMap((g) => g.bars.map((b) => (b.value == null ? b.note : spec.format(b.value))));
  const upright = labels.every((t) => textWidth(t, SIZE.value) <= step + 2);
  const headroom = upright ? LINE : Math.max(...labels.map((t) => textWidth(t, SIZE.value))) + 8;
  const plotTop = top + headroom;
  const base = plotTop + plotH;
  const at = (v) => base - Math.max(0, Math.min(1, scale.at(v))) * plotH;
  for (const tick of scale.ticks) {
    const y = at(tick.value);
    body.push(el('line', { x1: left, y1: y, x2: left + width, y2: y, stroke: tick.major ? GRID : GRID_MINOR, 'stroke-width': 1 }));
    if (tick.major) body.push(el('text', { x: left - 6, y: y + 4, 'font-size': SIZE.tick, fill: MUTED, 'text-anchor': 'end' }, spec.format(tick.value)));
  }
  if (spec.axisLabel) {
    const cy = plotTop + plotH / 2;
    body.push(el('text', { x: MARGIN + 12, y: cy, 'font-size': SIZE.label, fill: INK, 'text-anchor': 'middle', transform: `rotate(-90 ${num(MARGIN + 12)} ${num(cy)})` }, spec.axisLabel));
  }
  groups.forEach((g, i) => {
    const gx = left + i * groupW;
    let x = gx + (groupW - step * g.bars.length) / 2 + 2;
    for (const b of g.bars) {
      const s = series.get(b.series);
      const cx = x + barW / 2;
      const text = b.value == null ? b.note : spec.format(b.value);
      let labelY = base - 4;
      if (b.value != null) {
        const y = at(b.value);
        body.push(bar(s, text, fill, x, Math.min(y, base - 1), barW, Math.max(1, base - y)));
        labelY = Math.min(y, base - 1) - 4;
      }
      const style = b.value == null ? { fill: MUTED, 'font-style': 'italic' } : { fill: INK };
      body.push(upright
        ? el('text', { x: cx, y: labelY, 'font-size': SIZE.value, 'text-anchor': 'middle', ...style }, text)
        : el('text', { x: cx + 4, y: labelY, 'font-size': SIZE.value, transform: `rotate(-90 ${num(cx + 4)} ${num(labelY)})`, ...style }, text));
      x += step;
    }
    body.push(el('text', { x: gx + groupW / 2, y: base + 18, 'font-size': SIZE.label, fill: INK, 'text-anchor': 'middle' }, g.label));
  });
  body.push(el('line', { x1: left, y1: base, x2: left + width, y2: base, stroke: MUTED, 'stroke-width': 1 }));
  let bottom = base + 18;
  if (spec.groupAxisLabel) {
    bottom += LINE + 2;
    body.push(el('text', { x: left + width / 2, y: bottom, 'font-size': SIZE.label, fill: INK, 'text-anchor': 'middle' }, spec.groupAxisLabel));
  }
  return { bottom: bottom + 8 };
}

// The chart in words: what is measured, then every group's bars, then the caption.
function describe(spec, groups, series) {
  const parts = [[].concat(spec.subtitle ?? []).join(' ')];
  for (const g of groups) {
    parts.push(`${g.label}: ${g.bars.map((b) => `${series.get(b.series).label} ${b.value == null ? b.note : spec.format(b.value)}`).join(', ')}.`);
  }
  parts.push(...(spec.caption ?? []));
  return parts.filter(Boolean).join(' ');
}

module.exports = { barChart };
