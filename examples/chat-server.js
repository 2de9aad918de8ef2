// eventlet's chat server: every line a client sends goes to every other client. Each client has
// a reader green thread (serve's handler) and a writer green thread fed by a Queue, so one slow
// client never holds up the others: its queue fills, and it is disconnected.
//   node examples/chat-server.js [port]      (default 3000; 0 picks a free port)
// Try it with a few `nc 127.0.0.1 3000` in separate terminals. SIGINT or SIGTERM stops it.
'use strict';
const { run, listen, serve, spawn, Queue, Full } = require('greenthread');

const port = Number(process.argv[2] ?? 3000);
const participants = new Set();

function broadcast(from, line) {
  for (const other of participants) {
    if (other === from) continue;
    try {
      other.outbox.putNowait(line);
    } catch (error) {
      if (!(error instanceof Full)) throw error;
      other.sock.close();  // too slow to keep up: its reader sees the socket closed and leaves
    }
  }
}

function chat(sock, addr) {
  const me = { sock, outbox: new Queue(1000) };
  const writer = spawn(() => {
    try {
      for (;;) sock.sendall(me.outbox.get());
    } catch {
      sock.close();  // the client is gone: its reader below sees that and leaves
    }
  });
  participants.add(me);
  console.log(`${addr.join(':')} joined (${participants.size} online)`);
  try {
    for (let line; (line = sock.readline(64 * 1024)).length > 0;) broadcast(me, line);
  } catch (error) {
    // Gone (reset, or closed for being too slow): not an error of the server. Anything without
    // a code is a bug, and ends serve() with it, as in eventlet.
    if (error.code === undefined) throw error;
  } finally {
    participants.delete(me);
    writer.kill();
    console.log(`${addr.join(':')} left (${participants.size} online)`);
  }
}

run(() => {
  const server = listen(['127.0.0.1', port]);
  console.log(`listening on ${server.address().join(':')}`);
  const stop = () => {
    server.close();
    for (const { sock } of participants) sock.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  serve(server, chat);
  console.log('chat server stopped');
});
