// A notes API on PostgreSQL in blocking style: every request runs in its own green thread and
// queries the database through `pg` (node-postgres) and waitFor, with no async/await in sight.
//   DATABASE_URL=postgres://user:pass@localhost/db node examples/pg-app.js [port]
//   (or the PG* variables libpq uses: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE)
//   Options from the environment: PG_POOL_SIZE (5 connections), QUERY_TIMEOUT (2 seconds).
//   curl -XPOST localhost:8080/notes -d '{"text": "hello"}'   -> 201 {"id": 1, ...}
//   curl localhost:8080/notes/1                               -> the note, or 404
//   curl localhost:8080/notes                                 -> the latest 100
//   curl 'localhost:8080/report?delay=0.5'                    -> a slow query (pg_sleep)
//   curl 'localhost:8080/report?delay=10'                     -> 504: cancelled on the server
//   curl 'localhost:8080/report?delay=1&timeout=0.5'          -> a shorter deadline, 504 too
//   curl localhost:8080/stats                                 -> the pool's counters
//
// The pool. `GreenPgPool` is a Semaphore of PG_POOL_SIZE slots in front of a list of idle
// `pg.Client`s, opened on first need. A request blocks on the Semaphore while every connection
// is busy, so at most PG_POOL_SIZE pooled connections ever exist, however many requests come
// in (plus, for a moment, one per cancel). The bound is kept green-side rather than by pg.Pool
// because the wait for a connection must be a green wait: a Timeout (or a kill) interrupts it
// like any other blocking call, and the slot is then simply not taken. (pg.Pool queues its
// callers behind promises of its own: a Timeout could abandon such a promise but not withdraw
// it, and the client it hands over later would have to be caught and released.)
//
// The cancel. A query runs as `waitFor((signal) => client.query(...))`: when a Timeout fires
// (or the thread is killed) while the query is running, waitFor aborts the signal, and the
// abort listener asks the server to stop the query with `pg_cancel_backend(pid)` over a
// one-off connection (as the same role, which may always cancel its own queries). That is
// plain PostgreSQL, and its result says the cancel was delivered; pg's own CancelRequest path
// (`Client#cancel`) is undocumented and reports nothing back. The server ends the query with
// "canceling statement due to user request"; only then, and once the cancel has been
// delivered, does the connection go back to the pool, so a late cancel can never hit the next
// request's query on the same connection. Until then the slot stays taken: a burst of
// timeouts cannot open more connections than the pool allows.
//
// SIGINT or SIGTERM stops the server (requests in flight are answered first), then closes the
// connections.
'use strict';
const pg = require('pg');
const { run, listen, http, waitFor, Semaphore, Timeout } = require('greenthread');

const port = Number(process.argv[2] ?? 8080);
const POOL_SIZE = Number(process.env.PG_POOL_SIZE ?? 5);
const QUERY_TIMEOUT = Number(process.env.QUERY_TIMEOUT ?? 2);

class GreenPgPool {
  #config;
  #slots;
  #idle = [];           // connected clients nobody uses
  #closed = false;
  #counts = { open: 0, inUse: 0, maxInUse: 0, cancelled: 0 };

  constructor(size, config) {
    this.size = size;
    this.#config = config;
    this.#slots = new Semaphore(size);
  }

