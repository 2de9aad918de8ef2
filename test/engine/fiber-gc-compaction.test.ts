// The GC and the deoptimizer on parked fiber stacks: fibers parked deep in recursion (hundreds
// of frames, each holding objects, closures, strings and typed arrays, parking on the way down
// and on the way up) while others allocate, gc() runs and --stress-compaction moves everything;
// every frame's values are intact after each resume. Optimized frames parked on fibers are
// deoptimized (lazily, while parked) and resume into the right values. Also inside Workers.
// Children on fibers only.
import { describeOnFibers, resultOnFibers } from './fiber-child';
import { PKG } from '../helpers';

jest.setTimeout(120000);

// Fibers parked mid-recursion; reports how many frames checked out per fiber.
const DEEP = `
function checksum(s) { let h = 0; for (let i = 0; i < s.length; i++) h = Math.imul(h, 31) + s.charCodeAt(i) | 0; return h; }
// One frame: locals of every kind, parks on the way down (every 25th depth) and up (every 40th).
function frame(id, depth, max) {
  const obj = { id, depth, tag: 'f' + id + '_' + depth, list: [depth, id, { d: depth * 3 }] };
  const text = 'abc'.repeat(depth % 13) + id;
  const sum = checksum(text);
  const typed = new Float64Array(4).fill(depth + 0.5);
  let calls = 0;
  const closure = () => ++calls + depth;
  if (depth % 25 === 0) g.sleep(0);
  const below = depth < max ? frame(id, depth + 1, max) : 0;
  if (depth % 40 === 0) { closure(); g.sleep(0); }
  const ok = obj.id === id && obj.depth === depth && obj.tag === 'f' + id + '_' + depth &&
    obj.list[0] === depth && obj.list[1] === id && obj.list[2].d === depth * 3 &&
    checksum(text) === sum && typed.every((v) => v === depth + 0.5) &&
    closure() === (depth % 40 === 0 ? 2 : 1) + depth;
  return below + (ok ? 1 : 0);
}
function workload(FIBERS) {
  return g.run(() => {
    const depths = [];
    const ts = [];
    for (let k = 0; k < FIBERS; k++) {
      const max = 150 + ((k * 97) % 700);
      depths.push(max + 1);
      ts.push(g.spawn(frame, k, 0, max));
    }
    // Churn on another fiber and on the hub while the others are parked deep.
    const churn = g.spawn(() => {
      for (let r = 0; r < 30; r++) {
        let junk = [];
        for (let i = 0; i < 3000; i++) junk.push({ r, i, s: 'j' + i, a: [i] });
        if (r % 5 === 0) global.gc();
        junk = null;
        g.sleep(0);
      }
    });
    const timer = setInterval(() => global.gc(), 5);
    const frames = ts.map((t) => t.wait());
    churn.wait();
    clearInterval(timer);
    return { intact: frames.every((n, k) => n === depths[k]), fibers: frames.length };
  });
}`;

describeOnFibers('GC and deoptimization with fibers parked on deep stacks', () => {
  test('--stress-compaction and gc(): 48 fibers parked 150-850 frames deep keep every frame\'s values', () => {
    const out = resultOnFibers(`${DEEP}\nworkload(48).then((r) => report({ backend: fiberBackend(), ...r }));`,
      { nodeArgs: ['--stress-compaction', '--expose-gc'] });
    expect(out).toEqual({ intact: true, fibers: 48 });
  });

  test('the same in two Workers at once, each with its own fibers', () => {
    const out = resultOnFibers(`
      const { Worker } = require('node:worker_threads');
      const code = ${JSON.stringify(`const g = require(${PKG});
        const native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});
        ${DEEP}
        workload(16).then((r) => require('node:worker_threads').parentPort.postMessage({ backend: native.backend().backend, ...r }));`)};
      const results = [];
      for (let i = 0; i < 2; i++) {
        const w = new Worker(code, { eval: true });
        w.on('message', (m) => { results.push(m); if (results.length === 2) report({ backend: fiberBackend(), results }); });
        w.on('error', (e) => { console.error('worker error', e); process.exitCode = 1; });
      }
    `, { nodeArgs: ['--stress-compaction', '--expose-gc'] });
    expect(out).toEqual({ results: [1, 2].map(() => ({ backend: 'fibers', intact: true, fibers: 16 })) });
  });

  test('optimized frames parked on fibers, deoptimized while parked, resume with the right values', () => {
    const out = resultOnFibers(`
      const tiers = [];
      // Never inlined, so an optimized frame of hot() is on each parked fiber's stack.
      function pause(p) { if (p) { tiers.push(%ActiveTierIsTurbofan(hot)); g.sleep(0); global.gc(); g.sleep(0); } }
      %NeverOptimizeFunction(pause);
      function hot(o, park) { const a = o.x * 2; const b = { v: o.y, w: [o.x] }; pause(park); return a + b.v + b.w[0] + o.x; }
      const proto = { base: 1 };
      function viaProto(o, park) { const before = o.base; pause(park); return before + o.base; }  // o.base: a prototype-chain dependency
      for (const f of [hot, viaProto]) {
        %PrepareFunctionForOptimization(f);
        for (let i = 0; i < 3; i++) f(Object.assign(Object.create(proto), { x: 1, y: 2 }), false);
        %OptimizeFunctionOnNextCall(f);
        f(Object.assign(Object.create(proto), { x: 1, y: 2 }), false);
      }
      const optimizedBefore = %ActiveTierIsTurbofan(hot) && %ActiveTierIsTurbofan(viaProto);
      g.run(() => {
        const ts = [];
        for (let i = 0; i < 10; i++) ts.push(g.spawn(() => hot(Object.assign(Object.create(proto), { x: i, y: 100 + i }), true)));
        for (let i = 0; i < 10; i++) ts.push(g.spawn(() => viaProto(Object.assign(Object.create(proto), { x: i, y: i }), true)));
        g.sleep(0);
        // While all twenty are parked inside optimized code: explicit deopt, and a prototype
        // change that invalidates viaProto's code.
        %DeoptimizeFunction(hot);
        proto.base = 2;
        Object.defineProperty(proto, 'base', { get() { return 5; } });
        global.gc();
        const values = ts.map((t) => t.wait());
        return { values, tiersAtPark: tiers.length === 20 && tiers.slice(0, 10).every(Boolean), stillOptimized: %ActiveTierIsTurbofan(hot) };
      }).then((r) => report({ backend: fiberBackend(), optimizedBefore, ...r }));
    `, { nodeArgs: ['--allow-natives-syntax', '--expose-gc', '--stress-compaction'] });
    expect(out).toEqual({
      optimizedBefore: true,
      values: [...Array.from({ length: 10 }, (_, i) => 4 * i + 100 + i), ...Array(10).fill(1 + 5)],
      tiersAtPark: true,
      stillOptimized: false,
    });
  });
});
