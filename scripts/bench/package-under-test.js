'use strict';
// The package a benchmark child measures: this checkout, or the build index.js was given with
// --root (passed on as config.root). Loading it fails with one clear line when its dist/ has
// not been built.
const path = require('node:path');

const CHECKOUT = path.join(__dirname, '..', '..');

/** The root directory of the package under test. */
function packageRoot(config) {
  return config.root ? path.resolve(config.root) : CHECKOUT;
}

/** Requires `dist/<files[i]>` of the package under test, in order; exits 2 if one is missing. */
function loadPackageUnderTest(config, ...files) {
  const root = packageRoot(config);
  try {
    return files.map((file) => require(path.join(root, 'dist', file)));
  } catch (error) {
    process.stderr.write(`bench: cannot load greenthread from dist/ (run \`npm run build\` first)\n${error.stack}\n`);
    process.exit(2);
  }
}

module.exports = { packageRoot, loadPackageUnderTest };
