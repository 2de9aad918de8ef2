// With GREENTHREAD_DEBUG=1 the hub checks every lifecycle transition against the table in
// src/hub/thread-state.ts. This runs the lifecycle's corners in that mode (child process): kills
// before start / while suspended / while queued, cancel, spawnAfter, waits, sleep(0) rounds,
// suspensions refused at the very edge of the stack.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

test('every transition the hub makes is one the lifecycle table allows', () => {
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    g.hub.onError(() => {});
    g.run(() => {
      const log = [];
      const a = g.spawn(() => { for (let i = 0; i < 3; i++) g.sleep(0); return 'a'; });
      const b = g.spawn(() => g.sleep(10));
      const c = g.spawn(() => 'never');
      c.kill();
      g.sleep(0);
      b.kill();
      const d = g.spawn(() => { try { g.sleep(0); } catch (e) { return e.name; } });
      g.sleep(0);
      d.kill();
      const e = g.spawnAfter(0.001, () => 'e');
      const f = g.spawnAfter(1, () => 'f');
      f.cancel();
      log.push(a.wait(), d.wait(), e.wait());
      // Suspending with the stack nearly exhausted: either it parks or it throws RangeError,
      // and the thread keeps a consistent state either way.
      let outcomes = new Set();
      function deep(n) { try { return deep(n + 1); } catch { try { g.sleep(0); outcomes.add('slept'); } catch (err) { outcomes.add(err.name); } return n; } }
      deep(0);
      g.sleep(0);
      log.push([...outcomes].every((o) => o === 'slept' || o === 'RangeError'));
      return log;
    }).then(report, (error) => { console.error(error); process.exit(1); });
  `, { env: { GREENTHREAD_DEBUG: '1' } });
  expect(resultOf(child)).toEqual(['a', 'GreenletExit', 'e', true]);
});
