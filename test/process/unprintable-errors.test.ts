// Thrown values the error reporter cannot print the usual way (a null-prototype object, a
// throwing toString or stack getter, a revoked Proxy) are reported without throwing, and the
// thread that threw them always ends properly: waiters woken, links run, its promise settled,
// gone from hub.threads() (defect D2). Child processes: the defect crashed the process.
import { PKG, REPORTING, resultOf, runNode, CRASH_TEXT } from '../helpers';

jest.setTimeout(60000);

const VALUES = `
const values = {
  nullProto: () => Object.assign(Object.create(null), { code: 'E_NULL_PROTO' }),
  throwingToString: () => ({ toString() { throw new Error('no toString'); } }),
  throwingStack: () => { const e = new Error('bad stack'); Object.defineProperty(e, 'stack', { get() { throw new Error('no stack'); } }); return e; },
  revokedProxy: () => { const { proxy, revoke } = Proxy.revocable({}, {}); revoke(); return proxy; },
  trapsThrow: () => new Proxy({}, { getPrototypeOf() { throw new Error('trap'); }, get() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); } }),
};
`;

function runScript(body: string, env?: NodeJS.ProcessEnv) {
  return runNode(['-e', `'use strict';
const g = require(${PKG});
${REPORTING}
${VALUES}
${body}
`], { timeoutMs: 30000, env });
}

describe('the default reporter', () => {
  test('prints every unusual value (spawn, spawnN, a link) and the process carries on', () => {
    const child = runScript(`
      for (const [name, make] of Object.entries(values)) {
        g.spawn(() => { throw make(); });
        g.spawnN(() => { throw make(); });
        g.spawn(() => 1).link(() => { throw make(); });
      }
      g.run(() => { g.sleep(0.02); return 'still running'; }).then(report);
    `);
    expect(child.stderr).not.toMatch(CRASH_TEXT);
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('RESULT "still running"');
    const reports = child.stderr.split('greenthread: uncaught exception in ').slice(1);
    expect(reports).toHaveLength(15);
    expect(child.stderr).toContain("[Object: null prototype] { code: 'E_NULL_PROTO' }");
    expect(child.stderr).toContain('<Revoked Proxy>');
    expect(child.stderr).toContain('bad stack');  // inspect's fallback for the Error whose stack getter throws
    expect(child.stderr).not.toMatch(/TypeError: Cannot convert object to primitive value/);
  });

  test('a custom onError that throws such a value itself: both are reported, nothing escapes', () => {
    const child = runScript(`
      g.hub.onError(() => { throw values.revokedProxy(); });
      g.spawn(() => { throw values.nullProto(); });
      g.run(() => { g.sleep(0.01); return 'ok'; }).then(report);
    `);
    expect(child.stderr).not.toMatch(CRASH_TEXT);
    expect(child.status).toBe(0);
    expect(child.stdout).toContain('RESULT "ok"');
    expect(child.stderr).toContain('[Object: null prototype]');
    expect(child.stderr).toContain('<Revoked Proxy>');
  });
});

describe('a thread that throws an unusual value ends properly', () => {
  test.each([
    ['the default reporter', '', 0],
    ['a custom onError', 'g.hub.onError((e, t) => { reported.push(String(t)); });', 5],
    ['an uncaughtException handler', "process.on('uncaughtException', (e) => { uncaught.push(1); });", 0],
  ])('with %s: wait() rethrows the value itself, links run, the promise rejects, the hub forgets it', (_label, setup, reportedCount) => {
      const child = runScript(`
        const reported = []; const uncaught = [];
        ${setup}
        g.run(() => {
          const out = {};
          for (const [name, make] of Object.entries(values)) {
            const value = make();
            let linked = false;
            const t = g.spawn(() => { g.sleep(0.001); throw value; });
            t.link(() => { linked = true; });
            let rethrown; try { t.wait(); } catch (e) { rethrown = e === value; }
            let rejected; t.then(null, (e) => { rejected = e === value; });
            g.waitFor(Promise.resolve());
            g.sleep(0);
            out[name] = { rethrown, linked, rejected, dead: t.dead, listed: g.hub.threads().some((i) => i.thread === t) };
          }
          return out;
        }).then((out) => report({ out, reported: reported.length, uncaught: uncaught.length }));
      `);
      const { out, uncaught, reported } = resultOfIgnoringReports(child);
      expect(reported).toBe(reportedCount);
      for (const name of ['nullProto', 'throwingToString', 'throwingStack', 'revokedProxy', 'trapsThrow']) {
        expect([name, out[name]]).toEqual([name, { rethrown: true, linked: true, rejected: true, dead: true, listed: false }]);
      }
      expect(uncaught).toBe(0);
    });
});

// The default reporter prints to stderr: check the exit and the result, not an empty stderr.
function resultOfIgnoringReports(child: ReturnType<typeof runScript>) {
  expect(child.stderr).not.toMatch(CRASH_TEXT);
  expect({ status: child.status, signal: child.signal }).toEqual({ status: 0, signal: null });
  return resultOf({ ...child, stderr: '' });
}
