// law: the schedule-aware pruner (issue 19). lrsweep knows every trial's LR at every step, so a
// loss law fitted to the finished trials (the Multi-Power Law, src/predict/) predicts where a
// running trial will end from its points so far and the rest of its schedule: it knows that a
// restart is coming and that the loss will jump and fall again, which no schedule-blind pruner
// can know. It reads TrialView.schedule (every point, the LR curve); its values must be a loss
// that follows the law: the training loss, minimized and positive, reported many times a run.
//
// What it judges: the metric `metric` (default train_loss, as method predict's), a name the
// trainer declares (checked at pruner.metric; refused where the trainer declares it maximized, or
// where it is a maximized objective). The live check and replay hand it that metric's points, not
// the objective's (pruners/index.ts judgedMetric), and every value below (points, finals, the best
// trained trial) is that metric's. When the objective is another metric (val_loss, an accuracy),
// the law stops trials whose predicted final training loss is clearly worse than the best trained
// trial's: it assumes the training loss ranks trials as the objective does, which holds where
// training does not overfit (fresh data, as in pretraining) and may not on a small data set of
// many epochs (there, give metric: val_loss if it follows the law, or use another pruner).
//
// The rule, at each fresh reading at or after warmup_steps, once startup_trials trials are
// complete (with usable points: finite, positive, and a schedule):
// 1. The law is fitted (fitLaw, seed `seed`) to the first m complete trials by trial number, m =
//    startup_trials × 2^j the largest at most the number complete, and at most fit_trials. So it
//    is refitted only when the complete count doubles (a fit costs seconds, a leave-one-out check
//    one fit per config), never on more than fit_trials trials, and it is the same fit on every
//    worker that has seen those trials. With it: the leave-one-out error (predict/leave-one-out.ts
//    meanAbsError: mean |held-out prediction − actual final loss| over those trials' configs; at
//    least 3 configs, else nothing is stopped).
// 2. The trial's prediction: the law's final loss for its whole schedule (its LR curve to the
//    end), shifted by its own points: plus the mean residual (observed − law) of its windows in
//    the second half of its steps so far (past the fit's cut: FIT_FROM of the steps and its first
//    warmup; with none, it is not judged).
// 3. The best trained trial: the complete trial with the lowest final value of the metric (its last point), and
//    the law's prediction for it made the same way from its own points up to the same step (its
//    windows over the same steps): the two are compared as they stood at the same point of
//    training, so where the law is off for that phase (a fit on few, alike schedules is), both
//    predictions carry it. (Measured on the recorded char-LM grid: calibrating the running trial
//    alone stopped the eventual best at step 120 of 2,000, on the law's misfit there.)
// 4. It is stopped when its prediction is worse than the best trained trial's by more than the
//    leave-one-out error.
// Predictions average the last `window` steps, the median spacing of the fitted trials' last two
// points (the final value a trial reports averages them).
//
// Pure and cheap: the fit and its check are a function of the fitted trials alone (their
// numbers, configs and points), cached on a digest of them (the history's identity); a decision
// then costs one pass over the trial's schedule. The fit's work is capped (fitWork, below: fewer
// starts and held-out iterations for many long trials), since it blocks the thread that asks.

import { createHash } from 'node:crypto';
import { rules } from '../../core/rules.js';
import { TRAINING_LOSS } from '../../core/trial.js';
import {
  curveProblem, fitLaw, FitError, FIT_DEFAULTS, FIT_FROM, leaveOneOut, meanResidual, minWindowFor, normaliserOf, predictFinal, prepareCurve, windowsOf,
  type FitRun, type LawCurve, type LawParams, type LossPoint, type TrainedConfig,
} from '../../predict/index.js';
import { shown, type PrunerEntry, type StepValue, type TrialSchedule, type TrialView } from './pruner.js';

/** A trial the law can use: its schedule and loss points (0-based step indices). */
interface Usable {
  schedule: TrialSchedule;
  lr: Float64Array;
  loss: LossPoint[];
}

/** A fit and what a decision needs of it; or why there is none (then nothing is stopped). */
type Fitted =
  | { ok: true; params: LawParams; maxLr: number; looError: number; window: number; trials: number; finals: Map<string, number> }
  | { ok: false; why: string };

/** Fits kept (digest -> fit): a few histories at once (a worker serving several sweeps). */
const CACHE = new Map<string, Fitted>();
const CACHE_SIZE = 8;

/** Held-out fits start at the full fit: they need few iterations. */
const HELD_OUT_ITERATIONS = 100;

