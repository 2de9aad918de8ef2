// Errors greenthread makes for the user have its own frames left out of their stacks, as Node
// leaves out its internals: the stack starts at the user's call. Checked from src/ (ts-jest)
// for a representative set, and from the compiled package loaded as an installed dependency.
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  DeadlockError, Empty, Event, Full, getCurrent, GreenPool, InvalidStateError, NotInGreenThreadError,
  PriorityQueue, Queue, sleep, spawn, SuspendNotAllowedError, Timeout,
} from '../../src';
import { isOwnFrame, typeError } from '../../src/errors';
import { fixtureDir, green, packageHome, root, runNode, thrownBy } from '../helpers';

const OWN_DIRS = [path.join(root, 'src') + path.sep, path.join(root, 'dist') + path.sep];

function frames(error: unknown): string[] {
  const stack = (error as Error).stack;
  expect(typeof stack).toBe('string');
  return (stack as string).split('\n').filter((line) => line.startsWith('    at '));
}

/** The stack starts at a line of this file, and no frame is greenthread's. */
function expectUserStack(error: unknown, type: new (...args: never[]) => Error): void {
  expect(error).toBeInstanceOf(type);
  const lines = frames(error);
  expect(lines.length).toBeGreaterThan(0);
  expect(lines[0]).toContain(__filename);
  for (const line of lines) for (const dir of OWN_DIRS) expect(line).not.toContain(dir);
  // The header is the error's own, as with any Error.
  expect((error as Error).stack?.startsWith(`${(error as Error).name}: ${(error as Error).message}`)).toBe(true);
}

