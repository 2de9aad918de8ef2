// A small well-formedness check for the SVG files the benchmark charts write: one root element,
// every tag closed in order, attributes quoted, no raw `<` or `&` in text, no undefined
// entity. Not a validating parser: enough to catch a renderer that writes broken markup.

const ENTITIES = new Set(['amp', 'lt', 'gt', 'quot', 'apos']);
const NAME = /^[A-Za-z_][\w.:-]*$/;

function checkText(text: string, where: string): void {
  if (text.includes('<')) throw new Error(`raw < in ${where}`);
  for (const match of text.matchAll(/&([^;\s]*);?/g)) {
    const [whole, name] = match;
    if (!whole.endsWith(';')) throw new Error(`unterminated entity in ${where}: ${whole}`);
    if (!ENTITIES.has(name) && !/^#(\d+|x[0-9a-fA-F]+)$/.test(name)) throw new Error(`unknown entity &${name}; in ${where}`);
  }
}

/** Throws an Error naming the first problem; returns the root element's name. */
export function checkWellFormed(xml: string): string {
  const stack: string[] = [];
  let root: string | null = null;
  let i = 0;
  let closedRoot = false;
  while (i < xml.length) {
    const open = xml.indexOf('<', i);
    const text = xml.slice(i, open === -1 ? xml.length : open);
    if (!stack.length && text.trim()) throw new Error(`text outside the root element: ${text.trim().slice(0, 40)}`);
    checkText(text, 'text');
    if (open === -1) break;
    const close = xml.indexOf('>', open);
    if (close === -1) throw new Error('unterminated tag');
    const tag = xml.slice(open + 1, close);
    i = close + 1;
    if (tag.startsWith('?') || tag.startsWith('!--')) continue;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const top = stack.pop();
      if (top !== name) throw new Error(`</${name}> closes <${top}>`);
      if (!stack.length) closedRoot = true;
      continue;
    }
    if (closedRoot) throw new Error(`a second root element <${tag}>`);
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = body.split(/\s/, 1)[0];
    if (!NAME.test(name)) throw new Error(`bad element name ${name}`);
    let rest = body.slice(name.length).trim();
    const seen = new Set<string>();
    while (rest) {
      const attr = /^([A-Za-z_][\w.:-]*)="([^"]*)"\s*/.exec(rest);
      if (!attr) throw new Error(`bad attribute in <${name}>: ${rest.slice(0, 40)}`);
      if (seen.has(attr[1])) throw new Error(`duplicate attribute ${attr[1]} in <${name}>`);
      seen.add(attr[1]);
      checkText(attr[2], `attribute ${attr[1]} of <${name}>`);
      rest = rest.slice(attr[0].length);
    }
    root ??= name;
    if (!selfClosing) stack.push(name);
    else if (!stack.length) closedRoot = true;
  }
  if (stack.length) throw new Error(`<${stack[stack.length - 1]}> never closed`);
  if (!root) throw new Error('no element');
  return root;
}
