// hub.blockingDetection's JavaScript half: turns the native watchdog (native/engine/
// blocking-watchdog.h) on and off, and republishes its warnings on the 'greenthread:blocking'
// diagnostics channel. The warning itself (with the stack) is printed natively, at the moment
// of the blocking, straight to stderr; this side only learns of it afterwards, from the loop.
import { native } from '../engine/binding';
import { blockingChannel } from './channels';
import { theHub } from './hub';

/** A 'greenthread:blocking' message. */
export interface BlockingMessage {
  /** The threshold passed to hub.blockingDetection(), in seconds. */
  seconds: number;
  /** How long the code had been running without suspending when its stack was taken. */
  elapsed: number;
  /** The stack of the code that was running then ("    at ..." lines, innermost first). */
  stack: string;
  /** The green thread that was running, or null for plain JavaScript. */
  thread: object | null;
}

let threshold: number | false = false;

function publish(seconds: number, elapsed: number, stack: string, thread: object | null): void {
  if (!blockingChannel.hasSubscribers) return;
  const message: BlockingMessage = { seconds, elapsed, stack, thread };
  blockingChannel.publish(message);
}

/** Turns detection on with `seconds` as threshold, or off with false (validated by the caller). */
export function setBlockingDetection(seconds: number | false): void {
  threshold = seconds;
  native.blockingDetection(seconds === false ? 0 : seconds, publish, theHub);
}

/** The current setting: the threshold in seconds, or false when off. */
export function blockingDetectionThreshold(): number | false {
  return threshold;
}
