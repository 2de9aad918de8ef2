// How Node would load a file, decided the way Node decides it: by extension, and for `.js` by
// the "type" of the nearest package.json. importPatched sends ES modules to the loader hooks
// and everything else to its own CommonJS loader.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** 'module' (ES module), 'commonjs', 'json' or 'addon' (a native `.node` file). */
export type FileFormat = 'module' | 'commonjs' | 'json' | 'addon';

const scopeTypes = new Map<string, string | undefined>();

/** The "type" of the package.json that governs `dir` (the nearest one up), if any. */
function packageType(dir: string): string | undefined {
  if (scopeTypes.has(dir)) return scopeTypes.get(dir);
  let type: string | undefined;
  const file = path.join(dir, 'package.json');
  let text: string | undefined;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    // No package.json here: the scope is decided higher up (Node stops at a node_modules folder).
    const parent = path.dirname(dir);
    type = parent === dir || path.basename(dir) === 'node_modules' ? undefined : packageType(parent);
  }
  if (text !== undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      const value = parsed !== null && typeof parsed === 'object' ? (parsed as { type?: unknown }).type : undefined;
      type = typeof value === 'string' ? value : undefined;
    } catch {
      type = undefined;  // Node reports a broken package.json when it loads the file; so will the loader
    }
  }
  scopeTypes.set(dir, type);
  return type;
}

/** How Node would load `filename` (an absolute path). Unknown extensions load as CommonJS. */
export function fileFormat(filename: string): FileFormat {
  const ext = path.extname(filename);
  if (ext === '.mjs') return 'module';
  if (ext === '.cjs') return 'commonjs';
  if (ext === '.json') return 'json';
  if (ext === '.node') return 'addon';
  if (ext === '.js' && packageType(path.dirname(filename)) === 'module') return 'module';
  return 'commonjs';
}
