// Which engine backends the debugger, heap snapshot and profiler suites (debugger-step,
// fiber-debug, fiber-inspect-heap, fiber-profile) run their child processes under: the one
// GREENTHREAD_BACKEND names when the whole suite runs once per backend, else both; fibers only
// where their self-check passes on this machine (elsewhere a child would fall back to threads).
import { native } from '../../src/engine/binding';

const fibersHere = native.fiberSelfCheck().ok;
const asked = process.env.GREENTHREAD_BACKEND;

/** The backends to test here, threads first. */
export const BACKENDS: string[] = (asked === 'threads' || asked === 'fibers' ? [asked] : ['threads', 'fibers'])
  .filter((backend) => backend === 'threads' || fibersHere);

/** Whether both backends can be compared in this run (a case that needs both runs in the fibers pass). */
export const COMPARE_BACKENDS = fibersHere && asked !== 'threads';
