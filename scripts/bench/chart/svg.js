'use strict';
// The few SVG primitives the chart renderer needs, with no dependency: escaping, elements,
// coordinates printed the same way on every machine (so a chart redrawn from the same JSON is
// byte for byte the same file), and an estimate of how wide a text will be, since an SVG file
// cannot ask the viewer's font.

/** Escapes text or an attribute value for XML. */
function escapeXml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]);
}

/**
 * A coordinate or length as printed in the file: at most one decimal, never `-0`, and a
 * non-finite number is a bug in the layout, so it throws instead of writing NaN into a chart.
 */
function num(value) {
  if (!Number.isFinite(value)) throw new RangeError(`chart: a coordinate is ${value}`);
  const rounded = Math.round(value * 10) / 10;
  return String(Object.is(rounded, -0) ? 0 : rounded);
}

/**
 * One element: `attrs` in the given order (numbers through num(), null/undefined left out),
 * `children` an array of strings (already rendered elements) or one text string to escape.
 */
function el(tag, attrs = {}, children = []) {
  const parts = [tag];
  for (const [name, value] of Object.entries(attrs)) {
    if (value == null) continue;
    parts.push(`${name}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`);
  }
  const open = parts.join(' ');
  if (typeof children === 'string') return `<${open}>${escapeXml(children)}</${tag}>`;
  if (!children.length) return `<${open}/>`;
  return `<${open}>\n${children.map((c) => `  ${c.replace(/\n/g, '\n  ')}`).join('\n')}\n</${tag}>`;
}

// Average advance widths of a sans-serif face, in em, by kind of character: enough to keep
// labels from overlapping, not to measure them exactly.
const NARROW = new Set("il.,:;|!'()[]{}/ ");
const WIDE = new Set('mwMW@%');

/** The estimated width in px of `text` at `size` px. */
function textWidth(text, size) {
  let em = 0;
  for (const c of String(text)) {
    if (NARROW.has(c)) em += 0.3;
    else if (WIDE.has(c)) em += 0.85;
    else if (c >= 'A' && c <= 'Z') em += 0.68;
    else em += 0.56;
  }
  return em * size;
}

module.exports = { escapeXml, num, el, textWidth };
