// The published types from a consumer's side: a project whose node_modules/greenthread is this
// package (dist/, as `npm run build:ts` left it; linked, not packed, to stay fast — the packed
// tarball route is scripts/check-consumer.js) compiles test/package/consumer/ with `strict` and
// `skipLibCheck: false`, then runs the compiled program and checks what it printed.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { root, runNode } from '../helpers';

jest.setTimeout(120000);

const fixture = path.join(__dirname, 'consumer');
const TSC = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');

let project: string;
// tsc's diagnostics for the whole project, one per line ("file(line,col): error TS...").
let diagnostics: string[];
beforeAll(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-consumer-'));
  for (const name of fs.readdirSync(fixture)) fs.copyFileSync(path.join(fixture, name), path.join(project, name));
  fs.mkdirSync(path.join(project, 'node_modules', '@types'), { recursive: true });
  fs.symlinkSync(root, path.join(project, 'node_modules', 'greenthread'), 'dir');
  fs.symlinkSync(path.join(root, 'node_modules', '@types', 'node'), path.join(project, 'node_modules', '@types', 'node'), 'dir');
  // One compile for all the tests: it reports every error and still emits out/.
  const result = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json', '--strict', '--skipLibCheck', 'false', '--pretty', 'false'], {
    cwd: project, encoding: 'utf8',
  });
  diagnostics = `${result.stdout}${result.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line));
});
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

test('the consumer program type-checks against dist/ with strict and skipLibCheck: false', () => {
  // Errors in the package's own .d.ts files show up under node_modules/greenthread/dist/.
  expect(diagnostics.filter((line) => !line.startsWith('no-constructor.ts'))).toEqual([]);
});

test('`new GreenThread()` is a type error for a consumer', () => {
  expect(diagnostics.filter((line) => line.startsWith('no-constructor.ts'))).toEqual([]);
});

test('the compiled consumer program runs and sees what it should', () => {
  const result = runNode([path.join(project, 'out', 'main.js')], { cwd: project });
  expect(result.stderr).toBe('');
  expect(result.stdout).toBe(fs.readFileSync(path.join(fixture, 'expected-output.txt'), 'utf8'));
  expect(result.status).toBe(0);
});