// The fit's work is bounded: it runs on the thread that answers the prune check (a worker's, whose
// heartbeat waits for it), and an iteration costs about the fitted trials' steps together. The full
// fit takes FIT_DEFAULTS.starts starts up to FIT_RUN_STEPS run-steps (trials x steps) and fewer
// beyond (at least 1; the first starts of the same seeded sequence); the held-out fits take
// HELD_OUT_ITERATIONS up to HELD_OUT_RUN_STEPS and proportionally fewer beyond (at least 20).
// Measured on the recorded char-LM grid (2,000 steps), fit_trials 20 (11 configs), on 2 cores
// shared with other work (load 3): 6 starts took 13.6 s and the held-out fits 2.8 s (18 s for the
// first decision); with the cap, 2 starts, 5.4 s + 2.5 s, and the same fit there (objective and
// leave-one-out error equal to 6 starts': the data-derived start 0 found it).
const FIT_RUN_STEPS = 80_000;
const HELD_OUT_RUN_STEPS = 40_000;

/** The fit's starts and held-out iterations for this many trials of this many steps (the cap above). */
export function fitWork(trials: number, steps: number): { starts: number; heldOutIterations: number } {
  const work = trials * steps;
  return {
    starts: Math.max(1, Math.min(FIT_DEFAULTS.starts, Math.floor(FIT_RUN_STEPS / work))),
    heldOutIterations: Math.max(20, Math.min(HELD_OUT_ITERATIONS, Math.floor((HELD_OUT_ITERATIONS * HELD_OUT_RUN_STEPS) / work))),
  };
}

/** Points as the law's loss points: steps done s -> step index s − 1. */
const lossOf = (points: readonly StepValue[]): LossPoint[] => points.map((p) => ({ step: p.step - 1, loss: p.value }));

/** The trial's schedule and loss points when the law can use them (a positive, finite loss at rising steps within the trial). */
function usable(t: TrialView, steps: number): Usable | null {
  const s = t.schedule;
  if (!s || !s.timeline.curve || s.points.length === 0) return null;
  const loss = lossOf(s.points);
  if (curveProblem(loss, steps) !== null) return null;
  const lr = s.timeline.curve();
  return lr.length === steps ? { schedule: s, lr, loss } : null;
}

/** The history's identity: the fitted trials' numbers, configs and points, the steps and the fit's seed. */
function digest(fitted: readonly Usable[], steps: number, seed: number): string {
  const h = createHash('sha256');
  h.update(`${steps} ${seed}\n`);
  for (const u of fitted) {
    h.update(`${u.schedule.number} ${u.schedule.config} ${u.loss.length}\n`);
    h.update(Float64Array.from(u.loss.flatMap((p) => [p.step, p.loss])));
  }
  return h.digest('hex');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)];
}

/** Fits the law to these trials (number order) and checks it by leave-one-out over their configs. */
function fit(fitted: readonly Usable[], steps: number, seed: number): Fitted {
  const maxLr = normaliserOf(fitted.map((u) => u.lr));
  const minWindow = minWindowFor(steps);
  const curves = new Map<string, LawCurve>();
  const curveOf = (u: Usable) => {
    let c = curves.get(u.schedule.config);
    if (!c) curves.set(u.schedule.config, (c = prepareCurve(u.lr, maxLr)));
    return c;
  };
  const byConfig = new Map<string, Usable[]>();
  for (const u of fitted) byConfig.set(u.schedule.config, [...(byConfig.get(u.schedule.config) ?? []), u]);
  const last = (u: Usable) => u.loss[u.loss.length - 1].loss;
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const trained: TrainedConfig[] = [...byConfig].map(([key, group]) => ({
    key,
    runs: group.map((u): FitRun => ({ curve: curveOf(u), windows: windowsOf(u.loss, minWindow) })),
    objective: mean(group.map(last)),
    finalLoss: mean(group.map(last)),
  }));
  if (trained.length < 3) return { ok: false, why: `the leave-one-out check needs at least 3 configs among the ${fitted.length} fitted trials` };
  const window = Math.max(1, median(fitted.map((u) => {
    const n = u.loss.length;
    return n > 1 ? u.loss[n - 1].step - u.loss[n - 2].step : u.loss[0].step + 1;
  })));
  try {
    const work = fitWork(fitted.length, steps);
    const full = fitLaw(trained.flatMap((c) => c.runs), { seed, starts: work.starts });
    const loo = leaveOneOut(trained, full, window, { seed, maxIterations: work.heldOutIterations });
    if (!Number.isFinite(loo.meanAbsError)) return { ok: false, why: 'no config could be held out' };
    return { ok: true, params: full.params, maxLr, looError: loo.meanAbsError, window, trials: fitted.length, finals: new Map() };
  } catch (e) {
    if (e instanceof FitError) return { ok: false, why: e.message };
    throw e;
  }
}

/** The fit for these trials: from the cache when they were fitted before. */
function fitFor(fitted: readonly Usable[], steps: number, seed: number): Fitted {
  const key = digest(fitted, steps, seed);
  let f = CACHE.get(key);
  if (f) {
    CACHE.delete(key); // most recently used last
    CACHE.set(key, f);
    return f;
  }
  f = fit(fitted, steps, seed);
  CACHE.set(key, f);
  while (CACHE.size > CACHE_SIZE) CACHE.delete(CACHE.keys().next().value!);
  return f;
}