describe('errors greenthread throws start at the user\'s call', () => {
  test('NotInGreenThreadError from sleep() in plain JavaScript', () => {
    expectUserStack(thrownBy(() => sleep(0)), NotInGreenThreadError);
  });

  test('Empty from getNowait(), Full from putNowait(), in plain JavaScript and in a green thread', async () => {
    const q = new Queue<number>(1);
    expectUserStack(thrownBy(() => q.getNowait()), Empty);
    q.putNowait(1);
    expectUserStack(thrownBy(() => q.putNowait(2)), Full);
    const [empty, full] = await green(() => {
      const r = new Queue<number>(1);
      const e = thrownBy(() => r.getNowait());
      r.putNowait(1);
      return [e, thrownBy(() => r.putNowait(2))];
    });
    expectUserStack(empty, Empty);
    expectUserStack(full, Full);
  });

  test('Empty from a timed get() that timed out', async () => {
    expectUserStack(await green(() => thrownBy(() => new Queue().get(true, 0.001))), Empty);
  });

  test('InvalidStateError from a second Event.send()', () => {
    const event = new Event<number>();
    event.send(1);
    expectUserStack(thrownBy(() => event.send(2)), InvalidStateError);
  });

  test('DeadlockError from g.wait() on itself', async () => {
    expectUserStack(await green(() => thrownBy(() => getCurrent()!.wait())), DeadlockError);
  });

  test('TypeError from spawn(42), RangeError from new GreenPool(-1), TypeError from sleep(\'x\')', () => {
    expectUserStack(thrownBy(() => spawn(42 as never)), TypeError);
    expectUserStack(thrownBy(() => new GreenPool(-1)), RangeError);
    expectUserStack(thrownBy(() => sleep('x' as never)), TypeError);
  });

  test('SuspendNotAllowedError from a blocking call in a PriorityQueue comparator', async () => {
    const error = await green(() => {
      const q = new PriorityQueue<number>(null, { compare: (a, b) => { sleep(0); return a - b; } });
      q.put(1);
      return thrownBy(() => q.put(2));
    });
    expectUserStack(error, SuspendNotAllowedError);
  });

  test('a Timeout that fired, thrown into its owner, starts where it was made', async () => {
    const error = await green(() => thrownBy(() => {
      const timeout = new Timeout(0.001);
      try {
        sleep(1);
      } finally {
        timeout.cancel();
      }
    }));
    expectUserStack(error, Timeout);
  });

  test('greenthread\'s own errors keep the user\'s frames up to Error.stackTraceLimit', () => {
    function nest(depth: number): unknown {
      return depth === 0 ? thrownBy(() => new Queue().getNowait()) : nest(depth - 1);
    }
    const limit = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = 10;
      const lines = frames(nest(20));
      expect(lines).toHaveLength(10);
      expect(lines[0]).toContain(__filename);
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  test('a stack can be replaced, and errors made with stack traces off have none', () => {
    const error = thrownBy(() => new Queue().getNowait()) as Error;
    error.stack = 'mine';
    expect(error.stack).toBe('mine');
    const limit = Error.stackTraceLimit;
    try {
      Error.stackTraceLimit = 0;
      expect((thrownBy(() => new Queue().getNowait()) as Error).stack).toBe('Empty: Queue is empty');
      (Error as { stackTraceLimit: unknown }).stackTraceLimit = 'off';
      expect((thrownBy(() => new Queue().getNowait()) as Error).stack).toBeUndefined();
    } finally {
      Error.stackTraceLimit = limit;
    }
  });

  test('hiding never throws: a frozen error, a missing Error.captureStackTrace', () => {
    const frozen = Object.freeze(thrownBy(() => new Queue().getNowait()) as Error);
    expect(frames(frozen)[0]).toContain(__filename);
    const capture = Error.captureStackTrace;
    try {
      (Error as { captureStackTrace?: unknown }).captureStackTrace = undefined;
      expect(thrownBy(() => new Queue().getNowait())).toBeInstanceOf(Empty);
      expect(typeError('x')).toBeInstanceOf(TypeError);
    } finally {
      Error.captureStackTrace = capture;
    }
  });

  test('only frames under the package\'s own dist/ and src/ count as its own', () => {
    expect(isOwnFrame(`    at get (${root}/dist/queue/light-queue.js:1:2)`)).toBe(true);
    expect(isOwnFrame(`    at ${root}/src/queue/light-queue.ts:1:2`)).toBe(true);
    expect(isOwnFrame(`    at get (file://${root}/dist/queue/light-queue.js:1:2)`)).toBe(true);
    expect(isOwnFrame(`    at main (${root}/test/app.js:1:2)`)).toBe(false);
    expect(isOwnFrame(`    at main (${root}/dist-demo/app.js:1:2)`)).toBe(false);
    expect(isOwnFrame(`    at main (${root}-demo/dist/app.js:1:2)`)).toBe(false);
  });
});

describe('loaded from the compiled package', () => {
  test('an installed greenthread (node_modules/greenthread/dist) hides its frames too', () => {
    const pkg = path.join(packageHome(), 'node_modules', 'greenthread');
    const dir = fixtureDir({
      'app.js': `'use strict';
const g = require(${JSON.stringify(pkg)});
const stacks = {};
function record(name, fn) {
  try { fn(); } catch (error) { stacks[name] = error.stack; }
}
record('sleep', () => g.sleep(0));
record('getNowait', () => new g.Queue().getNowait());
record('pool', () => new g.GreenPool(-1));
record('spawn', () => g.spawn(42));
g.run(() => {
  record('deadlock', () => g.getCurrent().wait());
  record('timeout', () => { const t = new g.Timeout(0.001); try { g.sleep(1); } finally { t.cancel(); } });
}).then(() => process.stdout.write(JSON.stringify(stacks)));
`,
    });
    const script = path.join(dir, 'app.js');
    for (const nodeArgs of [[], ['--preserve-symlinks']]) {
      const child = runNode([...nodeArgs, script]);
      expect(child.stderr).toBe('');
      const stacks = JSON.parse(child.stdout) as Record<string, string>;
      expect(Object.keys(stacks).sort()).toEqual(['deadlock', 'getNowait', 'pool', 'sleep', 'spawn', 'timeout']);
      for (const stack of Object.values(stacks)) {
        const lines = stack.split('\n').filter((line) => line.startsWith('    at '));
        expect(lines[0]).toContain(script);
        for (const line of lines) {
          expect(line).not.toContain(path.join(root, 'dist') + path.sep);
          expect(line).not.toContain(path.join(pkg, 'dist') + path.sep);
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
