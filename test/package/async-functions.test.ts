// An async function as a green thread's body is refused with a TypeError that says why (code
// after `await` would leave the green thread) and what to write instead (waitFor). A plain
// function that returns a promise is still accepted: the promise is its result.
import {
  GreenPile, GreenPool, run, spawn, spawnAfter, spawnAfterLocal, spawnN, waitFor, withTimeout,
} from '../../src';
import { green, thrownBy } from '../helpers';

async function fetchLike(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return 1;
}
async function* asyncGenerator(): AsyncGenerator<number> {
  yield 1;
}
const asyncArrow = async () => 1;
const boundAsync = fetchLike.bind(null);

const bodies: Array<[string, unknown]> = [
  ['an async function', fetchLike],
  ['an async arrow function', asyncArrow],
  ['a bound async function', boundAsync],
  ['an async generator function', asyncGenerator],
];

type Call = [string, (fn: never) => unknown];
const calls: Call[] = [
  ['spawn()', (fn) => spawn(fn)],
  ['spawnN()', (fn) => spawnN(fn)],
  ['run()', (fn) => run(fn)],
  ['spawnAfter()', (fn) => spawnAfter(0, fn)],
  ['spawnAfterLocal()', (fn) => spawnAfterLocal(0, fn)],
  ['GreenPool.spawn()', (fn) => new GreenPool(1).spawn(fn)],
  ['GreenPool.spawnN()', (fn) => new GreenPool(1).spawnN(fn)],
  ['GreenPile.spawn()', (fn) => new GreenPile(1).spawn(fn)],
];

describe.each(bodies)('%s as a green thread body', (_kind, body) => {
  test.each(calls)('%s throws a TypeError saying why and what to do instead', (call, start) => {
    const error = thrownBy(() => start(body as never));
    expect(error).toBeInstanceOf(TypeError);
    const message = (error as Error).message;
    expect(message.startsWith(`${call}: fn is an async function`)).toBe(true);
    expect(message).toMatch(/after it runs later on the event loop, outside the green thread/);
    expect(message).toMatch(/waitFor\(promise\)/);
  });

  test('withTimeout() refuses it too: its Timeout could never interrupt the awaits', async () => {
    await green(() => {
      expect(() => withTimeout(1, body as never)).toThrow(/^withTimeout\(\): fn is an async function/);
    });
  });
});

test('the blocking form works: a plain function that waits for the promise', async () => {
  expect(await run(() => waitFor(fetchLike()) + 1)).toBe(2);
});

test('a plain function that returns a promise is accepted; the promise is its result', async () => {
  const [isPromise, value] = await green(() => {
    const result = spawn(() => fetchLike()).wait();
    return [result instanceof Promise, waitFor(result)];
  });
  expect([isPromise, value]).toEqual([true, 1]);
  // run() resolves with what the promise resolves to, like any async caller's await.
  expect(await run(() => fetchLike())).toBe(1);
});
