// The predict sampler's fits off the ask's lock and thread (AdaptiveSampler.prepare, ask.ts): a
// ranking fitted in a fit thread equals the in-thread one bit for bit; prepare() on a history
// leaves the decision on that history needing no fit (suggest under the lock finds them kept); a
// history that changed meanwhile is fitted under the lock as before, and a prepare() made on an
// older history never changes the suggestion on a later one. ended() (status, a run's start) makes
// the fit it needs in a fit thread too, and none it does not need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTrial, TrialRecord } from '../../../src/storage/types.js';
import type { LossPoint } from '../../../src/predict/index.js';
import { lrCurveOf } from '../../../src/predict/index.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { askContext, historyOf, suggestTrials } from '../../../src/sweep/ask.js';
import { methodOf, samplerEntry, samplerOf, type AdaptiveSampler } from '../../../src/sweep/samplers/index.js';
import { forgetFitsForTests, predictState } from '../../../src/sweep/samplers/predict-sampler.js';
import { fitOffThread } from '../../../src/sweep/fits/off-thread.js';
import { rankingOrWhy } from '../../../src/sweep/fits/jobs.js';
import lawTrainer, { MAX_LR, STEPS } from '../../predict/law-trainer.js';

const LAW_TRAINER = new URL('../../predict/law-trainer.ts', import.meta.url).pathname;
const sweepOf = async (seed: number, method: Record<string, unknown> = {}) => (await checkSweep({
  name: 'p', seed, schedule: { kind: 'cawr', max_lr: MAX_LR, min_lr: 0.0001 },
  parameters: { first_cycle_steps: { values: [100, 150, 200, 300, 600] }, warmup_steps: { values: [0, 30] }, gamma: { values: [1, 0.7] } },
  method: { kind: 'predict', top_k: 3, batch: 1, ...method },
  objective: { metric: 'train_loss', goal: 'minimize' },
  trainer: { kind: 'module', path: LAW_TRAINER },
})).sweep;

function lawPoints(params: Record<string, unknown>, seed: number): LossPoint[] {
  const out: LossPoint[] = [];
  lawTrainer.train({ curve: lrCurveOf(params as never, STEPS), seed, report: (p, m) => out.push({ step: p.step, loss: m.train_loss }) });
  return out;
}

/** New trials stored after `from`, complete with their law-trainer points (read into `curves`). */
function completed(fresh: NewTrial[], from: TrialRecord[], curves: Map<number, LossPoint[]>): TrialRecord[] {
  return fresh.map((t, i): TrialRecord => {
    const id = from.length + i + 1;
    const points = lawPoints(t.params as Record<string, unknown>, t.seed);
    curves.set(id, points);
    return {
      id, sweepId: 1, number: id, state: 'complete', objective: points[points.length - 1].loss, runId: null, attempts: 1, error: null,
      createdAt: '', startedAt: null, finishedAt: null, durationMs: null, provenance: null, process: null, ...t, origin: t.origin ?? 'plan', claimOrder: 0,
    };
  });
}

const noFit = () => {
  throw new Error('a fit the decision needs is not kept');
};

test('prepare() makes the fits a decision needs in a fit thread, equal bit for bit to the in-thread fits; the ask then needs no fit and makes its model pick', async () => {
  const sweep = await sweepOf(11);
  const method = methodOf(sweep.method);
  const context = askContext(sweep, STEPS);
  const curves = new Map<number, LossPoint[]>();
  let trials = completed(suggestTrials(sweep, STEPS, [], 8), [], curves); // the anchors, trained
  // The first pick (the anchors' fit), then with it trained, the second (a refit on anchors + pick 1: batch 1).
  for (let round = 0; round < 2; round++) {
    const history = historyOf(sweep, trials, new Map(), curves);
    assert.throws(() => predictState(sweep, method, history, context, {}, noFit), /not kept/, 'a new history needs a fit');
    const sampler = samplerOf(sweep) as AdaptiveSampler;
    await sampler.prepare!(history, context);
    const state = predictState(sweep, method, history, context, {}, noFit); // every fit it needs is kept
    assert.equal(state.stage, 'shortlist');
    const fresh = suggestTrials(sweep, STEPS, trials, 1, new Map(), curves);
    assert.equal(fresh.length, 1);
    assert.equal(fresh[0].origin, 'model');
    trials = [...trials, ...completed(fresh, trials, curves)];
  }

  // The ranking job off-thread equals the in-thread call (the anchors' fit over a few candidates).
  const anchors = trials.filter((t) => t.origin === 'anchor').map((t) => ({ name: `anchor ${t.number}`, params: t.params as never, curves: [curves.get(t.id)!] }));
  const input = { steps: STEPS, metric: 'train_loss', seed: 5, anchors, candidates: trials.map((t) => t.params as never) };
  assert.deepStrictEqual(await fitOffThread('ranking', input), rankingOrWhy(input));
});

