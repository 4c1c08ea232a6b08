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
// Pure and cheap: the fit and its check (law-fit.ts) are a function of the fitted trials alone
// (their numbers, configs and points), cached on a digest of them (the history's identity); a
// decision then costs one pass over the trial's schedule. Where the fit runs: the live check
// (check.ts) first awaits prepare(), which fits a history not cached yet in a fit thread
// (sweep/fits/off-thread.ts), so the run's or worker's thread goes on meanwhile (heartbeats,
// progress, other trials' points), and caches the result under the same digest; judge() then finds
// it. Concurrent prepares of one history share one fit. A fit thread that fails (it could not
// start, it crashed) keeps nothing: judge() then fits on the asking thread, as replay does, so the
// decision is the same (slower: the run waits), and the run says so once. A fit that passes its
// deadline (FIT_DEADLINE_MS) is kept as a failed fit, its reason saying so (nothing is stopped on
// that history; the next doubling fits again), and the run says so. A run that stops ends the fit
// thread and keeps nothing. judge() itself stays synchronous and pure: it fits in its own thread on a cache miss
// (replay, which does not prepare; a fit dropped from the cache meanwhile), and the fit is the
// same code on the same plain data, so live and replay decide alike. The fit's work is capped
// (law-fit.ts fitWork: fewer starts and held-out iterations for many long trials).

import { createHash } from 'node:crypto';
import { rules } from '../../core/rules.js';
import { TRAINING_LOSS } from '../../core/trial.js';
import { curveProblem, FIT_FROM, meanResidual, minWindowFor, predictFinal, prepareCurve, windowsOf, type LossPoint } from '../../predict/index.js';
import { FitStopped, fitOffThread, type FitThreadOptions } from '../fits/off-thread.js';
import { fitLawPruner, type LawFitInput, type LawFitted } from './law-fit.js';
import { shown, type JudgeInput, type PrunerEntry, type StepValue, type TrialSchedule, type TrialView } from './pruner.js';

export { fitWork } from './law-fit.js';

/** A trial the law can use: its schedule and loss points (0-based step indices). */
interface Usable {
  schedule: TrialSchedule;
  lr: Float64Array;
  loss: LossPoint[];
}

/** A fit and what a decision needs of it; or why there is none (then nothing is stopped). */
type Fitted = (LawFitted & { ok: true; finals: Map<string, number> }) | (LawFitted & { ok: false });

/** Fits kept (digest -> fit): a few histories at once (a worker serving several sweeps). */
const CACHE = new Map<string, Fitted>();
const CACHE_SIZE = 8;

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

/** The fit for these trials when it is cached (most recently used last), else undefined. */
function cached(key: string): Fitted | undefined {
  const f = CACHE.get(key);
  if (f) {
    CACHE.delete(key);
    CACHE.set(key, f);
  }
  return f;
}

/** Keeps a fit under its digest, the least recently used dropped beyond CACHE_SIZE. */
function keep(key: string, f: LawFitted): Fitted {
  const kept: Fitted = f.ok ? { ...f, finals: new Map() } : f;
  CACHE.set(key, kept);
  while (CACHE.size > CACHE_SIZE) CACHE.delete(CACHE.keys().next().value!);
  return kept;
}

/** What the fit is given: the fitted trials as plain data. */
const fitInput = (fitted: readonly Usable[], steps: number, seed: number): LawFitInput =>
  ({ trials: fitted.map((u) => ({ config: u.schedule.config, lr: u.lr, loss: u.loss })), steps, seed });

/** The fit for these trials: from the cache when they were fitted before (prepare() or an earlier decision), else fitted here. */
function fitFor(fitted: readonly Usable[], steps: number, seed: number): Fitted {
  const key = digest(fitted, steps, seed);
  return cached(key) ?? keep(key, fitLawPruner(fitInput(fitted, steps, seed)));
}

/** The trials a decision on this input fits the law to, or null when it decides without a fit (go on). */
function toFit({ trial, others, steps, sign }: JudgeInput, o: Readonly<Record<string, number | null>>): { complete: Usable[]; own: Usable; fitted: Usable[] } | null {
  if (sign !== 1) return null;
  const rs = trial.readings;
  if (rs.length === 0 || rs[rs.length - 1].step < o.warmup_steps!) return null;
  const complete = others.filter((t) => t.state === 'complete').map((t) => usable(t, steps)).filter((u): u is Usable => u !== null);
  if (complete.length < o.startup_trials!) return null;
  const own = usable(trial, steps);
  if (!own) return null;
  const m = fittedCount(complete.length, o.startup_trials!, Math.max(o.fit_trials!, o.startup_trials!));
  const fitted = [...complete].sort((a, b) => a.schedule.number - b.schedule.number).slice(0, m);
  return { complete, own, fitted };
}

/** Runs a fit somewhere other than the asking thread (fitOffThread; a test's stand-in); rejects with a FitStopped when stopped or past its deadline. */
export type LawFitRunner = (input: LawFitInput, o: FitThreadOptions) => Promise<LawFitted>;

/** A fit in a thread that has not answered in this long is given up (kept as a failed fit). */
export const FIT_DEADLINE_MS = 10 * 60_000;

/** Fit threads that failed, said once per process (then judge() fits on the asking thread). */
let saidThreadFailed = false;

/** Fits in progress by digest: concurrent prepares of one history share one fit. */
const PENDING = new Map<string, Promise<void>>();

/**
 * The law's prepare() with its fit run by `run`: when the decision on this input needs a fit that
 * is not cached, `run` fits and the result is cached under the history's digest, where judge()
 * finds it. A fit stopped by the run keeps nothing; one past its deadline is cached as a failed
 * fit (nothing is stopped on that history) and said; a thread that failed otherwise keeps nothing
 * (judge() fits on the asking thread) and is said once. Resolves true when it waited for a fit (its
 * own or a concurrent prepare's), false when the fit was kept or none is needed; never rejects.
 */
export function lawPrepare(run: LawFitRunner, deadlineMs = FIT_DEADLINE_MS): NonNullable<PrunerEntry['prepare']> {
  return async (input, o, context = {}) => {
    const plan = toFit(input, o);
    if (!plan) return false;
    const key = digest(plan.fitted, input.steps, o.seed!);
    if (CACHE.has(key)) return false;
    let pending = PENDING.get(key);
    if (!pending) {
      const fitted = plan.fitted.length;
      pending = run(fitInput(plan.fitted, input.steps, o.seed!), { signal: context.signal, deadlineMs })
        .then((f) => void keep(key, f), (e: unknown) => {
          const message = e instanceof Error ? e.message : String(e);
          if (e instanceof FitStopped) {
            if (context.signal?.aborted) return; // the run stops: nothing to keep
            keep(key, { ok: false, why: message });
            context.onNotice?.(`law pruner: the fit on ${fitted} complete trials ${message.replace(/^the fit /, '')}: no trial is stopped on them (the next doubling fits again)`);
            return;
          }
          if (!saidThreadFailed) context.onNotice?.(`law pruner: its fit thread failed (${message}); fitting on the run's own thread instead (the run waits for each fit)`);
          saidThreadFailed = true;
        })
        .finally(() => PENDING.delete(key));
      PENDING.set(key, pending);
    }
    await pending;
    return true;
  };
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
  prepare: lawPrepare((input, o) => fitOffThread('law', input, o)),
  judge(input, o) {
    const plan = toFit(input, o);
    if (!plan) return null;
    const { complete, own, fitted } = plan;
    const steps = input.steps;
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
