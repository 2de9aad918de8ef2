// The graceful stop of a `greenthread --workers` worker: asked by the primary (a message), or
// sent SIGTERM/SIGINT directly (a service manager signalling the whole process group, Ctrl-C in a
// terminal), the worker closes every listening socket its script opened, lets the connections it
// has accepted run to their end, then exits. A second signal ends it at once.
import { closeOpenServers } from '../io/open-servers';

/** The message the primary sends a worker to stop it gracefully. */
export const STOP_MESSAGE = 'greenthread:stop';

const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
const SIGNAL_NUMBERS: Record<(typeof SIGNALS)[number], number> = { SIGTERM: 15, SIGINT: 2 };

/**
 * Installs the graceful stop in this worker process (before its script runs). The exit code is
 * the script's `process.exitCode` if it set one; otherwise 0 when the primary asked, and
 * 128 + the signal's number (143, 130) for a signal sent to the worker itself, so the primary
 * can tell a worker stopped behind its back (which it restarts) from one it stopped.
 */
export function stopGracefullyWhenAsked(): void {
  let stopping = false;

  const stop = (exitCode: number): void => {
    stopping = true;
    closeOpenServers(() => {
      const own = process.exitCode;
      process.exit(own !== undefined && own !== 0 && own !== '0' ? own : exitCode);
    });
  };

  const onSignal = (signal: (typeof SIGNALS)[number]): void => {
    if (!stopping) {
      stop(128 + SIGNAL_NUMBERS[signal]);
      return;
    }
    // Asked twice: die of the signal, as if no handler had been installed.
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);

  // (Listening for messages keeps the IPC channel referenced, which node:cluster does anyway: a
  // worker's shared listening sockets live in the primary, and their connections come over it.)
  process.on('message', (message: unknown) => {
    if (message === STOP_MESSAGE && !stopping) stop(0);
  });
}
