// The law pruner (issue 19) on trials whose training loss follows the Multi-Power Law
// (test/predict/law-trainer.ts: the law plus seeded noise of sd 0.001, 10-step windows): it keeps
// a restart schedule that median at steps stops after its restart, and which ends best; it stops
// a clearly worse schedule early; it decides the same whatever the order it is handed the other
// trials in; replay and the CLI show it beside the other pruners; its keys are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import lawTrainer, { MAX_LR, STEPS } from '../../predict/law-trainer.js';
import type { Config } from '../../../src/sweep/definition.js';
import { checkSweep, SweepFileError } from '../../../src/sweep/file.js';
import { canonicalPruner, judge, prunerOf, type TrialView } from '../../../src/sweep/pruners/index.js';
import { fittedCount, fitWork } from '../../../src/sweep/pruners/law.js';
import { readingsOf, timelineOf } from '../../../src/sweep/pruners/readings.js';
import { prunerFlag } from '../../../src/sweep/pruners/spec.js';
import { replay, type RecordedTrial } from '../../../src/sweep/replay.js';
import { runSweep } from '../../../src/sweep/run.js';
import { UsageError } from '../../../src/core/errors.js';
import { runCli } from '../../helpers/cli.js';

const config = (o: Record<string, number>): Config =>
  ({ schedule: 'cawr', first_cycle_steps: STEPS, cycle_mult: 1, max_lr: MAX_LR, min_lr: 1e-4, warmup_steps: 0, gamma: 1, ...o }) as unknown as Config;

/** A complete trial of this config trained by the law trainer (its seed: its number). */
function recorded(number: number, c: Config): RecordedTrial {
  const timeline = timelineOf(c, STEPS);
  const points: { step: number; value: number }[] = [];
  lawTrainer.train({ curve: timeline.curve!(), seed: number, report: (p, m) => points.push({ step: p.step + 1, value: m.train_loss }) });
  return { number, configHash: JSON.stringify(c), points, timeline, state: 'complete', final: points[points.length - 1].value };
}

// Five trained configs (single cosines at several peaks and floors, one restart every 200 steps),
// then a schedule restarting at steps 100 and 300 (cycles of 100, 200, 400), which ends best, and
// a nearly constant LR twenty times below the others' peak, which ends far worse.
const SWEEP = [
  config({}), config({ max_lr: 0.005 }), config({ min_lr: 0.002 }), config({ first_cycle_steps: 200 }), config({ max_lr: 0.003, min_lr: 0.001 }),
  config({ first_cycle_steps: 100, cycle_mult: 2 }), config({ max_lr: 0.0005, min_lr: 0.0004 }),
].map((c, i) => recorded(i + 1, c));
const RESTARTS = 6;
const SLOW = 7;
const o = { workers: 1, steps: STEPS, goal: 'minimize' as const };
const pruner = (text: string) => prunerOf(prunerFlag(text, STEPS)!);

