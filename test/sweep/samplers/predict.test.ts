// method: { kind: predict } through sweep/ask.ts, on histories whose anchors' training losses
// follow the law itself (test/predict/law-trainer.ts): anchors first (one ask, one seed: a
// cohort), nothing while they train, then the shortlist the law predicts, refitted as its results
// arrive, the same whoever asks and however the asks are split; the restarts anchor by its rule, and
// a sweep holding an older rule's anchors resumes with them; a failed fit stops or falls back as the file says; the file's
// keys are checked with one-line messages; an anchor trial is accepted only as one the file plans.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTrial, TrialRecord } from '../../../src/storage/types.js';
import type { LossPoint } from '../../../src/predict/index.js';
import { lawCurveOf, lrCurveOf, finalLoss } from '../../../src/predict/index.js';
import { spearman } from '../../../src/predict/agreement.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { askContext, suggestTrials } from '../../../src/sweep/ask.js';
import { historyOf } from '../../../src/sweep/ask.js';
import { canonicalMethod, methodOf } from '../../../src/sweep/samplers/index.js';
import { anchorPlans, predictState } from '../../../src/sweep/samplers/predict-sampler.js';
import type { Config } from '../../../src/sweep/definition.js';
import { planCheck } from '../../../src/sweep/plan-check.js';
import { configHash } from '../../../src/sweep/hash.js';
import { countTrials, normalizeConfig } from '../../../src/sweep/space.js';
import lawTrainer, { MAX_LR, STEPS, TRUTH } from '../../predict/law-trainer.js';

const LAW_TRAINER = new URL('../../predict/law-trainer.ts', import.meta.url).pathname;
const base = {
  name: 'p', schedule: { kind: 'cawr', max_lr: MAX_LR, min_lr: 0.0001 },
  parameters: { first_cycle_steps: { values: [100, 150, 200, 300, 600] }, warmup_steps: { values: [0, 30] }, gamma: { values: [1, 0.7] } },
  method: { kind: 'predict', top_k: 3 },
  objective: { metric: 'train_loss', goal: 'minimize' },
  trainer: { kind: 'module', path: LAW_TRAINER },
};
const sweepOf = async (over: Record<string, unknown> = {}) => (await checkSweep({ ...base, ...over })).sweep;

/** The law-trainer's points for a config (its window means of the law plus seeded noise). */
function lawPoints(params: Record<string, unknown>, seed: number): LossPoint[] {
  const out: LossPoint[] = [];
  lawTrainer.train({ curve: lrCurveOf(params as never, STEPS), seed, report: (p, m) => out.push({ step: p.step, loss: m.train_loss }) });
  return out;
}

/** Stored trials for new ones, numbered after `from`, in the state `settle` gives (default: waiting). */
function stored(fresh: NewTrial[], from: TrialRecord[], settle: (t: NewTrial) => Partial<TrialRecord> = () => ({})): TrialRecord[] {
  return fresh.map((t, i): TrialRecord => ({
    id: from.length + i + 1, sweepId: 1, number: from.length + i + 1, state: 'waiting', objective: null, runId: null, attempts: 0, error: null,
    createdAt: '', startedAt: null, finishedAt: null, durationMs: null, provenance: null, process: null, ...t, origin: t.origin ?? 'plan', claimOrder: 0, ...settle(t),
  }));
}

/** Every trial complete with its law-trainer points as its curve; objective its last point. */
function completeAll(trials: TrialRecord[], curves: Map<number, LossPoint[]>, bad?: (t: TrialRecord) => LossPoint[] | null): TrialRecord[] {
  return trials.map((t) => {
    if (t.state === 'complete') return t;
    const points = bad?.(t) ?? lawPoints(t.params as Record<string, unknown>, t.seed);
    curves.set(t.id, points);
    return { ...t, state: 'complete', objective: points[points.length - 1].loss };
  });
}

/** The sweep to its end, asking for `n` configs at a time, each ask after every result is in. */
function walk(sweep: Awaited<ReturnType<typeof sweepOf>>, n: number, bad?: (t: TrialRecord) => LossPoint[] | null) {
  let trials: TrialRecord[] = [];
  const curves = new Map<number, LossPoint[]>();
  for (;;) {
    const fresh = suggestTrials(sweep, STEPS, trials, n, undefined, curves);
    if (fresh.length === 0) return { trials, curves };
    trials = completeAll([...trials, ...stored(fresh, trials)], curves, bad);
  }
}

