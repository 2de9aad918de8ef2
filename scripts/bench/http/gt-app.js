'use strict';
// greenthread's hello world for the http group, in blocking style at the top level: the script
// `greenthread --workers N gt-app.js PORT` runs (each worker runs it), and the one gt-server.js
// runs inside `run()` under plain node. `http.serve` answers every request in a green thread of
// its own with the handler's return value; keep-alive is on. Before it listens it prints the
// engine backend that really runs ("greenthread backend: {json}"), then `listening on
// 127.0.0.1:<port>`; SIGTERM ends the process at once (the runner is done with it).
const path = require('node:path');
const { backendReport } = require('../backend');

// --root DIR: DIR's build; it is also the build whose CLI runs this file, so one package instance.
const root = process.env.GREENTHREAD_BENCH_ROOT || path.resolve(__dirname, '..', '..', '..');
const gt = require(process.env.GREENTHREAD_BENCH_ROOT ? path.join(root, 'dist', 'index.js') : 'greenthread');

const port = Number(process.argv[2] ?? 0);
process.stdout.write(`greenthread backend: ${JSON.stringify(backendReport(root, gt))}\n`);
process.on('SIGTERM', () => process.exit(0));
// A deep accept queue, as every server of the group: 1,000 connections arrive at once.
const server = gt.listen(['127.0.0.1', port], { backlog: 1024 });
process.stdout.write(`listening on ${server.address().join(':')}\n`);
gt.http.serve(server, () => 'hello');
