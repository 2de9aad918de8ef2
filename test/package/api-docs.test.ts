// The API reference (`npm run docs`: TypeDoc under typedoc.json, from src/index.ts) has nothing
// to warn about: every exported symbol and member has a doc comment (a class or interface its
// own, see scripts/typedoc-own-comments.mjs), every {@link} resolves, every @param names a
// parameter. One TypeDoc run converts without rendering HTML (the validation is the same) and
// without type checking (`npm test` has just compiled src/), so it needs no docs/api/. It also
// converts test/fixtures/api-docs/, whose planted faults must be reported: a configuration
// that stopped checking would fail here rather than pass silently.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
// Not ../helpers: it loads the library, which this test does not need.
const root = path.join(__dirname, '..', '..');

jest.setTimeout(120000);

const TYPEDOC = path.join(path.dirname(require.resolve('typedoc/package.json', { paths: [root] })), 'bin', 'typedoc');
const FIXTURE = 'test/fixtures/api-docs';

// TypeDoc's "[warning] ..." and "[error] ..." lines, without its closing count.
let reports: string[];
let status: number | null;
beforeAll(() => {
  const result = spawnSync(process.execPath, [
    TYPEDOC, '--emit', 'none', '--skipErrorChecking', '--logLevel', 'Warn',
    // Every warning listed, not only those before the first.
    '--treatWarningsAsErrors', 'false',
    '--entryPoints', 'src/index.ts', '--entryPoints', `${FIXTURE}/index.ts`,
    // The package's compiler options over src/ and the fixture.
    '--tsconfig', `${FIXTURE}/tsconfig.json`,
  ], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 110000 });
  status = result.status;
  reports = `${result.stdout}${result.stderr}`.split('\n')
    .filter((line) => /^\[(warning|error)\]/.test(line) && !/^\[\w+\] Found \d+ errors? and \d+ warnings?$/.test(line));
});

test('TypeDoc finds every exported symbol of src/ documented, and nothing else to warn about', () => {
  expect(reports.filter((line) => !line.includes(FIXTURE))).toEqual([]);
  expect(status).toBe(0);
});

test('the same run reports the faults planted in the fixture', () => {
  const fixture = reports.filter((line) => line.includes(FIXTURE));
  for (const fault of [
    /undocumentedFunction \(CallSignature\).* does not have any documentation/,
    /Shape\.undocumentedMember \(Property\).* does not have any documentation/,
    /Failed to resolve link to "NoSuchSymbol"/,
    /@param with name "missingParam", which was not used/,
    /DerivedWithoutComment \(Interface\) has no doc comment of its own/,
  ]) {
    expect(fixture).toContainEqual(expect.stringMatching(fault));
  }
  expect(fixture).toHaveLength(5);
});

test('`npm run docs` writes docs/api/, which is neither committed nor packed', () => {
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>; files: string[];
  };
  const options = JSON.parse(fs.readFileSync(path.join(root, 'typedoc.json'), 'utf8')) as { out: string };
  expect(manifest.scripts.docs).toMatch(/^typedoc\b/);
  expect(options.out).toBe('docs/api');
  expect(fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('/docs/api/');
  expect(manifest.files.filter((entry) => entry.startsWith('docs'))).toEqual([]);
});
