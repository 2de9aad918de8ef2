// D9 (defects-2026-11.md): async_hooks before/after callbacks run in the middle of a hub switch
// (the hub enters each green thread's AsyncResource scope). greenthread calls made from them must
// not break the hub: getCurrent() is null there (the hub thread is running, not a green thread),
// and a kill() from there is carried out from the run queue once the switch is over. Child
// processes: the hooks are process-wide, and the failure was a process exit.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

function run(hook: 'before' | 'after'): unknown {
  return resultOf(runChild(`${REPORTING}
    const g = require(${PKG});
    const seen = [];
    let victim = null;
    let killed = false;
    const greenIds = new Set();
    require('node:async_hooks').createHook({
      init(id, type) { if (type === 'GreenThread') greenIds.add(id); },
      ${hook}(id) {
        // Only around the hub's switches: entering or leaving a green thread's scope.
        if (!greenIds.has(id) || victim === null || victim.dead || !victim.started) return;
        const current = g.getCurrent();
        if (current !== null) seen.push('current in ${hook}: ' + current);
        if (!killed) { killed = true; victim.kill(); }
      },
    }).enable();
    victim = g.spawn(() => { try { for (;;) g.sleep(0.001); } catch (e) { return e.name; } });
    g.run(() => {
      g.sleep(0.02);
      return victim.wait();
    }).then((ended) => report({ ended, seen }), (e) => report('failed: ' + e));
  `, { timeoutMs: 20000 }));
}

test('kill() from an async_hooks before callback during a switch', () => {
  expect(run('before')).toEqual({ ended: 'GreenletExit', seen: [] });
});

test('kill() and getCurrent() from an async_hooks after callback during a switch', () => {
  expect(run('after')).toEqual({ ended: 'GreenletExit', seen: [] });
});
