#!/usr/bin/env node
// Runs every test file under test/ with node's own runner (Node 20 expands no globs and finds no
// .ts tests by itself), and fails when a test fails or when no test ran at all.
// Usage: node scripts/run-tests.mjs [path-substring ...]   (filters the files)

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

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

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-tests-'));
const tap = join(dir, 'report.tap');
const run = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=1',
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`,
  ...files,
], { stdio: 'inherit' });

const report = readFileSync(tap, 'utf8');
rmSync(dir, { recursive: true, force: true });
const count = (name) => Number(report.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
const [tests, pass, fail] = [count('tests'), count('pass'), count('fail')];
console.log(`${pass} passed, ${fail} failed, ${count('skipped')} skipped`);
if (tests === 0) {
  console.error('run-tests: no test ran');
  process.exit(1);
}
process.exit(run.status === 0 && fail === 0 ? 0 : 1);
