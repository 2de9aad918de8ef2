// examples/pg-app.js against a real PostgreSQL server (a throwaway one, started once for the
// file): notes are stored and read back; the pool never opens more connections than its size,
// and requests beyond it wait for one; a Timeout cancels a running query on the server itself
// (pg_stat_activity shows it gone long before its pg_sleep would end) and one waiting for a
// connection without taking any; SIGTERM stops the app, which closes its connections.
import * as path from 'node:path';
import { root, startNode, type RunningChild } from '../helpers';
import { ThrowawayPostgres } from './throwaway-postgres';

const POOL_SIZE = 3;
const APP = "application_name = 'pg-app'";

let pg: ThrowawayPostgres | undefined;
let app: RunningChild | undefined;
let base = '';

beforeAll(async () => {
  pg = ThrowawayPostgres.start();
  app = startNode([path.join(root, 'examples', 'pg-app.js'), '0'], {
    env: { ...pg.env, DATABASE_URL: '', PG_POOL_SIZE: String(POOL_SIZE), QUERY_TIMEOUT: '30' },
    timeoutMs: 120000,
  });
  let out = '';
  app.child.stdout?.on('data', (chunk: Buffer | string) => { out += String(chunk); });
  await app.waitForOutput('listening on ');
  await app.waitForOutput('\n');
  base = `http://127.0.0.1:${/listening on 127\.0\.0\.1:(\d+)/.exec(out)?.[1]}`;
});

afterAll(async () => {
  if (app !== undefined && app.child.exitCode === null && app.child.signalCode === null) {
    app.child.kill('SIGKILL');
    await app.exited;
  }
  pg?.stop();
});

function server(): ThrowawayPostgres {
  if (pg === undefined) throw new Error('the PostgreSQL server did not start');
  return pg;
}

async function get(url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${url}`);
  return { status: response.status, body: await response.json() };
}

async function post(url: string, body: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${url}`, { method: 'POST', body });
  return { status: response.status, body: await response.json() };
}

// Polls until `check` returns true (the states looked for come after asynchronous steps).
async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + 20000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const stats = async (): Promise<Record<string, number>> => (await get('/stats')).body;

test('notes are stored and read back', async () => {
  const first = await post('/notes', JSON.stringify({ text: 'buy milk' }));
  const second = await post('/notes', JSON.stringify({ text: 'call Bob' }));
  expect([first.status, second.status]).toEqual([201, 201]);
  expect(first.body).toMatchObject({ text: 'buy milk' });
  expect(await get(`/notes/${first.body.id}`)).toEqual({ status: 200, body: first.body });
  expect((await get('/notes')).body.map((note: { text: string }) => note.text)).toEqual(['call Bob', 'buy milk']);
  expect((await get('/notes/999')).status).toBe(404);
  expect((await post('/notes', JSON.stringify({ text: '' }))).status).toBe(422);
  expect((await fetch(`${base}/notes`, { method: 'POST', body: '{not json' })).status).toBe(400);
  expect(await server().sql('SELECT count(*) FROM notes')).toBe('2');
});

test('the pool opens at most its size in connections; further requests wait for one', async () => {
  // A lock the test holds makes every report query block on the server until it is released.
  const lock = server().session();
  await lock.run('BEGIN; LOCK TABLE notes IN ACCESS EXCLUSIVE MODE;', 'locked');
  const reports = Array.from({ length: 2 * POOL_SIZE }, () => get('/report'));
  await eventually('the pool to be full with requests waiting', async () => {
    const s = await stats();
    return s.inUse === POOL_SIZE && s.waiting === POOL_SIZE;
  });
  // On the server: exactly the pool's connections, each blocked on the lock.
  expect(await server().sql(`SELECT count(*) FROM pg_stat_activity WHERE ${APP}`)).toBe(String(POOL_SIZE));
  expect(await server().sql(`SELECT count(*) FROM pg_stat_activity WHERE ${APP} AND wait_event_type = 'Lock'`)).toBe(String(POOL_SIZE));
  // A request whose deadline passes while it waits for a connection gets a 504 and takes none.
  expect(await get('/report?timeout=0.2')).toEqual({ status: 504, body: { error: 'query cancelled after 0.2 s' } });
  expect(await stats()).toMatchObject({ inUse: POOL_SIZE, waiting: POOL_SIZE, cancelled: 0 });
  await lock.run('COMMIT;', 'unlocked');
  await lock.close();
  for (const report of await Promise.all(reports)) expect(report).toEqual({ status: 200, body: { notes: 2 } });
  expect(await stats()).toEqual({ size: POOL_SIZE, open: POOL_SIZE, inUse: 0, maxInUse: POOL_SIZE, waiting: 0, cancelled: 0 });
});

test('a Timeout cancels the running query on the server, and its connection is reused', async () => {
  const sleeping = `SELECT count(*) FROM pg_stat_activity WHERE ${APP} AND state = 'active' AND query LIKE '%pg_sleep%'`;
  // pg_sleep(60) would outlast the test's own timeout: only a real cancel ends it in time.
  expect(await get('/report?delay=60&timeout=0.3')).toEqual({ status: 504, body: { error: 'query cancelled after 0.3 s' } });
  await eventually('the slow query to end on the server', async () => (await server().sql(sleeping)) === '0');
  await eventually('the cancelled connection to return to the pool', async () => (await stats()).inUse === 0);
  const connections = await server().sql(`SELECT count(*) FROM pg_stat_activity WHERE ${APP}`);
  expect(Number(connections)).toBeLessThanOrEqual(POOL_SIZE);
  expect(await stats()).toMatchObject({ open: POOL_SIZE, cancelled: 1 });
  // Every pooled connection still works, the one whose query was cancelled included.
  const again = await Promise.all(Array.from({ length: 2 * POOL_SIZE }, () => get('/report?delay=0.01')));
  for (const report of again) expect(report).toEqual({ status: 200, body: { notes: 2 } });
  expect(await stats()).toMatchObject({ open: POOL_SIZE, inUse: 0, cancelled: 1 });
});

test('SIGTERM stops the app, which closes its connections', async () => {
  const running = app as RunningChild;
  running.child.kill('SIGTERM');
  const result = await running.exited;
  expect(result.stderr).toBe('');
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('pg app stopped');
  await eventually('the connections to close', async () => (await server().sql(`SELECT count(*) FROM pg_stat_activity WHERE ${APP}`)) === '0');
});