test('anchors first: constant at max_lr, one cosine and a restart schedule of the file\'s kind, in one ask under one seed; nothing more while they train', async () => {
  const sweep = await sweepOf();
  const first = suggestTrials(sweep, STEPS, [], 16);
  assert.deepEqual(first.map((t) => t.origin), ['anchor', 'anchor', 'anchor']);
  assert.equal(new Set(first.map((t) => t.seed)).size, 1, 'seeding common: the anchors share a seed, so a lockstep trainer runs them as one cohort');
  const [constant, cosine, restarts] = first.map((t) => t.params);
  assert.deepEqual([constant.max_lr, constant.min_lr, constant.first_cycle_steps, constant.warmup_steps], [MAX_LR, MAX_LR, STEPS, 0]);
  assert.deepEqual([cosine.max_lr, cosine.min_lr, cosine.first_cycle_steps], [MAX_LR, 0.0001, STEPS]);
  // The rule (predict-sampler.ts's header): gamma 0.7 and warmup 30 (the values other than the defaults 1 and 0), and of
  // the lengths, the fewest restarts still 2 or more in 600 steps: 200 (restarts at 200, 400; 300 gives 1, 150 gives 3).
  assert.deepEqual([restarts.first_cycle_steps, restarts.cycle_mult, restarts.gamma, restarts.warmup_steps, restarts.max_cycles, restarts.cycles], [200, 1, 0.7, 30, undefined, undefined]);
  // It is the grid's config (200, 30, 0.7) itself, never trained twice.
  const own = askContext(sweep, STEPS).build({ first_cycle_steps: 200, warmup_steps: 30, gamma: 0.7 });
  assert.equal('hash' in own && own.hash, first[2].configHash);
  // A schedule that fixes `cycles` (as sweeps/quickstart.yaml does) does not make the constant and cosine anchors cycle;
  // its restarts anchor is written with cycles, as its configs are: the grid's (cycles 4, gamma 0.7) config itself.
  const cyclic = await sweepOf({ schedule: { kind: 'cawr', cycles: 4, max_lr: MAX_LR, min_lr: 0.0001 }, parameters: { gamma: { values: [1, 0.7] } } });
  const fixed = suggestTrials(cyclic, STEPS, [], 16);
  assert.deepEqual(fixed.map((t) => [t.params.first_cycle_steps, t.params.cycles, t.params.max_cycles, t.params.gamma]), [[STEPS, undefined, undefined, 1], [STEPS, undefined, undefined, 1], [STEPS / 4, 4, 4, 0.7]]);
  const gridConfig = askContext(cyclic, STEPS).build({ gamma: 0.7 });
  assert.equal('hash' in gridConfig && gridConfig.hash, fixed[2].configHash);
  // Asked one at a time: the same anchors, in the same order.
  let trials: TrialRecord[] = [];
  for (let i = 0; i < 3; i++) trials = [...trials, ...stored(suggestTrials(sweep, STEPS, trials, 1), trials)];
  assert.deepEqual(trials.map((t) => t.params), first.map((t) => t.params));
  assert.deepEqual(suggestTrials(sweep, STEPS, trials, 16), [], 'nothing to suggest while the anchors train');
  // Complete, but their curves not read yet (an ask that read points before another run committed): still nothing.
  const done = trials.map((t) => ({ ...t, state: 'complete' as const, objective: 1 }));
  assert.deepEqual(suggestTrials(sweep, STEPS, done, 16), []);
  assert.equal(countTrials(sweep), 6, 'anchors + top_k');
  assert.equal(countTrials(await sweepOf({ trials: 4 })), 4, 'trials caps the configs');
});

