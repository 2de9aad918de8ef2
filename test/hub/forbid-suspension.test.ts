// Hub.forbidSuspension: code run on a green thread's behalf that must not be interleaved with
// other threads (a comparator, a vm script with a watchdog) gets SuspendNotAllowedError from
// any blocking call, and the thread can suspend again once it has returned.
import { SuspendNotAllowedError, sleep, spawn } from '../../src';
import { theHub } from '../../src/hub/hub';
import { green, thrownBy } from '../helpers';

describe('Hub.forbidSuspension', () => {
  test('a blocking call inside is refused with SuspendNotAllowedError naming the call and the place', async () => {
    const error = await green(() => thrownBy(() => theHub.forbidSuspension('inside a test comparator', () => sleep(0))));
    expect(error).toBeInstanceOf(SuspendNotAllowedError);
    expect((error as Error).message).toMatch(/sleep\(\).*inside a test comparator/);
    expect((error as SuspendNotAllowedError).code).toBe('ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED');
  });

  test('nested calls keep the outer place; suspension works again afterwards', async () => {
    const result = await green(() => {
      const inner = theHub.forbidSuspension('outer', () => theHub.forbidSuspension('inner', () => thrownBy(() => sleep(0.001))));
      sleep(0.001);
      return (inner as Error).message;
    });
    expect(result).toMatch(/outer/);
  });

  test('it returns fn\'s value, restores the thread when fn throws, and runs plain JavaScript as is', async () => {
    expect(theHub.forbidSuspension('anywhere', () => 7)).toBe(7);
    const value = await green(() => {
      expect(() => theHub.forbidSuspension('x', () => { throw new RangeError('boom'); })).toThrow(RangeError);
      return spawn(() => { sleep(0); return 5; }).wait();
    });
    expect(value).toBe(5);
  });
});
