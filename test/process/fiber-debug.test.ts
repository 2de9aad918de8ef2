// The inspector on green threads, under each backend (GREENTHREAD_BACKEND=threads|fibers): a
// child runs test/process/fixtures/fiber-debug-target.js under --inspect-brk and is driven out of
// process (fiber-debug-client.ts). A breakpoint inside a green thread that has switched, a
// Debugger.pause delivered while a green thread spins in a JS loop, stepping into a function
// that parks and out of it again, and evaluation on the top frame and its caller after a switch
// (seeing what another green thread wrote meanwhile). debugger-step.test.ts steps over a switch.
import * as path from 'node:path';
import { CRASH_TEXT } from '../helpers';
import { BACKEND_EXPRESSION, Inspector, Paused, TargetExit, driveTarget, evaluateOn, lineOf, startTarget } from './fiber-debug-client';
import { BACKENDS, COMPARE_BACKENDS } from './fiber-inspect-backends';

jest.setTimeout(60000);

const TARGET = path.join(__dirname, 'fixtures', 'fiber-debug-target.js');
const URL_REGEX = 'fiber-debug-target\\.js$';
const line = (marker: string): number => lineOf(TARGET, marker);

/** Enables the debugger, sets breakpoints on `markers`, and lets the target run past --inspect-brk's stop. */
async function start(inspector: Inspector, markers: string[]): Promise<void> {
  // Debugger domain only, disabled before the connection is dropped (see debugger-step.test.ts:
  // nodejs/node#64209 on Node <= 22.23).
  await inspector.send('Debugger.enable');
  for (const marker of markers) {
    await inspector.send('Debugger.setBreakpointByUrl', { lineNumber: line(marker), urlRegex: URL_REGEX });
  }
  await inspector.send('Runtime.runIfWaitingForDebugger');
  const first: Paused = await inspector.next('Debugger.paused');  // --inspect-brk's stop on line 1
  expect(first.hitBreakpoints ?? []).toEqual([]);
  await inspector.send('Debugger.resume');
}

async function finish(inspector: Inspector): Promise<void> {
  await inspector.send('Debugger.resume');
  await inspector.send('Debugger.disable');
}

function expectClean(result: TargetExit, lines: string[]): void {
  expect(result.stderr).not.toMatch(CRASH_TEXT);
  expect({ status: result.status, signal: result.signal, stdout: result.stdout.split('\n').filter(Boolean) })
    .toEqual({ status: 0, signal: null, stdout: lines });
}