test('law keeps a restart schedule that median at steps stops after its restart, and that ends best; it stops a clearly worse one early', () => {
  const finals = SWEEP.map((t) => t.final!);
  assert.equal(finals.indexOf(Math.min(...finals)) + 1, RESTARTS, 'the restart schedule ends best');

  const median = replay(SWEEP, pruner('median:at=steps,warmup_steps=110'), o);
  const stopped = median.pruned.find((p) => p.number === RESTARTS);
  assert.ok(stopped && stopped.step > 300, `median stops the restart schedule after its restart at step 300: ${JSON.stringify(median.pruned)}`);
  assert.equal(median.bestSurvived, false);

  const law = replay(SWEEP, pruner('law'), o);
  assert.deepEqual(law.pruned.map((p) => p.number), [SLOW], JSON.stringify(law.pruned));
  assert.ok(law.pruned[0].step <= 60, `the worse schedule is stopped early (${law.pruned[0].step})`);
  assert.match(law.pruned[0].reason, /^law: its predicted final [\d.]+ \(its points to step \d+ and its schedule\) is worse than [\d.]+, the law's prediction for the best complete trial 6 from its points to the same step, by more than the leave-one-out error [\d.e-]+ over 5 complete trials$/);
  assert.equal(law.bestSurvived, true);
  assert.equal(law.regret, 0);
  assert.ok(law.saved > 0.1, `saved ${law.saved}`);
});

test('law decides the same on the same history: replay twice, and the other trials handed in any order', () => {
  const a = replay(SWEEP, pruner('law'), o);
  const b = replay(SWEEP, pruner('law'), o);
  assert.deepEqual(a, b);

  const p = pruner('law');
  const views: TrialView[] = SWEEP.slice(0, 5).map((t) => ({
    state: 'complete', readings: t.points, reached: STEPS,
    schedule: { number: t.number, config: t.configHash, timeline: t.timeline, points: t.points },
  }));
  const slow = SWEEP[SLOW - 1];
  const soFar = slow.points.slice(0, 8);
  const trial: TrialView = {
    state: 'running', readings: readingsOf(soFar, slow.timeline, 'steps'), reached: soFar[soFar.length - 1].step,
    schedule: { number: slow.number, config: slow.configHash, timeline: slow.timeline, points: soFar },
  };
  const ask = (others: TrialView[]) => judge(p, { trial, fresh: 1, others, steps: STEPS, sign: 1 });
  const forward = ask(views);
  assert.match(forward ?? '', /^law: /);
  assert.equal(ask([...views].reverse()), forward);
  assert.equal(ask([views[2], views[0], views[4], views[1], views[3]]), forward);
  // Fewer complete trials than startup_trials: nothing is stopped.
  assert.equal(ask(views.slice(0, 4)), null);
  // A trial without its schedule (a hand-made view) is never stopped by the law.
  assert.equal(judge(p, { trial: { ...trial, schedule: undefined }, fresh: 1, others: views, steps: STEPS, sign: 1 }), null);
});

test('law judges its metric (train_loss by default), not the objective: in replay the same stops as on a recording of train_loss alone', () => {
  // The objective is val_loss, which here ranks trials the other way round (each trial's val_loss
  // is the train_loss curve of the trial numbered from the other end); train_loss is the law's.
  const flipped: RecordedTrial[] = SWEEP.map((t, i) => {
    const other = SWEEP[SWEEP.length - 1 - i];
    return { ...t, points: other.points, final: other.final, series: { train_loss: t.points } };
  });
  const onTrainLoss = replay(SWEEP, pruner('law'), { ...o, metric: 'train_loss' });
  assert.deepEqual(onTrainLoss.pruned.map((p) => p.number), [SLOW]);
  const judged = replay(flipped, pruner('law'), { ...o, metric: 'val_loss' });
  assert.deepEqual(judged.pruned, onTrainLoss.pruned.map((p) => ({ ...p, reason: p.reason.replace(/^law: /, 'law (train_loss): ') })), 'the same trials stopped at the same steps, with the same reasons naming train_loss');
  // metric: val_loss judges the objective's points (those of the train_loss trial at the other end).
  const onVal = replay(flipped, pruner('law:metric=val_loss'), { ...o, metric: 'val_loss' });
  assert.notDeepEqual(onVal.pruned, onTrainLoss.pruned);
  // A recording without the law's metric: nothing to judge, nothing stopped.
  assert.deepEqual(replay(SWEEP, pruner('law'), { ...o, metric: 'val_loss' }).pruned, []);
});

test('the law is fitted on startup_trials x 2^j complete trials, at most fit_trials', () => {
  assert.deepEqual([5, 9, 10, 19, 20, 39, 40, 100].map((n) => fittedCount(n, 5, 20)), [5, 5, 10, 10, 20, 20, 20, 20]);
  assert.deepEqual([3, 6, 12, 13].map((n) => fittedCount(n, 3, 12)), [3, 6, 12, 12]);
});

test('the fit\'s work is capped for many long trials (it holds back the decision that needs it; in replay it blocks the thread): fewer starts, then fewer held-out iterations', () => {
  assert.deepEqual(fitWork(5, 600), { starts: 6, heldOutIterations: 100 }, 'small histories: the fit as fitLaw does it');
  assert.deepEqual(fitWork(6, 2000), { starts: 6, heldOutIterations: 100 });
  assert.deepEqual(fitWork(10, 2000), { starts: 4, heldOutIterations: 100 });
  assert.deepEqual(fitWork(20, 2000), { starts: 2, heldOutIterations: 100 }, 'the char-LM grid at fit_trials 20');
  assert.deepEqual(fitWork(20, 10_000), { starts: 1, heldOutIterations: 20 });
  assert.deepEqual(fitWork(1000, 100_000), { starts: 1, heldOutIterations: 20 });
});

test('law: its keys are checked with one line naming the key, the rule and the value; it judges at steps unless told; its metric is one the trainer declares, not a maximized objective', async () => {
  assert.deepEqual(prunerFlag('law', STEPS), { kind: 'law' });
  assert.equal(pruner('law').at, 'steps');
  assert.deepEqual(canonicalPruner(pruner('law:at=cycle_ends')), { kind: 'law', at: 'cycle_ends' });
  assert.throws(() => prunerFlag('law:fit_trials=2', STEPS), (e: Error) => e instanceof UsageError && e.message === '--pruner fit_trials: must be an integer >= 3, got 2');
  assert.throws(() => prunerFlag('law:startup_trials=1.5', STEPS), /^UsageError: --pruner startup_trials: must be an integer >= 3, got 1\.5$/);
  assert.throws(() => prunerFlag('law:reduction=3', STEPS), /--pruner reduction: is not an option of pruner law \(options: at, metric, startup_trials, fit_trials, warmup_steps, seed, patience, min_delta\)/);
  assert.deepEqual(prunerFlag('law:metric=val_loss', STEPS), { kind: 'law', metric: 'val_loss' });
  assert.deepEqual(prunerFlag('law:metric=train_loss', STEPS), { kind: 'law' }, 'the default is not stored: a sweep stored before the key is the same sweep');
  assert.equal(pruner('law').metric, 'train_loss');
  assert.throws(() => prunerFlag('law:metric=3', STEPS), /^UsageError: --pruner metric: must be the name of a metric the trainer reports, got 3$/);
  const maximized = { goal: 'maximize' as const, metric: 'train_loss', metrics: null };
  assert.throws(() => prunerFlag('law', STEPS, '--pruner', maximized), /^UsageError: --pruner metric: must be a minimized metric: the law predicts a loss \(the training loss, reported many times a run\), and the objective maximizes it, got "train_loss"$/);
  assert.deepEqual(prunerFlag('law', STEPS, '--pruner', { ...maximized, metric: 'val_accuracy' }), { kind: 'law' }, 'a maximized objective of another metric: the law judges the training loss');
  const file = (pruner: unknown, objective = { metric: 'val_loss', goal: 'minimize' }) => ({
    name: 'law-metric', schedule: { first_cycle_steps: 100 }, parameters: { gamma: { values: [0.5, 0.9] } },
    objective, trainer: { kind: 'quadratic', epochs: 4, steps_per_epoch: 25 }, pruner,
  });
  const problems = async (raw: unknown) => checkSweep(raw).then(() => [], (e: Error & { problems?: string[] }) => (assert.ok(e instanceof SweepFileError, e.message), e.problems));
  assert.deepEqual(await problems(file({ kind: 'law', metric: 'nope' })), ['pruner.metric: must be one of train_loss, val_loss (the metrics the trainer declares), got "nope"']);
  assert.deepEqual(await problems(file('law', { metric: 'val_loss', goal: 'maximize' })), [], 'the law judges train_loss whatever the objective');
  assert.deepEqual(await problems(file({ kind: 'law', metric: 'val_loss' }, { metric: 'val_loss', goal: 'maximize' })), ['pruner.metric: must be a minimized metric: the law predicts a loss (the training loss, reported many times a run), and the objective maximizes it, got "val_loss"']);
  assert.equal((await checkSweep(file({ kind: 'law', metric: 'val_loss' }))).sweep.pruner?.metric, 'val_loss');
});

test('replay through the CLI shows law beside median on a sweep trained by the law trainer', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-law-replay-'));
  const file = join(dir, 'law.yaml');
  writeFileSync(file, `
name: law
schedule: { kind: cawr, min_lr: 0.0001 }
parameters:
  first_cycle_steps: { values: [100, 200, 600] }
  max_lr: { values: [0.01, 0.001] }
objective: { metric: train_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(fileURLToPath(new URL('../../predict/law-trainer.ts', import.meta.url)))} }
`);
  const db = join(dir, 'lrsweep.db');
  await runSweep({ file, db, workers: 1 });
  const r = runCli(['replay', 'law', '--db', db, '--pruner', 'median:at=steps', '--pruner', 'law:startup_trials=3', '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout).rows as { pruner: string; result: { pruned: { number: number }[]; bestSurvived: boolean } }[];
  assert.deepEqual(rows.map((x) => x.pruner), ['median:at=steps', 'law:at=steps,startup_trials=3']);
  assert.equal(rows[1].result.bestSurvived, true);
  const table = runCli(['replay', 'law', '--db', db, '--pruner', 'law:startup_trials=3']);
  assert.equal(table.status, 0, table.stderr);
  assert.match(table.stdout, /│ law:at=steps,startup_trials=3 /);
});
