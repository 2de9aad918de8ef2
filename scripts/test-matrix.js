#!/usr/bin/env node
// Runs the whole jest suite on other Node majors (22, 24 and 26 by default), under both engine
// backends (scripts/jest-backends.js), each with the addon built for it: Node fetched from the npm registry into .matrix/, addon built there in a
// scratch copy (the repo's build/ stays the running Node's), and handed to the tests through
// node-gyp-build's own override, GREENTHREAD_PREBUILD=<dir with prebuilds/>. That is the same
// lookup an installed package does, so a wrongly named prebuild fails here too.
//
//   npm run test:matrix                        Node 22, 24 and 26
//   npm run test:matrix -- --only 24           one version (repeat or comma-separate for more)
//   npm run test:matrix -- --only 24 -- -t sleep test/green-thread.test.ts   (after --: to jest)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');
const { ROOT, CACHE, obtainNode, buildAddon, installPrebuild } = require('./prebuild');

const DEFAULT_MAJORS = [22, 24, 26];
const { runJestOnBackends } = require('./jest-backends');
const TSC = require.resolve('typescript/bin/tsc', { paths: [ROOT] });

// Run in a child of the Node under test, with the matrix environment: proves the addon that
// node-gyp-build resolves is the one built for that Node, and that the package works end to end
// before jest's output buries any load error.
const SMOKE = `
  const root = process.argv[1];
  const resolved = require('node-gyp-build').resolve(root);
  if (!resolved.startsWith(process.env.GREENTHREAD_PREBUILD + '/')) {
    throw new Error('node-gyp-build chose ' + resolved + ', not the matrix build');
  }
  const { run, spawn, sleep } = require(root);
  run(() => { const g = spawn((x) => { sleep(0.001); return x * 2; }, 21); return g.wait(); })
    .then((v) => {
      if (v !== 42) throw new Error('green thread returned ' + v);
      console.log('  ' + process.version + ' loads ' + resolved);
    });
`;

/** Node majors from --only: "--only 24", "--only 22,24", "--only 22 --only 24". */
function selectedMajors(only) {
  if (!only) return DEFAULT_MAJORS;
  const majors = only.flatMap((v) => v.split(',')).map((v) => Number(v.trim().replace(/^v/, '')));
  const bad = majors.find((m) => !Number.isInteger(m) || m <= 0);
  if (bad !== undefined) throw new Error(`--only wants Node major versions like 24, got "${only.join(',')}"`);
  return [...new Set(majors)];
}

/**
 * Fetches Node `major`, builds the addon for it and stages it where node-gyp-build will find it;
 * returns that Node and the environment the tests run in.
 */
function prepare(major, refresh) {
  const node = obtainNode(major, { refresh });
  const file = buildAddon(node);
  // A directory of its own, holding only prebuilds/: node-gyp-build prefers <dir>/build/Release
  // when it exists, so pointing it at the scratch build would bypass the prebuild naming.
  const loadDir = path.join(CACHE, `load-${major}`);
  fs.rmSync(loadDir, { recursive: true, force: true });
  installPrebuild(file, loadDir, node.abi);
  const env = {
    ...process.env,
    GREENTHREAD_PREBUILD: loadDir,
    // Tests start children with process.execPath; this also covers a bare `node` or a
    // `#!/usr/bin/env node` script (the CLI) started by a test.
    PATH: `${path.dirname(node.bin)}${path.delimiter}${process.env.PATH}`,
  };
  return { node, env };
}

/** Builds, smoke-tests and runs jest for one Node major; returns its summary row. */
function testOn(major, { refresh, jestArgs }) {
  const row = { major, version: `v${major}`, passed: 0, failed: 0, ok: false, note: '' };
  let node, env;
  try {
    ({ node, env } = prepare(major, refresh));
    row.version = node.version;
  } catch (error) {
    row.note = `setup failed: ${error.message}`;
    return row;
  }

  console.log(`\n> smoke test on Node ${node.version}`);
  const smoke = spawnSync(node.bin, ['-e', SMOKE, ROOT], { cwd: ROOT, env, stdio: 'inherit', timeout: 60000 });
  if (smoke.status !== 0) row.note = 'smoke test failed: the addon does not load or run; ';

  const result = runJestOnBackends({ nodeBin: node.bin, env, jestArgs, label: ` on Node ${node.version}` });
  row.passed = result.passed;
  row.failed = result.failed;
  row.note += result.runs.map((run) => `${run.backend}: ${run.passed}/${run.failed}` +
    (run.ran && run.ran !== run.backend ? ` ran ${run.ran}` : '')).join(', ');
  row.jestOk = result.ok;
  row.ok = smoke.status === 0 && row.jestOk && row.failed === 0;
  return row;
}

function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      only: { type: 'string', multiple: true },
      refresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: node scripts/test-matrix.js [--only <major>[,<major>]] [--refresh] [-- <jest args>]
  default majors: ${DEFAULT_MAJORS.join(', ')}; any other works too (20: the running Node's
  headers, still built apart from build/ and loaded the same way as the others)
  --refresh  fetch the newest Node of each major again instead of reusing .matrix/`);
    return 0;
  }
  const majors = selectedMajors(values.only);

  // Tests that start child processes load the compiled dist/ ("pretest" does this for npm test).
  console.log('> compiling TypeScript (dist/)');
  const tsc = spawnSync(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  if (tsc.status !== 0) {
    console.error('test-matrix: tsc failed');
    return 1;
  }

  const rows = majors.map((major) => testOn(major, { refresh: values.refresh, jestArgs: positionals }));

  console.log('\ntest matrix summary');
  for (const r of rows) {
    const counts = `${String(r.passed).padStart(4)} passed, ${String(r.failed).padStart(3)} failed`;
    console.log(`  ${r.ok ? 'PASS' : 'FAIL'}  Node ${r.version.padEnd(9)} ${counts}${r.note ? `  (${r.note.replace(/; $/, '')})` : ''}`);
  }
  return rows.every((r) => r.ok) ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  console.error(`test-matrix: ${error.message}`);
  process.exitCode = 1;
}
