// greenthread reads Node's async_wrap binding through the deprecated process.binding (DEP0111):
// that must never print a warning, neither in a plain node process nor under jest, whose
// sandboxed `process` is a copy (Node checks noDeprecation on the real one). Both run in
// child processes, jest with a one-test suite of its own.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fixtureDir, PKG, root, runChild, runNode } from '../helpers';

jest.setTimeout(120000);

test('a plain node process using green threads prints no DEP0111', () => {
  const result = runChild(`const g = require(${PKG}); g.run(() => { g.sleep(0); console.log('ran'); });`);
  expect(result.stderr).not.toMatch(/DEP0111|DeprecationWarning/);
  expect(result.stdout).toBe('ran\n');
  expect(result.status).toBe(0);
});

test('a jest run of a suite using green threads prints no DEP0111', () => {
  const dir = fixtureDir({
    'green.test.js': `const g = require(${PKG});
test('runs a green thread', async () => {
  expect(await g.run(() => { g.sleep(0); return 42; })).toBe(42);
});
`,
    'other.test.js': `const g = require(${PKG});
test('and another file', async () => {
  expect(await g.run(() => 7)).toBe(7);
});
`,
  });
  try {
    const jestBin = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
    const result = runNode([jestBin, '--config', JSON.stringify({ testEnvironment: 'node', rootDir: dir }), '--runInBand'], { cwd: dir, timeoutMs: 90000 });
    expect(result.stderr).toMatch(/Tests:\s+2 passed/);
    expect(result.stderr).not.toMatch(/DEP0111|DeprecationWarning/);
    expect(result.status).toBe(0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
