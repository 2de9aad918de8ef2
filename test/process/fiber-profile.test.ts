// The CPU profiler and green threads, under each backend (GREENTHREAD_BACKEND=threads|fibers), in
// child processes running test/process/fixtures/fiber-profile-target.js. V8 keeps a sample only
// while the isolate is held by the V8 ThreadId that started the profiler (CpuSampler::SampleStack
// in cpu-profiler.cc; /work/notes/docs-fiber-inspect.md explains). So, on both backends:
// `--cpu-prof` (started on the main thread) samples the hub's code, never a green thread's; a
// profiler started inside a green thread samples that green thread only on fibers (with threads,
// SIGPROF goes to the green thread's OS thread, which blocks it). Stress: --cpu-prof at a 50 µs
// interval and a profiler started by a switching green thread, across hundreds of thousands of
// switches and lifecycles, end cleanly (a sample never lands mid-switch: V8 drops it unlocked).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resultOf, root, runNode } from '../helpers';
import { BACKENDS } from './fiber-inspect-backends';

jest.setTimeout(120000);

const TARGET = path.join(__dirname, 'fixtures', 'fiber-profile-target.js');

/** Runs the target in `mode` with `nodeArgs`; returns its RESULT and the .cpuprofile it wrote (if any). */
function profileRun(backend: string, mode: string, options: { nodeArgs?: string[]; rounds?: number } = {}): { out: any; counts: Record<string, number> | null } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-cpuprof-'));
  try {
    const nodeArgs = (options.nodeArgs ?? []).map((arg) => arg.replace('<dir>', dir));
    const child = runNode([...nodeArgs, TARGET, root, mode, String(options.rounds ?? 20000)],
      { env: { GREENTHREAD_BACKEND: backend }, timeoutMs: 110000 });
    const out = resultOf(child);
    expect(out.backend).toBe(backend);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) return { out, counts: null };
    const profile = JSON.parse(fs.readFileSync(path.join(dir, files[0]), 'utf8'));
    const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
    const counts: Record<string, number> = {};
    for (const id of profile.samples as number[]) {
      const name = byId.get(id).callFrame.functionName || '(anonymous)';
      counts[name] = (counts[name] ?? 0) + 1;
    }
    return { out, counts };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(BACKENDS)('GREENTHREAD_BACKEND=%s', (backend) => {
  test('--cpu-prof samples the hub\'s code but not a green thread\'s (comparable CPU time each)', () => {
    const { counts } = profileRun(backend, 'cpu-prof', { nodeArgs: ['--cpu-prof', '--cpu-prof-dir=<dir>'] });
    expect(counts).not.toBeNull();
    const hub = counts!.hubWork ?? 0;
    const green = counts!.greenWork ?? 0;
    expect(hub).toBeGreaterThan(20);
    // Not strictly zero: V8 also records a stack synchronously on a deoptimisation, on any thread.
    expect(green * 20).toBeLessThan(hub);
  });

  test('a profiler started inside a green thread samples that green thread on fibers, and nothing with threads', () => {
    const { out } = profileRun(backend, 'in-green');
    const profiled = out.counts.greenWork ?? 0;
    const other = out.counts.otherWork ?? 0;
    if (backend === 'fibers') {
      // The starter's ThreadId holds the isolate while it runs: sampled. The other green
      // thread has its own ThreadId: its samples are dropped like the hub's.
      expect(profiled).toBeGreaterThan(20);
      expect(other * 20).toBeLessThan(profiled);
    } else {
      // SIGPROF goes to the starter's OS thread, which (as every pooled thread) blocks
      // asynchronous signals: no sample at all is taken while anyone runs.
      expect(profiled + other).toBeLessThan(5);
    }
  });

  test('--cpu-prof at a 50 µs interval across 200,000 switches and 2,000 lifecycles ends cleanly with a profile', () => {
    const { out, counts } = profileRun(backend, 'switches', { nodeArgs: ['--cpu-prof', '--cpu-prof-interval', '50', '--cpu-prof-dir=<dir>'] });
    expect(out.switches).toBe(200000);
    expect(counts).not.toBeNull();
  });

  test('a profiler started by one of ten switching green threads (50 µs interval, 200,000 switches) ends cleanly', () => {
    const { out } = profileRun(backend, 'switches-in-green');
    expect(out.switches).toBe(200000);
    // With fibers the starter itself is sampled between its switches.
    if (backend === 'fibers') expect(out.sampled).toBe(true);
  });
});

// --- Known defects (test.failing: they pass while the defect is there; when it is fixed jest
// reports them, and `.failing` comes off). /work/notes/docs-fiber-inspect.md has the analysis.

/** `test`, or `test.failing` where `defective` says the backend still has the defect. */
const known = (defective: boolean): jest.It => (defective ? test.failing : test);

describe.each(BACKENDS)('GREENTHREAD_BACKEND=%s, known defects', (backend) => {
  // Fibers: a finished fiber's V8 per-thread data is deleted (DiscardThreadSpecificMetadata, to
  // recycle its ThreadId) while a CpuSampler started on that fiber keeps a raw pointer to it and
  // reads two fields of it on every tick: a use after free (shown under gdb in the notes) that
  // has not crashed, but makes what is sampled afterwards depend on freed memory. This checks
  // only what holds today on both backends: the process carries on and the profile comes back.
  test('a profiler that outlives the green thread that started it stops cleanly from the hub', () => {
    const out = resultOf(runNode([TARGET, root, 'outlive'], { env: { GREENTHREAD_BACKEND: backend } }));
    expect(typeof out.laterSampled).toBe('boolean');
  });

  // Threads: the sampler signals the OS thread that started the profiler (pthread_kill from
  // V8's v8:ProfEvntProc thread). A pooled thread that retires exits, glibc unmaps its stack
  // (which holds its pthread descriptor) once its stack cache overflows, and the next tick
  // faults in __pthread_kill_implementation. A profiler is started on a green thread's OS
  // thread by node:inspector in that green thread, and by a DevTools client whenever its
  // message is dispatched while a green thread runs (Node delivers it as an isolate interrupt).
  known(backend === 'threads')('a profiler started in a green thread survives that OS thread retiring', () => {
    const out = resultOf(runNode([TARGET, root, 'retire'], { env: { GREENTHREAD_BACKEND: backend } }));
    expect(out).toEqual({ backend, stopped: true });
  });
});