test('the shortlist is the law\'s top k of the untried grid, in one ask under one seed, the same however the asks are split', async () => {
  const sweep = await sweepOf({ method: { kind: 'predict', top_k: 3, explore: 2 } });
  const all = walk(sweep, 16);
  assert.deepEqual(all.trials.map((t) => t.origin), ['anchor', 'anchor', 'anchor', 'model', 'model', 'model', 'model', 'model']);
  assert.equal(new Set(all.trials.slice(3).map((t) => t.seed)).size, 1, 'the shortlist shares a seed: one cohort');
  const oneByOne = walk(sweep, 1);
  assert.deepEqual(oneByOne.trials.map((t) => [t.configHash, t.origin, t.seed]), all.trials.map((t) => [t.configHash, t.origin, t.seed]));
  assert.equal(new Set(all.trials.map((t) => t.configHash)).size, 8);

  // The data follow the law: its predictions order the candidates as the true law does.
  const state = predictState(sweep, methodOf(sweep.method), historyOf(sweep, all.trials.slice(0, 3), new Map(), all.curves), askContext(sweep, STEPS));
  assert.equal(state.stage, 'shortlist');
  if (state.stage !== 'shortlist' || state.ranked === null) throw new Error('no fit');
  const truth = state.candidates.map((c) => finalLoss(TRUTH, lawCurveOf(c.config, STEPS, MAX_LR), 10));
  const rho = spearman(state.ranked.predicted, truth)!;
  assert.ok(rho > 0.9, `Spearman of predicted against true final loss: ${rho}`);
  const trueBest = state.candidates[truth.indexOf(Math.min(...truth))].hash;
  assert.ok(all.trials.slice(3, 6).some((t) => t.configHash === trueBest), 'the true best candidate is in the top 3');
  for (const a of state.ranked.anchors) assert.ok(Math.abs(a.predicted - a.actual) < 0.01, `${a.name}: predicted ${a.predicted}, actual ${a.actual}`);
  // Deterministic: the same anchors' points, the same predictions to the last bit.
  const again = predictState(sweep, methodOf(sweep.method), historyOf(sweep, all.trials.slice(0, 3), new Map(), all.curves), askContext(sweep, STEPS));
  assert.deepEqual(again.stage === 'shortlist' && again.ranked?.predicted, state.ranked.predicted);
  // Exploration picks come from beyond the top k; seeded by the sweep: another seed, other picks (the top k may move with the fit's seed too).
  const picked = new Set(all.trials.slice(3, 6).map((t) => t.configHash));
  for (const t of all.trials.slice(6)) assert.ok(!picked.has(t.configHash));
});

test('a failed fit stops (nothing more created) or falls back to the grid\'s listed order, as on_fit_failure says', async () => {
  const nan = (t: TrialRecord) => (t.origin === 'anchor' && t.params.min_lr === MAX_LR ? [{ step: 9, loss: Number.NaN }] : null);
  const stop = walk(await sweepOf(), 16, nan);
  assert.deepEqual(stop.trials.map((t) => t.origin), ['anchor', 'anchor', 'anchor'], 'stop: nothing after the anchors');
  const sweep = await sweepOf({ method: { kind: 'predict', top_k: 3, on_fit_failure: 'fallback' } });
  const fallback = walk(sweep, 16, nan);
  assert.deepEqual(fallback.trials.map((t) => t.origin), ['anchor', 'anchor', 'anchor', 'startup', 'startup', 'startup']);
  // The grid's first configs in listed order (the last key fastest), anchors skipped.
  assert.deepEqual(fallback.trials.slice(3).map((t) => [t.params.first_cycle_steps, t.params.warmup_steps, t.params.gamma]), [[100, 0, 1], [100, 0, 0.7], [100, 30, 1]]);
  const state = predictState(sweep, methodOf(sweep.method), historyOf(sweep, fallback.trials.slice(0, 3), new Map(), fallback.curves), askContext(sweep, STEPS));
  assert.equal(state.stage === 'shortlist' && state.failure, 'anchor constant: train_loss: its loss at step 9 is NaN: the law needs finite losses');
  // Too few points: the fit's own one line.
  const few = walk(sweep, 16, (t) => (t.origin === 'anchor' ? [{ step: 199, loss: 2 }, { step: 399, loss: 1.8 }, { step: 599, loss: 1.7 }] : null));
  assert.deepEqual(few.trials.map((t) => t.origin), ['anchor', 'anchor', 'anchor', 'startup', 'startup', 'startup']);
  const s1 = predictState(sweep, methodOf(sweep.method), historyOf(sweep, few.trials.slice(0, 3), new Map(), few.curves), askContext(sweep, STEPS));
  assert.match(s1.stage === 'shortlist' && s1.failure || '', /^too few loss points to fit the law: 6 windows after the first 5% of each run, at least 20 needed/);
  // A diverged anchor is a failure too, said in one line.
  const diverged = stored(suggestTrials(sweep, STEPS, [], 16), []).map((t, i) => (i === 1 ? { ...t, state: 'diverged' as const } : t));
  const curves = new Map<number, LossPoint[]>();
  const settled = completeAll(diverged.map((t) => (t.state === 'diverged' ? t : t)), curves).map((t, i) => (i === 1 ? { ...t, state: 'diverged' as const, objective: null } : t));
  const s2 = predictState(sweep, methodOf(sweep.method), historyOf(sweep, settled, new Map(), curves), askContext(sweep, STEPS));
  assert.equal(s2.stage === 'shortlist' && s2.failure, 'anchor cosine was diverged: the law needs every anchor\'s whole train_loss curve');
});

