// Stacks of errors from blocking calls: an error handed to a green thread by waitFor, wait() or
// Event.wait carries the waiting thread's own stack at the call, appended once under a line
// naming the call and the thread; greenthread's own frames are left out of it.
import * as path from 'node:path';
import { Event, getCurrent, NotInGreenThreadError, sleep, spawn, waitFor } from '../../src';
import { green, thrownBy } from '../helpers';

const SRC = path.join(__dirname, '..', '..', 'src') + path.sep;

// The section appended to `stack`, from its header line on.
function section(error: unknown): string {
  const stack = (error as Error).stack as string;
  const at = stack.indexOf('\n    at <');
  return at < 0 ? '' : stack.slice(at);
}

test("a failed waitFor inside fetchPage() shows fetchPage in the error's stack", async () => {
  function fetchPage(): unknown {
    return waitFor(Promise.reject(new Error('x')));
  }
  const error = await green(() => thrownBy(fetchPage)) as Error;
  expect(error.message).toBe('x');
  const added = section(error);
  expect(added).toMatch(/^\n {4}at <waitFor\(\) in GreenThread#\d+(?: \([^)]*\))?>\n {4}at .*fetchPage/);
  expect(added).toContain('call-site.test');
  expect(added).not.toContain(SRC);
});

test('the section is appended once, however often the error is rethrown', async () => {
  const error = new Error('shared');
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  await green(() => {
    thrownBy(() => waitFor(rejected));
    thrownBy(() => waitFor(rejected));
  });
  expect(error.stack?.split('\n    at <waitFor()').length).toBe(2);
});

test("GreenThread.wait() rethrowing the other thread's error adds the waiter's stack", async () => {
  function collectResult(): unknown {
    const worker = spawn(() => { sleep(0); throw new Error('worker failed'); });
    return thrownBy(() => worker.wait());
  }
  const error = await green(collectResult);
  expect(section(error)).toMatch(/^\n {4}at <GreenThread\.wait\(\) in GreenThread#\d+(?: \([^)]*\))?>\n[\s\S]*collectResult/);
});

test("Event.wait() throwing a sendException's error adds the waiter's stack", async () => {
  const event = new Event();
  function awaitSignal(): unknown {
    return thrownBy(() => event.wait());
  }
  const error = await green(() => {
    spawn(() => event.sendException(new Error('signal failed')));
    return awaitSignal();
  });
  expect(section(error)).toMatch(/at <Event\.wait\(\) in GreenThread#\d+(?: \([^)]*\))?>[\s\S]*awaitSignal/);
});

test('values that cannot carry a stack are thrown unchanged', async () => {
  const frozen = Object.freeze(new Error('frozen'));
  const fixed = new Error('fixed');
  Object.defineProperty(fixed, 'stack', { value: 'fixed stack', writable: false });
  const odd = Object.create(null) as object;
  await green(() => {
    expect(thrownBy(() => waitFor(Promise.reject('a string')))).toBe('a string');
    expect(thrownBy(() => waitFor(Promise.reject(frozen)))).toBe(frozen);
    expect(section(frozen)).toBe('');
    expect(thrownBy(() => waitFor(Promise.reject(fixed)))).toBe(fixed);
    expect(fixed.stack).toBe('fixed stack');
    expect(thrownBy(() => waitFor(Promise.reject(odd)))).toBe(odd);
  });
  const { proxy, revoke } = Proxy.revocable(new Error('revoked'), {});
  revoke();
  await green(() => { expect(thrownBy(() => waitFor(Promise.reject(proxy)))).toBe(proxy); });
});

test('errors greenthread makes leave its own frames out of their stack', async () => {
  const notInThread = thrownBy(() => sleep(1)) as Error;
  expect(notInThread).toBeInstanceOf(NotInGreenThreadError);
  expect(notInThread.stack).not.toContain(SRC);
  expect(notInThread.stack).toContain('call-site.test');
  const deadlock = await green(() => thrownBy(() => waitFor(getCurrent() as never))) as Error;
  expect(deadlock.stack).not.toContain(SRC);
});