test('on a history that changed since prepare() (curves read since), the ask still needs a fit and makes it under the lock, as before', async () => {
  const a = await sweepOf(12);
  const curves = new Map<number, LossPoint[]>();
  const trials = completed(suggestTrials(a, STEPS, [], 8), [], curves);
  const context = askContext(a, STEPS);
  // prepare() on the history before the anchors' curves were read: they count as training, nothing to fit.
  const sampler = samplerOf(a) as AdaptiveSampler;
  await sampler.prepare!(historyOf(a, trials, new Map(), new Map()), context);
  assert.throws(() => predictState(a, methodOf(a.method), historyOf(a, trials, new Map(), curves), context, {}, noFit), /not kept/);
  const unprepared = suggestTrials(a, STEPS, trials, 2, new Map(), curves);
  assert.equal(unprepared.length, 1);
  assert.equal(unprepared[0].origin, 'model');
});

test('a prepare() made on an older history (pick 1 still training) leaves the suggestion on the later one (pick 1 trained) as it is with no prepare at all', async () => {
  const sweep = await sweepOf(13); // batch 1: pick 2 is chosen by the law refitted on the anchors and pick 1
  const method = methodOf(sweep.method);
  const context = askContext(sweep, STEPS);
  const curves = new Map<number, LossPoint[]>();
  const anchors = completed(suggestTrials(sweep, STEPS, [], 8), [], curves);
  const pick1 = completed(suggestTrials(sweep, STEPS, anchors, 1, new Map(), curves), anchors, curves);
  const h0 = [...anchors, ...pick1.map((t): TrialRecord => ({ ...t, state: 'running', objective: null }))];
  const h1 = [...anchors, ...pick1];
  const made = forgetFitsForTests();
  await (samplerOf(sweep) as AdaptiveSampler).prepare!(historyOf(sweep, h0, new Map(), curves), context);
  assert.equal(made.offThread, 1, 'prepare() on H0 fitted the anchors in a fit thread');
  const afterStale = suggestTrials(sweep, STEPS, h1, 1, new Map(), curves);
  forgetFitsForTests();
  const unprepared = suggestTrials(sweep, STEPS, h1, 1, new Map(), curves);
  assert.equal(unprepared.length, 1);
  assert.equal(unprepared[0].origin, 'model');
  assert.deepEqual(afterStale.map((t) => t.configHash), unprepared.map((t) => t.configHash));
  // Not vacuous: H0's fit (the anchors' alone) would pick another config next.
  const stale = predictState(sweep, method, historyOf(sweep, h0, new Map(), curves), context);
  assert.ok(stale.stage === 'shortlist' && stale.ranked !== null);
  const tried = new Set(h1.map((t) => t.configHash));
  const staleNext = stale.ranked.order.map((i) => stale.candidates[i].hash).find((h) => !tried.has(h));
  assert.notEqual(staleNext, unprepared[0].configHash);
});

test('ended() (status, a run\'s start) makes the anchors\' fit it needs in a fit thread, none on its own thread, and no fit when its answer needs none', async () => {
  const ended = samplerEntry('predict').ended!;
  for (const [seed, cut, want] of [[14, Infinity, null], [15, 5, /^no shortlist: too few loss points to fit the law: .* \(on_fit_failure: stop\)$/]] as const) {
    const sweep = await sweepOf(seed); // on_fit_failure: stop (the default)
    const curves = new Map<number, LossPoint[]>();
    const trials = completed(suggestTrials(sweep, STEPS, [], 8), [], curves); // the anchors, trained; no shortlist yet
    const read = new Map([...curves].map(([id, points]) => [id, points.slice(0, cut)]));
    const history = historyOf(sweep, trials, new Map(), read);
    const made = forgetFitsForTests(); // an empty fit cache, as in a fresh `status` process
    const why = await ended(sweep, methodOf(sweep.method), history, askContext(sweep, STEPS));
    if (want === null) assert.equal(why, null);
    else assert.match(why ?? '', want);
    assert.deepEqual({ ...made }, { here: 0, offThread: 1 }, `seed ${seed}: one fit, in a fit thread`);
  }
  // on_fit_failure: fallback never ends early: no fit at all.
  const fallback = await sweepOf(16, { on_fit_failure: 'fallback' });
  const curves = new Map<number, LossPoint[]>();
  const trials = completed(suggestTrials(fallback, STEPS, [], 8), [], curves);
  const made = forgetFitsForTests();
  assert.equal(await ended(fallback, methodOf(fallback.method), historyOf(fallback, trials, new Map(), curves), askContext(fallback, STEPS)), null);
  assert.deepEqual({ ...made }, { here: 0, offThread: 0 });
});
