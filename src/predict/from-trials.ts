// Trained trials as the law's data: a trial's reported points of the training-loss metric placed
// on step indices, and a config's repeats as fit runs. What the `predict` sampler fits its
// anchors with (sweep/samplers/predict-sampler.ts); the same rules as `lrsweep predict`.

import type { MetricPoint } from '../core/trial.js';
import type { FitRun } from './fit.js';
import type { LawCurve } from './law.js';
import { windowsOf, type LossPoint } from './windows.js';

/** A trial's points of `metric` by step index; epoch e (from 1) of a trial that reports no steps ends at step e·(steps/epochs) − 1. */
export function lossPoints(points: readonly MetricPoint[], metric: string, steps: number): LossPoint[] {
  const withMetric = points.filter((p) => p.values[metric] !== undefined);
  const lastEpoch = Math.max(0, ...withMetric.map((p) => p.epoch ?? 0));
  return withMetric.flatMap((p) => {
    const step = p.step ?? (p.epoch !== null && lastEpoch > 0 ? Math.round((p.epoch * steps) / lastEpoch) - 1 : null);
    return step === null ? [] : [{ step, loss: p.values[metric] }];
  });
}

/**
 * A config's repeats (each a curve of points) as fit runs on its LR curve: one run of the repeats'
 * mean windows when their windows line up (the law fits the mean, at a fraction of the cost),
 * else one run per repeat.
 */
export function configRuns(curve: LawCurve, repeats: readonly LossPoint[][], minWindow: number): FitRun[] {
  const windows = repeats.map((points) => windowsOf(points, minWindow));
  const aligned = windows.every((w) => w.length === windows[0].length && w.every((x, i) => x.start === windows[0][i].start && x.end === windows[0][i].end));
  return aligned
    ? [{ curve, windows: windows[0].map((w, i) => ({ ...w, loss: windows.reduce((s, ws) => s + ws[i].loss, 0) / windows.length })) }]
    : windows.map((w) => ({ curve, windows: w }));
}

/** The window a final value averages over: the median gap between a curve's last two points (the reporting interval). */
export function finalWindowOf(curves: readonly LossPoint[][]): number {
  const gaps = curves.filter((c) => c.length > 0).map((c) => (c.length > 1 ? c[c.length - 1].step - c[c.length - 2].step : c[0].step + 1));
  const sorted = gaps.sort((a, b) => a - b);
  return sorted.length === 0 ? 1 : sorted[Math.floor((sorted.length - 1) / 2)];
}
