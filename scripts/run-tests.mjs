#!/usr/bin/env node
// Runs every test file under test/ with node's own runner (Node 20 expands no globs and finds no
// .ts tests by itself), and fails when a test fails, when no test ran at all, or, under CI=1, when
// any test was skipped (CI provides every tool a test needs). Skipped tests are listed at the end
// with their reasons, the PostgreSQL ones with the variable that runs them.
// Every file runs under a time limit (--test-timeout; Node 20 applies it to each file as a whole),
// so a hang fails the run instead of stopping it.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (filters the files)

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tmpdir } from 'node:os';

const MINUTE = 60_000;
/**
 * The time limit of a test (Node 20 applies --test-timeout to each test file as a whole, later
 * versions to each test too): generous, for a loaded 2-core machine, so only a hang reaches it.
 */
const DEFAULT_TIMEOUT = 10 * MINUTE;
/** Files that legitimately need longer: a private PostgreSQL server restarted, PyTorch trained, many workers. */
const TIMEOUTS = {
  'test/commands/worker-restart.test.ts': 20 * MINUTE,
  'test/commands/worker.test.ts': 20 * MINUTE,
  'test/commands/command.test.ts': 20 * MINUTE,
  'test/train/command/pytorch.test.ts': 20 * MINUTE,
};
const IN_CI = /^(?!0$|false$|no$)./i.test(process.env.CI ?? '');
const PG_EXAMPLE = 'postgres://postgres@127.0.0.1:5432/test';

function find(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : find(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

const filters = process.argv.slice(2);
const files = find('test').filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (files.length === 0) {
  console.error('run-tests: no test files found');
  process.exit(1);
}

// One run of node's runner per time limit, in file order within each.
const groups = new Map();
for (const f of files) {
  const timeout = TIMEOUTS[f] ?? DEFAULT_TIMEOUT;
  groups.set(timeout, [...(groups.get(timeout) ?? []), f]);
}

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-tests-'));
const results = [];
let exitedBadly = false;
for (const [timeout, group] of [...groups].sort((a, b) => a[0] - b[0])) {
  const out = join(dir, `outcomes-${timeout}.jsonl`);
  const run = spawnSync(process.execPath, [
    '--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${timeout}`,
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./test-outcomes-reporter.mjs', import.meta.url).href}`, `--test-reporter-destination=${out}`,
    ...group,
  ], { stdio: 'inherit' });
  if (run.status !== 0) exitedBadly = true;
  try {
    results.push(...readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
  } catch {
    exitedBadly = true; // the runner died before writing anything
  }
}
rmSync(dir, { recursive: true, force: true });

const where = (r) => (r.file ? relative(process.cwd(), r.file) : '?');
const of = (outcome) => results.filter((r) => r.outcome === outcome);
const [pass, fail, skipped] = [of('pass'), of('fail'), [...of('skip'), ...of('todo')]];
console.log(`\n${pass.length} passed, ${fail.length} failed, ${skipped.length} skipped`);
if (fail.length > 0) console.log(`failed:\n${fail.map((r) => `  ${where(r)}: ${r.name}`).join('\n')}`);
if (skipped.length > 0) {
  console.log(`skipped:\n${skipped.map((r) => `  ${where(r)}: ${r.name}${r.reason ? ` (${r.reason})` : ''}`).join('\n')}`);
  const pg = [...new Set(skipped.filter((r) => /LRSWEEP_TEST_PG/.test(r.reason)).map(where))];
  if (pg.length > 0 && !process.env.LRSWEEP_TEST_PG) {
    console.log(`PostgreSQL tests not run: LRSWEEP_TEST_PG is not set (e.g. LRSWEEP_TEST_PG=${PG_EXAMPLE} npm test); files: ${pg.join(', ')}`);
  }
}
if (results.length === 0) {
  console.error('run-tests: no test ran');
  process.exit(1);
}
if (IN_CI && skipped.length > 0) {
  console.error(`run-tests: under CI=1 a skipped test is a failure (${skipped.length} skipped, listed above)`);
  process.exit(1);
}
process.exit(!exitedBadly && fail.length === 0 ? 0 : 1);
