// WebAssembly frames on parked fiber stacks (issue 10: "wasm on a fiber stack"): green threads
// call into a hand-assembled module whose functions call a JS import that parks (sleep(0)), so
// wasm frames (a loop with live locals, and a 100-deep wasm recursion with values on its operand
// stack) sit on each fiber's stack while others run, call the same instance, take traps, allocate
// and gc(); each resumes into wasm and returns the right value. A trap and a wasm stack overflow
// on a fiber are catchable errors. Under Liftoff, TurboFan, --stress-compaction and --stress-wasm-code-gc, in children.
import { describeOnFibers, resultOnFibers } from './fiber-child';

jest.setTimeout(120000);

// The module, assembled in the child (WAT in the comments):
//   (import "env" "park" (func $park (param i32) (result i32)))
//   (memory 1)
//   (func $run (export "run") (param $n i32) (param $seed i32) (result i32) (local $i i32) (local $acc i32)
//     acc = seed; loop { acc = (acc + park(i)) * 31; i++; br_if (i < n) }; acc)
//   (func $rec (export "rec") (param $d i32) (result i32)
//     if d == 0 then park(1000) else d + rec(d - 1))          ;; d on the operand stack across the call
//   (func $oob (export "oob") (param $a i32) (result i32) (i32.load (local.get $a)))
//   (func $inf (export "inf") (param $d i32) (result i32) (inf(d + 1) + 1))
const ASSEMBLE = `
function uleb(n) { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; }
function sleb(n) { const out = []; for (;;) { const b = n & 0x7f; n >>= 7; if ((n === 0 && !(b & 0x40)) || (n === -1 && (b & 0x40))) { out.push(b); return out; } out.push(b | 0x80); } }
function vec(items) { return [...uleb(items.length), ...items.flat()]; }
function section(id, body) { return [id, ...uleb(body.length), ...body]; }
function str(s) { return vec([...Buffer.from(s)].map((b) => [b])); }
const I32 = 0x7f;
const [GET, SET, TEE, CALL, CONST, ADD, SUB, MUL, LTS, EQZ, LOAD] = [0x20, 0x21, 0x22, 0x10, 0x41, 0x6a, 0x6b, 0x6c, 0x48, 0x45, 0x28];
const [LOOP, IF, ELSE, END, BRIF] = [0x03, 0x04, 0x05, 0x0b, 0x0d];
function body(locals, code) { const b = [...vec(locals), ...code, END]; return [...uleb(b.length), ...b]; }
const types = section(1, vec([[0x60, 1, I32, 1, I32], [0x60, 2, I32, I32, 1, I32]]));
const imports = section(2, vec([[...str('env'), ...str('park'), 0x00, 0]]));
const funcs = section(3, vec([[1], [0], [0], [0]]));          // run, rec, oob, inf = 1, 2, 3, 4
const memory = section(5, vec([[0x00, 1]]));
const exports = section(7, vec([[...str('run'), 0, 1], [...str('rec'), 0, 2], [...str('oob'), 0, 3], [...str('inf'), 0, 4]]));
const code = section(10, vec([
  body([[2, I32]], [GET, 1, SET, 3, LOOP, 0x40, GET, 3, GET, 2, CALL, 0, ADD, CONST, 31, MUL, SET, 3,
    GET, 2, CONST, 1, ADD, TEE, 2, GET, 0, LTS, BRIF, 0, END, GET, 3]),
  body([], [GET, 0, EQZ, IF, I32, CONST, ...sleb(1000), CALL, 0, ELSE, GET, 0, GET, 0, CONST, 1, SUB, CALL, 2, ADD, END]),
  body([], [GET, 0, LOAD, 2, 0]),
  body([], [GET, 0, CONST, 1, ADD, CALL, 4, CONST, 1, ADD]),
]));
const WASM = new Uint8Array([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...imports, ...funcs, ...memory, ...exports, ...code]);
function expectedRun(n, seed, park) { let acc = seed; for (let i = 0; i < n; i++) acc = Math.imul((acc + park(i)) | 0, 31); return acc; }
`;

