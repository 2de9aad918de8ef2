// The fiber backend's self-check (native/engine/fiber-offsets.cc), internal until issue 10 uses
// it: on this machine's four Node binaries it passes on the main thread, in a Worker and in a
// green thread, with the offsets the research table lists (fibers-feasibility.md §2); every
// check can be forced to fail by name through GREENTHREAD_FIBER_SELFCHECK_FAIL and then names
// itself; it is not run at load, not exported, and writes nothing (switching still works after
// a thousand calls). Forced failures and Workers run in child processes.
import * as pkg from '../../src';
import { run, sleep, spawn } from '../../src';
import { FiberOffsets, FiberSelfCheckReport, native } from '../../src/engine/binding';
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

jest.setTimeout(60000);

// The research table (fibers-feasibility.md §2), per exact Node binary measured there. Both
// sources, the code decode and the ELF .symtab, must say the same.
const RESEARCH: Record<string, FiberOffsets> = {
  'v20.20.2': { threadIdTls: -0x40, stackStartTls: -0x10, threadManager: 0xe3e8, mutexOwner: 0x28, heap: 0xd2c0, heapStackHolder: 0x50, heapStackStart: 0xf8f0, stackSize: null, elfThreadIdTls: -0x40, elfStackStartTls: -0x10 },
  'v22.23.5': { threadIdTls: -0x68, stackStartTls: -0x18, threadManager: 0xee68, mutexOwner: 0x28, heap: 0xdea0, heapStackHolder: 0x190, heapStackStart: 0x698, stackSize: null, elfThreadIdTls: -0x68, elfStackStartTls: -0x18 },
  'v24.22.3': { threadIdTls: -0x98, stackStartTls: -0x18, threadManager: 0xfd88, mutexOwner: 0x8, heap: 0xeff8, heapStackHolder: 0x218, heapStackStart: 0x6c0, stackSize: 0x11208, elfThreadIdTls: -0x98, elfStackStartTls: -0x18 },
  'v26.12.1': { threadIdTls: -0x170, stackStartTls: -0x98, threadManager: 0x10148, mutexOwner: 0x8, heap: 0xf3c0, heapStackHolder: 0x220, heapStackStart: 0x750, stackSize: 0x115a0, elfThreadIdTls: -0x170, elfStackStartTls: -0x98 },
};
const expected = RESEARCH[process.version];
// On another machine's Node the check may pass or fail closed; only the measured binaries are pinned.
const onResearchedNode = expected ? test : test.skip;

const CHECKS = [
  'platform', 'shadow-stack', 'v8-in-executable', 'decode-thread-id', 'decode-stack-start',
  'decode-heap-stack-start', 'decode-stack-size', 'tls-bounds', 'elf-symtab', 'thread-id-live',
  'locker-agrees', 'thread-id-fresh-thread', 'thread-manager-current-id', 'stack-start-live',
  'heap-stack-start-live', 'stack-size-live', 'canary',
];
// The canary is the engine's (it switches, which this read-only check never does): forcing it
// fails the backend's choice (test/engine/fiber-backend.test.ts), not fiberSelfCheck().
const READ_ONLY_CHECKS = CHECKS.filter((name) => name !== 'canary');

// Child scripts load the addon the way the package does (node-gyp-build, so the matrix's
// GREENTHREAD_PREBUILD applies), without the package: nothing else runs.
const LOAD_NATIVE = `const native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});`;

test('the report has its documented shape and lists every check', () => {
  const report: FiberSelfCheckReport = native.fiberSelfCheck();
  expect(report.checks).toEqual(CHECKS);
  expect(typeof report.ok).toBe('boolean');
  if (report.ok) {
    expect(report.check).toBeNull();
    expect(report.reason).toBeNull();
  } else {
    expect(report.reason).toMatch(new RegExp(`^${report.check}: `));
  }
});

onResearchedNode('passes on the main thread with the offsets of the research table', () => {
  const report = native.fiberSelfCheck();
  expect({ ok: report.ok, reason: report.reason }).toEqual({ ok: true, reason: null });
  expect(report.offsets).toEqual(expected);
});

onResearchedNode('passes in a Worker and in a second Worker, with the same offsets', () => {
  const result = resultOf(runChild(`${REPORTING}
    const { Worker } = require('node:worker_threads');
    const source = ${JSON.stringify(LOAD_NATIVE)} +
      "require('node:worker_threads').parentPort.postMessage(native.fiberSelfCheck());";
    const once = () => new Promise((resolve, reject) => {
      const w = new Worker(source, { eval: true });
      w.once('message', resolve);
      w.once('error', reject);
    });
    once().then((first) => once().then((second) => report([first, second])));
  `));
  for (const r of result as FiberSelfCheckReport[]) {
    expect({ ok: r.ok, reason: r.reason }).toEqual({ ok: true, reason: null });
    expect(r.offsets).toEqual(expected);
  }
});

