// `npm start`: a short tour of greenthread. Blocking-style code in several green threads at
// once, a promise API used synchronously through waitFor, a kill, the event loop staying
// responsive the whole time, a blocking-style echo server with its clients, and Node's own
// blocking calls made green by monkeyPatch.
'use strict';
const fs = require('node:fs/promises');
const childProcess = require('node:child_process');
const { run, spawn, sleep, waitFor, GreenletExit, listen, serve, connect, monkeyPatch } = require('greenthread');

function worker(name, steps, pause) {
  for (let i = 1; i <= steps; i++) {
    console.log(`  ${name}: step ${i}/${steps}`);
    sleep(pause);  // only this green thread waits
  }
  return `${name} done`;
}

run(() => {
  console.log('1. three workers sleeping in turn, in blocking style:');
  const workers = [spawn(worker, 'alice', 3, 0.02), spawn(worker, 'bob', 2, 0.03), spawn(worker, 'carol', 1, 0.01)];
  console.log('  results:', workers.map((w) => w.wait()));

  console.log('2. a promise API used synchronously (waitFor):');
  const text = waitFor(fs.readFile(__filename, 'utf8'));
  console.log(`  read ${text.split('\n').length} lines of this file without a callback`);

  console.log('3. the event loop keeps running: a timer fires while a green thread sleeps');
  const ticks = [];
  const timer = setInterval(() => ticks.push(Date.now()), 5);
  sleep(0.05);
  clearInterval(timer);
  console.log(`  ${ticks.length} timer ticks happened during sleep(0.05)`);

  console.log('4. kill: the victim\'s finally block runs before kill() returns');
  const victim = spawn(() => {
    try { sleep(60); } finally { console.log('  victim: cleaning up'); }
  });
  sleep(0);
  victim.kill();
  try { victim.wait(); } catch (e) { console.log(`  victim ended with ${e instanceof GreenletExit ? 'GreenletExit' : e}`); }

  console.log('5. networking: an echo server and three clients, all in blocking style');
  const server = listen(['127.0.0.1', 0]);  // port 0: any free port
  const serving = spawn(serve, server, (sock) => {
    for (let line; (line = sock.readline()).length > 0;) sock.sendall(line.toString().toUpperCase());
  });
  const clients = ['ping', 'hello', 'bye'].map((word) => spawn(() => {
    const sock = connect(server.address());
    sock.sendall(`${word}\n`);
    const answer = sock.readline().toString().trim();
    sock.close();
    return `${word} -> ${answer}`;
  }));
  console.log('  ' + clients.map((c) => c.wait()).join(', '));
  server.close();  // serve() returns once its server is closed
  serving.wait();

  console.log('6. monkeyPatch: execSync blocks only its own green thread');
  monkeyPatch({ childProcess: true });
  let beats = 0;
  const heart = spawn(() => { for (;;) { sleep(0.01); beats++; } });
  const out = childProcess.execSync('sleep 0.1; echo child done', { encoding: 'utf8' }).trim();
  heart.kill();
  console.log(`  "${out}"; meanwhile another green thread ran ${beats} times`);

  return 'tour finished';
}).then((message) => console.log(message));
