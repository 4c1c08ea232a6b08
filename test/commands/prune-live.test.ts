// Live pruning through the CLI, checked against replay: a sweep run with --pruner on one worker
// (no cohorts) stops exactly the trials, at exactly the steps, that `lrsweep replay` with the same
// pruner finds on the same sweep run in full; running it again trains nothing and keeps them pruned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const SWEEP = fileURLToPath(new URL('../fixtures/sweeps/tiny-quadratic.yaml', import.meta.url));
const PRUNER = 'successive_halving:at=steps,reduction=2';

test('a live pruner on one worker stops the trials replay says it would, at the same steps; a second run keeps them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-live-'));
  writeFileSync(join(dir, 'sweep.yaml'), `${readFileSync(SWEEP, 'utf8')}budget: { cohort_size: 1 }\n`);

  const full = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'full.db'], { cwd: dir });
  assert.equal(full.status, 0, full.stderr);
  const replay = runCli(['replay', 'tiny-quadratic', '--db', 'full.db', '--pruner', PRUNER, '--format', 'json'], { cwd: dir });
  assert.equal(replay.status, 0, replay.stderr);
  const expected = (JSON.parse(replay.stdout).rows[0].result.pruned as { number: number; reason: string }[]).map((p) => [p.number, p.reason]);
  assert.ok(expected.length >= 3, `the pruner stops some trials (${expected.length})`);

  const live = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'live.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(live.status, 0, live.stderr);
  assert.match(live.stdout, new RegExp(`^sweep tiny-quadratic: ${16 - expected.length} of 16 trials complete, 0 diverged, ${expected.length} pruned, 0 failed`, 'm'));
  const rows = () => queryDb<{ number: number; state: string; error: string | null; objective: number | null; attempts: number }>(join(dir, 'live.db'),
    'SELECT number, state, error, objective, attempts FROM trials ORDER BY number');
  const pruned = rows().filter((t) => t.state === 'pruned');
  assert.deepEqual(pruned.map((t) => [t.number, t.error]), expected);
  assert.ok(pruned.every((t) => t.objective !== null), 'a pruned trial keeps its last reported value');
  const before = rows();
  const again = runCli(['run', 'sweep.yaml', '--workers', '1', '--db', 'live.db', '--pruner', PRUNER], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(rows(), before, 'nothing trained again: pruned trials stay pruned');
});
