// A test that needs something a machine may lack (a browser, a Python module, root, a server):
// skipped with the reason here, but under CI=1, where .ci/run provides all of it, a failure with
// that reason. scripts/run-tests.mjs also fails a CI=1 run in which any test was skipped.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** CI is set (CI=1, or CI=true as hosted CI sets it), not CI=0 or CI=false. */
export const IN_CI = /^(?!0$|false$|no$)./i.test(process.env.CI ?? '');

/**
 * When `missing` says what this machine lacks: under CI=1 the test fails with it; otherwise the
 * test is skipped with it and this returns true (return from the test then). No-op when falsy.
 */
export function skipOrFail(t: TestContext, missing: string | null | false | undefined): boolean {
  if (!missing) return false;
  if (IN_CI) assert.fail(`under CI=1 this test must run, but: ${missing}`);
  t.skip(missing);
  return true;
}
