#!/usr/bin/env node
// The consumer's route, end to end: `npm pack` this repository (prepack builds dist/ and the
// prebuilds), `npm install` the tarball into a fresh project, type-check
// test/package/consumer/ with `strict` and `skipLibCheck: false`, and run the compiled program
// on every supported Node (the running one, and those scripts/prebuild.js keeps in .matrix/).
// Slow the first time (it fetches and builds for each Node major), so it is not part of
// `npm test`; test/package/consumer-types.test.ts does the fast, linked version of the same.
// Usage: node scripts/check-consumer.js [--keep]   (--keep leaves the project for a look)
'use strict';

const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { ROOT, SUPPORTED_MAJORS, obtainNode } = require('./prebuild');

const FIXTURE = path.join(ROOT, 'test', 'package', 'consumer');
const keep = process.argv.includes('--keep');

function sh(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', ...options });
  if (result.error) throw result.error;
  return result;
}

function must(result, what) {
  if (result.status !== 0) {
    process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
    throw new Error(`${what} failed (${result.status ?? result.signal})`);
  }
  return result;
}

function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'greenthread-check-consumer-'));
  const failures = [];
  try {
    console.log('> npm pack (prepack builds dist/ and the prebuilds)');
    const started = Date.now();
    // prepack's own output shares npm's stdout, so the tarball is found in the directory.
    must(sh('npm', ['pack', '--pack-destination', work], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] }), 'npm pack');
    const tarball = path.join(work, fs.readdirSync(work).find((name) => name.endsWith('.tgz')));
    console.log(`  ${path.basename(tarball)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const project = path.join(work, 'app');
    fs.mkdirSync(project);
    for (const name of fs.readdirSync(FIXTURE)) fs.copyFileSync(path.join(FIXTURE, name), path.join(project, name));
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }, null, 2));

    console.log('> npm install <tarball>');
    const install = must(sh('npm', ['install', tarball, '--no-audit', '--no-fund'], { cwd: project }), 'npm install');
    process.stdout.write(install.stdout + install.stderr);
    // The compiler and Node's types come from this repository's devDependencies (no registry).
    fs.mkdirSync(path.join(project, 'node_modules', '@types'), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules', 'typescript'), path.join(project, 'node_modules', 'typescript'), 'dir');
    fs.symlinkSync(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(project, 'node_modules', '@types', 'node'), 'dir');

    console.log('> tsc --strict --skipLibCheck false');
    const tsc = sh(process.execPath, [path.join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--strict', '--skipLibCheck', 'false', '--pretty', 'false'], { cwd: project });
    const errors = `${tsc.stdout}${tsc.stderr}`.split('\n').filter((line) => /error TS\d+/.test(line));
    if (errors.length > 0) failures.push(`type errors:\n  ${errors.join('\n  ')}`);
    else console.log('  no type errors');

    const expected = fs.readFileSync(path.join(FIXTURE, 'expected-output.txt'), 'utf8');
    for (const major of SUPPORTED_MAJORS) {
      let node;
      try {
        node = obtainNode(major);
      } catch (error) {
        failures.push(`Node ${major}: not available (${error.message})`);
        continue;
      }
      const run = sh(node.bin, [path.join(project, 'out', 'main.js')], { cwd: project, timeout: 60000 });
      const ok = run.status === 0 && run.stderr === '' && run.stdout === expected;
      console.log(`> Node ${node.version}: ${ok ? 'runs as expected' : 'FAILED'}`);
      if (!ok) failures.push(`Node ${node.version}: exit ${run.status ?? run.signal}\n${run.stdout}${run.stderr}`);
    }
  } finally {
    if (keep) console.log(`kept ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\ncheck-consumer: ${failures.length} failure(s)\n${failures.join('\n')}`);
    process.exitCode = 1;
  } else {
    console.log('\ncheck-consumer: the packed package installs, type-checks and runs');
  }
}

main();