  /** Connections open and in use, requests waiting for one, queries cancelled so far. */
  get stats() {
    return { size: this.size, ...this.#counts, waiting: Math.max(0, -this.#slots.balance) };
  }

  /** Runs one statement and returns its rows; blocks the calling green thread only. */
  query(sql, params = []) {
    this.#slots.acquire();  // a Timeout may interrupt this wait too: no slot is taken then
    let client;
    try {
      client = this.#takeIdle() ?? this.#connect();
    } catch (error) {
      this.#slots.release();
      throw error;
    }
    this.#counts.inUse++;
    this.#counts.maxInUse = Math.max(this.#counts.maxInUse, this.#counts.inUse);
    let cancelling = false;
    try {
      const result = waitFor((signal) => {
        const running = client.query(sql, params);
        signal.addEventListener('abort', () => {
          cancelling = true;
          this.#cancel(client, running);
        }, { once: true });
        return running;
      });
      return result.rows;
    } catch (error) {
      // An SQL error leaves the connection usable; anything else (it was lost) does not.
      if (!cancelling && !(error instanceof pg.DatabaseError)) client.broken = true;
      throw error;
    } finally {
      // A cancelled query's connection is checked in by #cancel once the query has ended.
      if (!cancelling) this.#checkIn(client);
    }
  }

  /** Closes the idle connections (the busy ones close as they are checked in). */
  close() {
    this.#closed = true;
    for (const client of this.#idle.splice(0)) this.#drop(client);
  }

  #takeIdle() {
    for (let client = this.#idle.pop(); client !== undefined; client = this.#idle.pop()) {
      if (!client.broken) return client;
      this.#drop(client);
    }
    return undefined;
  }

  #connect() {
    const client = new pg.Client({ ...this.#config, application_name: 'pg-app' });
    // A connection the server drops emits 'error' on the client (no query may be running to
    // report it): mark it, so that it is dropped instead of being reused.
    client.on('error', () => { client.broken = true; });
    this.#counts.open++;
    try {
      waitFor((signal) => {
        signal.addEventListener('abort', () => { client.end().catch(() => {}); }, { once: true });
        return client.connect();
      });
    } catch (error) {
      this.#counts.open--;
      throw error;
    }
    return client;
  }

  // Called by the abort listener while the interrupted thread unwinds: promise code only, so
  // nothing here blocks and the Timeout reaches the handler at once.
  #cancel(client, running) {
    this.#counts.cancelled++;
    const canceller = new pg.Client(this.#config);
    canceller.on('error', () => {});
    const delivered = canceller.connect()
      .then(() => canceller.query('SELECT pg_cancel_backend($1)', [client.processID]))
      .finally(() => canceller.end());
    Promise.allSettled([running, delivered]).then(([, cancel]) => {
      if (cancel.status === 'rejected') {
        console.error(`could not cancel a query on connection ${client.processID}: ${cancel.reason.message}`);
        client.broken = true;
      }
      this.#checkIn(client);
    });
  }

  #checkIn(client) {
    this.#counts.inUse--;
    if (client.broken || this.#closed) this.#drop(client);
    else this.#idle.push(client);
    this.#slots.release();
  }

  #drop(client) {
    this.#counts.open--;
    client.end().catch(() => {});
  }
}

const db = new GreenPgPool(POOL_SIZE, process.env.DATABASE_URL ? { connectionString: process.env.DATABASE_URL } : {});

function createNote(req) {
  const { text } = req.json();  // invalid JSON is answered 400 by http.serve
  if (typeof text !== 'string' || text.length === 0) return json({ error: 'text must be a non-empty string' }, 422);
  const [note] = db.query('INSERT INTO notes (text) VALUES ($1) RETURNING id, text, created', [text]);
  return json(note, 201);
}

function getNote(id) {
  const [note] = db.query('SELECT id, text, created FROM notes WHERE id = $1', [id]);
  return note === undefined ? json({ error: `no note ${id}` }, 404) : json(note);
}

// A slow query stands for a heavy report: pg_sleep(delay) runs inside it on the server. The
// deadline covers the wait for a connection too; a client may ask for a shorter one.
function report(req) {
  const delay = Number(req.query.get('delay') ?? 0);
  const timeout = Math.min(Number(req.query.get('timeout') ?? QUERY_TIMEOUT), QUERY_TIMEOUT);
  if (!(delay >= 0) || !(timeout > 0)) return json({ error: 'delay and timeout must be numbers of seconds' }, 422);
  const deadline = new Timeout(timeout);
  try {
    const [row] = db.query('SELECT count(*)::int AS notes FROM notes, pg_sleep($1)', [delay]);
    return json(row);
  } catch (error) {
    if (error !== deadline) throw error;
    return json({ error: `query cancelled after ${timeout} s` }, 504);
  } finally {
    deadline.cancel();
  }
}

function json(value, status = 200) {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

function route(req) {
  const notePath = /^\/notes\/(\d+)$/.exec(req.path);
  if (req.method === 'POST' && req.path === '/notes') return createNote(req);
  if (req.method === 'GET' && req.path === '/notes') return json(db.query('SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 100'));
  if (req.method === 'GET' && notePath !== null) return getNote(Number(notePath[1]));
  if (req.method === 'GET' && req.path === '/report') return report(req);
  if (req.method === 'GET' && req.path === '/stats') return json(db.stats);
  return json({ error: `no route ${req.method} ${req.path}` }, 404);
}

run(() => {
  db.query(`CREATE TABLE IF NOT EXISTS notes (
    id serial PRIMARY KEY, text text NOT NULL, created timestamptz NOT NULL DEFAULT now())`);
  const server = listen(['127.0.0.1', port], { backlog: 1024 });
  console.log(`listening on ${server.address().join(':')}`);
  const stop = () => server.close();  // http.serve returns once its server is closed
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  http.serve(server, route);
  db.close();
  console.log('pg app stopped');
});
