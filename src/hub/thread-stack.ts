// The JavaScript stacks hub.threads() shows: taken natively (V8's structured stack trace, no
// JavaScript runs, so no Error.prepareStackTrace and nothing that could suspend), then printed
// like Error.stack with greenthread's own frames left out.
import { native } from '../engine/binding';
import { isOwnFrame } from '../errors';

// Frames taken beyond Error.stackTraceLimit, so the ones of ours filtered out (the hub's park,
// the Waiter, the blocking call itself) do not leave the user with fewer than the limit.
const OWN_FRAMES_MAX = 16;
const MAX_FRAMES = 200;

function frameLimit(): number {
  const limit: unknown = Error.stackTraceLimit;
  if (typeof limit !== 'number' || !(limit > 0)) return 0;
  return Math.min(Math.floor(limit), MAX_FRAMES);
}

/** The running stack's raw frames ("    at ..." lines), ours included; '' when stack traces are off. */
export function captureRawStack(): string {
  const limit = frameLimit();
  return limit === 0 ? '' : native.captureStack(limit + OWN_FRAMES_MAX);
}

/** `header`, then the frames of `raw` that are not greenthread's, at most Error.stackTraceLimit. */
export function stackText(header: string, raw: string): string {
  const limit = frameLimit();
  const kept: string[] = [header];
  if (raw !== '') {
    for (const line of raw.split('\n')) {
      if (kept.length > limit) break;
      if (!isOwnFrame(line)) kept.push(line);
    }
  }
  return kept.join('\n');
}
