// RestartBackoff: when `greenthread --workers` restarts a worker that died, and when it gives
// up. A worker that ran for a while and then died is restarted at once: one crash is an
// incident, and the others keep serving meanwhile. A worker that dies soon after it started is
// most likely failing the same way every time (a bug at the top level, a missing file or
// variable, a port it cannot use), which no number of restarts fixes: those restarts wait longer
// each time, and after a few in a row the supervisor gives up, so a service manager above it
// (systemd, Kubernetes) sees the failure instead of a process that spins forever.

/** A worker that lived this long (ms) counts as started well: its death is restarted at once. */
export const STABLE_UPTIME_MS = 5000;
/** The wait (ms) before restarting after the first early death; it doubles with each next one. */
export const FIRST_RESTART_DELAY_MS = 100;
/** Early deaths in a row after which the supervisor gives up. */
export const MAX_EARLY_DEATHS = 5;

/** The restart decisions for one worker slot (the slot keeps its number across restarts). */
export class RestartBackoff {
  #earlyDeaths = 0;

  /**
   * The slot's worker died after `uptimeMs`: how long (ms) to wait before starting the next
   * one, or null to give up (the {@link MAX_EARLY_DEATHS}th early death in a row).
   */
  afterDeath(uptimeMs: number): number | null {
    if (uptimeMs >= STABLE_UPTIME_MS) {
      this.#earlyDeaths = 0;
      return 0;
    }
    this.#earlyDeaths++;
    if (this.#earlyDeaths >= MAX_EARLY_DEATHS) return null;
    return FIRST_RESTART_DELAY_MS * 2 ** (this.#earlyDeaths - 1);
  }

  /** Early deaths in a row so far. */
  get earlyDeaths(): number {
    return this.#earlyDeaths;
  }
}
