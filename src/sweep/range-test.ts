// The LR range test (Smith 2017; fastai's lr_find): train once while the LR grows exponentially
// from min_lr to max_lr over `steps` steps, record the training loss at every step, and read off
// where the loss falls fastest and where it blows up. The curve is one curve like any other, so
// the test works with every trainer: built-in and module trainers run in a pool thread with
// per-step reports switched on; command trainers get the curve in lr.npy and report
// `{"step": i, "train_loss": ...}` lines.
//
// The suggestion, made robust to noise (a single noisy step decides nothing):
// - the losses are smoothed with a debiased exponential moving average (beta 0.9);
// - divergence: the first step whose loss is NaN or infinite, or whose smoothed loss exceeds 4x
//   the lowest smoothed loss so far (the test stops there);
// - steepest descent: the most negative slope of the smoothed loss against log(lr), as a least
//   squares slope over a window of 1/10 of the steps before divergence;
// - suggested max_lr: the LR of steepest descent, but at most a quarter of the LR of divergence.
// Confidence: high when the loss fell by at least 30% and divergence was seen; medium when it fell
// but never diverged (raise --max-lr to see where it does); low when it never fell clearly.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Interrupted, UsageError } from '../core/errors.js';
import { CommandExecutor } from '../pool/command-executor.js';
import type { Executor } from '../pool/executor.js';
import { TrialPool } from '../pool/pool.js';
import type { Backend } from '../train/backend.js';
import { checkBackend } from '../train/backend.js';
import { checkCommandHost } from '../train/command/index.js';
import type { SweepTrainer } from './trainer.js';
import { backendProblem } from './training.js';

export interface RangeTestOptions {
  minLr: number;
  maxLr: number;
  /** Steps of the ramp; at most the trainer's own step count. */
  steps: number;
  backend?: Backend;
  seed?: number;
  /** Command trainers: where the trial's directory goes. */
  trialsDir: string;
  /**
   * Keep the trial's directory when the test is done (the user named where it goes). Otherwise it
   * is removed after a test that ran to its end or was interrupted, and kept after a failure (its
   * log says why).
   */
  keepTrialDir?: boolean;
  signal?: AbortSignal;
}

export interface RangePoint {
  step: number;
  lr: number;
  loss: number;
  smoothed: number;
}

export interface RangeTestResult {
  points: RangePoint[];
  /** The step and LR where the loss diverged, or null when it never did. */
  diverged: { step: number; lr: number } | null;
  steepest: { step: number; lr: number; slope: number } | null;
  lowest: { step: number; lr: number; loss: number } | null;
  suggestedMaxLr: number | null;
  confidence: 'high' | 'medium' | 'low';
  reason: string;
}

const SMOOTHING = 0.9;
const DIVERGED_FACTOR = 4;
/**
 * Highest --max-lr: an LR far past where any trainer diverges (the test stops there anyway);
 * --max-lr 1e308 made the ramp overflow to Infinity, and the NaN losses were blamed on the trainer.
 */
export const MAX_RANGE_LR = 1e6;

/** The ramp: lr_i = min * (max / min)^(i / (steps - 1)) for the first `steps` steps, max after. */
export function rampCurve(minLr: number, maxLr: number, steps: number, length: number): Float64Array {
  const ratio = maxLr / minLr;
  return Float64Array.from({ length }, (_, i) => (i < steps ? minLr * ratio ** (i / Math.max(1, steps - 1)) : maxLr));
}

/**
 * The smoothed loss and the divergence rule, one step at a time: the same arithmetic for the
 * analysis of a finished test and for stopping a running one as soon as it diverges.
 */
export class LossSmoother {
  private avg = 0;
  private best = Infinity;
  private count = 0;

  /** The smoothed loss after this step, or null when the step diverged. */
  add(loss: number): number | null {
    if (!Number.isFinite(loss)) return null;
    this.avg = SMOOTHING * this.avg + (1 - SMOOTHING) * loss;
    this.count++;
    const smoothed = this.avg / (1 - SMOOTHING ** this.count);
    if (this.count > 1 && smoothed > DIVERGED_FACTOR * this.best) return null;
    this.best = Math.min(this.best, smoothed);
    return smoothed;
  }
}

