// Property-style: seeded random programs of green producers and consumers (blocking, timed and
// non-blocking calls), kills, resizes, plain-JavaScript putNowait/getNowait, and async
// iterators that are abandoned mid-wait, on every queue class and on unbounded, bounded and
// channel queues, with lifecycle checking on (GREENTHREAD_DEBUG=1). Whatever the interleaving:
//
//   every item is put at most once (each item is a fresh id), and then
//   - a put that returned:          the item is got exactly once;
//   - a put that threw Full:        the item is never got;
//   - a put killed while waiting:   the item is got at most once (it is got if it had already
//                                    been accepted when the kill landed, else never);
//   - no item that was never put is ever got;
//   "got" = returned by get/getNowait, yielded by an async iterator, or drained at the end.
//   Task tracking counts each accepted item once: unfinishedTasks === items got. And at the end
//   no thread is left waiting in the queue.
//
// Outcomes depend on timing (timers and kills race with hand-overs); the invariants must not.
process.env.GREENTHREAD_DEBUG = '1';
const g = require('../../src') as typeof import('../../src');
delete process.env.GREENTHREAD_DEBUG;
import type { GreenThread, LightQueue } from '../../src';
import { createHook, type AsyncHook } from 'node:async_hooks';

type Kind = 'Queue' | 'LightQueue' | 'LifoQueue' | 'PriorityQueue';
type PutOutcome = 'returned' | 'full' | 'killed';

interface Stats {
  returned: number; full: number; killedPuts: number; killedPutsDelivered: number;
  timedOutGets: number; emptyGets: number; kills: number; asyncGot: number; abandoned: number; plainOps: number;
}

class Planned extends Error {}

function makeQueue(kind: Kind, maxsize: number | null): LightQueue<number> {
  switch (kind) {
    case 'Queue': return new g.Queue<number>(maxsize);
    case 'LightQueue': return new g.LightQueue<number>(maxsize);
    case 'LifoQueue': return new g.LifoQueue<number>(maxsize);
    case 'PriorityQueue': return new g.PriorityQueue<number>(maxsize);
  }
}

async function program(seed: number, kind: Kind, maxsize: number | null, resizes: boolean) {
  let state = seed >>> 0;
  // High bits of an LCG: its low bits cycle.
  const rand = (n: number) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return (state >>> 16) % n; };
  const q = makeQueue(kind, maxsize);
  const puts = new Map<number, PutOutcome>();
  const got: number[] = [];
  const stats: Stats = { returned: 0, full: 0, killedPuts: 0, killedPutsDelivered: 0, timedOutGets: 0, emptyGets: 0, kills: 0, asyncGot: 0, abandoned: 0, plainOps: 0 };
  const oddErrors: unknown[] = [];
  g.hub.onError((error) => { if (!(error instanceof Planned)) oddErrors.push(error); });
  let nextId = 0;
  const timeoutOf = () => [0, 0.001, 0.002][rand(3)];
  const pause = () => { const r = rand(4); if (r === 0) g.sleep(0); else if (r === 1) g.sleep(0.001); };

  function putOne(): void {
    const id = nextId++;
    const mode = rand(4);
    try {
      if (mode === 0) q.putNowait(id);
      else if (mode === 1) q.put(id, true, timeoutOf());
      else q.put(id);
      puts.set(id, 'returned');
    } catch (error) {
      if (error instanceof g.Full) { puts.set(id, 'full'); return; }
      puts.set(id, 'killed');
      throw error;
    }
  }

  function getOne(): void {
    const mode = rand(4);
    try {
      if (mode === 0) got.push(q.getNowait());
      else if (mode === 1) got.push(q.get(true, timeoutOf()));
      else got.push(q.get());
    } catch (error) {
      if (!(error instanceof g.Empty)) throw error;
      if (mode === 0) stats.emptyGets++; else stats.timedOutGets++;
    }
  }

  const actors: GreenThread[] = [];
  const spawnActor = (body: () => void) => { actors.push(g.spawn(() => { for (let i = 0; i < 30; i++) { body(); pause(); } })); };

  // Plain JavaScript: non-blocking calls from timer and immediate callbacks.
  const plainDone = new Promise<void>((resolve) => {
    let left = 40;
    const step = () => {
      stats.plainOps++;
      if (rand(2) === 0) {
        const id = nextId++;
        try { q.putNowait(id); puts.set(id, 'returned'); } catch (error) {
          if (!(error instanceof g.Full)) throw error;
          puts.set(id, 'full');
        }
      } else {
        try { got.push(q.getNowait()); } catch (error) { if (!(error instanceof g.Empty)) throw error; }
      }
      if (--left === 0) resolve();
      else if (rand(2) === 0) setImmediate(step);
      else setTimeout(step, rand(3));
    };
    setImmediate(step);
  });

  // Async iterators: take a few items, then leave, sometimes with a next() still pending.
  let stopped = false;
  let current: AsyncIterator<number> | null = null;
  const asyncDone = (async () => {
    while (!stopped) {
      const it = q[Symbol.asyncIterator]();
      current = it;
      const wanted = rand(4);
      for (let i = 0; i < wanted && !stopped; i++) {
        const r = await it.next();
        if (r.done) break;
        got.push(r.value);
        stats.asyncGot++;
      }
      if (rand(2) === 0) {
        const pending = it.next();
        await new Promise((resolve) => setImmediate(resolve));
        await it.return?.();
        stats.abandoned++;
        const r = await pending;
        if (!r.done) { got.push(r.value); stats.asyncGot++; }
      } else {
        await it.return?.();
      }
      await new Promise((resolve) => setTimeout(resolve, rand(2)));
    }
  })();

  await g.run(() => {
    for (let i = 0; i < 3; i++) spawnActor(putOne);
    for (let i = 0; i < 3; i++) spawnActor(getOne);
    for (let step = 0; step < 60; step++) {
      pause();
      const action = rand(10);
      const alive = actors.filter((a) => !a.dead);
      if (action < 3 && alive.length > 0) {
        stats.kills++;
        alive[rand(alive.length)].kill(rand(2) === 0 ? new g.GreenletExit() : new Planned('planned'));
      } else if (action === 3 && alive.length < 10) {
        spawnActor(rand(2) === 0 ? putOne : getOne);
      } else if (action === 4 && resizes) {
        q.resize([null, 0, 1, 2, 4][rand(5)]);
      }
    }
    // The end: whoever is still blocked (or still busy) is killed.
    for (const actor of actors) actor.kill();
    g.sleep(0.003);
  });
  await plainDone;
  stopped = true;
  await (current as AsyncIterator<number> | null)?.return?.();
  await asyncDone;
  // Items given back by killed getters may sit in the store of any queue, a channel included.
  const getting = q.getting();
  const putting = q.putting();
  const tasks = 'unfinishedTasks' in q ? (q as unknown as { unfinishedTasks: number }).unfinishedTasks : null;
  while (q.qsize() > 0) got.push(q.getNowait());
  g.hub.onError(null);

  // Check the invariants.
  const counts = new Map<number, number>();
  for (const id of got) counts.set(id, (counts.get(id) ?? 0) + 1);
  const violations: string[] = [];
  for (const [id, count] of counts) {
    const outcome = puts.get(id);
    if (outcome === undefined) violations.push(`item ${id} got but never put`);
    else if (outcome === 'full') violations.push(`item ${id} got although its put threw Full`);
    else if (count > 1) violations.push(`item ${id} got ${count} times`);
  }
  for (const [id, outcome] of puts) {
    if (outcome === 'returned') { stats.returned++; if (counts.get(id) !== 1) violations.push(`item ${id} put but got ${counts.get(id) ?? 0} times`); }
    if (outcome === 'full') stats.full++;
    if (outcome === 'killed') { stats.killedPuts++; if (counts.has(id)) stats.killedPutsDelivered++; }
  }
  if (tasks !== null && tasks !== got.length) violations.push(`unfinishedTasks ${tasks} but ${got.length} items got`);
  if (getting !== 0 || putting !== 0) violations.push(`left waiting: getting ${getting}, putting ${putting}`);
  if (!actors.every((a) => a.dead)) violations.push('an actor is still alive');
  return { violations, oddErrors: oddErrors.map(String), stats };
}