test('with repeats, an anchor repeat that failed does not hold the fit back: the others\' curves are fitted', async () => {
  const sweep = await sweepOf({ repeats: 2 });
  const anchors = stored(suggestTrials(sweep, STEPS, [], 16), []);
  assert.deepEqual(anchors.map((t) => [t.origin, t.repeat]), [['anchor', 0], ['anchor', 0], ['anchor', 0], ['anchor', 1], ['anchor', 1], ['anchor', 1]]);
  const curves = new Map<number, LossPoint[]>();
  const settled = completeAll(anchors, curves).map((t) => (t.number === 5 ? { ...t, state: 'failed' as const, objective: null } : t));
  curves.delete(5);
  const next = suggestTrials(sweep, STEPS, settled, 16, undefined, curves);
  assert.deepEqual(next.map((t) => t.origin), Array(4).fill('model'), 'batch 2: two configs of the shortlist, each twice');
});

test('the file\'s predict keys: one line each naming the key, the rule and the value', async () => {
  const problems = async (over: Record<string, unknown>) => {
    try {
      await checkSweep({ ...base, ...over });
      return [];
    } catch (e) {
      return (e as Error).message.split('\n').slice(1).map((l) => l.trim());
    }
  };
  assert.deepEqual(await problems({ method: { kind: 'predict', top_k: 0 } }), ['method.top_k: must be an integer from 1 to 1000, got 0']);
  assert.deepEqual(await problems({ method: { kind: 'predict', anchors: [] } }),
    ['method.anchors: must be a list of 1 to 10 anchors, each constant, cosine, restarts or a mapping of schedule keys (e.g. {first_cycle_steps: 500}), got []']);
  assert.deepEqual(await problems({ method: { kind: 'predict', metric: 'loss' } }),
    ['method.metric: must be one of train_loss (the metrics of trainer module; method predict fits the training loss\'s curve), got "loss"']);
  assert.deepEqual(await problems({ method: { kind: 'predict', on_fit_failure: 'retry' } }), ['method.on_fit_failure: must be one of stop, fallback, got "retry"']);
  assert.deepEqual(await problems({ method: { kind: 'predict', candidates: 0 } }), ['method.candidates: must be grid or an integer from 1 to 100000 (Sobol points of the parameters), got 0']);
  const ranged = { schedule: { kind: 'cawr', min_lr: 0.0001 }, parameters: { max_lr: { min: 0.001, max: 0.01 }, first_cycle_steps: { values: [100, 600] } } };
  assert.deepEqual(await problems(ranged), ['method.candidates: must be a number of Sobol points when parameters have min/max ranges (max_lr), got grid']);
  assert.deepEqual(await problems({ method: { kind: 'predict', anchors: ['cosine', { first_cycle_steps: 100, warmup_steps: 200 }] } }),
    ['method.anchors[1]: anchors[1] {"first_cycle_steps":100,"warmup_steps":200} cannot run: warmup_steps must be smaller than first_cycle_steps, got warmup_steps=200, first_cycle_steps=100']);
  // A mapping's key the kind does not have, or a value its rule refuses: at the key's path (issue 19).
  assert.deepEqual(await problems({ method: { kind: 'predict', anchors: ['cosine', { cycle_mul: 3 }] } }),
    ['method.anchors[1].cycle_mul: is not a key of schedule kind cawr (known: first_cycle_steps, cycle_mult, max_lr, min_lr, warmup_steps, gamma, warmup_first_cycle_only, peak_floor, max_cycles, allow_min_above_max, cycles)']);
  const zero = await problems({ method: { kind: 'predict', anchors: [{ cycles: 0 }] } });
  assert.equal(zero.length, 1);
  assert.match(zero[0], /^method\.anchors\[0\]\.cycles: must be an integer from 1 to 1000000/);
  // Two anchors that build the same config (a preset twice, or a mapping of a preset's config): refused, naming both.
  assert.deepEqual(await problems({ method: { kind: 'predict', anchors: ['cosine', 'cosine', 'restarts'] } }),
    ['method.anchors[1]: cosine is the same run as method.anchors[0] (cosine): each anchor must be a different config']);
  assert.deepEqual(await problems({ method: { kind: 'predict', anchors: ['constant', 'cosine', { first_cycle_steps: STEPS }] } }),
    ['method.anchors[2]: anchors[2] is the same run as method.anchors[1] (cosine): each anchor must be a different config']);
  // Ranges with Sobol candidates are fine.
  assert.deepEqual(await problems({ ...ranged, method: { kind: 'predict', candidates: 64 } }), []);
});

