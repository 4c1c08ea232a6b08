// `lrsweep trials NAME --limit N --offset M`: one page of a sweep's trials, read as a page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

test('trials --limit and --offset list one page of the trials (of a state too), in number order; bad values are refused with exit 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-trials-page-'));
  writeFileSync(join(dir, 'p.yaml'), `name: p
schedule: { first_cycle_steps: 10, max_lr: 0.1, min_lr: 0.001 }
parameters:
  cycle_mult: { values: [1, 2, 3, 4, 5] }
trainer: { kind: quadratic, epochs: 1, steps_per_epoch: 10 }
lint: { ignore: [ends-mid-cycle] }
`);
  assert.equal(runCli(['run', 'p.yaml', '--workers', '1'], { cwd: dir }).status, 0);
  const numbers = (...flags: string[]) => {
    const r = runCli(['trials', 'p', '--format', 'json', ...flags], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return (JSON.parse(r.stdout) as { trial: number; cycle_mult: number }[]).map((t) => [t.trial, t.cycle_mult]);
  };
  assert.deepEqual(numbers('--limit', '2', '--offset', '1'), [[2, 2], [3, 3]]);
  assert.deepEqual(numbers('--offset', '3'), [[4, 4], [5, 5]]);
  assert.deepEqual(numbers('--state', 'complete', '--limit', '1', '--offset', '4'), [[5, 5]]);
  assert.deepEqual(numbers('--state', 'failed', '--limit', '3'), []);
  for (const [flag, value, message] of [['--limit', '-1', '--limit must be an integer >= 0, got -1'], ['--offset', '1.5', '--offset must be an integer >= 0, got 1.5'], ['--limit', 'x', '--limit must be a number, got "x"']]) {
    const r = runCli(['trials', 'p', flag, value], { cwd: dir });
    assert.equal(r.status, 2, `${flag} ${value}`);
    assert.equal(r.stderr, `lrsweep: ${message}\n`);
  }
});
