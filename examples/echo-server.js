// An echo server in blocking style (eventlet's classic): every connection runs in its own green
// thread, which reads and writes as if it were alone, while the event loop and the other
// connections go on.
//   node examples/echo-server.js [port]      (default 6000; 0 picks a free port)
// Try it with `nc 127.0.0.1 6000`. SIGINT or SIGTERM stops accepting; the process exits once
// the connected clients have gone. The benchmark (`npm run bench`) measures this very file.
'use strict';
const { run, listen, serve } = require('greenthread');

const port = Number(process.argv[2] ?? 6000);

function echo(sock) {
  try {
    // recv returns an empty Buffer when the client closes its side.
    for (let data; (data = sock.recv(65536)).length > 0;) sock.sendall(data);
  } catch (error) {
    // A client that vanished is the client's business. Anything else is a bug: as in eventlet,
    // an exception out of a handler ends serve() with it.
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE') throw error;
  }
}

run(() => {
  // A deep backlog: a thousand clients connecting at once all get in (eventlet's default is 50).
  const server = listen(['127.0.0.1', port], { backlog: 1024 });
  console.log(`listening on ${server.address().join(':')}`);
  const stop = () => server.close();  // serve() returns once its server is closed
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  serve(server, echo);
  console.log('echo server stopped');
});
