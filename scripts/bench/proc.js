'use strict';
// Readings from /proc (Linux only, like greenthread itself): this process's memory and OS
// thread count, and how busy the whole machine is, so a report can say when the VM was too
// loaded for its figures to mean much.
const fs = require('node:fs');

/** VmRSS and VmSize in KiB and the OS thread count of this process (/proc/self/status). */
function selfStatus() {
  const text = fs.readFileSync('/proc/self/status', 'utf8');
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) : NaN;
  };
  return { rssKiB: field('VmRSS'), vmKiB: field('VmSize'), threads: field('Threads') };
}

// Aggregate jiffies of the "cpu" line of /proc/stat: [busy, total].
function cpuJiffies() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const idleAll = idle + iowait;
  const busy = user + nice + system + irq + softirq + steal;
  return [busy, busy + idleAll];
}

/**
 * Share of all CPUs the machine spent busy over `ms` (0..1), while this process only sleeps:
 * what other processes on the VM are using. Jiffies are 10 ms, so keep `ms` at a few hundred.
 */
async function machineBusy(ms) {
  const [busy0, total0] = cpuJiffies();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const [busy1, total1] = cpuJiffies();
  return total1 > total0 ? (busy1 - busy0) / (total1 - total0) : 0;
}

// CPU ticks used by this process's waited-for children, user + system (/proc/self/stat
// cutime and cstime, in the same USER_HZ ticks as /proc/stat).
function childTicks() {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

/**
 * Starts watching how busy the machine is; the returned function gives the share of all CPUs
 * (0..1) used since then by processes other than this one and its finished children: the
 * background load a benchmark run had to share the VM with.
 */
function watchBackground() {
  const [busy0, total0] = cpuJiffies();
  const children0 = childTicks();
  const self0 = process.cpuUsage();
  return () => {
    const [busy1, total1] = cpuJiffies();
    const self = process.cpuUsage(self0);
    const ours = childTicks() - children0 + (self.user + self.system) / 10000;
    return total1 > total0 ? Math.max(0, (busy1 - busy0 - ours) / (total1 - total0)) : 0;
  };
}

/** What each of `count` green threads added between two selfStatus() readings. */
function perThreadDelta(before, after, count) {
  return {
    rssKiB: (after.rssKiB - before.rssKiB) / count,
    vmKiB: (after.vmKiB - before.vmKiB) / count,
    osThreads: (after.threads - before.threads) / count,
  };
}

// USER_HZ: the unit of /proc's CPU times (100 on every Linux this runs on).
const TICKS_PER_SECOND = 100;

// The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses):
// [0] is the state, [1] the parent pid, [11] utime, [12] stime, [17] the OS thread count.
function statFields(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * `pid` and all its living descendants, parents before children: a server that forks workers
 * (node:cluster, `greenthread --workers N`) is measured and stopped as the whole tree.
 */
function processTree(pid) {
  const children = new Map();
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let parent;
    try { parent = Number(statFields(name)[1]); } catch { continue; }  // gone meanwhile
    if (!children.has(parent)) children.set(parent, []);
    children.get(parent).push(Number(name));
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/**
 * CPU seconds (user + system, all threads), resident memory and OS threads summed over the
 * processes `pids` that still run, and how many do. Read at both ends of a window, the CPU
 * difference is what the tree spent in it.
 */
function treeUsage(pids) {
  let ticks = 0;
  let rssKiB = 0;
  let threads = 0;
  let processes = 0;
  for (const pid of pids) {
    try {
      const fields = statFields(pid);
      ticks += Number(fields[11]) + Number(fields[12]);
      threads += Number(fields[17]);
      rssKiB += Number(/^VmRSS:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      processes++;
    } catch {
      // exited meanwhile
    }
  }
  return { cpuSeconds: ticks / TICKS_PER_SECOND, rssKiB, threads, processes };
}

module.exports = { selfStatus, machineBusy, watchBackground, perThreadDelta, processTree, treeUsage, TICKS_PER_SECOND };
