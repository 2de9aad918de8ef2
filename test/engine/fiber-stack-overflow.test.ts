// Deep recursion on a fiber is a RangeError, never a crash, with the smallest stack
// configure({ stackSize }) allows, the default and a large one: the depth follows the size, the
// overflowing fiber catches it, switches (even from close to its limit), overflows again and
// returns; fibers parked deep meanwhile and the hub's own stack (its limit is re-applied on every
// switch back) are unaffected. Children on fibers; nothing is timed.
import { describeOnFibers, resultOnFibers } from './fiber-child';

jest.setTimeout(120000);

const WORKLOAD = `
function depthOf() { let d = 0; function f() { d++; f(); } try { f(); } catch (e) { if (!(e instanceof RangeError)) throw e; } return d; }
// The hub's depth, measured in plain code (warmed up first, so it runs the same tier after).
for (let i = 0; i < 5; i++) depthOf();
const hubBefore = depthOf();

function onStack(size) {
  g.configure({ stackSize: size });
  return g.run(() => {
    // Others parked mid-recursion the whole time.
    const parked = [];
    for (let k = 0; k < 4; k++) parked.push(g.spawn(function down(n) { return n === 0 ? (g.sleep(0), g.sleep(0), 0) : down(n - 1) + 1; }, 100 + k));
    const overflower = g.spawn(() => {
      const first = depthOf();
      g.sleep(0);
      const second = depthOf();
      // Switch from near the limit: on the way back out each frame tries to park; while that
      // overflows again, the RangeError goes on to the next frame out, until one has the room.
      let parks = 0, attempts = 0;
      function nearLimit() {
        try { nearLimit(); } catch (e) {
          if (!(e instanceof RangeError)) throw e;
          attempts++;
          g.sleep(0);
          parks++;
        }
      }
      nearLimit();
      const third = depthOf();
      return { first, second, third, parks, attempts: attempts > 1 };
    });
    const r = overflower.wait();
    return { ...r, parked: parked.map((t) => t.wait()), stackSize: g.configure().stackSize };
  });
}

(async () => {
  const small = await onStack(native.minStackSize);
  const standard = await onStack(native.defaultStackSize);
  const large = await onStack(16 * 1024 * 1024);
  const hubAfter = depthOf();
  report({ backend: fiberBackend(), small, standard, large, hubBefore, hubAfter });
})();
`;

