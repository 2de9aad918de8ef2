// The engine under the hub: raw coroutine resume/yield with values and errors, its refusals,
// OS-thread reuse, and faults (WebAssembly traps) on a green thread's OS thread.
import { createCoroutine, discardCoroutine, engineStats, resumeCoroutine, takeMailbox, yieldToHub } from '../src/engine';
import { native } from '../src/native';
import { PKG, runChild } from './helpers';

test('resume and yield pass values both ways; resume-by-throwing throws at the yield', () => {
  const log: unknown[] = [];
  const id = createCoroutine(() => {
    log.push(['start', takeMailbox()]);
    log.push(['got', yieldToHub(false)]);
    try {
      yieldToHub(true);
    } catch (error) {
      log.push(['caught', (error as Error).message]);
    }
  });
  expect(resumeCoroutine(id, 'first', false)).toBe(false);
  expect(resumeCoroutine(id, 'second', false)).toBe(false);
  expect(resumeCoroutine(id, new Error('thrown in'), true)).toBe(true);
  expect(log).toEqual([['start', 'first'], ['got', 'second'], ['caught', 'thrown in']]);
});

test('an exception escaping a coroutine is rethrown by resume', () => {
  const id = createCoroutine(() => { throw new TypeError('escaped'); });
  expect(() => resumeCoroutine(id, undefined, false)).toThrow('escaped');
});

test('a finished coroutine cannot be resumed; bad ids are refused', () => {
  const id = createCoroutine(() => {});
  expect(resumeCoroutine(id, undefined, false)).toBe(true);
  expect(() => resumeCoroutine(id, undefined, false)).toThrow(expect.objectContaining({ code: 'ERR_GREENTHREAD_BAD_COROUTINE' }));
  expect(() => resumeCoroutine(12345, undefined, false)).toThrow(expect.objectContaining({ code: 'ERR_GREENTHREAD_BAD_COROUTINE' }));
});

test('yield outside a coroutine and resume from inside one are refused', () => {
  expect(() => yieldToHub(false)).toThrow(expect.objectContaining({ code: 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD' }));
  const other = createCoroutine(() => {});
  let refused: unknown;
  const id = createCoroutine(() => {
    try { resumeCoroutine(other, undefined, false); } catch (error) { refused = (error as { code?: string }).code; }
  });
  resumeCoroutine(id, undefined, false);
  expect(refused).toBe('ERR_GREENTHREAD_NOT_ON_HUB');
  discardCoroutine(other);
});

test('finished coroutines give their OS thread back to the pool', () => {
  const before = engineStats().threadsStarted;
  for (let i = 0; i < 200; i++) resumeCoroutine(createCoroutine(() => {}), undefined, false);
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
  const id = createCoroutine(() => { yieldToHub(false); });
  native.prod(id);           // created, never run
  resumeCoroutine(id, undefined, false);
  native.prod(id);           // parked, asleep in the kernel: wakes and spins
  native.prod(id);
  expect(resumeCoroutine(id, undefined, false)).toBe(true);
  native.prod(id);           // finished
  native.prod(-1);
  native.prod(1 << 30);
});
