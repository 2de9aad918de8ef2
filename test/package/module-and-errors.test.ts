// The package surface: CommonJS and ESM importers share one hub, every public name is
// exported, and every error class has its name, code, message and cross-copy instanceof.
import * as gt from '../../src';
import { AsyncScopeSuspendError, GreenletExit, NotInGreenThreadError, ThreadLimitError } from '../../src';
import { packageHome, runChild } from '../helpers';

test('every API name of the engine issue is exported', () => {
  for (const name of ['run', 'inGreenThread', 'waitFor', 'spawn', 'spawnN', 'spawnAfter', 'spawnAfterLocal',
    'sleep', 'getCurrent', 'kill', 'GreenThread', 'GreenletExit', 'NotInGreenThreadError', 'configure', 'hub']) {
    expect(gt).toHaveProperty(name);
  }
  expect(typeof gt.hub.onError).toBe('function');
  expect(typeof gt.hub.threads).toBe('function');
});

test('require and import reach the same single hub', () => {
  const result = runChild(`
    const cjs = require('greenthread');
    import('greenthread').then(async (esm) => {
      const fromEsm = esm.spawn(() => { esm.sleep(0); return cjs.getCurrent() !== null && esm.inGreenThread(); });
      const same = esm.spawn === cjs.spawn && esm.GreenThread === cjs.GreenThread;
      console.log(JSON.stringify({ same, inside: await fromEsm }));
    });
  `, { cwd: packageHome() });
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ same: true, inside: true });
});

describe('error classes', () => {
  const table: Array<[string, Error, string, RegExp]> = [
    ['GreenletExit', new GreenletExit(), 'ERR_GREENTHREAD_GREENLET_EXIT', /killed/],
    ['NotInGreenThreadError', new NotInGreenThreadError('sleep()'), 'ERR_GREENTHREAD_NOT_IN_GREEN_THREAD', /sleep\(\).*spawn\(fn\) or run\(fn\)/],
    ['ThreadLimitError', new ThreadLimitError(11, 5), 'ERR_GREENTHREAD_THREAD_LIMIT', /refused a new thread.*5 green threads/],
    ['AsyncScopeSuspendError', new AsyncScopeSuspendError('sleep()'), 'ERR_GREENTHREAD_ASYNC_SCOPE', /runInAsyncScope/],
  ];
  test.each(table)('%s has its name, code and message and is an Error', (name, error, code, message) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect((error as unknown as { code: string }).code).toBe(code);
    expect(error.message).toMatch(message);
    expect(error.stack).toContain(name);
  });

  test('instanceof recognises errors made by another loaded copy', () => {
    jest.isolateModules(() => {
      const other = require('../../src/errors') as typeof import('../../src/errors');
      expect(other.GreenletExit).not.toBe(GreenletExit);
      expect(new other.GreenletExit()).toBeInstanceOf(GreenletExit);
      expect(new other.NotInGreenThreadError()).toBeInstanceOf(NotInGreenThreadError);
      expect(new other.GreenletExit()).not.toBeInstanceOf(NotInGreenThreadError);
      expect(new Error('x')).not.toBeInstanceOf(GreenletExit);
    });
  });
});
