// The summaries `run` and `worker` print at the end: the pointer to `best` appears only when
// there is something to rank (a run stopped before any trial completed has none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { presentRun } from '../../src/commands/run.js';
import { presentWorker } from '../../src/commands/worker.js';
import type { RunReport } from '../../src/sweep/run.js';
import { emptyCounts, type StateCounts } from '../../src/core/trial.js';
import { newTally } from '../../src/sweep/tally.js';

const counts = (complete: number, interrupted: number): StateCounts => ({ ...emptyCounts(), complete, interrupted });

const report = (complete: number, stopped: boolean): RunReport => ({
  sweep: 's', runId: 1, added: 4, recovered: 0, counts: counts(complete, 4 - complete), ranThisRun: complete, stopped,
  seconds: 1, workers: 2, db: 'lrsweep.db', enqueued: null, tally: newTally(), refused: null,
});

test('run: a run stopped before any trial completed does not point at best; one with a complete trial does', () => {
  const none = presentRun(report(0, true), 's.yaml', 'lrsweep.db', 1);
  assert.doesNotMatch(none.stdout!, /best configs/);
  assert.match(none.stdout!, /^stopped: every completed trial is kept\. Resume with: .* run s\.yaml$/m);
  assert.equal(none.exitCode, 130);
  assert.match(presentRun(report(1, true), 's.yaml', 'lrsweep.db', 1).stdout!, /^best configs: .* best s$/m);
});

test('run: a stopped run started with --pruner says to resume with the same --pruner (it replaces the file\'s for that run only)', () => {
  const out = presentRun(report(1, true), 's.yaml', 'lrsweep.db', 1, { workers: 2, pruner: 'successive_halving:reduction=3,at=steps' }).stdout!;
  assert.match(out, /^stopped: every completed trial is kept\. Resume with: .* run s\.yaml --workers 2 --pruner successive_halving:reduction=3,at=steps$/m);
  assert.match(presentRun(report(1, true), 's.yaml', 'lrsweep.db', 1, { pruner: 'law:metric=my loss' }).stdout!, / --pruner 'law:metric=my loss'$/m);
});

test('worker: points at the first served sweep with a complete trial, or at none', () => {
  const served = (sweep: string, complete: number) => ({ sweep, runId: 1, ranHere: complete, counts: counts(complete, 0), cancelled: false, refused: null });
  assert.doesNotMatch(presentWorker([served('a', 0)], true, 'lrsweep.db', ['a.yaml']).stdout!, /best configs/);
  assert.match(presentWorker([served('a', 0), served('b', 2)], false, 'lrsweep.db', ['a.yaml', 'b.yaml']).stdout!, /^best configs: .* best b$/m);
});
