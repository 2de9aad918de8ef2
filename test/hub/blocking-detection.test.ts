// hub.blockingDetection's argument checks and settings, in process (the warnings themselves
// are tested in child processes: test/process/blocking-detection.test.ts).
import { hub } from '../../src';
import { thrownBy } from '../helpers';

afterEach(() => hub.blockingDetection(false));

describe('hub.blockingDetection(seconds | false)', () => {
  test('is off by default; a number turns it on with that threshold, false turns it off', () => {
    expect(hub.blockingDetectionThreshold).toBe(false);
    hub.blockingDetection(2);
    expect(hub.blockingDetectionThreshold).toBe(2);
    hub.blockingDetection(0.5);
    expect(hub.blockingDetectionThreshold).toBe(0.5);
    hub.blockingDetection(false);
    expect(hub.blockingDetectionThreshold).toBe(false);
    hub.blockingDetection(false);  // off twice is fine
    expect(hub.blockingDetectionThreshold).toBe(false);
  });

  test.each([
    [undefined], [null], [true], ['1'], [1n], [{}], [NaN], [() => 1],
  ])('%p is a TypeError naming the call', (value) => {
    const error = thrownBy(() => hub.blockingDetection(value as never));
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/^hub\.blockingDetection\(\): seconds must be a number of seconds or false/);
    expect(hub.blockingDetectionThreshold).toBe(false);
  });

  test.each([[0], [-1], [0.001], [Infinity], [-Infinity]])('%p is a RangeError', (value) => {
    const error = thrownBy(() => hub.blockingDetection(value));
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^hub\.blockingDetection\(\): seconds must be finite and at least 0\.01/);
    expect(hub.blockingDetectionThreshold).toBe(false);
  });

  test('a bad value leaves a running detection as it was', () => {
    hub.blockingDetection(3);
    expect(() => hub.blockingDetection(-1)).toThrow(RangeError);
    expect(hub.blockingDetectionThreshold).toBe(3);
  });
});
