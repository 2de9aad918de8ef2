'use strict';
// Preloaded (`node -r report-backend.js examples/echo-server.js 0`) into the greenthread echo
// servers: prints which engine backend the server runs ("greenthread backend: {json}") before
// the example prints its port, so run.js can tell a fiber server that fell back to threads from
// a real one. Loads the same dist/index.js the example's require('greenthread') resolves to
// (use-root.js, preloaded first, points both at --root DIR), so it is one package instance.
const path = require('node:path');
const { backendReport } = require('../backend');

const root = process.env.GREENTHREAD_BENCH_ROOT || path.resolve(__dirname, '..', '..', '..');
const gt = require(path.join(root, 'dist', 'index.js'));
process.stdout.write(`greenthread backend: ${JSON.stringify(backendReport(root, gt))}\n`);