const WORKLOAD = `${ASSEMBLE}
let parks = 0;
// The import: parks the calling green thread (plain JS on the hub's turn never parks).
function park(i) { if (g.inGreenThread()) { parks++; g.sleep(0); if (parks % 50 === 0) global.gc(); } return i * 2 + 1; }
const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(WASM), { env: { park } });
const pure = (i) => i * 2 + 1;
g.run(() => {
  const THREADS = 8, N = 60;
  const workers = [];
  for (let k = 0; k < THREADS; k++) {
    workers.push(g.spawn(() => [wasm.run(N, k * 1000 + 7), wasm.rec(100)]));
  }
  // Meanwhile, on another fiber and on the hub: the same instance runs to its end (no parking on
  // the hub), traps, allocates and collects while the eight are parked inside wasm.
  const disturber = g.spawn(() => {
    const seen = [];
    for (let r = 0; r < 20; r++) {
      let junk = [];
      for (let j = 0; j < 2000; j++) junk.push({ r, j, s: 'x'.repeat(j % 17) });
      global.gc();
      try { wasm.oob(1 << 30); seen.push('no trap'); } catch (e) { seen.push(e instanceof WebAssembly.RuntimeError ? 'trap' : String(e)); }
      junk = null;
      g.sleep(0);
    }
    return seen.every((s) => s === 'trap');
  });
  const onHub = [];
  const timer = setInterval(() => { onHub.push(wasm.run(5, 3) === expectedRun(5, 3, pure)); global.gc(); }, 0);
  const results = workers.map((t) => t.wait());
  const trapsOnFiber = disturber.wait();
  clearInterval(timer);
  const right = results.map(([r, d], k) => r === expectedRun(N, k * 1000 + 7, pure) && d === 5050 + 2001);
  // A wasm stack overflow on a fiber is a RangeError; the fiber goes on.
  const overflow = g.spawn(() => { let e1; try { wasm.inf(0); } catch (e) { e1 = e.constructor.name; } g.sleep(0); return [e1, wasm.rec(10)]; }).wait();
  return { right, trapsOnFiber, parks: parks >= THREADS * (N + 1), hubCalls: onHub.length > 0 && onHub.every(Boolean), overflow };
}).then((r) => report({ backend: fiberBackend(), ...r }));
`;

const EXPECTED = { right: Array(8).fill(true), trapsOnFiber: true, parks: true, hubCalls: true, overflow: ['RangeError', 55 + 2001] };

describeOnFibers('WebAssembly frames on parked fibers', () => {
  test.each([
    ['default tiers', []],
    ['TurboFan only (--no-liftoff)', ['--no-liftoff']],
    ['Liftoff only, --stress-compaction', ['--liftoff-only', '--stress-compaction']],
    // wasm code GC aborts with any thread state archived; the engine turns it off at load.
    ['--stress-wasm-code-gc', ['--stress-wasm-code-gc']],
  ])('%s: eight fibers parked inside wasm resume with the right values', (_name, flags) => {
    const out = resultOnFibers(WORKLOAD, { nodeArgs: ['--expose-gc', ...(flags as string[])] });
    expect(out).toEqual(EXPECTED);
  });

  test('the hand-assembled module computes the same with a JS import that does not park (the reference)', () => {
    const out = resultOnFibers(`${ASSEMBLE}
      const { exports: wasm } = new WebAssembly.Instance(new WebAssembly.Module(WASM), { env: { park: (i) => i * 2 + 1 } });
      report({ backend: fiberBackend(), run: wasm.run(60, 7) === expectedRun(60, 7, (i) => i * 2 + 1), rec: wasm.rec(100) });
    `);
    expect(out).toEqual({ run: true, rec: 5050 + 2001 });
  });
});
