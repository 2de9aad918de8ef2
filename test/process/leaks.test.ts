// Leak checks (child processes with --expose-gc): finished, killed and cancelled green threads
// and everything they captured become garbage; the hub and the engine keep nothing of them.
import { PKG, REPORTING, resultOf, runChild } from '../helpers';

test('ended green threads and their captures are collected', () => {
  const child = runChild(`
    ${REPORTING}
    const g = require(${PKG});
    let collected = 0;
    const registry = new FinalizationRegistry(() => { collected++; });
    const total = 600;
    g.run(() => {
      for (let i = 0; i < total; i++) {
        const payload = { big: new Array(1000).fill(i) };
        const kind = i % 3;
        const t = kind === 0 ? g.spawn(() => { g.sleep(0); return payload.big.length; })
          : kind === 1 ? g.spawn(() => { g.sleep(10); return payload; })
          : g.spawnAfter(10, () => payload);
        registry.register(t, 'thread');
        registry.register(payload, 'payload');
        if (kind === 1) { g.sleep(0); t.kill(); }
        if (kind === 2) t.cancel();
        if (kind === 0) t.wait();
      }
    }).then(async () => {
      for (let i = 0; i < 10 && collected < 2 * total; i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      report({ collected, live: g.hub.threads().length, coroutines: g.hub.stats().liveCoroutines });
    });
  `, { nodeArgs: ['--expose-gc'] });
  const result = resultOf(child);
  expect(result.live).toBe(0);
  expect(result.coroutines).toBe(0);
  // Every thread and payload, give or take the last few still referenced from a stack slot.
  expect(result.collected).toBeGreaterThanOrEqual(2 * 600 - 10);
});
