'use strict';
// The echo group's load generator, loadgen.c, compiled on demand (see ../build-c.js).
const path = require('node:path');
const { buildC } = require('../build-c');

/** The path of the compiled load generator: { path } or { error }; never throws. */
function buildLoadgen() {
  return buildC(path.join(__dirname, 'loadgen.c'));
}

module.exports = { buildLoadgen };
