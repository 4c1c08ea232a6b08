// Trials created as results arrive (src/sweep/ask.ts): the history an adaptive sampler learns from,
// rebuilt from stored trials, and the suggestions it gives: the same stored history and seed give
// the same suggestions, another history or seed others; a config's repeats are created together,
// repeat-major with the sweep's seeds; the budget (`trials`, budget.max_trials) is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TrialRecord, NewTrial } from '../../src/storage/types.js';
import { checkSweep } from '../../src/sweep/file.js';
import { historyOf, suggestTrials } from '../../src/sweep/ask.js';
import { countTrials, seedOf } from '../../src/sweep/space.js';

const STEPS = 20;
const base = {
  name: 'a', schedule: { first_cycle_steps: 20 }, method: { kind: 'tpe', startup_trials: 3 }, trials: 20,
  parameters: { max_lr: { min: 0.001, max: 1, distribution: 'log_uniform' }, gamma: { values: [0.5, 0.9, 1] }, warmup_steps: { min: 0, max: 5, distribution: 'int_uniform' } },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 }, lint: { ignore: ['ends-mid-cycle', 'peak-below-min'] },
};
const sweepOf = async (over: Record<string, unknown> = {}) => (await checkSweep({ ...base, ...over })).sweep;

/** Stored trials for new ones, numbered in order, settled with objective f(params) (or left as given). */
function stored(fresh: NewTrial[], from: TrialRecord[], settle: (t: NewTrial) => Partial<TrialRecord> | null): TrialRecord[] {
  return fresh.map((t, i): TrialRecord => ({
    id: from.length + i + 1, sweepId: 1, number: from.length + i + 1, state: 'waiting', objective: null, runId: null, attempts: 0, error: null,
    createdAt: '', startedAt: null, finishedAt: null, durationMs: null, provenance: null, process: null, claimOrder: 0, ...t, origin: t.origin ?? 'plan',
    ...(settle(t) ?? {}),
  }));
}

const quadratic = (t: NewTrial) => ({ state: 'complete' as const, objective: (Math.log10(t.params.max_lr as number) + 1) ** 2 });

/** Runs a sweep to its end one config at a time, every result known before the next ask. */
async function walk(over: Record<string, unknown> = {}) {
  const sweep = await sweepOf(over);
  let trials: TrialRecord[] = [];
  for (;;) {
    const fresh = suggestTrials(sweep, STEPS, trials, 1);
    if (fresh.length === 0) return { sweep, trials };
    trials = [...trials, ...stored(fresh, trials, quadratic)];
  }
}

test('the same stored history and seed give the same suggestions; another seed or history others', async () => {
  const a = await walk();
  const b = await walk();
  assert.deepEqual(b.trials, a.trials);
  assert.equal(a.trials.length, 20);
  const other = await walk({ seed: 7 });
  assert.notDeepEqual(other.trials.map((t) => t.params), a.trials.map((t) => t.params));
  // The same history asked again: the same suggestion (the state is in the history, not in memory).
  const history = a.trials.slice(0, 8);
  assert.deepEqual(suggestTrials(a.sweep, STEPS, history, 2), suggestTrials(a.sweep, STEPS, history, 2));
  // The same configs with their results reversed (the worst now best): another model, another suggestion.
  const changed = history.map((t) => ({ ...t, objective: -t.objective! }));
  assert.notDeepEqual(suggestTrials(a.sweep, STEPS, changed, 1), suggestTrials(a.sweep, STEPS, history, 1));
});

test('origins: the first startup_trials configs are startup, the rest model; every config distinct and inside the space', async () => {
  const { trials } = await walk();
  assert.deepEqual(trials.map((t) => t.origin), [...Array(3).fill('startup'), ...Array(17).fill('model')]);
  assert.equal(new Set(trials.map((t) => t.configHash)).size, 20);
  for (const t of trials) {
    assert.ok((t.params.max_lr as number) >= 0.001 && (t.params.max_lr as number) <= 1);
    assert.ok([0.5, 0.9, 1].includes(t.params.gamma as number));
    assert.ok(Number.isInteger(t.params.warmup_steps));
  }
  // TPE learns: the model's configs lie closer to the optimum (max_lr 0.1) than the startup draws, on average.
  const distance = (ts: TrialRecord[]) => ts.reduce((s, t) => s + Math.abs(Math.log10(t.params.max_lr as number) + 1), 0) / ts.length;
  assert.ok(distance(trials.slice(10)) < distance(trials.slice(0, 3)), `${distance(trials.slice(10))} vs ${distance(trials.slice(0, 3))}`);
});

test('a batch: each config\'s repeats together, repeat-major, with the sweep\'s seeds (common: one seed per repeat, a cohort)', async () => {
  const sweep = await sweepOf({ repeats: 2 });
  const fresh = suggestTrials(sweep, STEPS, [], 3);
  assert.deepEqual(fresh.map((t) => t.repeat), [0, 0, 0, 1, 1, 1]);
  assert.deepEqual(fresh.slice(3).map((t) => t.configHash), fresh.slice(0, 3).map((t) => t.configHash));
  for (const t of fresh) assert.equal(t.seed, seedOf(sweep, t.configHash, t.repeat));
  assert.equal(new Set(fresh.filter((t) => t.repeat === 0).map((t) => t.seed)).size, 1, 'common seeding: one seed for every config\'s repeat 0');
});

