'use strict';
// Plain `node:http` hello world, the baseline of the http group: `res.end('hello')` over
// keep-alive, as a Node user writes it. `node node-server.js [port] [workers]` (port 0 = a free
// one); with workers ≥ 1 it runs under `node:cluster` with that many worker processes sharing
// the port (the baseline of `greenthread --workers N`). Every process that listens prints
// `listening on 127.0.0.1:<port>`, so the runner knows when all are ready; SIGTERM stops it.
const cluster = require('node:cluster');
const http = require('node:http');

const port = Number(process.argv[2] ?? 0);
const workers = Number(process.argv[3] ?? 0);

if (workers > 0 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  // The workers get SIGTERM from the runner's process-group kill or from here, whichever is first.
  const stop = () => {
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const server = http.createServer((req, res) => res.end('hello'));
  // A deep accept queue, as every server of the group: 1,000 connections arrive at once.
  server.listen({ port, host: '127.0.0.1', backlog: 1024 }, () => {
    process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
  });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
}
