#!/usr/bin/env node
// Builds the addon for every supported Node major into prebuilds/<platform>-<arch>/, so that an
// install from the packed tarball needs no compiler: npm 11 runs no install scripts of
// dependencies, so node-gyp-build must find a binary at run time. Runs as "prepack"; `--clean`
// (run as "postpack") removes prebuilds/ again so a stale binary never outlives the pack.
// Also the home of what scripts/test-matrix.js shares: fetching a Node build (binary + headers)
// from the npm registry, and building the addon against it without touching the repo's build/.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { parseArgs } = require('node:util');

const ROOT = path.join(__dirname, '..');
/** Cache of downloaded Node builds and per-version scratch builds (gitignored). */
const CACHE = path.join(ROOT, '.matrix');
const NODE_GYP = require.resolve('node-gyp/bin/node-gyp.js', { paths: [ROOT] });
const SUPPORTED_MAJORS = [20, 22, 24, 26];
/** node-gyp-build looks in prebuilds/<platform>-<arch>/ for the running process's tuple. */
const TUPLE = `${process.platform}-${process.arch}`;

/** Runs a command with inherited output; throws if it fails. */
function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  }
  return result;
}

/** Runs a command and returns its trimmed stdout; throws if it fails. */
function capture(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${path.basename(cmd)} ${args.join(' ')} exited with ${result.status ?? result.signal}`);
  return result.stdout.trim();
}

/** Version and module ABI of a Node binary, asked of the binary itself. */
function describeNode(bin, dir, source) {
  const [version, abi] = capture(bin, ['-p', 'process.version + " " + process.versions.modules']).split(' ');
  return { major: Number(version.slice(1).split('.')[0]), version, abi, bin, dir, source };
}

/**
 * A Node build of the given major: { major, version, abi, bin, dir } where dir holds
 * include/node/ (what node-gyp's --nodedir wants). The running Node is used when it is that major
 * and its headers sit next to it (official tarballs, Debian's /usr); otherwise the
 * `node-<platform>-<arch>` package of that major is fetched from the npm registry into .matrix/
 * once and reused (`refresh` fetches the newest of that major again).
 */
function obtainNode(major, { refresh = false } = {}) {
  const hostPrefix = path.resolve(path.dirname(process.execPath), '..');
  if (Number(process.versions.node.split('.')[0]) === major &&
      fs.existsSync(path.join(hostPrefix, 'include/node/common.gypi'))) {
    return describeNode(process.execPath, hostPrefix, 'running node');
  }

  const dir = path.join(CACHE, `node-${major}`);
  const bin = path.join(dir, 'bin/node');
  if (refresh || !fs.existsSync(bin)) {
    const spec = `node-${process.platform}-${process.arch}@${major}`;
    const downloads = path.join(CACHE, 'downloads');
    fs.mkdirSync(downloads, { recursive: true });
    console.log(`\n> fetching ${spec} from the npm registry`);
    // cwd is the cache so npm never reads (or runs lifecycle scripts of) this repo's package.json.
    const packed = JSON.parse(capture('npm', ['pack', spec, '--json', '--loglevel=error', '--pack-destination', downloads], { cwd: downloads }));
    const tarball = path.join(downloads, packed[0].filename);
    // Unpack beside the final place and rename, so an interrupted fetch never looks complete.
    const partial = `${dir}.partial`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', partial, '--strip-components=1']);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
    fs.rmSync(tarball);
  }
  return describeNode(bin, dir, 'npm registry (cached in .matrix/)');
}

/**
 * node-gyp lets npm_config_* (and npm_package_config_node_gyp_*) variables override its command
 * line, and `npm run` exports ~/.npmrc's settings that way (here nodedir=/usr, the running Node 20).
 * Drop the ones that would choose other headers than the --nodedir we pass.
 */
function nodeGypEnv() {
  const env = { ...process.env };
  const overridden = /^(npm_config_|npm_package_config_node_gyp_)(nodedir|target|runtime|dist_?url|disturl|loglevel|jobs)$/i;
  for (const key of Object.keys(env)) if (overridden.test(key)) delete env[key];
  return env;
}

/**
 * Builds the addon for `node` in .matrix/addon-<major>/, a scratch copy of binding.gyp and
 * native/ (node-gyp always builds into <project>/build, which in the repo is the running Node's).
 * Timestamps are kept when copying so make rebuilds only what changed since the last run.
 * Returns the path of the built .node file.
 */
function buildAddon(node) {
  const scratch = path.join(CACHE, `addon-${node.major}`);
  fs.mkdirSync(scratch, { recursive: true });
  fs.rmSync(path.join(scratch, 'native'), { recursive: true, force: true });
  fs.cpSync(path.join(ROOT, 'native'), path.join(scratch, 'native'), { recursive: true, preserveTimestamps: true });
  fs.cpSync(path.join(ROOT, 'binding.gyp'), path.join(scratch, 'binding.gyp'), { preserveTimestamps: true });

  console.log(`\n> building the addon for Node ${node.version} (ABI ${node.abi}) in ${path.relative(ROOT, scratch)}/`);
  // Run node-gyp under the target Node itself so nothing in it can mix in the running version.
  run(node.bin, [NODE_GYP, 'configure', 'build', `--nodedir=${node.dir}`, '--jobs=max', '--loglevel=warn'],
    { cwd: scratch, env: nodeGypEnv() });
  return path.join(scratch, 'build/Release/greenthread.node');
}

/**
 * The file name node-gyp-build chooses for an ABI-specific (not Node-API) addon: the "node"
 * runtime tag, the "abi<NODE_MODULE_VERSION>" tag, and the libc tag so that a musl system gets
 * node-gyp-build's clear "No native build was found" instead of a dlopen failure.
 */
function prebuildName(abi) {
  return `node.abi${abi}.glibc.node`;
}

/** Copies a built addon to <root>/prebuilds/<tuple>/ under its node-gyp-build name. */
function installPrebuild(file, root, abi) {
  const dest = path.join(root, 'prebuilds', TUPLE, prebuildName(abi));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(file, dest);
  return dest;
}

/** Loads the addon in the Node it was built for and checks it is the engine. */
function checkLoads(node, file) {
  const probe = 'const m = { exports: {} }; process.dlopen(m, process.argv[1]);' +
    'if (typeof m.exports.create !== "function") throw new Error("not the greenthread engine");';
  run(node.bin, ['-e', probe, file]);
}

function main() {
  const { values } = parseArgs({
    options: {
      clean: { type: 'boolean', default: false },
      refresh: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(`usage: node scripts/prebuild.js [--refresh] [--clean]
  builds prebuilds/${TUPLE}/${prebuildName('<abi>')} for Node ${SUPPORTED_MAJORS.join(', ')}
  --refresh  fetch the newest Node of each major again instead of reusing .matrix/
  --clean    only remove prebuilds/`);
    return;
  }

  const prebuilds = path.join(ROOT, 'prebuilds');
  if (values.clean) {
    fs.rmSync(prebuilds, { recursive: true, force: true });
    return;
  }

  // Start empty so a binary for an ABI we no longer build never ships.
  fs.rmSync(prebuilds, { recursive: true, force: true });
  const built = [];
  for (const major of SUPPORTED_MAJORS) {
    const node = obtainNode(major, { refresh: values.refresh });
    const file = buildAddon(node);
    checkLoads(node, file);
    built.push(`${path.relative(ROOT, installPrebuild(file, ROOT, node.abi))}  (Node ${node.version}, ${node.source})`);
  }
  console.log(`\nprebuilds:\n  ${built.join('\n  ')}`);
}

module.exports = { ROOT, CACHE, SUPPORTED_MAJORS, obtainNode, buildAddon, installPrebuild, prebuildName };

if (require.main === module) {
  try {
    main();
  } catch (error) {
    console.error(`prebuild: ${error.message}`);
    process.exitCode = 1;
  }
}