test('identity: a predict method left at its defaults is stored as its name, the default anchors written out too', async () => {
  assert.equal(canonicalMethod(methodOf({ kind: 'predict', anchors: ['constant', 'cosine', 'restarts'], top_k: 5 })), 'predict');
  assert.deepEqual(canonicalMethod(methodOf({ kind: 'predict', anchors: ['cosine', 'restarts'] })), { kind: 'predict', anchors: ['cosine', 'restarts'] });
  assert.equal((await sweepOf({ method: 'predict' })).method, 'predict');
});

test('trust rule: an anchor row is accepted only as an anchor the file plans; an edited one is refused with a reason', async () => {
  const sweep = await sweepOf();
  const check = planCheck(sweep, STEPS, { planned: true });
  const anchors = stored(suggestTrials(sweep, STEPS, [], 16), []);
  for (const t of anchors) assert.equal(check(t), null);
  // Edited consistently (params, hash and seed agree): a constant run at ten times the LR.
  const params = normalizeConfig({ ...anchors[0].params, max_lr: 0.1, min_lr: 0.1 } as never);
  const edited = { ...anchors[0], params, configHash: configHash(params) };
  assert.match(check(edited)!, /^its origin is anchor, but its params \{.*"max_lr":0\.1,.* are none of the anchors method predict plans from the sweep file$/);
  // A grid sweep plans no anchors.
  const grid = await sweepOf({ method: 'grid' });
  assert.match(planCheck(grid, STEPS)(anchors[1])!, /none of the anchors method grid plans/);
});

test('the restarts anchor by the rule: each varied key\'s lower median without its default, the length with the fewest restarts still 2 or more', async () => {
  const plans = (sweep: Awaited<ReturnType<typeof sweepOf>>, steps: number) => anchorPlans(sweep, methodOf(sweep.method), steps).map((a) => JSON.parse(JSON.stringify(a.values)) as unknown); // keys set to undefined dropped
  // bench/record/charlm-grid.yaml's space over its 2,000 steps: 500/2/0.5/50 (1000 gives 1 restart, 250 gives 3).
  const charlm = await sweepOf({
    schedule: { kind: 'cawr', max_lr: 0.006, min_lr: 0.0001 },
    parameters: { first_cycle_steps: { values: [250, 500, 1000] }, cycle_mult: { values: [1, 2] }, gamma: { values: [0.5, 1.0] }, warmup_steps: { values: [0, 50, 150] } },
  });
  assert.deepEqual(plans(charlm, 2000)[2], { max_lr: 0.006, cycle_mult: 2, gamma: 0.5, warmup_steps: 50, first_cycle_steps: 500 });
  // Ranges: their midpoints (int_uniform rounded down); 200 gives restarts at 200 and 400 of 600.
  const ranged = await sweepOf({
    parameters: { first_cycle_steps: { min: 100, max: 300, distribution: 'int_uniform' }, gamma: { min: 0.5, max: 1, distribution: 'uniform' }, warmup_steps: { min: 0, max: 101, distribution: 'int_uniform' } },
    method: { kind: 'predict', candidates: 16 },
  });
  assert.deepEqual(plans(ranged, STEPS)[2], { max_lr: MAX_LR, first_cycle_steps: 200, gamma: 0.75, warmup_steps: 50 });
  // No length of the space gives 2 restarts: three cycles fill the steps (a length of 200 fills 600 exactly: written as one).
  const long = await sweepOf({ parameters: { first_cycle_steps: { values: [400, 600] }, gamma: { values: [1, 0.7] } } });
  assert.deepEqual(plans(long, STEPS)[2], { max_lr: MAX_LR, gamma: 0.7, first_cycle_steps: 200, max_cycles: null });
  // Only the default value listed: it is kept (gamma 1).
  const plain = await sweepOf({ parameters: { first_cycle_steps: { values: [100, 600] }, gamma: { values: [1] } } });
  assert.deepEqual(plans(plain, STEPS)[2], { max_lr: MAX_LR, gamma: 1, first_cycle_steps: 100 });
});

test('refits: the shortlist trains `batch` configs at once; a later pick waits for the earlier one and depends on its result', async () => {
  const sweep = await sweepOf({ method: { kind: 'predict', top_k: 4 } });
  const curves = new Map<number, LossPoint[]>();
  const anchors = completeAll(stored(suggestTrials(sweep, STEPS, [], 16), []), curves);
  const first = stored(suggestTrials(sweep, STEPS, anchors, 16, undefined, curves), anchors);
  assert.deepEqual(first.map((t) => t.origin), ['model', 'model'], 'batch 2: two picks on the anchors\' fit');
  let trials = [...anchors, ...first];
  assert.deepEqual(suggestTrials(sweep, STEPS, trials, 16, undefined, curves), [], 'pick 3 waits for pick 1');
  // Pick 2 done, pick 1 still training: pick 3 still waits (it depends on pick 1 only).
  const [p1, p2] = first;
  trials = [...anchors, p1, ...completeAll([p2], curves)];
  assert.deepEqual(suggestTrials(sweep, STEPS, trials, 16, undefined, curves), []);
  // Picks 1 and 2 done: picks 3 and 4 come (pick 4 waits for pick 2).
  const settle = (points: (t: TrialRecord) => LossPoint[]) => {
    const c = new Map(curves);
    const done = [...anchors, ...completeAll([p1], c, points), ...completeAll([p2], c)];
    return { picks: suggestTrials(sweep, STEPS, done, 16, undefined, c).map((t) => t.configHash), done, c };
  };
  const honest = settle((t) => lawPoints(t.params as Record<string, unknown>, t.seed));
  assert.equal(honest.picks.length, 2);
  // The same history, pick 1's result otherwise (a curve 0.3 lower: its schedule trained far better than predicted): other picks.
  const better = settle((t) => lawPoints(t.params as Record<string, unknown>, t.seed).map((p) => ({ ...p, loss: p.loss - 0.3 })));
  assert.notDeepEqual(better.picks, honest.picks, 'pick 3 depends on pick 1\'s result');
  // Asked one at a time, the same picks.
  const one = suggestTrials(sweep, STEPS, honest.done, 1, undefined, honest.c);
  const two = suggestTrials(sweep, STEPS, [...honest.done, ...stored(one, honest.done)], 1, undefined, honest.c);
  assert.deepEqual([...one, ...two].map((t) => t.configHash), honest.picks);
  // batch >= top_k: every pick at once, on the anchors' fit.
  const once = await sweepOf({ method: { kind: 'predict', top_k: 4, batch: 4 } });
  assert.equal(suggestTrials(once, STEPS, anchors, 16, undefined, curves).length, 4);
});

