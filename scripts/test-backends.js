#!/usr/bin/env node
'use strict';
// `npm test`: the whole jest suite on the fiber backend, then on the thread backend.
//   npm test [-- <jest args>]                     every test, both backends
//   GREENTHREAD_BACKEND=threads npm test          one backend only
// With --json --outputFile=F (as .ci/run passes), F receives both runs' reports merged.
const { runJestOnBackends, splitReportArgs } = require('./jest-backends');

const jestArgs = process.argv.slice(2);
const { outputFile } = splitReportArgs(jestArgs);
const result = runJestOnBackends({ jestArgs, outputFile });
console.log('\nbackends:');
for (const run of result.runs) {
  const fell = run.ran && run.ran !== run.backend ? `  (ran ${run.ran}: ${run.fallbackReason})` : '';
  console.log(`  ${run.failed === 0 ? 'PASS' : 'FAIL'}  ${run.backend.padEnd(8)} ${run.passed} passed, ${run.failed} failed${fell}`);
}
process.exitCode = result.ok ? 0 : 1;
