// What a green thread looks like from outside: String(thread) names it and its function,
// console.log / util.inspect add where it is (one short line, no scheduler fields), hub.threads()
// entries print the same way, error reports name the function; and a GreenThread can only be
// made by spawn() and its relatives (a TypeError at run time, a type error against dist/).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { GreenPool, GreenThread, Queue, hub, sleep, spawn, spawnAfter } from '../../src';
import { defaultErrorHandler } from '../../src/hub/report';
import { captureReported, green, packageHome, root, thrownBy } from '../helpers';

captureReported();

describe('printing a green thread', () => {
  test('String() gives its id and function name; an anonymous function has none', async () => {
    function fetchPage(): number { return 1; }
    const named = spawn(fetchPage);
    const anonymous = spawn(() => 2);
    expect(String(named)).toBe(`GreenThread#${named.id} (fetchPage)`);
    expect(String(anonymous)).toBe(`GreenThread#${anonymous.id}`);
    await Promise.all([named, anonymous]);
  });

  test('inspect shows the state: unstarted, running, suspended in a call, ready, dead (returned, threw, killed)', async () => {
    const q = new Queue<number>();
    function fetchPage(): number { return q.get(); }
    const lines = await green(() => {
      const out: Record<string, string> = {};
      const t = spawn(fetchPage);
      out.unstarted = inspect(t);
      out.running = spawn(function self() { return inspect(hub.threads().find((i) => i.thread.toString().endsWith('(self)'))?.thread); }).wait() as string;
      sleep(0);
      out.suspended = inspect(t);
      q.put(5);
      out.ready = inspect(t);
      t.wait();
      out.returned = inspect(t);
      const thrower = spawn(function thrower() { throw new RangeError('x'); });
      thrownBy(() => thrower.wait());
      out.threw = inspect(thrower);
      const victim = spawn(function victim() { sleep(10); });
      sleep(0);
      victim.kill();
      out.killed = inspect(victim);
      const later = spawnAfter(10, function later() { return 1; });
      out.scheduled = inspect(later);
      later.cancel();
      return { out, id: t.id };
    });
    const name = `GreenThread#${lines.id} (fetchPage)`;
    expect(lines.out).toEqual({
      unstarted: `${name} unstarted`,
      running: expect.stringMatching(/^GreenThread#\d+ \(self\) running$/),
      suspended: `${name} suspended in Queue.get()`,
      ready: `${name} ready`,
      returned: `${name} dead (returned)`,
      threw: expect.stringMatching(/^GreenThread#\d+ \(thrower\) dead \(threw\)$/),
      killed: expect.stringMatching(/^GreenThread#\d+ \(victim\) dead \(killed\)$/),
      scheduled: expect.stringMatching(/^GreenThread#\d+ \(later\) unstarted$/),
    });
  });

  test('no scheduler fields in what console.log prints, also inside arrays and objects', async () => {
    const t = spawn(function worker() { sleep(0); });
    const text = inspect({ list: [t] }, { depth: 5 });
    expect(text).toBe(`{ list: [ GreenThread#${t.id} (worker) unstarted ] }`);
    for (const field of ['epoch', 'queueSeq', 'resumeValue', 'coroutine', 'resource', 'asyncId']) expect(text).not.toContain(field);
    await t;
  });

  test('a GreenPool member carries the name of the function it runs', async () => {
    const name = await green(() => {
      const pool = new GreenPool(2);
      const member = pool.spawn(function crawl() { sleep(0); });
      const text = String(member);
      pool.waitAll();
      return text;
    });
    expect(name).toMatch(/^GreenThread#\d+ \(crawl\)$/);
  });

  test('hub.threads() entries print as the thread\'s line, then its stack (with or without captureStacks)', async () => {
    const result = await green(() => {
      const t = spawn(function sleeper() { sleep(10); });
      sleep(0);
      const plain = inspect(hub.threads().find((i) => i.thread === t));
      hub.captureStacks(true);
      const u = spawn(function napper() { sleep(10); });
      sleep(0);
      const withStack = inspect(hub.threads().find((i) => i.thread === u));
      hub.captureStacks(false);
      t.kill();
      u.kill();
      return { plain, withStack };
    });
    expect(result.plain).toMatch(/^GreenThread#\d+ \(sleeper\) suspended in sleep\(\)\n {4}at sleeper /);
    expect(result.withStack).toMatch(/^GreenThread#\d+ \(napper\) suspended in sleep\(\)\n {4}at napper /);
  });

  test('the default error report names the thread and its function', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { writes.push(String(chunk)); return true; });
    try {
      const t = spawn(function worker() { return 1; });
      await t;
      defaultErrorHandler(new Error('boom'), t);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toMatch(/^greenthread: uncaught exception in GreenThread#\d+ \(worker\):\nError: boom\n/);
  });
});

describe('GreenThread cannot be constructed from outside', () => {
  test('new GreenThread() is a TypeError naming spawn(), whatever the arguments; so is a subclass', () => {
    const Ctor = GreenThread as unknown as new (...args: unknown[]) => unknown;
    for (const args of [[], [() => 1], [() => 1, [], 0], [() => 1, [], 1]]) {
      const error = thrownBy(() => new Ctor(...args));
      expect(error).toBeInstanceOf(TypeError);
      expect((error as Error).message).toMatch(/spawn\(fn, \.\.\.args\)/);
    }
    class Sub extends (GreenThread as unknown as new (...args: unknown[]) => object) {
      constructor() { super(() => 1, [], 0); }
    }
    expect(() => new Sub()).toThrow(TypeError);
    expect(hub.threads()).toEqual([]);
  });

  test('the published types refuse `new GreenThread(...)`', () => {
    const dir = fs.mkdtempSync(path.join(packageHome(), 'consumer-'));
    fs.writeFileSync(path.join(dir, 'consumer.ts'), [
      "import { GreenThread, spawn } from 'greenthread';",
      'const ok: GreenThread<number> = spawn(() => 1);',
      'const bad = new GreenThread();',
      'export { ok, bad };',
    ].join('\n'));
    let output = '';
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '--noEmit', '--strict', '--skipLibCheck', 'false',
        '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(root, 'node_modules/@types'), path.join(dir, 'consumer.ts')],
      { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout);
    }
    // Exactly one error in the consumer, on the `new` line: the constructor is protected.
    // (Errors inside dist/ itself are the published-types test's business.)
    const consumerErrors = output.split('\n').filter((line) => line.startsWith('consumer.ts('));
    expect(consumerErrors).toEqual([expect.stringMatching(/^consumer\.ts\(3,13\): error TS2674: Constructor of class 'HubThread' is protected/)]);
  }, 60000);
});