/** Reads the losses: smoothing, divergence, steepest descent, suggestion, confidence. */
export function analyse(raw: { step: number; lr: number; loss: number }[]): RangeTestResult {
  const points: RangePoint[] = [];
  const smoother = new LossSmoother();
  let diverged: RangeTestResult['diverged'] = null;
  for (const p of raw) {
    const smoothed = smoother.add(p.loss);
    if (smoothed === null) {
      diverged = { step: p.step, lr: p.lr };
      break;
    }
    points.push({ ...p, smoothed });
  }
  let lowest: RangeTestResult['lowest'] = null;
  for (const p of points) if (!lowest || p.smoothed < lowest.loss) lowest = { step: p.step, lr: p.lr, loss: p.smoothed };
  const window = Math.max(3, Math.floor(points.length / 10));
  let steepest: RangeTestResult['steepest'] = null;
  for (let i = 0; i + window <= points.length; i++) {
    const slice = points.slice(i, i + window);
    const xs = slice.map((p) => Math.log(p.lr));
    const ys = slice.map((p) => p.smoothed);
    const mx = xs.reduce((a, b) => a + b, 0) / window;
    const my = ys.reduce((a, b) => a + b, 0) / window;
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const slope = sxx > 0 ? xs.reduce((a, x, j) => a + (x - mx) * (ys[j] - my), 0) / sxx : 0;
    if (!steepest || slope < steepest.slope) steepest = { step: slice[Math.floor(window / 2)].step, lr: slice[Math.floor(window / 2)].lr, slope };
  }
  const start = points[0]?.smoothed ?? NaN;
  const fell = lowest !== null && Number.isFinite(start) && lowest.loss < 0.7 * start;
  let suggested = steepest && steepest.slope < 0 ? steepest.lr : null;
  if (suggested !== null && diverged) suggested = Math.min(suggested, diverged.lr / 4);
  const fmt = (v: number) => Number(v.toPrecision(3));
  let confidence: RangeTestResult['confidence'];
  let reason: string;
  if (suggested === null || !fell) {
    confidence = 'low';
    reason = `the loss never fell clearly (from ${fmt(start)} to at best ${lowest ? fmt(lowest.loss) : '-'}): lower --min-lr, or give the test more steps`;
  } else if (!diverged) {
    confidence = 'medium';
    reason = `the loss fell but never diverged up to lr ${fmt(raw[raw.length - 1]?.lr ?? NaN)}: raise --max-lr to see where it does`;
  } else {
    confidence = 'high';
    reason = `the loss fell from ${fmt(start)} to ${fmt(lowest!.loss)} and diverged at lr ${fmt(diverged.lr)}`;
  }
  return { points, diverged, steepest, lowest, suggestedMaxLr: suggested, confidence, reason };
}

/** Removes a finished test's directory, and the trials folder when the test made it and it is empty now. */
function removeTrialDir(made: { dir: string; root: string | null }): void {
  try {
    rmSync(made.dir, { recursive: true, force: true });
    if (made.root && readdirSync(made.root).length === 0) rmSync(made.root, { recursive: true });
  } catch {
    // a folder left behind is untidy, not an error
  }
}

