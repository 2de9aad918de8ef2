// A small JSON API in blocking style (eventlet.wsgi's role): every request runs in its own
// green thread, so a handler can wait on a queue, an event or a promise and only that request
// waits.
//   node examples/http-app.js [port]      (default 8080; 0 picks a free port)
//   curl -XPOST localhost:8080/jobs -d '{"n": 30}'     -> 202 {"id": 1}
//   curl 'localhost:8080/jobs/1?wait=5'                 -> blocks until the job is done
//   curl 'localhost:8080/digest?text=hello'             -> a promise API used synchronously
//   curl localhost:8080/stats
// Jobs go through a bounded Queue to a few worker green threads: when the queue is full, a
// POST blocks until there is room (back-pressure, not an error). SIGINT or SIGTERM stops the
// server; requests in flight are answered first.
'use strict';
const { webcrypto } = require('node:crypto');
const { run, spawn, sleep, waitFor, listen, http, Queue, Event } = require('greenthread');

const port = Number(process.argv[2] ?? 8080);
const WORKERS = 3;

const jobs = new Map();          // id -> { n, done: Event, result }
const pending = new Queue(10);   // job ids waiting for a worker
let nextId = 1;

// A worker: takes a job, "computes" for a while (sleep stands in for real blocking work), and
// wakes everyone waiting for that job.
function worker() {
  for (;;) {
    const job = jobs.get(pending.get());
    let sum = 0;
    for (let i = 1; i <= job.n; i++) {
      sum += i * i;
      sleep(0.001);
    }
    job.result = sum;
    job.done.send(sum);
  }
}

function createJob(req) {
  const { n } = req.json();  // invalid JSON is answered 400 by http.serve
  if (!Number.isInteger(n) || n < 0 || n > 10000) return { status: 422, body: JSON.stringify({ error: 'n must be an integer in 0..10000' }) };
  const id = nextId++;
  jobs.set(id, { n, done: new Event(), result: null });
  pending.put(id);  // blocks this request while the queue is full
  return { status: 202, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id }) };
}

function getJob(req, id) {
  const job = jobs.get(id);
  if (job === undefined) return { status: 404, body: JSON.stringify({ error: `no job ${id}` }) };
  const wait = Number(req.query.get('wait') ?? 0);
  // Blocks this request only, for at most `wait` seconds.
  if (wait > 0) job.done.wait({ timeout: wait });
  return json({ id, n: job.n, done: job.result !== null, result: job.result });
}

function digest(req) {
  const text = req.query.get('text') ?? '';
  const hash = waitFor(webcrypto.subtle.digest('SHA-256', Buffer.from(text)));
  return json({ text, sha256: Buffer.from(hash).toString('hex') });
}

function json(value) {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function route(req) {
  const jobPath = /^\/jobs\/(\d+)$/.exec(req.path);
  if (req.method === 'POST' && req.path === '/jobs') return createJob(req);
  if (req.method === 'GET' && jobPath !== null) return getJob(req, Number(jobPath[1]));
  if (req.method === 'GET' && req.path === '/digest') return digest(req);
  if (req.method === 'GET' && req.path === '/stats') return json({ jobs: jobs.size, queued: pending.qsize() });
  return { status: 404, body: JSON.stringify({ error: `no route ${req.method} ${req.path}` }) };
}

run(() => {
  for (let i = 0; i < WORKERS; i++) spawn(worker);
  const server = listen(['127.0.0.1', port], { backlog: 1024 });
  console.log(`listening on ${server.address().join(':')}`);
  const stop = () => server.close();  // http.serve returns once its server is closed
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  http.serve(server, route);
  console.log('http app stopped');
  process.exit(0);  // the workers stay parked on the queue: end them with the process
});
