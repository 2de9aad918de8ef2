// Property-style: seeded random programs of spawns, sleeps, waits, kills, cancels, links and
// waitFors across many green threads, run with lifecycle checking on (GREENTHREAD_DEBUG=1).
// Whatever the interleaving, every thread ends exactly once, wait() agrees with how it ended,
// links fire exactly once, and the hub ends with nothing live. Each program runs with direct
// green-to-green switches, and some again with every switch through the hub.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

// With `hooked`, an async hook with before/after callbacks is enabled first: then every switch
// goes through the hub instead of straight from thread to thread, the other scheduling path.
const program = (seed: number, hooked = false) => `
${REPORTING}
${hooked ? "require('node:async_hooks').createHook({ before() {}, after() {} }).enable();" : ''}
const g = require(${PKG});
let state = ${seed} >>> 0;
const rand = (n) => { state = (Math.imul(state, 1664525) + 1013904223) >>> 0; return (state >>> 16) % n; };  // high bits: an LCG's low bits cycle
const errors = [];
g.hub.onError((e) => { if (!(e && e.message === 'planned')) errors.push(String(e && e.stack || e)); });
const threads = [];
const linkCounts = new Map();
function body(id, depth) {
  for (let step = 0; step < 6; step++) {
    const op = rand(8);
    if (op === 0) g.sleep(0);
    else if (op === 1) g.sleep(rand(3) / 1000);
    else if (op === 2 && depth < 3 && threads.length < 150) spawnOne(depth + 1);
    // Waits only on older threads, so waits form no cycle (a cycle would park both forever).
    else if (op === 3 && id > 0) { try { threads[rand(id)].wait(); } catch {} }
    else if (op === 4 && threads.length) { const t = threads[rand(threads.length)]; if (t !== g.getCurrent()) t.kill(); }
    else if (op === 5 && threads.length) threads[rand(threads.length)].cancel();
    else if (op === 6) g.waitFor(new Promise((r) => setTimeout(r, rand(2))));
    else if (op === 7 && rand(4) === 0) throw new Error('planned');
  }
  return id;
}
function spawnOne(depth) {
  const id = threads.length;
  const t = rand(3) === 0 ? g.spawnAfter(rand(3) / 1000, body, id, depth) : g.spawn(body, id, depth);
  linkCounts.set(t, 0);
  t.link((done) => linkCounts.set(done, linkCounts.get(done) + 1));
  threads.push(t);
  return t;
}
g.run(() => {
  for (let i = 0; i < 20; i++) spawnOne(0);
  // Wait for everything, including threads spawned while waiting.
  for (let i = 0; i < threads.length; i++) { try { threads[i].wait(); } catch {} }
  g.sleep(0.01);
  const outcomes = threads.map((t, i) => {
    let how;
    try { how = t.wait() === i ? 'returned' : 'wrong value'; } catch (e) { how = e instanceof g.GreenletExit ? 'killed' : e.message === 'planned' ? 'threw' : 'odd: ' + e; }
    return how;
  });
  return {
    allDead: threads.every((t) => t.dead),
    linksOnce: threads.every((t) => linkCounts.get(t) === 1),
    odd: outcomes.filter((o) => o !== 'returned' && o !== 'killed' && o !== 'threw'),
    kinds: [...new Set(outcomes)],
    count: threads.length,
    live: g.hub.threads().length,
    errors,
  };
}).then(report, (e) => { console.error(e); process.exit(1); });
`;

const seen = new Set<string>();
let threadsRun = 0;

test.each([1, 2, 3, 4, 5, 6, 7, 8])('random program with seed %i keeps every invariant', (seed) => {
  const { kinds, count, ...result } = resultOf(runChild(program(seed), { env: { GREENTHREAD_DEBUG: '1' } }));
  expect(result).toEqual({ allDead: true, linksOnce: true, odd: [], live: 1, errors: [] });
  for (const kind of kinds as string[]) seen.add(kind);
  threadsRun += count as number;
});

test.each([1, 2, 3, 4])('random program with seed %i keeps every invariant with switches through the hub (async hook on)', (seed) => {
  const { kinds, count, ...result } = resultOf(runChild(program(seed, true), { env: { GREENTHREAD_DEBUG: '1' } }));
  expect(result).toEqual({ allDead: true, linksOnce: true, odd: [], live: 1, errors: [] });
  for (const kind of kinds as string[]) seen.add(kind);
  threadsRun += count as number;
});

test('the programs did exercise returns, kills and exceptions', () => {
  expect([...seen].sort()).toEqual(['killed', 'returned', 'threw']);
  expect(threadsRun).toBeGreaterThan(8 * 20);
});
