// D4 (defects-2026-11.md): fake-timer libraries must not stop or wedge the hub. Its turns run
// on the real setImmediate and its turn budget on the real clock, both captured at load, while
// sleep() and Timeout stay on the global setTimeout that the fakes control. Each library runs
// in a child process (they patch process-wide modules), with a hang guard.
import * as path from 'node:path';
import { PKG, REPORTING, fixtureDir, resultOf, root, runChild, runNode } from '../helpers';

const FAKE_TIMERS = JSON.stringify(path.join(root, 'node_modules', '@sinonjs', 'fake-timers'));

function run(body: string, nodeArgs: string[] = []): unknown {
  return resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    const log = [];
    // Captured before any fake is installed: runs after a hub turn that is already due.
    const realSetImmediate = require('node:timers').setImmediate;
    ${body}
  `, { timeoutMs: 20000, nodeArgs }));
}

test('@sinonjs/fake-timers (as sinon.useFakeTimers uses it): threads run while installed and after uninstall', () => {
  expect(run(`
    const FakeTimers = require(${FAKE_TIMERS});
    const clock = FakeTimers.install();
    g.spawn(() => log.push('under fakes'));
    clock.uninstall();
    g.spawn(() => log.push('after uninstall'));
    g.hubTurn().then(() => report(log));
  `)).toEqual(['under fakes', 'after uninstall']);
});

test('@sinonjs/fake-timers: sleep() is still driven by the fake clock', () => {
  expect(run(`
    const FakeTimers = require(${FAKE_TIMERS});
    const clock = FakeTimers.install();
    g.spawn(() => { g.sleep(60); log.push('slept a fake minute'); });
    // Let the thread reach sleep() (a hub turn on the real setImmediate), then tick.
    realSetImmediate(() => {
      clock.tick(60000);
      realSetImmediate(() => { clock.uninstall(); report(log); });
    });
  `)).toEqual(['slept a fake minute']);
});

test('node:test mock.timers: threads run while enabled and after reset', () => {
  expect(run(`
    const { mock } = require('node:test');
    mock.timers.enable({ apis: ['setImmediate', 'setTimeout'] });
    g.spawn(() => log.push('under mock timers'));
    realSetImmediate(() => {
      mock.timers.reset();
      g.spawn(() => log.push('after reset'));
      g.hubTurn().then(() => report(log));
    });
  `, ['--disable-warning=ExperimentalWarning'])).toEqual(['under mock timers', 'after reset']);
});

test('a faked performance.now does not make sleep(0) loops starve the event loop', () => {
  expect(run(`
    const FakeTimers = require(${FAKE_TIMERS});
    FakeTimers.install({ toFake: ['performance'] });
    let done = false;
    const loops = [0, 1].map(() => g.spawn(() => { while (!done) g.sleep(0); log.push('stopped'); }));
    setTimeout(() => { done = true; }, 20);   // fires only if the hub gives the loop back
    Promise.all(loops).then(() => report(log));
  `)).toEqual(['stopped', 'stopped']);
});

test("the README's node:test recipe: mock.timers plus hubTurn()", () => {
  const dir = fixtureDir({
    'recipe.test.js': `
      const { test, mock } = require('node:test');
      const assert = require('node:assert');
      const { hubTurn, run, sleep } = require(${PKG});

      test('sleep under mock timers', async () => {
        mock.timers.enable({ apis: ['setTimeout'] });
        try {
          const done = run(() => { sleep(1); return 'ok'; });
          await hubTurn();           // the thread is now in sleep(1), on a mocked timer
          mock.timers.tick(1000);
          assert.strictEqual(await done, 'ok');
        } finally {
          mock.timers.reset();
        }
      });
    `,
  });
  const result = runNode(['--disable-warning=ExperimentalWarning', '--test', '--test-reporter=tap', path.join(dir, 'recipe.test.js')], { timeoutMs: 20000 });
  expect({ status: result.status, out: result.stdout }).toEqual({ status: 0, out: expect.stringMatching(/# pass 1/) });
});
