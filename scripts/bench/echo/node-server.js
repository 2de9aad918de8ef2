'use strict';
// Plain Node `net` echo server, the baseline for greenthread's: `socket.pipe(socket)` with
// Nagle off. `node node-server.js [port]` (0 = a free one) prints `listening on
// 127.0.0.1:<port>` when ready and runs until SIGTERM/SIGINT.
const net = require('node:net');

const port = Number(process.argv[2] ?? 0);
const server = net.createServer({ noDelay: true }, (socket) => {
  socket.setNoDelay(true);
  // The load generator drops its connections at the end of a run: a reset is not an error here.
  socket.on('error', () => socket.destroy());
  socket.pipe(socket);
});
server.listen({ port, host: '127.0.0.1', backlog: 1024 }, () => {
  process.stdout.write(`listening on 127.0.0.1:${server.address().port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
