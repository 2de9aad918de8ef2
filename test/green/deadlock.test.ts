// D11 (defects-2026-11.md): a green thread waiting for itself never returns, so it throws
// DeadlockError at once, whichever way it waits: wait() or waitFor() of its own handle.
import { DeadlockError, getCurrent, spawn, waitFor, type GreenThread } from '../../src';
import { green, thrownBy } from '../helpers';

test('waitFor(getCurrent()) throws DeadlockError', async () => {
  const error = await green(() => thrownBy(() => waitFor(getCurrent() as GreenThread)));
  expect(error).toBeInstanceOf(DeadlockError);
  expect((error as Error).message).toContain('waitFor()');
});

test('g.wait() from g itself throws DeadlockError', async () => {
  const error = await green(() => thrownBy(() => (getCurrent() as GreenThread).wait()));
  expect(error).toBeInstanceOf(DeadlockError);
  expect((error as Error).message).toContain('GreenThread.wait()');
});

test('waiting for another thread, or waitFor of another thread, still works', async () => {
  expect(await green(() => {
    const other = spawn(() => 6);
    return waitFor(spawn(() => 7)) * other.wait();
  })).toBe(42);
});
