// The native binding's error codes are the codes of greenthread's error classes: every
// `code = "..."` in native/binding/addon.cc names an exported class's code, so the two cannot
// drift apart; and the engine's user-facing refusal becomes its class.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as gt from '../../src';
import { asPublicError } from '../../src/engine/engine';

// The code of every error class the package exports, made with its default arguments.
function exportedCodes(): Map<string, string> {
  const codes = new Map<string, string>();
  for (const [name, value] of Object.entries(gt)) {
    if (typeof value !== 'function' || !(value.prototype instanceof gt.GreenthreadError) || name === 'Timeout') continue;
    codes.set((new (value as new () => gt.GreenthreadError)()).code, name);
  }
  codes.set('ERR_GREENTHREAD_TIMEOUT', 'Timeout');  // made only inside a green thread
  return codes;
}

test('every code the binding throws is the code of an exported error class', () => {
  const source = fs.readFileSync(path.join(__dirname, '../../native/binding/addon.cc'), 'utf8');
  const thrown = [...source.matchAll(/\bcode = "([^"]*)"/g)].map((match) => match[1]);
  // The scan sees the codes (the binding's user-facing ones included), not an empty list.
  expect(thrown).toEqual(expect.arrayContaining(['ERR_GREENTHREAD_THREAD_LIMIT', 'ERR_GREENTHREAD_SHUTTING_DOWN']));
  const codes = exportedCodes();
  expect(thrown.filter((code) => !codes.has(code))).toEqual([]);
  expect(codes.get('ERR_GREENTHREAD_INTERNAL')).toBe('InternalError');
});

test('the engine\'s shutting-down refusal becomes ShuttingDownError; other errors pass as they are', () => {
  // What the binding throws when create() comes after teardown (a plain Error with the code).
  const refusal = Object.assign(new Error('this environment is shutting down'), { code: 'ERR_GREENTHREAD_SHUTTING_DOWN' });
  const error = asPublicError(refusal);
  expect(error).toBeInstanceOf(gt.ShuttingDownError);
  expect(error).toBeInstanceOf(gt.GreenthreadError);
  expect((error as gt.ShuttingDownError).code).toBe('ERR_GREENTHREAD_SHUTTING_DOWN');
  const overflow = new RangeError('Maximum call stack size exceeded');
  expect(asPublicError(overflow)).toBe(overflow);
});