describeOnFibers('deep recursion on a fiber', () => {
  test('a RangeError with small, default and large stacks; the fiber, the others and the hub go on', () => {
    const out = resultOnFibers(WORKLOAD, { timeoutMs: 100000 });
    const { small, standard, large, hubBefore, hubAfter } = out;
    for (const [r, size] of [[small, 262144], [standard, 1048576], [large, 16777216]]) {
      expect({ size: r.stackSize, parks: r.parks, attempts: r.attempts, parked: r.parked }).toEqual({ size, parks: 1, attempts: true, parked: [100, 101, 102, 103] });
      // Some recursion fits, and the same again after a switch and after parking near the limit.
      expect(r.first).toBeGreaterThan(500);
      for (const again of [r.second, r.third]) {
        expect(again).toBeGreaterThan(r.first / 2);
        expect(again).toBeLessThan(r.first * 2);
      }
    }
    // The depth follows the stack size (JavaScript gets all but 128 KiB of it).
    expect(standard.first).toBeGreaterThan(small.first * 3);
    expect(large.first).toBeGreaterThan(standard.first * 8);
    // The hub's own limit was put back on every switch.
    expect(hubAfter).toBeGreaterThan(hubBefore / 2);
    expect(hubAfter).toBeLessThan(hubBefore * 2);
  });

  // V8's C++ recursions (parser, JSON, serializer, join, flat, Proxy) check the same limit as
  // JavaScript: on the smallest fiber stack each ends in a RangeError or its value, never past
  // the 128 KiB kept for C++ into the guard page; the fiber then parks and goes on.
  test('native recursion inside V8 on the smallest stack: a RangeError or the value, and the fiber goes on', () => {
    const out = resultOnFibers(`
      g.configure({ stackSize: native.minStackSize });
      function nested(n) { const root = {}; let o = root; for (let i = 0; i < n; i++) { o.a = {}; o = o.a; } return root; }
      function nestedArray(n) { const root = []; let o = root; for (let i = 0; i < n; i++) { const x = []; o.push(x); o = x; } return root; }
      const cases = {
        evalArrays: [() => eval('['.repeat(50000) + ']'.repeat(50000)).length, 1],
        evalParens: [() => eval('('.repeat(50000) + '1' + ')'.repeat(50000)), 1],
        newFunction: [() => new Function('return ' + '('.repeat(50000) + '1' + ')'.repeat(50000))(), 1],
        jsonStringify: [() => JSON.stringify(nested(100000)).length, 600002],
        jsonParse: [() => JSON.parse('['.repeat(100000) + ']'.repeat(100000)).length, 1],
        arrayJoin: [() => String(nestedArray(100000)).length, 0],
        structuredClone: [() => typeof structuredClone(nested(100000)), 'object'],
        v8Serialize: [() => typeof require('node:v8').serialize(nested(100000)), 'object'],
        utilInspect: [() => typeof require('node:util').inspect(nested(100000), { depth: Infinity }), 'string'],
        flat: [() => nestedArray(100000).flat(Infinity).length, 0],
        proxyChain: [() => { let p = {}; for (let i = 0; i < 100000; i++) p = new Proxy(p, {}); return p.x; }, undefined],
        bindChain: [() => { let f = () => 1; for (let i = 0; i < 100000; i++) f = f.bind(null); return f(); }, 1],
      };
      g.run(() => {
        const wrong = [];
        const threads = Object.entries(cases).map(([name, [fn, value]]) => g.spawn(() => {
          for (let round = 0; round < 2; round++) {
            let outcome;
            try { outcome = fn() === value ? 'value' : 'wrong value'; } catch (e) { outcome = e instanceof RangeError ? 'RangeError' : String(e); }
            if (outcome !== 'value' && outcome !== 'RangeError') wrong.push(name + ': ' + outcome);
            g.sleep(0);
          }
          return 'went on';
        }));
        return { wrong, after: threads.map((t) => t.wait()) };
      }).then((r) => report({ backend: fiberBackend(), ...r }));
    `, { timeoutMs: 100000 });
    expect(out).toEqual({ wrong: [], after: Array(12).fill('went on') });
  });

  // A finished fiber's ThreadId (and V8's per-thread data under it) and its pooled stack go to
  // later fibers: each must get the limit of its own stack, never the previous owner's (a 16 MiB
  // limit left on a 256 KiB stack would run into the guard page).
  test('recycled ThreadIds and pooled stacks: each fiber recurses to its own stack\'s depth, sizes alternating', () => {
    const out = resultOnFibers(`
      function depthOf() { let d = 0; function f() { d++; f(); } try { f(); } catch (e) { if (!(e instanceof RangeError)) throw e; } return d; }
      const SIZES = [262144, 16777216, 262144, 1048576, 262144, 16777216, 262144];
      (async () => {
        const depths = {};
        const ids = [];
        for (let pass = 0; pass < 2; pass++) {
          for (const size of SIZES) {
            g.configure({ stackSize: size });
            const seen = await g.run(() => [1, 2, 3].map(() => g.spawn(() => { g.sleep(0); return depthOf(); })).map((t) => t.wait()));
            (depths[size] = depths[size] || []).push(...seen);
          }
          ids.push(g.hub.stats().fiberThreadIds);
        }
        // Mixed sizes alive at once, each measured twice around a switch.
        const mixed = await g.run(() => {
          const ts = [];
          for (const size of [262144, 16777216, 262144, 1048576]) { g.configure({ stackSize: size }); ts.push(g.spawn(() => { g.sleep(0); const a = depthOf(); g.sleep(0); return [a, depthOf()]; })); }
          return ts.map((t) => t.wait());
        });
        report({ backend: fiberBackend(), depths, mixed, ids });
      })();
    `, { timeoutMs: 100000 });
    const { depths, mixed, ids } = out;
    const per = (size: number) => depths[size] as number[];
    for (const size of [262144, 1048576, 16777216]) {
      // The same depth every time a stack of that size is used (within a few frames: tiers).
      expect(Math.max(...per(size)) - Math.min(...per(size))).toBeLessThan(per(size)[0] / 20);
    }
    expect(per(1048576)[0]).toBeGreaterThan(per(262144)[0] * 3);
    expect(per(16777216)[0]).toBeGreaterThan(per(1048576)[0] * 8);
    const close = (a: number, b: number) => Math.abs(a - b) < b / 20;
    expect(mixed.map(([a, b]: number[], i: number) => close(a, per([262144, 16777216, 262144, 1048576][i])[0]) && close(b, a))).toEqual([true, true, true, true]);
    // Ids recycled: a second pass of the same sizes takes no new one (at most three fibers and
    // the run() thread of each size were alive at once; idle stacks may keep theirs).
    expect(ids[0]).toBeLessThanOrEqual(3 * (3 + 1) + 4);
    expect(ids[1]).toBe(ids[0]);
  });
});