describe.each(BACKENDS)('GREENTHREAD_BACKEND=%s', (backend) => {
  test('a breakpoint inside a green thread after two switches pauses there, with its own frames and locals', async () => {
    const target = startTarget(TARGET, { args: ['breakpoint'], env: { GREENTHREAD_BACKEND: backend } });
    const result = await driveTarget(target, async (inspector) => {
      await start(inspector, ['BP']);
      const paused: Paused = await inspector.next('Debugger.paused');
      expect(paused.hitBreakpoints?.length).toBe(1);
      expect(paused.callFrames[0]).toMatchObject({ functionName: 'breakpointBody', location: { lineNumber: line('BP') } });
      const evaluate = (expression: string): Promise<unknown> => evaluateOn(inspector, paused.callFrames[0], expression);
      expect(await evaluate(BACKEND_EXPRESSION)).toBe(backend);
      expect(await evaluate('g.inGreenThread()')).toBe(true);
      expect(await evaluate('mine')).toEqual({ name: 'mine', n: 7 });
      // The other green thread ran while this one was parked.
      expect(await evaluate('shared')).toBe('other');
      // The stack is the green thread's own: no hub frame (g.run's caller) below it.
      expect(paused.callFrames.map((f) => f.functionName)).not.toContain('spawn');
      await finish(inspector);
    });
    expectClean(result, ['bp 8 other', 'other done', 'done 8']);
  });

  test('Debugger.pause stops a green thread spinning in a JS loop; a write through evaluate ends the loop', async () => {
    const target = startTarget(TARGET, { args: ['pause'], env: { GREENTHREAD_BACKEND: backend } });
    const result = await driveTarget(target, async (inspector) => {
      await start(inspector, []);
      await target.printed('spinning');
      // 'spinning' can reach us while console.log is still returning: a pause that lands there
      // is resumed and asked for again, until one stops the loop itself.
      let paused: Paused;
      for (;;) {
        await inspector.send('Debugger.pause');
        paused = await inspector.next('Debugger.paused');
        if (paused.callFrames[0].functionName === 'spin') break;
        await inspector.send('Debugger.resume');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(paused.callFrames[0]).toMatchObject({ functionName: 'spin', location: { lineNumber: line('LOOP') } });
      const evaluate = (expression: string): Promise<unknown> => evaluateOn(inspector, paused.callFrames[0], expression);
      expect(await evaluate(BACKEND_EXPRESSION)).toBe(backend);
      expect(await evaluate('g.inGreenThread()')).toBe(true);
      expect(await evaluate('turns > 0')).toBe(true);
      await evaluate('stop = true');
      await finish(inspector);
    });
    expectClean(result, ['spinning', 'spun true', 'other done', 'done true']);
  });

  test('stepping into a function that parks, over the park and out again; evaluation on both frames after the switch', async () => {
    const target = startTarget(TARGET, { args: ['step'], env: { GREENTHREAD_BACKEND: backend } });
    const result = await driveTarget(target, async (inspector) => {
      await start(inspector, ['CALL']);
      let paused: Paused = await inspector.next('Debugger.paused');
      expect(paused.callFrames[0]).toMatchObject({ functionName: 'stepBody', location: { lineNumber: line('CALL') } });
      expect(await evaluateOn(inspector, paused.callFrames[0], BACKEND_EXPRESSION)).toBe(backend);
      const step = async (how: 'stepInto' | 'stepOver' | 'stepOut'): Promise<Paused> => {
        await inspector.send(`Debugger.${how}`);
        paused = await inspector.next('Debugger.paused');
        return paused;
      };
      expect((await step('stepInto')).callFrames[0]).toMatchObject({ functionName: 'parker', location: { lineNumber: line('PARKER_FIRST') } });
      expect((await step('stepOver')).callFrames[0].location.lineNumber).toBe(line('PARK'));
      expect(await evaluateOn(inspector, paused.callFrames[0], 'shared')).toBe('hub');
      // Over sleep(0): this green thread parks, the other one writes `shared`, and the step
      // completes here when this one is resumed.
      expect((await step('stepOver')).callFrames[0]).toMatchObject({ functionName: 'parker', location: { lineNumber: line('PARKER_RETURN') } });
      expect(await evaluateOn(inspector, paused.callFrames[0], 'before')).toBe(41);
      expect(await evaluateOn(inspector, paused.callFrames[0], 'shared')).toBe('other');
      // The caller's frame, below the switch, is intact and evaluable.
      expect(paused.callFrames[1].functionName).toBe('stepBody');
      expect(await evaluateOn(inspector, paused.callFrames[1], 'callerLocal')).toBe('caller');
      // Out of parker: back in stepBody past the call (the statement completes), the value assigned.
      expect((await step('stepOut')).callFrames[0]).toMatchObject({ functionName: 'stepBody', location: { lineNumber: line('STEP_AFTER') } });
      expect(await evaluateOn(inspector, paused.callFrames[0], 'value')).toBe(42);
      await finish(inspector);
    });
    expectClean(result, ['stepped 42 caller other', 'other done', 'done 42']);
  });

  test('an evaluation that parks while paused (sleep) returns after other green threads ran; their breakpoints are skipped meanwhile', async () => {
    const target = startTarget(TARGET, { args: ['evaluate'], env: { GREENTHREAD_BACKEND: backend } });
    const result = await driveTarget(target, async (inspector) => {
      await start(inspector, ['EVAL_PAUSED', 'EVAL_OTHER']);
      const paused: Paused = await inspector.next('Debugger.paused');
      expect(paused.callFrames[0]).toMatchObject({ functionName: 'evalPaused', location: { lineNumber: line('EVAL_PAUSED') } });
      // The paused green thread parks inside the evaluation: the hub and evalOther run (its
      // breakpoint is not hit: V8's inspector ignores breaks while paused), then it resumes
      // into the evaluation, which returns.
      expect(await evaluateOn(inspector, paused.callFrames[0], 'g.sleep(0.1), [mine, shared]')).toEqual(['paused one', 'evalOther ran']);
      expect(inspector.queued('Debugger.paused')).toBe(0);
      await finish(inspector);
    });
    expectClean(result, ['done paused one,other value evalOther ran']);
  });
});

/** Steps into, from the last line of a green thread, `steps` times (or until the target ends); returns where it stopped. */
async function stepPastTheEnd(backend: string, steps: number): Promise<{ trace: string[]; result: TargetExit }> {
  const target = startTarget(TARGET, { args: ['end'], env: { GREENTHREAD_BACKEND: backend } });
  const trace: string[] = [];
  const result = await driveTarget(target, async (inspector) => {
    await start(inspector, ['END_RETURN']);
    let paused: Paused | null = await inspector.next('Debugger.paused');
    expect(await evaluateOn(inspector, paused!.callFrames[0], BACKEND_EXPRESSION)).toBe(backend);
    const ended = target.printed('done 5').then(() => null);
    for (let i = 0; i < steps && paused !== null; i++) {
      trace.push(`${paused.callFrames[0].functionName}:${paused.callFrames[0].location.lineNumber}`);
      await inspector.send('Debugger.stepInto');
      paused = await Promise.race([inspector.next('Debugger.paused'), ended]);
    }
    if (paused !== null) await inspector.send('Debugger.resume');
    await inspector.send('Debugger.disable');
  });
  return { trace, result };
}

(COMPARE_BACKENDS ? test : test.skip)('stepping into, past the end of a green thread (it finishes, the hub takes over), walks the same lines under both backends', async () => {
  // The step outlives the green thread: its stack is torn down (with fibers, its ThreadId
  // recycled) while the debugger follows into the hub's JavaScript.
  const threads = await stepPastTheEnd('threads', 60);
  const fibers = await stepPastTheEnd('fibers', 60);
  expect(fibers.trace[0]).toBe(`endBody:${line('END_RETURN')}`);
  expect(fibers.trace.length).toBeGreaterThan(5);
  expect(fibers.trace).toEqual(threads.trace);
  for (const { result } of [threads, fibers]) expectClean(result, ['other done', 'done 5']);
});
