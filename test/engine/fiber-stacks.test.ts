// V8's walks of fiber stacks: an Error's stack trace on a fiber ends at the green thread's entry
// (nothing of the hub's stack below it, as on threads), hub.threads(true) reads the stacks of
// fibers parked deep, code parked inside vm contexts resumes in its own context, and killing
// 3,000 fibers parked 100 frames deep unwinds every frame (each runs its finally: a throw on
// every parked stack, which V8 14 checks against the stack start). Children, fibers vs threads.
import { FIBERS_ENV, describeOnFibers, resultOnFibers } from './fiber-child';
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

jest.setTimeout(120000);

const WORKLOAD = `
const vm = require('node:vm');
const never = new Promise(() => {});
g.run(() => {
  const out = { backend: native.backend() };
  Error.stackTraceLimit = Infinity;
  out.stack = g.spawn(function entryFn() {
    function deep(n) { return n === 0 ? new Error('x').stack : deep(n - 1); }
    g.sleep(0);
    return deep(30);
  }).wait().split('\\n').slice(1).map((line) => line.trim().split(' ')[1]);
  Error.stackTraceLimit = 10;

  const parked = [];
  for (let i = 0; i < 5; i++) parked.push(g.spawn(function parkDeep(n) { return n === 0 ? g.waitFor(never) : parkDeep(n - 1); }, 20));
  g.sleep(0);
  out.parkedStacks = g.hub.threads(true).filter((t) => t.stack && (t.stack.match(/parkDeep/g) || []).length >= 10).length;
  for (const t of parked) t.kill();

  const contexts = [1, 2, 3].map((k) => vm.createContext({ k, park: () => g.sleep(0) }));
  const inVm = contexts.map((c) => g.spawn(() => vm.runInContext(
    'const before = globalThis; const acc = []; for (let i = 0; i < 5; i++) { park(); acc.push(globalThis === before ? k : -1); } acc.join()', c)));
  out.vm = inVm.map((t) => t.wait());

  let finallies = 0;
  const many = [];
  for (let i = 0; i < 3000; i++) many.push(g.spawn(function unwind(n) { try { return n === 0 ? g.waitFor(never) : unwind(n - 1); } finally { finallies++; } }, 100));
  g.sleep(0);
  for (const t of many) t.kill();
  let exits = 0;
  for (const t of many) { try { t.wait(); } catch (e) { if (e instanceof g.GreenletExit) exits++; } }
  out.finallies = finallies;
  out.exits = exits;
  out.live = g.hub.stats().liveCoroutines;
  return out;
}).then(report);`;

const EXPECTED = {
  stack: [...Array(31).fill('deep'), 'entryFn', 'GreenThread.runBody', 'entry'],
  parkedStacks: 5,
  vm: ['1,1,1,1,1', '2,2,2,2,2', '3,3,3,3,3'],
  finallies: 3000 * 101,
  exits: 3000,
  live: 1,
};

describeOnFibers('V8 walking fiber stacks', () => {
  test('stack traces, parked stacks, vm contexts and unwinding thousands of parked fibers', () => {
    const out = resultOnFibers(WORKLOAD);
    // The same on threads: the reference for the frames below the entry.
    const threads = resultOf(runChild(`${REPORTING}\nconst g = require(${PKG});\nconst native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});\n${WORKLOAD}`,
      { env: { ...FIBERS_ENV, GREENTHREAD_BACKEND: 'threads' } }));
    expect(threads.backend.backend).toBe('threads');
    const { backend: _b, ...onThreads } = threads;
    expect(out).toEqual(onThreads);
    expect(out).toEqual(EXPECTED);
  });
});
