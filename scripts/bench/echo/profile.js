'use strict';
// Where the echo server's time per message goes: runs examples/echo-server.js under `perf
// record` (with --perf-basic-prof, so JavaScript frames have names) while the C load generator
// drives it, then sorts the samples (self time) into switching, the socket layer (dist/io/), the
// hub (dist/hub, dist/green), Node's net (its JavaScript and C++ streams code), the kernel's
// TCP and system-call work, and the rest (V8 builtins, GC, allocation).
//   node scripts/bench/echo/profile.js [--conns 100] [--seconds 3]
// Needs Linux `perf` and permission to profile (root, or perf_event_paranoid <= 1).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const { buildLoadgen } = require('./build');

const ROOT = path.join(__dirname, '..', '..', '..');
const { values: args } = parseArgs({ options: { conns: { type: 'string', default: '100' }, seconds: { type: 'string', default: '3' } } });
const conns = Number(args.conns);
const seconds = Number(args.seconds);

// Kernel symbols of scheduling, futexes, yields and wake-ups: the cost of a switch between OS threads.
const KERNEL_SWITCH = /sched|futex|switch_|schedule|_raw_spin|yield|wake|pick_next|enqueue|dequeue|update_curr|idle|hrtimer|rseq|ttwu|select_task|load_balance|psi_|exit_to_user|irqentry|x2apic|send_call|smp_call|__get_user|cpufreq|finish_task/;
// V8's thread-state handoff (Locker/Unlocker, archive/restore) and the engine's baton.
const V8_SWITCH = /ThreadManager|Locker|Unlocker|RestoreThread|ArchiveThread|RestoreDebug|DebuggableStackFrame|PerThreadData|ThreadId|HandleScopeImplementer|ExecutionAccess|Isolate::Enter|Isolate::Exit/;
const LIBC_SWITCH = /sched_yield|^syscall|pthread|futex|sched_getcpu|clock_gettime/;
const NODE_NET = /node:|uv_|uv__|StreamBase|LibuvStreamWrap|TCPWrap|node::/;

function category(dso, symbol) {
  if (dso === '[kernel.kallsyms]') return KERNEL_SWITCH.test(symbol) ? 'switching' : 'kernel: TCP, syscalls, epoll';
  if (dso === 'greenthread.node' || dso === '[vdso]') return 'switching';
  if (symbol.includes('/dist/io/')) return 'socket layer (src/io)';
  if (/\/dist\/(hub|green|pool|sync|queue)\//.test(symbol)) return 'hub (src/hub, src/green)';
  if (V8_SWITCH.test(symbol)) return 'switching';
  if (dso.startsWith('libc') && LIBC_SWITCH.test(symbol)) return 'switching';
  if (NODE_NET.test(symbol)) return "Node's net (JS and C++)";
  if (symbol.includes('examples/echo-server.js')) return 'the handler';
  return 'other (V8 builtins, GC, malloc)';
}

async function main() {
  const loadgen = buildLoadgen();
  if (loadgen.error) throw new Error(loadgen.error);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gt-echo-profile-'));
  const data = path.join(dir, 'perf.data');
  const server = spawn(process.execPath, ['--perf-basic-prof', path.join(ROOT, 'examples', 'echo-server.js'), '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on [\d.]+:(\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    server.on('exit', () => reject(new Error(`echo server exited: ${out}`)));
  });
  const load = spawn(loadgen.path, ['-p', String(port), '-c', String(conns), '-d', String(seconds + 1), '-w', '0.5', '-P', String(server.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let result = '';
  load.stdout.on('data', (chunk) => { result += chunk; });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const perf = spawnSync('perf', ['record', '-F', '2000', '-g', '-p', String(server.pid), '-o', data, '--', 'sleep', String(seconds)], { encoding: 'utf8' });
  if (perf.error || perf.status !== 0) throw new Error(`perf record failed: ${perf.error?.message ?? perf.stderr}`);
  await new Promise((resolve) => load.on('close', resolve));
  server.kill('SIGTERM');
  await new Promise((resolve) => server.on('close', resolve));
  const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'dso,sym', '-g', 'none', '--percent-limit', '0', '--stdio'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const totals = new Map();
  for (const line of report.stdout.split('\n')) {
    const match = /^\s*([\d.]+)%\s+(.+?)\s{2,}\[.\]\s+(.*)$/.exec(line);
    if (!match) continue;
    const dso = match[2].startsWith('[JIT]') ? '[JIT]' : match[2];
    const name = category(dso, match[3]);
    totals.set(name, (totals.get(name) ?? 0) + Number(match[1]));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const rate = JSON.parse(result.trim().split('\n').pop() || '{}');
  const perMessage = rate.server?.cpuSeconds && rate.msgs ? (rate.server.cpuSeconds / rate.msgs) * 1e6 : null;
  console.log(`echo profile: ${conns} connections, ${Math.round(rate.msgsPerSec ?? 0).toLocaleString('en-US')} msgs/s` +
    (perMessage === null ? '' : `, server CPU ${perMessage.toFixed(1)} µs per message`));
  for (const [name, share] of [...totals].sort((a, b) => b[1] - a[1])) {
    console.log(`  ${share.toFixed(1).padStart(5)} %  ${name}${perMessage === null ? '' : `  (${(perMessage * share / 100).toFixed(2)} µs/msg)`}`);
  }
}

main().catch((error) => {
  console.error(`profile: ${error.message}`);
  process.exit(1);
});
