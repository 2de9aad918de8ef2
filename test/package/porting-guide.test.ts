// The porting guide (docs/porting-from-eventlet.md) and the README's quick start run as written.
// Every ```js, ```mjs and ```ts block is saved to a file beside a node_modules/greenthread that
// is this package and run with `node` in a child process (ts blocks transpiled by TypeScript
// first, so `using` runs on every supported Node): it must exit 0 with nothing on stderr, and
// print exactly the ```text block after it when that block is introduced by an "Output:" line.
// A block whose info string says `fragment` is only syntax-checked; python and sh blocks are
// not run. So neither page can drift from the code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { type ChildResult, packageHome, root, startNode } from '../helpers';

interface CodeBlock {
  /** Where it starts, for the test's name: `docs/porting-from-eventlet.md:120`. */
  where: string;
  lang: string;
  fragment: boolean;
  code: string;
  /** The stdout it must print, when the page shows one. */
  output?: string;
}

const GUIDE = 'docs/porting-from-eventlet.md';
const RUNNABLE = new Set(['js', 'mjs', 'ts']);

/** The fenced blocks of a Markdown page, each with the Output block that follows it. */
function codeBlocks(file: string, text: string): CodeBlock[] {
  const lines = text.split('\n');
  const blocks: Array<CodeBlock & { end: number }> = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`${file}:${start + 1}: a code block that is never closed`);
    blocks.push({ where: `${file}:${start + 1}`, lang: open[1], fragment: /\bfragment\b/.test(open[2]), code: `${body.join('\n')}\n`, end: i });
  }
  // An "Output:" line, then a text block, right after a block: what that block prints.
  blocks.forEach((block, n) => {
    const next = blocks[n + 1];
    if (next === undefined || next.lang !== 'text') return;
    const between = lines.slice(block.end + 1, Number(next.where.split(':')[1]) - 1).join('\n').trim();
    if (between === 'Output:') block.output = next.code;
  });
  return blocks;
}

function sectionOf(text: string, heading: string): string {
  const start = text.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no section ${heading}`);
  const end = text.indexOf('\n## ', start + heading.length + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

const guide = codeBlocks(GUIDE, fs.readFileSync(path.join(root, GUIDE), 'utf8'));
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
// Line numbers count from the section's start; the name says which section.
const quickStart = codeBlocks('README.md "Quick start"', sectionOf(readme, '## Quick start'));

const runnable = (blocks: CodeBlock[]): Array<[string, CodeBlock]> =>
  blocks.filter((b) => RUNNABLE.has(b.lang)).map((b) => [`${b.where} (${b.lang}${b.fragment ? ' fragment' : ''})`, b]);

// The children run a few at a time while the tests wait for theirs: each is mostly Node's
// start-up, so running them side by side keeps this file quick.
const PARALLEL = 3;
let dir: string;
const results = new Map<CodeBlock, Promise<ChildResult>>();

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(packageHome(), 'guide-'));
  const queue = [...runnable(guide), ...runnable(quickStart)].map(([, block], n) => {
    let settle!: (result: ChildResult) => void;
    results.set(block, new Promise((resolve) => { settle = resolve; }));
    return { block, n, settle };
  });
  const next = (): void => {
    const job = queue.shift();
    if (job === undefined) return;
    let exited: Promise<ChildResult>;
    try {
      const file = scriptOf(job.block, `block-${job.n}`);
      exited = startNode(job.block.fragment ? ['--check', file] : [file], { cwd: dir, timeoutMs: 60000 }).exited;
    } catch (error) {
      exited = Promise.resolve({ status: null, signal: null, stdout: '', stderr: String(error) });
    }
    void exited.then((result) => {
      job.settle(result);
      next();
    });
  };
  for (let i = 0; i < PARALLEL; i++) next();
});

afterAll(async () => {
  await Promise.all(results.values());
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Saves the block as a script Node can run by itself: ts transpiled to CommonJS. */
function scriptOf(block: CodeBlock, name: string): string {
  let source = block.code;
  let ext = block.lang === 'mjs' ? '.mjs' : '.js';
  if (block.lang === 'ts') {
    const out = ts.transpileModule(source, {
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    });
    const problems = (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // A syntax error shows as the script's own failure.
    source = problems.length > 0 ? `throw new SyntaxError(${JSON.stringify(problems.join('; '))});\n` : out.outputText;
    ext = '.js';
  }
  const file = path.join(dir, `${name}${ext}`);
  fs.writeFileSync(file, source);
  return file;
}

async function check(block: CodeBlock): Promise<void> {
  const result = await results.get(block);
  expect({ status: result?.status, signal: result?.signal, stderr: result?.stderr }).toEqual({ status: 0, signal: null, stderr: '' });
  if (block.output !== undefined) expect(result?.stdout).toBe(block.output);
}

test('the guide has runnable examples, most of them with their output, few fragments', () => {
  const blocks = runnable(guide).map(([, b]) => b);
  expect(blocks.length).toBeGreaterThanOrEqual(14);
  expect(blocks.filter((b) => b.fragment).length).toBeLessThanOrEqual(3);
  expect(blocks.filter((b) => b.output !== undefined).length).toBeGreaterThan(blocks.length / 2);
  // Every example has its Python original beside it.
  expect(guide.filter((b) => b.lang === 'python').length).toBeGreaterThanOrEqual(14);
});

test.each(runnable(guide))('%s runs as shown', (_, block) => check(block));

test('the README has a quick start to run', () => {
  expect(runnable(quickStart).length).toBeGreaterThan(0);
});

test.each(runnable(quickStart))('%s runs', (_, block) => check(block));
