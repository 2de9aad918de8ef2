// RestartBackoff: a worker that lived a while is restarted at once; deaths soon after starting
// wait 100, 200, 400, 800 ms, and the fifth in a row gives up; a worker that lives long enough in
// between starts the count again.
import { FIRST_RESTART_DELAY_MS, MAX_EARLY_DEATHS, RestartBackoff, STABLE_UPTIME_MS } from '../../src/cluster/restart-backoff';

test('deaths after a stable uptime restart at once, however many', () => {
  const backoff = new RestartBackoff();
  for (let i = 0; i < 20; i++) expect(backoff.afterDeath(STABLE_UPTIME_MS)).toBe(0);
});

test('early deaths in a row wait twice as long each time, then give up', () => {
  const backoff = new RestartBackoff();
  const decisions = Array.from({ length: MAX_EARLY_DEATHS }, () => backoff.afterDeath(10));
  expect(decisions).toEqual([FIRST_RESTART_DELAY_MS, 200, 400, 800, null]);
  expect(backoff.earlyDeaths).toBe(MAX_EARLY_DEATHS);
});

test('a stable run between early deaths starts the count again', () => {
  const backoff = new RestartBackoff();
  expect([backoff.afterDeath(0), backoff.afterDeath(0), backoff.afterDeath(0)]).toEqual([100, 200, 400]);
  expect(backoff.afterDeath(STABLE_UPTIME_MS + 1)).toBe(0);
  expect(backoff.earlyDeaths).toBe(0);
  expect(backoff.afterDeath(0)).toBe(100);
});
