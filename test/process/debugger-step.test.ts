// A debugger stepping over a switch, under each backend: a child runs
// test/process/fixtures/debugger-step-target.js under --inspect-brk (GREENTHREAD_BACKEND=threads
// or fibers), and this test drives it out of process over the inspector protocol
// (fiber-debug-client.ts). It breaks on a line in a green thread, steps over sleep(0) (the green
// thread parks, the hub and another green thread run, then it is resumed), reads a local after
// the switch and lets the child finish. The pending step is restored by V8 when the green thread
// takes the isolate back; on Node 20 that used to SIGSEGV unless the isolate is entered first
// (native/engine/engine.h, EnterBeforeRestore), with threads and with fibers alike.
import * as path from 'node:path';
import { CRASH_TEXT } from '../helpers';
import { BACKEND_EXPRESSION, Inspector, Paused, driveTarget, evaluateOn, lineOf, startTarget } from './fiber-debug-client';
import { BACKENDS } from './fiber-inspect-backends';

jest.setTimeout(60000);

const TARGET = path.join(__dirname, 'fixtures', 'debugger-step-target.js');
const line = (marker: string): number => lineOf(TARGET, marker);


describe.each(BACKENDS)('GREENTHREAD_BACKEND=%s', (backend) => {
  test('stepping over sleep(0) in a green thread lands on the next line, sees its locals, and the process ends cleanly', async () => {
    const target = startTarget(TARGET, { env: { GREENTHREAD_BACKEND: backend } });
    const result = await driveTarget(target, (inspector) => stepThroughTheSwitch(inspector, backend));
    expect({ status: result.status, signal: result.signal, stdout: result.stdout.split('\n').sort() })
      .toEqual({ status: 0, signal: null, stdout: ['', 'done 42', 'local 42 true', 'other ran'] });
    expect(result.stderr).not.toMatch(CRASH_TEXT);
  });
});

async function stepThroughTheSwitch(inspector: Inspector, backend: string): Promise<void> {
  // Only the Debugger domain is enabled, and it is disabled again before the connection is
  // dropped: Node 22.23 and older crash (nodejs/node#64209, a write to the closed socket on the
  // inspector's I/O thread) if they still have an event to send once the client has gone, and
  // the Runtime domain would send one for every console.log of the target.
  await inspector.send('Debugger.enable');
  const breakLine = line('BREAK');
  await inspector.send('Debugger.setBreakpointByUrl', { lineNumber: breakLine, urlRegex: 'debugger-step-target\\.js$' });
  await inspector.send('Runtime.runIfWaitingForDebugger');

  // --inspect-brk stops before the first line; from there, on to the breakpoint.
  let paused: Paused = await inspector.next('Debugger.paused');
  if ((paused.hitBreakpoints ?? []).length === 0) {
    await inspector.send('Debugger.resume');
    paused = await inspector.next('Debugger.paused');
  }
  expect(paused.hitBreakpoints?.length).toBe(1);
  expect(paused.callFrames[0].location.lineNumber).toBe(breakLine);
  const evaluate = (expression: string): Promise<unknown> => evaluateOn(inspector, paused.callFrames[0], expression);
  // The child really runs the backend this case is about (no silent fallback).
  expect(await evaluate(BACKEND_EXPRESSION)).toBe(backend);
  expect(await evaluate('inGreen')).toBe(true);
  expect(await evaluate('local')).toBe(20);

  /** Steps over the current line and returns the line where it stopped next. */
  const stepOver = async (): Promise<number> => {
    await inspector.send('Debugger.stepOver');
    paused = await inspector.next('Debugger.paused');
    return paused.callFrames[0].location.lineNumber;
  };
  expect(await stepOver()).toBe(line('SWITCH'));
  expect(await evaluate('local')).toBe(21);
  // The switch: the green thread parks in sleep(0), the hub and the other green thread run,
  // and the step completes when this green thread has the isolate again.
  expect(await stepOver()).toBe(line('AFTER'));
  expect(paused.callFrames[0].functionName).toBe('body');
  expect(await evaluate('local')).toBe(21);
  expect(await stepOver()).toBe(line('LAST'));
  expect(await evaluate('local')).toBe(42);

  await inspector.send('Debugger.resume');
  // Nothing is sent after this reply (see above); the target runs on undisturbed.
  await inspector.send('Debugger.disable');
}
