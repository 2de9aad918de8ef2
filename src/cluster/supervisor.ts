// The primary process of `greenthread --workers N`: forks N workers with node:cluster (each one
// runs the CLI again, which runs the script's top level in a green thread on the worker's own
// hub), keeps N of them running, and stops them gracefully on SIGTERM or SIGINT. The listening
// sockets the workers open with listen() are node:cluster's shared handles: the primary listens
// and hands connections to the workers in turn. The primary prints only what goes wrong.
import cluster, { type Worker } from 'node:cluster';
import { RestartBackoff, STABLE_UPTIME_MS } from './restart-backoff';
import { STOP_MESSAGE } from './worker-stop';

/** What {@link superviseWorkers} runs. */
export interface SupervisorOptions {
  /** How many workers. */
  workers: number;
  /** Seconds the workers have to stop after SIGTERM/SIGINT before they are killed. */
  gracefulTimeout: number;
  /** The file each worker runs (the CLI). */
  exec: string;
  /** Its arguments (the script and the script's arguments). */
  args: string[];
  /** The Node options of the workers. */
  execArgv: string[];
}

/** The environment variable that tells a worker's script its slot number, 1 to N. */
export const WORKER_ENV = 'GREENTHREAD_WORKER';
/** The environment variable that tells a worker's script how many workers there are. */
export const WORKERS_ENV = 'GREENTHREAD_WORKERS';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
/** The exit codes of a worker's graceful stop: asked by the primary, or by SIGINT or SIGTERM. */
const CLEAN_STOP_CODES = new Set([0, 128 + 2, 128 + 15]);
/** Node's exit code for an invalid command-line option. */
const NODE_BAD_OPTION = 9;

/** One of the N places a worker runs in; a restarted worker takes the place of the dead one. */
interface Slot {
  readonly number: number;
  worker: Worker | null;
  /** Whether the worker has come online (Node started it; its script is being loaded). */
  online: boolean;
  startedAt: number;
  restart: NodeJS.Timeout | null;
  readonly backoff: RestartBackoff;
}

/**
 * Runs the primary until its workers are gone; then the process exits: 0 when every worker
 * ended with code 0 by itself, or stopped cleanly after SIGTERM/SIGINT; 1 when the supervisor
 * gave up on a worker that kept dying soon after starting, or a worker did not stop cleanly
 * (a non-zero exit code, killed after the graceful timeout or by a second signal); Node's own
 * exit code (9 for a bad Node option) when Node could not start a worker at all.
 */
export function superviseWorkers(options: SupervisorOptions): void {
  cluster.setupPrimary({ exec: options.exec, args: options.args, execArgv: options.execArgv });
  const slots: Slot[] = [];
  let stopping = false;
  let failed = false;
  // The exit code when it is not simply 0 or 1 (Node's own, when it could not start a worker).
  let exitCode: number | null = null;
  let killTimer: NodeJS.Timeout | null = null;

  const say = (text: string): void => {
    process.stderr.write(`greenthread: ${text}\n`);
  };

  const start = (slot: Slot): void => {
    slot.restart = null;
    const worker = cluster.fork({ [WORKER_ENV]: String(slot.number), [WORKERS_ENV]: String(options.workers) });
    slot.worker = worker;
    slot.online = false;
    slot.startedAt = performance.now();
    worker.on('online', () => { slot.online = true; });
    // An IPC error (a message to a worker that is exiting) changes nothing: its exit comes.
    worker.on('error', () => {});
    worker.on('exit', (code, signal) => { onExit(slot, worker, code, signal); });
  };

  const finishIfDone = (): void => {
    if (slots.some((slot) => slot.worker !== null || slot.restart !== null)) return;
    if (killTimer !== null) clearTimeout(killTimer);
    for (const signal of SIGNALS) process.removeListener(signal, onSignal);
    process.exit(exitCode ?? (failed ? 1 : 0));
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker === worker) slot.worker = null;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    if (stopping) {
      // A worker signalled directly (the whole process group got SIGTERM, or Ctrl-C) exits
      // with 128 + the signal's number after its graceful stop, or dies of the signal if it
      // came before the worker could handle it: clean stops too.
      const clean = signal === null ? CLEAN_STOP_CODES.has(code ?? -1) : (SIGNALS as readonly string[]).includes(signal);
      if (!clean) {
        failed = true;
        say(`worker ${slot.number} (pid ${worker.process.pid}) ${how} while stopping`);
      }
    } else if (signal === null && code === 0) {
      // The script ended by itself: its work is done, nothing to restart.
    } else if (!slot.online && code === NODE_BAD_OPTION) {
      // Node itself refused to start it (a bad Node option): every restart would too.
      say(`worker ${slot.number} (pid ${worker.process.pid}) ${how} before Node started it: stopping`);
      exitCode ??= code;
      stopAll();
    } else {
      const uptime = performance.now() - slot.startedAt;
      const delay = slot.backoff.afterDeath(uptime);
      if (delay === null) {
        say(`worker ${slot.number} (pid ${worker.process.pid}) ${how}; it died within ${STABLE_UPTIME_MS / 1000} s ` +
          `of starting ${slot.backoff.earlyDeaths} times in a row, so it is not restarted again: stopping`);
        failed = true;
        stopAll();
      } else {
        say(`worker ${slot.number} (pid ${worker.process.pid}) ${how}; restarting it${delay > 0 ? ` in ${delay} ms` : ''}`);
        if (delay === 0) start(slot);
        else slot.restart = setTimeout(() => { start(slot); }, delay);
      }
    }
    finishIfDone();
  };

  const stopAll = (): void => {
    stopping = true;
    for (const slot of slots) {
      if (slot.restart !== null) clearTimeout(slot.restart);
      slot.restart = null;
      const worker = slot.worker;
      if (worker !== null && worker.isConnected()) worker.send(STOP_MESSAGE, () => {});
    }
    killTimer = setTimeout(() => {
      say(`workers still running ${options.gracefulTimeout} s after being asked to stop: killing them`);
      killAll();
    }, options.gracefulTimeout * 1000);
  };

  const killAll = (): void => {
    failed = true;
    for (const slot of slots) slot.worker?.process.kill('SIGKILL');
  };

  const onSignal = (): void => {
    if (stopping) killAll();  // asked again: no more waiting
    else stopAll();
    finishIfDone();
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  for (let number = 1; number <= options.workers; number++) {
    const slot: Slot = { number, worker: null, online: false, startedAt: 0, restart: null, backoff: new RestartBackoff() };
    slots.push(slot);
    start(slot);
  }
}
