// Shared by the fiber-*.test.ts suites: whether fibers can run here (the self-check on this
// process's main thread), and child scripts forced onto the fiber backend that prove they ran
// there. A child that silently fell back to threads fails its test: only a self-check that
// legitimately fails on this machine turns the suites into skips, with the reason in the title.
import { native } from '../../src/engine/binding';
import { ChildResult, CRASH_TEXT, PKG, REPORTING, resultOf, runChild } from '../helpers';

const check = native.fiberSelfCheck();

/** Why fiber suites are skipped here, or undefined where the self-check passes. */
export const noFibersReason: string | undefined = check.ok ? undefined : `the fiber self-check fails here: ${check.reason}`;

/**
 * `describe`, or `describe.skip` with the reason appended to the title: the self-check fails
 * here, or this is the thread backend's pass of `npm test` (scripts/jest-backends.js), where
 * suites whose children always run on fibers would only repeat the fiber pass.
 */
export function describeOnFibers(title: string, body: () => void): void {
  if (noFibersReason !== undefined) describe.skip(`${title} (skipped: ${noFibersReason})`, body);
  else if (process.env.GREENTHREAD_BACKEND === 'threads') describe.skip(`${title} (runs in the fiber backend's pass)`, body);
  else describe(title, body);
}

/** The environment of a child that must run on fibers. */
export const FIBERS_ENV = { GREENTHREAD_BACKEND: 'fibers', GREENTHREAD_FIBER_SELFCHECK_FAIL: '' };

/**
 * Prelude of child scripts: `g` (the package), `native` (the addon the package loaded, found
 * the way the package finds it, so the test matrix's prebuilds apply), REPORTING's report(),
 * and `fiberBackend()` (what the addon says it runs, for the test to check).
 */
export const FIBER_PRELUDE = `'use strict';
${REPORTING}
const g = require(${PKG});
const native = require(require.resolve('node-gyp-build', { paths: [${PKG}] }))(${PKG});
function fiberBackend() { return native.backend(); }`;

/** The backend report a child on fibers must give. */
export const ON_FIBERS = { backend: 'fibers', requested: 'fibers', fallbackReason: null };

/** Runs `body` after FIBER_PRELUDE in a child on fibers. */
export function runOnFibers(body: string, options: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): ChildResult {
  return runChild(`${FIBER_PRELUDE}\n${body}`, { ...options, env: { ...FIBERS_ENV, ...options.env } });
}

/**
 * Runs `body` (which must end with `report({ backend: fiberBackend(), ... })`) in a child on
 * fibers; checks a clean exit and that the child ran on fibers; returns the rest of its report.
 */
export function resultOnFibers(body: string, options: { nodeArgs?: string[]; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): any {
  const child = runOnFibers(body, options);
  const { backend, ...rest } = resultOf(child);
  expect(backend).toEqual(ON_FIBERS);
  return rest;
}

/** Nothing on stderr hints at a crash (V8 fatal, abort, segfault). */
export function expectNoCrash(child: ChildResult): void {
  expect(child.stderr).not.toMatch(CRASH_TEXT);
  expect(child.signal === 'SIGSEGV' || child.signal === 'SIGABRT' || child.signal === 'SIGBUS' || child.signal === 'SIGILL').toBe(false);
}
