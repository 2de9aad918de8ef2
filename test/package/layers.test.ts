// The layer rule of src/: a file imports only from its own folder, from a lower layer, or from
// the root leaves (errors.ts, validate.ts). index.ts and cli.ts are the top and may import
// anything. Read from the import lines, so a new upward import fails here before review.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { root } from '../helpers';

const SRC = path.join(root, 'src');

/** Rank of each layer folder: a file may import from a strictly lower rank or its own folder. */
const RANK: Record<string, number> = {
  engine: 1,
  hub: 2,
  green: 3,
  sync: 4,
  queue: 5,
  pool: 5,
  io: 6,
  patch: 6,
  'io/http': 7,
  cluster: 7,
};
const ROOT_LEAVES = new Set(['errors.ts', 'validate.ts']);
const ROOT_TOPS = new Set(['index.ts', 'cli.ts']);

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative module specifiers of every import, export-from, import() and require() in a file. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  // Comments may quote import lines; only code counts.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const pattern = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)'(\.[^']*)'/gm;
  for (let m = pattern.exec(code); m !== null; m = pattern.exec(code)) found.push(m[1]);
  return found;
}

/** 'hub', 'io/http', or '' for a root file. */
function folderOf(file: string): string {
  return path.relative(SRC, path.dirname(file)).split(path.sep).join('/');
}

function resolveTarget(from: string, specifier: string): string {
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base, `${base}.ts`, path.join(base, 'index.ts')]) {
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${path.relative(root, from)}: cannot resolve '${specifier}'`);
}

function violation(from: string, target: string): string | null {
  const fromFolder = folderOf(from);
  const toFolder = folderOf(target);
  const show = `${path.relative(SRC, from)} -> ${path.relative(SRC, target)}`;
  // package.json is data (the CLI's --version), not code.
  if (target === path.join(root, 'package.json')) return null;
  if (!target.startsWith(SRC + path.sep)) return `${show}: outside src/`;
  if (fromFolder === '') {
    if (ROOT_TOPS.has(path.basename(from))) return null;
    // A root leaf is imported by every layer, so it may import nothing but another leaf.
    return toFolder === '' && ROOT_LEAVES.has(path.basename(target)) ? null : `${show}: a root leaf imports a layer`;
  }
  if (toFolder === '') {
    return ROOT_LEAVES.has(path.basename(target)) ? null : `${show}: only errors.ts and validate.ts may be imported from the root`;
  }
  if (fromFolder === toFolder) return null;
  const fromRank = RANK[fromFolder];
  const toRank = RANK[toFolder];
  if (fromRank === undefined) return `${show}: ${fromFolder}/ is not a known layer`;
  if (toRank === undefined) return `${show}: ${toFolder}/ is not a known layer`;
  return toRank < fromRank ? null : `${show}: imports upward or sideways (${fromFolder} -> ${toFolder})`;
}

describe('src/ layers', () => {
  const files = sourceFiles(SRC);

  test('every folder in src/ is a known layer', () => {
    const folders = new Set(files.map(folderOf).filter((f) => f !== ''));
    expect([...folders].filter((f) => RANK[f] === undefined)).toEqual([]);
  });

  test('the root holds only the public surface, the CLI and the leaves', () => {
    const rootFiles = files.filter((f) => folderOf(f) === '').map((f) => path.basename(f)).sort();
    expect(rootFiles).toEqual([...ROOT_TOPS, ...ROOT_LEAVES].sort());
  });

  test('every import points to the same folder, a lower layer or a root leaf', () => {
    const problems: string[] = [];
    for (const file of files) {
      for (const specifier of importsOf(file)) {
        const problem = violation(file, resolveTarget(file, specifier));
        if (problem !== null) problems.push(problem);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the rule itself rejects an upward import', () => {
    expect(violation(path.join(SRC, 'hub', 'hub.ts'), path.join(SRC, 'green', 'sleep.ts'))).toMatch(/upward/);
    expect(violation(path.join(SRC, 'queue', 'queue.ts'), path.join(SRC, 'pool', 'imap.ts'))).toMatch(/sideways/);
    expect(violation(path.join(SRC, 'errors.ts'), path.join(SRC, 'hub', 'hub.ts'))).toMatch(/root leaf/);
    expect(violation(path.join(SRC, 'pool', 'imap.ts'), path.join(SRC, 'hub', 'wait-list.ts'))).toBeNull();
  });
});
