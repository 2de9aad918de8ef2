// Networking inside a Worker (each Worker has its own hub): a serve/connect echo runs to its end,
// and Worker.terminate() while green threads are blocked in accept() and readline() ends the
// Worker cleanly, in a child process so a crash could not take jest down.
import { CRASH_TEXT, PKG, runChild } from '../helpers';

const WORKER_BODY = (blockForever: boolean): string => `
  const { run, listen, connect, spawn, serve } = require(${PKG});
  const { parentPort } = require('node:worker_threads');
  run(() => {
    const server = listen(['127.0.0.1', 0]);
    const serving = spawn(serve, server, (sock) => { for (let l; (l = sock.readline()).length > 0;) sock.sendall(l); });
    const client = connect(server.address());
    client.sendall('in a worker\\n');
    parentPort.postMessage(client.readline().toString());
    ${blockForever ? 'client.readline();' : 'client.close(); server.close(); serving.wait();'}
  });`;

function runWorker(blockForever: boolean) {
  return runChild(`
    const { Worker } = require('node:worker_threads');
    const worker = new Worker(${JSON.stringify(WORKER_BODY(blockForever))}, { eval: true });
    worker.on('error', (error) => { console.error('worker error', error); process.exitCode = 1; });
    worker.on('message', (message) => {
      console.log('message', JSON.stringify(message));
      ${blockForever ? "setTimeout(() => worker.terminate().then((code) => console.log('terminated', code)), 20);" : ''}
    });
    worker.on('exit', (code) => console.log('exit', code));
  `);
}

test('a serve/connect echo inside a Worker runs to its end', () => {
  const result = runWorker(false);
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('message "in a worker\\n"\nexit 0\n');
});

test('Worker.terminate() with green threads blocked in accept() and readline() ends cleanly', () => {
  const result = runWorker(true);
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^message "in a worker\\n"\n/);
  expect(result.stdout).toMatch(/terminated 1/);
});
