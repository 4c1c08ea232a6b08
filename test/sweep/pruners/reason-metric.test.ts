// A prune reason names the metric its pruner judged where that is not the objective (law's
// train_loss under a val_loss objective: `law (train_loss): ...`), and reads as before where it is
// the objective: in judge() itself, in replay, and in the live check (pruners/check.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import lawTrainer, { MAX_LR, STEPS } from '../../predict/law-trainer.js';
import type { Config, Sweep } from '../../../src/sweep/definition.js';
import { judge, judgedMetric, prunerOf } from '../../../src/sweep/pruners/index.js';
import { pruneCheck } from '../../../src/sweep/pruners/check.js';
import { timelineOf } from '../../../src/sweep/pruners/readings.js';
import { replay, type RecordedTrial } from '../../../src/sweep/replay.js';

const config = (o: Record<string, number>): Config =>
  ({ schedule: 'cawr', first_cycle_steps: STEPS, cycle_mult: 1, max_lr: MAX_LR, min_lr: 1e-4, warmup_steps: 0, gamma: 1, ...o }) as unknown as Config;

// Five trained configs, then a nearly constant LR far below their peak, which the law stops (law.test.ts).
const CONFIGS = [
  config({}), config({ max_lr: 0.005 }), config({ min_lr: 0.002 }), config({ first_cycle_steps: 200 }), config({ max_lr: 0.003, min_lr: 0.001 }),
  config({ max_lr: 0.0005, min_lr: 0.0004 }),
];
const SLOW = 6;
const SWEEP: RecordedTrial[] = CONFIGS.map((c, i) => {
  const timeline = timelineOf(c, STEPS);
  const points: { step: number; value: number }[] = [];
  lawTrainer.train({ curve: timeline.curve!(), seed: i + 1, report: (p, m) => points.push({ step: p.step + 1, value: m.train_loss }) });
  return { number: i + 1, configHash: JSON.stringify(c), points, timeline, state: 'complete', final: points[points.length - 1].value };
});

test('judge() names the judged metric after the pruner only when it is given one (judgedMetric: not the objective)', () => {
  const views = [1, 1.2].map((v) => ({ state: 'complete' as const, reached: 100, readings: [{ step: 50, value: v }] }));
  const me = { state: 'running' as const, reached: 50, readings: [{ step: 50, value: 5 }] };
  const p = { ...prunerOf({ kind: 'median', startup_trials: 1 }), metric: 'train_loss' };
  const input = { trial: me, fresh: 1, others: views, steps: 100, sign: 1 as const };
  assert.equal(judgedMetric(p, { metric: 'val_loss', goal: 'minimize' }).named, 'train_loss');
  assert.equal(judgedMetric(p, { metric: 'train_loss', goal: 'minimize' }).named, null);
  assert.equal(judge(p, input), 'median: its best reading by step 50, 5, is worse than the median 1.1 of 2 complete trials there');
  assert.equal(judge(p, input, 'train_loss'), 'median (train_loss): its best reading by step 50, 5, is worse than the median 1.1 of 2 complete trials there');
  const patient = { ...p, options: { ...p.options, patience: 0 } };
  const two = { ...input, trial: { ...me, readings: [{ step: 25, value: 4 }, { step: 50, value: 5 }] } };
  assert.match(judge(patient, two, 'train_loss') ?? '', /^median \(train_loss\): its best reading by step 50, 4, .*, and it did not improve over its last 1 readings$/);
  const sha = { ...prunerOf({ kind: 'successive_halving', reduction: 2, min_resource: 50 }), metric: 'train_loss' };
  assert.equal(judge(sha, input, 'train_loss'), 'successive_halving (train_loss): 5 at step 50 (rung 50) is not among the best 1 of 3 trials there');
  assert.equal(judge(sha, input), 'successive_halving: 5 at step 50 (rung 50) is not among the best 1 of 3 trials there');
});

test('replay: law under a val_loss objective says train_loss in its reasons; under a train_loss objective it reads as before', () => {
  const o = { workers: 1, steps: STEPS, goal: 'minimize' as const };
  const onTrainLoss = replay(SWEEP, prunerOf({ kind: 'law' }), { ...o, metric: 'train_loss' });
  assert.deepEqual(onTrainLoss.pruned.map((p) => p.number), [SLOW]);
  assert.match(onTrainLoss.pruned[0].reason, /^law: its predicted final /);
  const withVal = SWEEP.map((t) => ({ ...t, points: t.points.map((p) => ({ step: p.step, value: p.value + 1 })), series: { train_loss: t.points } }));
  const onVal = replay(withVal, prunerOf({ kind: 'law' }), { ...o, metric: 'val_loss' });
  assert.deepEqual(onVal.pruned, onTrainLoss.pruned.map((p) => ({ ...p, reason: p.reason.replace(/^law: /, 'law (train_loss): ') })));
});

test('the live check: law under a val_loss objective says train_loss in its reason; under a train_loss objective it reads as before', async () => {
  const stored = SWEEP.slice(0, 5).map((t, i) => ({ id: t.number, number: t.number, state: 'complete', configHash: t.configHash, params: CONFIGS[i] }));
  const storage = {
    trials: async () => stored,
    points: async (ids: number[]) => new Map(ids.map((id) => [id, SWEEP[id - 1].points.map((p) => ({ epoch: null, step: p.step - 1, values: { train_loss: p.value, val_loss: p.value + 1 } }))])),
  };
  const slow = SWEEP[SLOW - 1];
  const me = { id: SLOW, number: SLOW, state: 'running', configHash: slow.configHash, params: CONFIGS[SLOW - 1] } as never;
  const placed = slow.points.slice(0, 8).map((p) => ({ step: p.step - 1, value: p.value }));
  const ask = async (objective: string) => {
    const sweep = { pruner: { kind: 'law' }, objective: { metric: objective, goal: 'minimize' } } as unknown as Sweep;
    const check = pruneCheck({ storage: storage as never, sweepId: 1, sweep, steps: { perTrial: STEPS, perEpoch: STEPS } })!;
    assert.equal(check.metric, 'train_loss');
    return check(me, placed);
  };
  assert.match((await ask('val_loss')) ?? '', /^law \(train_loss\): its predicted final [\d.]+ \(its points to step 80 and its schedule\) is worse than /);
  assert.match((await ask('train_loss')) ?? '', /^law: its predicted final [\d.]+ \(its points to step 80 and its schedule\) is worse than /);
});