/** The law's final value for a trial's whole schedule (cached per config on the fit). */
function lawFinal(f: Fitted & { ok: true }, u: Usable): number {
  let v = f.finals.get(u.schedule.config);
  if (v === undefined) f.finals.set(u.schedule.config, (v = predictFinal(f.params, prepareCurve(u.lr, f.maxLr), f.window)));
  return v;
}

/**
 * A trial's predicted final value from its points up to step `reached` (steps done): the law's
 * final for its schedule plus the mean residual of its windows in [max(cut, reached / 2), reached);
 * null when it has no such window.
 */
function calibrated(f: Fitted & { ok: true }, u: Usable, steps: number, reached: number): number | null {
  const curve = prepareCurve(u.lr, f.maxLr);
  const from = Math.max(curve.peak + 1, Math.ceil(FIT_FROM * steps), Math.floor(reached / 2));
  const recent = windowsOf(u.loss, minWindowFor(steps)).filter((w) => w.start >= from && w.end <= reached);
  return recent.length === 0 ? null : lawFinal(f, u) + meanResidual(f.params, curve, recent);
}

/** How many complete trials the law is fitted on, of `complete`: startup × 2^j, the largest at most complete, capped. */
export function fittedCount(complete: number, startup: number, cap: number): number {
  let m = startup;
  while (m * 2 <= complete && m * 2 <= cap) m *= 2;
  return Math.min(m, cap, complete);
}

export const law: PrunerEntry = {
  name: 'law',
  title: 'law (predicts each trial\'s final loss from its points and its whole schedule: the Multi-Power Law)',
  defaultAt: 'steps',
  metric: { default: TRAINING_LOSS, help: 'the metric that carries the training loss, reported many times a run: the law is fitted to it and judges it (not the objective)' },
  options: {
    startup_trials: { default: 5, rule: rules.integer(3), help: 'complete trials before any is stopped (the law is fitted on them)' },
    fit_trials: { default: 20, rule: rules.integer(3), help: 'the law is fitted on at most this many complete trials, the lowest-numbered; refitted as the count doubles' },
    warmup_steps: { default: 0, rule: rules.integer(0), help: 'no trial is stopped at a reading before this step' },
    seed: { default: 0, rule: rules.integer(0), help: 'seed of the fit\'s starts' },
  },
  checkSweep(_o, sweep, metric) {
    // The law predicts a loss: its metric must be minimized (as the objective, or as the trainer declares it).
    const goal = metric === sweep.metric ? sweep.goal : metric === null ? null : sweep.metrics?.[metric] ?? null;
    return goal === 'maximize'
      ? { key: 'metric', message: `must be a minimized metric: the law predicts a loss (the training loss, reported many times a run)${metric === sweep.metric ? ', and the objective maximizes it' : ''}`, value: metric }
      : null;
  },
  judge({ trial, others, steps, sign }, o) {
    if (sign !== 1) return null;
    const rs = trial.readings;
    if (rs.length === 0 || rs[rs.length - 1].step < o.warmup_steps!) return null;
    const complete = others.filter((t) => t.state === 'complete').map((t) => usable(t, steps)).filter((u): u is Usable => u !== null);
    if (complete.length < o.startup_trials!) return null;
    const own = usable(trial, steps);
    if (!own) return null;
    const m = fittedCount(complete.length, o.startup_trials!, Math.max(o.fit_trials!, o.startup_trials!));
    const fitted = [...complete].sort((a, b) => a.schedule.number - b.schedule.number).slice(0, m);
    const f = fitFor(fitted, steps, o.seed!);
    if (!f.ok) return null;

    // The trial's prediction: the law for its whole schedule, shifted by its recent residual.
    const reached = own.loss[own.loss.length - 1].step + 1;
    const predicted = calibrated(f, own, steps, reached);
    if (predicted === null) return null;

    // The best trained trial (lowest final value; ties: lowest number), predicted from its points to the same step.
    let best = complete[0];
    for (const u of complete) {
      const d = u.loss[u.loss.length - 1].loss - best.loss[best.loss.length - 1].loss;
      if (d < 0 || (d === 0 && u.schedule.number < best.schedule.number)) best = u;
    }
    const reference = calibrated(f, best, steps, reached) ?? lawFinal(f, best);
    if (predicted - reference <= f.looError) return null;
    return `law: its predicted final ${shown(predicted)} (its points to step ${reached} and its schedule) is worse than ${shown(reference)}, the law's prediction for the best complete trial ${best.schedule.number} from its points to the same step, by more than the leave-one-out error ${shown(f.looError)} over ${f.trials} complete trials`;
  },
};