const kinds: Kind[] = ['Queue', 'LightQueue', 'LifoQueue', 'PriorityQueue'];
const sizes: Array<number | null> = [null, 0, 1, 3];
const cases: Array<[number, Kind, number | null, boolean]> = [];
for (let i = 0; i < 16; i++) cases.push([i + 1, kinds[i % 4], sizes[Math.floor(i / 4)], i % 3 === 0]);
// More seeds on the subtle shapes: channels and size 1, with resizes.
for (let i = 0; i < 8; i++) cases.push([100 + i, kinds[i % 4], i < 4 ? 0 : 1, true]);

const total: Stats = { returned: 0, full: 0, killedPuts: 0, killedPutsDelivered: 0, timedOutGets: 0, emptyGets: 0, kills: 0, asyncGot: 0, abandoned: 0, plainOps: 0 };

async function checkProgram(seed: number, kind: Kind, maxsize: number | null, resizes: boolean) {
  const { violations, oddErrors, stats } = await program(seed, kind, maxsize, resizes);
  expect({ violations, oddErrors }).toEqual({ violations: [], oddErrors: [] });
  for (const key of Object.keys(total) as Array<keyof Stats>) total[key] += stats[key];
}

test.each(cases)('seed %i, %s(maxsize %p), resizes %p: no item lost or duplicated', checkProgram);

// The same programs with every switch going through the hub rather than straight from thread
// to thread: an async hook with before/after callbacks turns direct switches off.
describe('with switches through the hub (async hook on)', () => {
  let hook: AsyncHook;
  beforeAll(() => { hook = createHook({ before() {}, after() {} }).enable(); });
  afterAll(() => { hook.disable(); });
  test.each(cases.filter((_, i) => i % 3 === 0))('seed %i, %s(maxsize %p), resizes %p: no item lost or duplicated', checkProgram);
});

test('the programs exercised every outcome', () => {
  // Not thresholds on timing: only that each kind of event happened at least once in all runs.
  expect(total.returned).toBeGreaterThan(0);
  expect(total.full).toBeGreaterThan(0);
  expect(total.killedPuts).toBeGreaterThan(0);
  expect(total.timedOutGets).toBeGreaterThan(0);
  expect(total.emptyGets).toBeGreaterThan(0);
  expect(total.kills).toBeGreaterThan(0);
  expect(total.asyncGot).toBeGreaterThan(0);
  expect(total.abandoned).toBeGreaterThan(0);
});