test('history: a config is running until every repeat settled, then the mean of its complete repeats; maximize is negated', async () => {
  const sweep = await sweepOf({ repeats: 2 });
  const fresh = suggestTrials(sweep, STEPS, [], 2);
  const [a0, b0, a1, b1] = stored(fresh, [], () => null);
  const done = (t: TrialRecord, objective: number | null, state: TrialRecord['state'] = 'complete') => ({ ...t, state, objective });
  assert.deepEqual(historyOf(sweep, [done(a0, 1), b0, a1, b1]).map((h) => h.state), ['running', 'running']);
  const h = historyOf(sweep, [done(a0, 1), done(b0, 2, 'diverged'), done(a1, 3), done(b1, 4)]);
  assert.deepEqual(h.map((x) => [x.state, x.objective]), [['complete', 2], ['diverged', null]]);
  const max = await sweepOf({ repeats: 2, objective: { metric: 'val_loss', goal: 'maximize' } });
  assert.deepEqual(historyOf(max, [done(a0, 1), done(a1, 3)]).map((x) => x.objective), [-2]);
  assert.deepEqual(historyOf(sweep, [done(a0, null, 'failed'), done(a1, null, 'failed')]).map((x) => x.state), ['failed']);
  // A pruned repeat counts by its last reported value; the config is pruned at its earliest pruned repeat's last step, when known.
  const pruned = historyOf(sweep, [done(a0, 1), done(b0, 5, 'pruned'), done(a1, 2, 'pruned'), done(b1, 7, 'pruned')], new Map([[a1.id, 39], [b0.id, 19], [b1.id, 29]]));
  assert.deepEqual(pruned.map((x) => [x.state, x.objective, x.step]), [['pruned', 1.5, 39], ['pruned', 6, 19]]);
  assert.equal(historyOf(sweep, [done(a0, 1), done(a1, 2, 'pruned')]).find(() => true)?.step, undefined, 'no step known: none given');
  assert.deepEqual(historyOf(max, [done(a0, 1), done(a1, 3, 'pruned')]).map((x) => [x.state, x.objective]), [['pruned', -2]]);
});

test('tpe counts pruned configs as finished (the model starts after startup_trials of them) and reads them with their steps', async () => {
  const sweep = await sweepOf({ method: { kind: 'tpe', startup_trials: 10 }, trials: 40 });
  let trials: TrialRecord[] = [];
  for (let i = 0; i < 10; i++) trials = [...trials, ...stored(suggestTrials(sweep, STEPS, trials, 1), trials, () => null)];
  const settled = trials.map((t, i) => ({ ...t, state: (i % 2 === 0 ? 'complete' : 'pruned') as TrialRecord['state'], objective: i % 2 === 0 ? 10 + i : i }));
  const steps = new Map(settled.filter((t) => t.state === 'pruned').map((t, k) => [t.id, 10 * (k + 1)]));
  const h = historyOf(sweep, settled, steps);
  assert.deepEqual(h.map((x) => x.state), settled.map((t) => t.state));
  assert.deepEqual(h.filter((x) => x.state === 'pruned').map((x) => x.step), [10, 20, 30, 40, 50]);
  // Ten finished (five of them pruned): the next config comes from the model; with the pruned ones still running it would be a startup draw.
  assert.equal(suggestTrials(sweep, STEPS, settled, 1, steps)[0].origin, 'model');
  const halfRunning = settled.map((t) => (t.state === 'pruned' ? { ...t, state: 'running' as const, objective: null } : t));
  assert.equal(suggestTrials(sweep, STEPS, halfRunning, 1)[0].origin, 'startup');
  // Pure: the same history and steps give the same suggestion.
  assert.deepEqual(suggestTrials(sweep, STEPS, settled, 1, steps), suggestTrials(sweep, STEPS, settled, 1, new Map(steps)));
});

test('budget: no more than trials configs, and budget.max_trials caps the trials (whole configs)', async () => {
  const sweep = await sweepOf({ trials: 3, repeats: 2, budget: { max_trials: 5 } });
  const first = suggestTrials(sweep, STEPS, [], 10);
  assert.equal(first.length, 4, 'two configs of two repeats fit under 5 trials');
  assert.equal(countTrials(sweep), 4, 'the planned total is what ask creates (progress reaches 100%)');
  const all = stored(first, [], quadratic);
  assert.deepEqual(suggestTrials(sweep, STEPS, all, 10), []);
  const small = await sweepOf({ trials: 2 });
  assert.equal(suggestTrials(small, STEPS, [], 10).length, 2);
});

test('a space none of whose configs can run (a fixed schedule that breaks its rules) is refused when the file is checked, naming the rule and the values', async () => {
  await assert.rejects(sweepOf({ schedule: { first_cycle_steps: 20, min_lr: 0.5, max_lr: 0.1 }, parameters: { gamma: { min: 0.3, max: 1, distribution: 'uniform' } } }),
    (e: Error) => {
      assert.match(e.message, /schedule: no config of this space can run: 100 drawn in a row were refused, the last because min_lr must not exceed max_lr, got min_lr=0\.5, max_lr=0\.1/);
      return true;
    });
});
