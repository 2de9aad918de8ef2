// node:diagnostics_channel channels: 'greenthread:spawn' and 'greenthread:end' for every green
// thread's start and end, with the message shapes documented in src/hub/channels.ts, published
// only while someone subscribes ('greenthread:blocking' is tested with the warnings, in
// test/process/blocking-detection.test.ts).
import * as dc from 'node:diagnostics_channel';
import { AsyncLocalStorage } from 'node:async_hooks';
import { channelNames, GreenletExit, GreenPool, run, sleep, spawn, SuspendNotAllowedError } from '../../src';
import type { GreenThread } from '../../src';
import { captureReported } from '../helpers';

const reported = captureReported();

type Message = { thread: GreenThread<unknown>; threw?: boolean; result?: unknown; error?: unknown };

function recording(fn: (log: Array<[string, Message]>) => Promise<void> | void): Promise<Array<[string, Message]>> {
  const log: Array<[string, Message]> = [];
  const onSpawn = (m: unknown): void => { log.push(['spawn', m as Message]); };
  const onEnd = (m: unknown): void => { log.push(['end', m as Message]); };
  dc.subscribe(channelNames.spawn, onSpawn);
  dc.subscribe(channelNames.end, onEnd);
  return Promise.resolve(fn(log)).finally(() => {
    dc.unsubscribe(channelNames.spawn, onSpawn);
    dc.unsubscribe(channelNames.end, onEnd);
  }).then(() => log);
}

test('the names are greenthread:spawn, greenthread:end and greenthread:blocking', () => {
  expect(channelNames).toEqual({ spawn: 'greenthread:spawn', end: 'greenthread:end', blocking: 'greenthread:blocking' });
});

test('spawn and end messages for a returning, a throwing and a killed thread', async () => {
  let threads: GreenThread<unknown>[] = [];
  const log = await recording(async () => {
    await run(() => {
      const ok = spawn(function returns() { return 42; });
      const bad = spawn(function throws() { throw new RangeError('no'); });
      const victim = spawn(function killed() { sleep(10); });
      sleep(0);
      victim.kill();
      ok.wait();
      try { bad.wait(); } catch { /* expected */ }
      threads = [ok, bad, victim];
    });
  });
  const [ok, bad, victim] = threads;
  const about = (t: GreenThread<unknown>) => log.filter(([, m]) => m.thread === t).map(([kind, m]) => (
    kind === 'spawn' ? ['spawn', Object.keys(m)] : ['end', m.threw, m.threw ? (m.error as Error).constructor.name : m.result]));
  expect(about(ok)).toEqual([['spawn', ['thread']], ['end', false, 42]]);
  expect(about(bad)).toEqual([['spawn', ['thread']], ['end', true, 'RangeError']]);
  expect(about(victim)).toEqual([['spawn', ['thread']], ['end', true, 'GreenletExit']]);
  expect((log.find(([kind, m]) => kind === 'end' && m.thread === victim)?.[1].error)).toBeInstanceOf(GreenletExit);
  expect(reported).toHaveLength(1);  // the throwing thread's exception still goes to hub.onError
});

test('a thread killed before it starts, and GreenPool members, are announced and ended too', async () => {
  const log = await recording(async () => {
    await run(() => {
      spawn(() => 1).kill();
      const pool = new GreenPool(2);
      for (let i = 0; i < 3; i++) pool.spawn(() => i);
      pool.waitAll();
    });
  });
  const spawned = log.filter(([kind]) => kind === 'spawn').map(([, m]) => m.thread);
  const ended = log.filter(([kind]) => kind === 'end').map(([, m]) => m.thread);
  expect(spawned.length).toBeGreaterThanOrEqual(5);  // run's own thread, the killed one, 3 members
  expect(new Set(ended)).toEqual(new Set(spawned));
});

test('spawn is published on the spawning side (its AsyncLocalStorage store), end on the thread itself', async () => {
  const als = new AsyncLocalStorage<string>();
  const seen: string[] = [];
  const onSpawn = (): void => { seen.push(`spawn:${als.getStore()}`); };
  const onEnd = (): void => { seen.push(`end:${als.getStore()}`); };
  dc.subscribe(channelNames.spawn, onSpawn);
  dc.subscribe(channelNames.end, onEnd);
  try {
    await als.run('spawner', () => run(() => { als.run('child', () => { spawn(() => { als.enterWith('body'); }).wait(); }); }));
  } finally {
    dc.unsubscribe(channelNames.spawn, onSpawn);
    dc.unsubscribe(channelNames.end, onEnd);
  }
  expect(seen).toEqual(['spawn:spawner', 'spawn:child', 'end:body', 'end:spawner']);
});

test('a subscriber may not suspend the thread it observes', async () => {
  const errors: unknown[] = [];
  const onEnd = (): void => { try { sleep(0); } catch (error) { errors.push(error); } };
  dc.subscribe(channelNames.end, onEnd);
  try {
    await run(() => spawn(() => 1).wait());
  } finally {
    dc.unsubscribe(channelNames.end, onEnd);
  }
  expect(errors.length).toBeGreaterThan(0);
  expect(errors[0]).toBeInstanceOf(SuspendNotAllowedError);
});

test('nothing is published without subscribers', async () => {
  const spawnChannel = dc.channel(channelNames.spawn);
  const endChannel = dc.channel(channelNames.end);
  expect(spawnChannel.hasSubscribers).toBe(false);
  expect(endChannel.hasSubscribers).toBe(false);
  const publish = jest.spyOn(spawnChannel, 'publish');
  const publishEnd = jest.spyOn(endChannel, 'publish');
  try {
    await run(() => spawn(() => 1).wait());
    expect(publish).not.toHaveBeenCalled();
    expect(publishEnd).not.toHaveBeenCalled();
  } finally {
    publish.mockRestore();
    publishEnd.mockRestore();
  }
});
