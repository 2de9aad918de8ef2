// The engine under the hub: raw coroutine resume/yield/switch, successors, its refusals,
// OS-thread reuse, and faults (WebAssembly traps) on a green thread's OS thread.
import { createCoroutine, discardCoroutine, engineStats, parkOnHub, resumeCoroutine, switchToCoroutine } from '../../src/engine/engine';
import { native } from '../../src/engine/binding';
import { PKG, runChild } from '../helpers';

test('resume runs a coroutine until it yields, and once more until it finishes', () => {
  const log: string[] = [];
  const id = createCoroutine(() => {
    log.push('start');
    parkOnHub(false);
    log.push('after first yield');
    parkOnHub(true);
    log.push('after second yield');
    return -1;
  });
  expect(resumeCoroutine(id)).toBe(false);
  expect(log).toEqual(['start']);
  expect(resumeCoroutine(id)).toBe(false);
  expect(resumeCoroutine(id)).toBe(true);
  expect(log).toEqual(['start', 'after first yield', 'after second yield']);
});

test('a coroutine hands the baton straight to another; the hub gets it back from whichever yields', () => {
  const log: string[] = [];
  let b = -1;
  const a = createCoroutine(() => {
    log.push('a starts');
    switchToCoroutine(b, false);  // b starts on its own OS thread
    log.push('a resumed by b');
    return -1;
  });
  b = createCoroutine(() => {
    log.push('b starts');
    parkOnHub(false);             // back to the hub: its resume(a) returns, a is still parked
    log.push('b resumed');
    switchToCoroutine(a, false);  // a finishes and hands the baton to the hub
    return -1;
  });
  expect(resumeCoroutine(a)).toBe(false);
  expect(log).toEqual(['a starts', 'b starts']);
  expect(resumeCoroutine(b)).toBe(true);  // a finished
  expect(log).toEqual(['a starts', 'b starts', 'b resumed', 'a resumed by b']);
  expect(engineStats().liveCoroutines).toBe(1);  // b, parked in its switch
  expect(resumeCoroutine(b)).toBe(true);
  expect(engineStats().liveCoroutines).toBe(0);
});

test('a finishing coroutine names its successor and the baton goes straight to it', () => {
  const log: string[] = [];
  const threadsBefore = engineStats().threadsStarted;
  let next = -1;
  const ids: number[] = [];
  // A chain of coroutines, each naming the next as it ends: one resume runs them all, each
  // starting on the OS thread the one before it has just left.
  for (let i = 0; i < 50; i++) {
    ids.push(createCoroutine(() => {
      log.push(`c${i}`);
      return i < 49 ? ids[i + 1] : -1;
    }));
  }
  next = ids[0];
  expect(resumeCoroutine(next)).toBe(true);
  expect(log).toEqual(Array.from({ length: 50 }, (_, i) => `c${i}`));
  expect(engineStats().liveCoroutines).toBe(0);
  expect(engineStats().threadsStarted - threadsBefore).toBeLessThanOrEqual(1);
});

// Refusals only a bug in the hub could cause carry InternalError's code, each its own message.
const BAD_COROUTINE = { code: 'ERR_GREENTHREAD_INTERNAL', message: expect.stringMatching(/no such green thread, or it cannot be resumed/) };

test('switching to a bad target is refused and the caller keeps the baton', () => {
  let refused: unknown[] = [];
  const id = createCoroutine((self) => {
    for (const target of [self, 12345, -1]) {
      try { switchToCoroutine(target, false); } catch (error) { refused.push(error); }
    }
    return -1;
  });
  expect(resumeCoroutine(id)).toBe(true);
  expect(refused).toEqual(Array.from({ length: 3 }, () => expect.objectContaining(BAD_COROUTINE)));
  refused = [];
  expect(() => switchToCoroutine(id, false)).toThrow(expect.objectContaining({ code: 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD' }));
});

test('an exception escaping a coroutine is rethrown by resume', () => {
  const id = createCoroutine(() => { throw new TypeError('escaped'); });
  expect(() => resumeCoroutine(id)).toThrow('escaped');
});

test('a finished coroutine cannot be resumed; bad ids are refused', () => {
  const id = createCoroutine(() => -1);
  expect(resumeCoroutine(id)).toBe(true);
  expect(() => resumeCoroutine(id)).toThrow(expect.objectContaining(BAD_COROUTINE));
  expect(() => resumeCoroutine(12345)).toThrow(expect.objectContaining(BAD_COROUTINE));
  expect(() => discardCoroutine(12345)).toThrow(expect.objectContaining(BAD_COROUTINE));
});

test('yield outside a coroutine and resume from inside one are refused', () => {
  expect(() => parkOnHub(false)).toThrow(expect.objectContaining({ code: 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD' }));
  const other = createCoroutine(() => -1);
  let refused: unknown;
  const id = createCoroutine(() => {
    try { resumeCoroutine(other); } catch (error) { refused = error; }
    return -1;
  });
  resumeCoroutine(id);
  expect(refused).toEqual(expect.objectContaining({
    code: 'ERR_GREENTHREAD_INTERNAL', message: expect.stringMatching(/only the hub may resume a green thread/),
  }));
  discardCoroutine(other);
});

test('finished coroutines give their OS thread back to the pool', () => {
  const before = engineStats().threadsStarted;
  for (let i = 0; i < 200; i++) resumeCoroutine(createCoroutine(() => -1));
  const after = engineStats();
  expect(after.threadsStarted - before).toBeLessThanOrEqual(2);
  expect(after.liveCoroutines).toBe(0);
});

test('the native module exposes its limits', () => {
  expect(native.defaultStackSize).toBe(1024 * 1024);
  expect(native.minStackSize).toBeLessThan(native.defaultStackSize);
});

test('a WebAssembly out-of-bounds trap in a green thread is a catchable error, not a crash', () => {
  // (module (memory 1) (func (export "load") (param i32) (result i32) local.get 0 i32.load))
  const result = runChild(`
    const { run } = require(${PKG});
    const bytes = new Uint8Array([0,97,115,109,1,0,0,0,1,6,1,96,1,127,1,127,3,2,1,0,5,3,1,0,1,7,8,1,4,108,111,97,100,0,0,10,9,1,7,0,32,0,40,2,0,11]);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes));
    run(() => {
      const ok = instance.exports.load(4);
      try { instance.exports.load(1 << 20); return 'no trap'; } catch (e) { return ok + ' ' + e.constructor.name; }
    }).then((out) => console.log(out));
  `);
  expect(result.signal).toBeNull();
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toBe('0 RuntimeError');
});

test('prod (the about-to-resume hint) is harmless for any id and any state', () => {
  const id = createCoroutine(() => { parkOnHub(false); return -1; });
  native.prod(id);           // created, never run
  resumeCoroutine(id);
  native.prod(id);           // parked, asleep in the kernel: wakes and spins
  native.prod(id);
  expect(resumeCoroutine(id)).toBe(true);
  native.prod(id);           // finished
  native.prod(-1);
  native.prod(1 << 30);
});
