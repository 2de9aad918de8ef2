// The node:diagnostics_channel channels greenthread publishes on, all named here, so APM tools
// and tests can observe green threads. Every publisher checks `hasSubscribers` first: without a
// subscriber a channel costs one property read and no message is built.
import * as diagnosticsChannel from 'node:diagnostics_channel';

/** Channel names. Subscribe with `diagnostics_channel.subscribe(name, fn)`. */
export const channelNames = {
  /**
   * A green thread was created (spawn, spawnN, spawnAfter, run, GreenPool...): published on
   * the spawning side, before it starts. Message: `{ thread }`.
   */
  spawn: 'greenthread:spawn',
  /**
   * A green thread ended: returned, threw, was killed, or never started (killed or cancelled
   * first, or refused an OS thread). Published on the thread itself when its body ended, after
   * its result is recorded and before its waiters run. Message: `{ thread, threw: false,
   * result }` or `{ thread, threw: true, error }`.
   */
  end: 'greenthread:end',
  /**
   * hub.blockingDetection saw JavaScript run longer than its threshold without suspending.
   * Published from the event loop soon after the warning was printed (the interrupt that takes
   * the stack cannot run JavaScript). Message: `{ seconds, elapsed, stack, thread }`.
   */
  blocking: 'greenthread:blocking',
} as const;

/** A 'greenthread:spawn' message. */
export interface SpawnMessage {
  /** The new thread (a GreenThread), not started yet. */
  thread: object;
}

/** A 'greenthread:end' message: `threw` tells which of `result` and `error` it carries. */
export type EndMessage =
  | {
    /** The GreenThread that ended. */
    thread: object;
    /** false: it returned. */
    threw: false;
    /** What its function returned. */
    result: unknown;
  }
  | {
    /** The GreenThread that ended. */
    thread: object;
    /** true: it threw, was killed or never started. */
    threw: true;
    /** What it threw or ended with: GreenletExit when killed, ThreadLimitError when refused a thread. */
    error: unknown;
  };

/** @internal The channel objects (diagnostics_channel keeps one per name, so these are those). */
export const spawnChannel = diagnosticsChannel.channel(channelNames.spawn);
/** @internal */
export const endChannel = diagnosticsChannel.channel(channelNames.end);
/** @internal */
export const blockingChannel = diagnosticsChannel.channel(channelNames.blocking);
