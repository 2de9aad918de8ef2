'use strict';
// `node gt-server.js [port]`: the http group's greenthread hello world (gt-app.js) in one
// process, its top level run in a green thread by `run()` as the greenthread CLI would.
const path = require('node:path');

const root = process.env.GREENTHREAD_BENCH_ROOT || path.resolve(__dirname, '..', '..', '..');
const { run } = require(process.env.GREENTHREAD_BENCH_ROOT ? path.join(root, 'dist', 'index.js') : 'greenthread');

run(() => require('./gt-app'));