/** Trains once on the ramp and analyses the losses. */
export async function runRangeTest(trainer: SweepTrainer, o: RangeTestOptions): Promise<RangeTestResult> {
  if (!(o.minLr > 0 && o.maxLr > o.minLr)) throw new UsageError(`--min-lr and --max-lr must satisfy 0 < min < max, got --min-lr ${o.minLr}, --max-lr ${o.maxLr}`);
  if (!(o.maxLr <= MAX_RANGE_LR)) throw new UsageError(`--max-lr must be at most ${MAX_RANGE_LR} (far past where any trainer diverges; the test stops there), got ${o.maxLr}`);
  if (!Number.isFinite(o.maxLr / o.minLr)) throw new UsageError(`--min-lr ${o.minLr} is too small: the ramp's ratio --max-lr / --min-lr overflows (${o.maxLr} / ${o.minLr}); raise --min-lr`);
  if (!(Number.isInteger(o.steps) && o.steps >= 10)) throw new UsageError(`--steps must be an integer >= 10, got ${o.steps}`);
  if (o.steps > trainer.steps) {
    throw new UsageError(`--steps ${o.steps} is more than the ${trainer.steps} steps the trainer takes: lower --steps, or give the trainer more epochs`);
  }
  const runner = trainer.runner;
  let executor: Executor;
  let sweep = 'range-test';
  /** The trial's directory and whether the test made the trials folder, to remove when done. */
  let made: { dir: string; root: string | null } | null = null;
  if (runner.kind === 'command') {
    checkCommandHost(runner.options);
    // A folder of its own for every test, so two tests at once never share one.
    const root = existsSync(o.trialsDir) ? null : o.trialsDir;
    mkdirSync(o.trialsDir, { recursive: true });
    sweep = basename(mkdtempSync(join(o.trialsDir, 'range-test-')));
    made = { dir: join(o.trialsDir, sweep), root };
    executor = new CommandExecutor({ options: runner.options, slots: 1, root: o.trialsDir, trialTimeout: null, objective: 'train_loss' });
  } else {
    const problem = backendProblem(trainer.section, o.backend);
    if (problem) throw new UsageError(problem);
    checkBackend(o.backend ?? 'wasm');
    executor = new TrialPool({ workers: 1 });
  }
  const curve = rampCurve(o.minLr, o.maxLr, o.steps, trainer.steps);
  const losses: { step: number; lr: number; loss: number }[] = [];
  // Stops the trainer at the ramp's end or as soon as the loss diverges; steps come in order.
  const smoother = new LossSmoother();
  let stopped = false;
  let failed = true;
  try {
    const unit = executor.start({
      sweep, trainer: runner.kind === 'pool' ? runner.ref : { builtin: 'command' }, options: runner.kind === 'pool' ? runner.options : null,
      steps: trainer.steps, seed: o.seed ?? 0, backend: o.backend ?? 'wasm', perStep: true,
      // The ramp is no schedule kind: its params say what it is (a command trainer's trial.json shows them).
      members: [{ trialId: 0, number: 1, attempt: 1, repeat: 0, params: { range_test: { ramp: 'exponential', min_lr: o.minLr, max_lr: o.maxLr, steps: o.steps } }, curve }],
    }, (e) => {
      if (stopped || e.type !== 'point' || e.point.step === null || e.point.values.train_loss === undefined || e.point.step >= o.steps) return;
      const step = e.point.step;
      if (losses.length > 0 && step <= losses[losses.length - 1].step) return; // a repeated report of a step
      const loss = e.point.values.train_loss;
      losses.push({ step, lr: curve[step], loss });
      if (step >= o.steps - 1 || smoother.add(loss) === null) {
        stopped = true;
        unit.stop('the range test has what it needs');
      }
    });
    const interrupt = () => unit.stop('interrupted');
    if (o.signal?.aborted) interrupt();
    o.signal?.addEventListener('abort', interrupt, { once: true });
    try {
      await unit.done;
    } catch (e) {
      if (!stopped && !o.signal?.aborted) throw e;
    } finally {
      o.signal?.removeEventListener('abort', interrupt);
    }
    failed = !o.signal?.aborted && losses.length < 10; // the log shows what the trainer printed instead
    if (o.signal?.aborted) throw new Interrupted('range test interrupted: nothing was written');
  } finally {
    await executor.close();
    if (made && !failed && !o.keepTrialDir) removeTrialDir(made);
  }
  if (losses.length < 10) {
    throw new UsageError(`the trainer reported train_loss for ${losses.length} steps: a range test needs per-step reports ({ step: i } with train_loss); see the README's range test section`);
  }
  return analyse(losses);
}