// Under the fiber backend a green thread runs on a fiber stack of the hub's thread, where the
// live stack-start check rightly fails (the slot holds the forged fiber top): thread backend only.
const onResearchedThreads = expected && native.backend().backend === 'threads' ? test : test.skip;
onResearchedThreads('passes inside a green thread (its own OS thread under the thread backend)', async () => {
  const report = await run(() => spawn(() => { sleep(0); return native.fiberSelfCheck(); }).wait());
  expect({ ok: report.ok, reason: report.reason }).toEqual({ ok: true, reason: null });
  expect(report.offsets).toEqual(expected);
});

test('each check forced to fail by GREENTHREAD_FIBER_SELFCHECK_FAIL fails, named in the reason', () => {
  // One child sets the variable before each call (a real process.env writes the C environment).
  const results = resultOf(runChild(`${REPORTING}
    ${LOAD_NATIVE}
    const out = {};
    for (const name of [...native.fiberSelfCheck().checks, 'no-such-check']) {
      process.env.GREENTHREAD_FIBER_SELFCHECK_FAIL = name;
      out[name] = native.fiberSelfCheck();
    }
    delete process.env.GREENTHREAD_FIBER_SELFCHECK_FAIL;
    out.after = native.fiberSelfCheck();
    report(out);
  `)) as Record<string, FiberSelfCheckReport>;
  if (expected) expect(results.canary.ok).toBe(true);
  for (const name of READ_ONLY_CHECKS) {
    const r = results[name];
    // Where a real failure comes first (another machine), that one is the reason: still closed.
    if (expected) expect({ name, ok: r.ok, check: r.check }).toEqual({ name, ok: false, check: name });
    expect(r.ok).toBe(false);
    if (r.check === name) expect(r.reason).toBe(`${name}: forced to fail by GREENTHREAD_FIBER_SELFCHECK_FAIL`);
  }
  const unknown = results['no-such-check'];
  expect(unknown.ok).toBe(false);
  expect(unknown.check).toBe('GREENTHREAD_FIBER_SELFCHECK_FAIL');
  expect(unknown.reason).toMatch(/^GREENTHREAD_FIBER_SELFCHECK_FAIL=no-such-check names no check \(the checks: platform, /);
  if (expected) expect(results.after.ok).toBe(true);
});

test('a forced failure reaches Workers too (each Worker runs its own check)', () => {
  const result = resultOf(runChild(`${REPORTING}
    const { Worker } = require('node:worker_threads');
    const source = ${JSON.stringify(LOAD_NATIVE)} +
      "require('node:worker_threads').parentPort.postMessage(native.fiberSelfCheck());";
    const w = new Worker(source, { eval: true });
    w.once('message', (r) => report({ ok: r.ok, check: r.check }));
  `, { env: { GREENTHREAD_FIBER_SELFCHECK_FAIL: 'stack-start-live' } }));
  if (expected) expect(result).toEqual({ ok: false, check: 'stack-start-live' });
  expect(result.ok).toBe(false);
});

test('a forced failure leaves the package working, on the thread backend', () => {
  const result = resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    g.run(() => [1, 2, 3].map((x) => g.spawn((y) => { g.sleep(0); return y * 2; }, x)).map((t) => t.wait()))
      .then(report);
  `, { env: { GREENTHREAD_FIBER_SELFCHECK_FAIL: 'thread-id-live' } }));
  expect(result).toEqual([2, 4, 6]);
});

test('it is internal: not exported from the package root', () => {
  expect(Object.keys(pkg)).not.toContain('fiberSelfCheck');
  expect(JSON.stringify(Object.keys(pkg))).not.toMatch(/fiber/i);
});

test('it writes nothing: after 1000 calls, interleaved green threads still switch correctly', async () => {
  const first = native.fiberSelfCheck();
  for (let i = 0; i < 1000; i++) {
    const r = native.fiberSelfCheck();
    if (r.ok !== first.ok || r.reason !== first.reason) throw new Error(`call ${i}: ${r.reason}`);
  }
  const threads = 10;
  const rounds = 200;
  const { order, sums } = await run(() => {
    const trace: number[] = [];
    const ts = Array.from({ length: threads }, (_, id) => spawn(() => {
      let sum = 0;
      for (let r = 0; r < rounds; r++) {
        trace.push(id);
        sum += id * rounds + r;
        if (r % 50 === 0) native.fiberSelfCheck();  // also between switches, from green threads
        sleep(0);
      }
      return sum;
    }));
    const sums = ts.map((t) => t.wait());
    return { order: trace.slice(0, threads * 2), sums };
  });
  // Round-robin: every thread takes its first turn before any takes its second.
  expect(order).toEqual([...Array.from({ length: threads }, (_, i) => i), ...Array.from({ length: threads }, (_, i) => i)]);
  expect(sums).toEqual(Array.from({ length: threads }, (_, id) => id * rounds * rounds + (rounds * (rounds - 1)) / 2));
  expect(native.fiberSelfCheck().ok).toBe(first.ok);
});
