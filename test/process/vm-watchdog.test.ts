// vm scripts run with a watchdog (`timeout`, `breakOnSigint`): a green thread may not suspend
// inside one (SuspendNotAllowedError naming the vm timeout), so the watchdog's termination can
// never land on another thread or a hub turn (that aborted the process: defect D1). Scripts
// without a watchdog may suspend as before, and a watched script that does not suspend still
// runs and still times out. Child processes: the defect was an abort.
import { CRASH_TEXT, PKG, REPORTING, resultOf, runNode } from '../helpers';

jest.setTimeout(60000);

function runScript(body: string) {
  return runNode(['-e', `'use strict';
const g = require(${PKG});
const vm = require('node:vm');
${REPORTING}
function describe(e) { return e && (e.code || e.name) || String(e); }
${body}
`], { timeoutMs: 30000 });
}

describe('a vm script with a timeout whose code suspends', () => {
  test('the repro: a clean SuspendNotAllowedError naming the vm timeout, no abort', () => {
    const child = runScript(`
      const iv = setInterval(() => { let x = 0; for (let i = 0; i < 3e6; i++) x += i; }, 1);
      g.run(() => {
        // The review's repro, with a longer timeout (still shorter than the sleep) so that a
        // loaded machine cannot make the watchdog fire before f() is reached.
        const ctx = vm.createContext({ f: () => { g.sleep(0.5); return 7; } });
        try { return vm.runInContext('f()', ctx, { timeout: 200 }); }
        catch (e) { return { code: e.code, isSuspendNotAllowed: e instanceof g.SuspendNotAllowedError, message: e.message }; }
        finally { clearInterval(iv); }
      }).then(report);
    `);
    expect(child.stderr).not.toMatch(CRASH_TEXT);
    const result = resultOf(child);
    expect(result).toMatchObject({ code: 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED', isSuspendNotAllowed: true });
    expect(result.message).toMatch(/sleep\(\).*vm script run with a timeout/);
  });

  test('every way to run a watched script is guarded, with a busy green thread running beside it', () => {
    const child = runScript(`
      let stop = false;
      g.spawn(() => { while (!stop) { let x = 0; for (let i = 0; i < 1e5; i++) x += i; g.sleep(0); } });
      // Long timeouts: the refusal comes at once, and a loaded machine cannot make the watchdog
      // fire first.
      const f = () => { g.sleep(1.5); return 7; };
      const ways = {
        runInContext: () => vm.runInContext('f()', vm.createContext({ f }), { timeout: 1000 }),
        runInNewContext: () => vm.runInNewContext('f()', { f }, { timeout: 1000 }),
        runInThisContext: () => { globalThis.__f = f; return vm.runInThisContext('__f()', { timeout: 1000 }); },
        scriptRunInContext: () => new vm.Script('f()').runInContext(vm.createContext({ f }), { timeout: 1000 }),
        scriptRunInNewContext: () => new vm.Script('f()').runInNewContext({ f }, { timeout: 1000 }),
        scriptRunInThisContext: () => { globalThis.__f = f; return new vm.Script('__f()').runInThisContext({ timeout: 1000 }); },
        breakOnSigint: () => vm.runInContext('f()', vm.createContext({ f }), { breakOnSigint: true }),
      };
      g.run(() => {
        const out = {};
        for (const [name, fn] of Object.entries(ways)) {
          try { out[name] = fn(); } catch (e) { out[name] = describe(e); }
          g.sleep(0.01);  // the busy thread runs: the cancelled watchdog must not fire into it
        }
        stop = true;
        return out;
      }).then(report);
    `);
    const result = resultOf(child);
    for (const name of ['runInContext', 'runInNewContext', 'runInThisContext', 'scriptRunInContext', 'scriptRunInNewContext', 'scriptRunInThisContext', 'breakOnSigint']) {
      expect([name, result[name]]).toEqual([name, 'ERR_GREENTHREAD_SUSPEND_NOT_ALLOWED']);
    }
  });
});

describe('vm scripts that are not affected', () => {
  test('without a watchdog the script may suspend; with one it runs, times out a busy loop, and the thread suspends again afterwards', () => {
    const child = runScript(`
      g.run(() => {
        const f = () => { g.sleep(0.01); return 7; };
        const out = {};
        out.noTimeout = vm.runInContext('f()', vm.createContext({ f }));
        out.noTimeoutOptions = vm.runInNewContext('f()', { f }, { filename: 'x.js' });
        out.quick = vm.runInContext('6 * 7', vm.createContext({}), { timeout: 1000 });
        try { vm.runInContext('for (;;) {}', vm.createContext({}), { timeout: 20 }); out.busy = 'returned'; }
        catch (e) { out.busy = describe(e); }
        g.sleep(0.01);
        out.after = g.spawn(() => { g.sleep(0.001); return 'ok'; }).wait();
        // A non-blocking greenthread call inside a watched script is fine.
        out.spawnInside = vm.runInContext('spawn(() => 5)', vm.createContext({ spawn: g.spawn }), { timeout: 1000 }).wait();
        return out;
      }).then(report);
    `);
    expect(resultOf(child)).toEqual({
      noTimeout: 7, noTimeoutOptions: 7, quick: 42, busy: 'ERR_SCRIPT_EXECUTION_TIMEOUT', after: 'ok', spawnInside: 5,
    });
  });

  test('plain JavaScript (no green thread) runs watched scripts as before', () => {
    const child = runScript(`
      const out = { quick: vm.runInNewContext('1 + 1', {}, { timeout: 100 }) };
      try { vm.runInNewContext('for (;;) {}', {}, { timeout: 20 }); } catch (e) { out.busy = describe(e); }
      report(out);
    `);
    expect(resultOf(child)).toEqual({ quick: 2, busy: 'ERR_SCRIPT_EXECUTION_TIMEOUT' });
  });
});

describe('kill() inside a watched vm script', () => {
  test('from plain JavaScript: the killed thread does not run inside the script; it handles the kill at the next turn', () => {
    const child = runScript(`
      const order = [];
      const victim = g.spawn(() => { try { g.sleep(10); } finally { order.push('victim finally'); } });
      setTimeout(() => {
        vm.runInNewContext('kill(); order.push("script done")', { kill: () => victim.kill(), order }, { timeout: 1000 });
        order.push('vm returned');
        victim.then(null, (e) => { order.push(describe(e)); report(order); });
      }, 10);
    `);
    expect(resultOf(child)).toEqual(['script done', 'vm returned', 'victim finally', 'ERR_GREENTHREAD_GREENLET_EXIT']);
  });

  test('from a green thread: kill() returns at once (no suspension), and the victim ends with the kill', () => {
    const child = runScript(`
      g.run(() => {
        const victim = g.spawn(() => g.sleep(10));
        g.sleep(0.001);
        const inside = vm.runInNewContext('victim.kill(); "returned"', { victim }, { timeout: 1000 });
        let end; try { victim.wait(); end = 'returned'; } catch (e) { end = describe(e); }
        return { inside, end };
      }).then(report);
    `);
    expect(resultOf(child)).toEqual({ inside: 'returned', end: 'ERR_GREENTHREAD_GREENLET_EXIT' });
  });
});
