// The charts, as Vega-Lite specs: LR curves, a loss per epoch, and the objective's landscape over
// the sweep's parameters (a heatmap per pair and parallel coordinates).
// Data arrive already reduced (per-column extremes of curves, one row per trial): specs never see raw steps.

import type { TopLevelSpec } from 'vega-lite';
import type { Goal } from '../core/trial.js';
import type { LossRow, Series, TrialRow } from '../sweep/results.js';

export type { LossRow, Series, TrialRow };

const WIDTH = 720;
const HEIGHT = 300;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const CHART_CONFIG = { font: FONT, view: { stroke: null }, axis: { labelFont: FONT, titleFont: FONT }, legend: { labelFont: FONT, titleFont: FONT, labelLimit: 420 } };

export function curveChart(series: Series[], options: { log?: boolean; title?: string } = {}): TopLevelSpec {
  const values = series.flatMap((s) => s.points.map((p) => ({ series: s.name, step: p.step, lr: p.lr })));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Learning rate',
    width: WIDTH, height: HEIGHT, config: CHART_CONFIG,
    data: { values },
    mark: { type: 'line', strokeWidth: 1, clip: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step', axis: { format: '~s' } },
      y: { field: 'lr', type: 'quantitative', title: 'learning rate', scale: options.log ? { type: 'log' } : { zero: false } },
      ...(series.length > 1 ? { color: { field: 'series', type: 'nominal', title: null, sort: series.map((s) => s.name) } } : {}),
    },
  } as TopLevelSpec;
}

/**
 * Where the loss chart's y axis stops: one diverging spike would flatten every other line, so the
 * axis ends a little above the largest final value when some early value is far above it.
 */
export function lossDomainMax(rows: LossRow[]): { max: number; clipped: boolean } {
  const finite = rows.filter((r) => r.value !== null && Number.isFinite(r.value)) as { series: string; epoch: number; value: number }[];
  const max = Math.max(...finite.map((r) => r.value));
  const last = new Map<string, { epoch: number; value: number }>();
  for (const r of finite) if ((last.get(r.series)?.epoch ?? -Infinity) < r.epoch) last.set(r.series, r);
  const finalMax = Math.max(...[...last.values()].map((r) => r.value));
  const first = Math.min(...finite.filter((r) => r.epoch === Math.min(...finite.map((x) => x.epoch))).map((r) => r.value));
  // Keep the first epoch's level in view: a learning curve falling from it is the point of the chart.
  const cap = Math.max(finalMax * 3, first * 1.1);
  return max > cap ? { max: cap, clipped: true } : { max, clipped: false };
}

export function lossChart(rows: LossRow[], metric: string, options: { log?: boolean } = {}): TopLevelSpec {
  const values = rows.filter((r) => r.value !== null && Number.isFinite(r.value));
  const { max, clipped } = values.length ? lossDomainMax(values) : { max: 1, clipped: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${metric} per epoch`, subtitle: clipped ? `y axis cut at ${Number(max.toPrecision(3))}: an early spike is off the chart` : undefined },
    width: WIDTH, height: HEIGHT, config: CHART_CONFIG,
    data: { values },
    mark: { type: 'line', point: true, strokeWidth: 1.5, clip: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: {
        field: 'value', type: 'quantitative', title: options.log ? `${metric} (log scale)` : metric,
        scale: { ...(options.log ? { type: 'log' } : { zero: false }), ...(clipped ? { domainMax: max } : {}) },
      },
      color: { field: 'series', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.series))] },
    },
  } as TopLevelSpec;
}

/** Few distinct values: one cell per value. Many (random search): bins. */
function axis(field: string, rows: TrialRow[], channel: 'x' | 'y') {
  const distinct = new Set(rows.map((r) => r[field])).size;
  return distinct <= 12
    ? { field, type: 'ordinal' as const, title: field, sort: 'ascending' as const }
    : { field, type: 'quantitative' as const, title: field, bin: { maxbins: channel === 'x' ? 12 : 10 } };
}

/**
 * Where cell labels switch from light to dark text: viridis is dark at its low end and bright at
 * its high end (reversed for minimize), and its luminance passes mid-grey at about 55% of the way.
 * From the cells' means on a grid; from the trials' values when an axis is binned (close enough).
 */
function labelThreshold(rows: TrialRow[], a: string, b: string, goal: Goal): { test: string } {
  const cells = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r[a]}\u0000${r[b]}`;
    cells.set(key, [...(cells.get(key) ?? []), r.objective]);
  }
  const means = [...cells.values()].map((xs) => xs.reduce((x, y) => x + y, 0) / xs.length);
  const lo = Math.min(...means);
  const hi = Math.max(...means);
  return goal === 'minimize'
    ? { test: `datum.mean_objective < ${hi - 0.55 * (hi - lo)}` }
    : { test: `datum.mean_objective > ${lo + 0.55 * (hi - lo)}` };
}

/** Mean objective over each pair of parameters' values (complete trials only). */
export function heatmap(rows: TrialRow[], a: string, b: string, metric: string, goal: Goal): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${metric} by ${a} and ${b} (mean over trials)`,
    width: 300, height: 240, config: CHART_CONFIG,
    data: { values: rows },
    encoding: { x: axis(a, rows, 'x'), y: axis(b, rows, 'y') },
    layer: [
      {
        mark: { type: 'rect' },
        encoding: {
          color: {
            aggregate: 'mean', field: 'objective', type: 'quantitative', title: metric,
            scale: { scheme: 'viridis', reverse: goal === 'minimize' },
          },
        },
      },
      {
        mark: { type: 'text', fontSize: 10 },
        encoding: {
          text: { aggregate: 'mean', field: 'objective', type: 'quantitative', format: '.3g' },
          // Dark text on the bright end of viridis, light text on the dark end.
          color: { condition: { ...labelThreshold(rows, a, b, goal), value: '#111' }, value: 'white' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** One line per trial across the parameters and the objective, each axis scaled to [0, 1]. */
export function parallelCoordinates(rows: TrialRow[], keys: string[], metric: string, goal: Goal): TopLevelSpec {
  const axes = [...keys, 'objective'];
  const extent = Object.fromEntries(axes.map((k) => {
    const xs = rows.map((r) => Number(r[k])).filter(Number.isFinite);
    return [k, [Math.min(...xs), Math.max(...xs)]];
  }));
  const values = rows.flatMap((r, i) => axes.map((k) => {
    const [lo, hi] = extent[k];
    const v = Number(r[k]);
    return { trial: i, axis: k === 'objective' ? metric : k, raw: v, norm: hi > lo ? (v - lo) / (hi - lo) : 0.5, objective: r.objective };
  }));
  const order = [...keys, metric];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Parallel coordinates: ${keys.join(', ')} and ${metric}`,
    width: WIDTH, height: 280, config: CHART_CONFIG,
    data: { values },
    layer: [
      {
        mark: { type: 'line', strokeWidth: 1, opacity: rows.length > 500 ? 0.25 : 0.6 },
        encoding: {
          x: { field: 'axis', type: 'nominal', sort: order, title: null, axis: { labelAngle: 0, domain: false } },
          y: { field: 'norm', type: 'quantitative', axis: null },
          detail: { field: 'trial', type: 'nominal' },
          color: { field: 'objective', type: 'quantitative', title: metric, scale: { scheme: 'viridis', reverse: goal === 'minimize' } },
        },
      },
      {
        data: { values: order.map((k) => ({ axis: k, lo: extent[k === metric ? 'objective' : k][0], hi: extent[k === metric ? 'objective' : k][1] })) },
        mark: { type: 'rule', color: '#888' },
        encoding: { x: { field: 'axis', type: 'nominal', sort: order } },
      },
      {
        data: { values: order.flatMap((k) => axisLabels(rows, k === metric ? 'objective' : k).map((l) => ({ axis: k, ...l }))) },
        mark: { type: 'text', dx: 4, align: 'left', baseline: 'middle', fontSize: 10 },
        encoding: { x: { field: 'axis', type: 'nominal', sort: order }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}

/** Where to label a parallel-coordinates axis: every value of a grid (up to 12), else five even ticks. */
function axisLabels(rows: TrialRow[], key: string): { y: number; label: string }[] {
  const xs = rows.map((r) => Number(r[key])).filter(Number.isFinite);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const distinct = [...new Set(xs)].sort((a, b) => a - b);
  const ticks = distinct.length <= 12 ? distinct : [0, 0.25, 0.5, 0.75, 1].map((f) => lo + f * (hi - lo));
  return ticks.map((v) => ({ y: hi > lo ? (v - lo) / (hi - lo) : 0.5, label: String(Number(v.toPrecision(3))) }));
}

/** One row of the search history: a trial's objective, in trial order, and the best up to it (null: no ranked trial yet, the line starts later). */
export interface HistoryRow {
  trial: number;
  objective: number;
  best: number | null;
  origin: string;
}

/**
 * The search history (Optuna's optimization history): each complete trial's objective against its
 * number, coloured by where it came from (plan, startup, model), and the best so far as a step
 * line. How fast a sampler finds good configs, and whether its model beats its startup draws.
 */
export function historyChart(rows: HistoryRow[], metric: string, goal: Goal, options: { log?: boolean } = {}): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${metric} by trial, and the best so far`, subtitle: `${goal}: ${goal === 'minimize' ? 'lower' : 'higher'} is better` },
    width: WIDTH, height: HEIGHT, config: CHART_CONFIG,
    data: { values: rows },
    encoding: { x: { field: 'trial', type: 'quantitative', title: 'trial', axis: { tickMinStep: 1 } } },
    layer: [
      {
        mark: { type: 'point', filled: true, size: 30, opacity: 0.7 },
        encoding: {
          y: { field: 'objective', type: 'quantitative', title: options.log ? `${metric} (log scale)` : metric, scale: options.log ? { type: 'log' } : { zero: false } },
          color: { field: 'origin', type: 'nominal', title: 'origin', sort: ['plan', 'anchor', 'startup', 'model'] },
        },
      },
      {
        mark: { type: 'line', interpolate: 'step-after', color: '#d62728', strokeWidth: 1.5 },
        encoding: { y: { field: 'best', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec;
}

/** The LR range test: the loss (raw and smoothed) against the LR on a log axis, with the suggestion and the divergence marked. */
export function rangeTestChart(points: { lr: number; loss: number; smoothed: number }[], marks: { suggested: number | null; diverged: number | null }): TopLevelSpec {
  const values = points.flatMap((p) => [{ lr: p.lr, loss: p.loss, series: 'loss' }, { lr: p.lr, loss: p.smoothed, series: 'smoothed' }]);
  const rules = [
    ...(marks.suggested !== null ? [{ lr: marks.suggested, label: `suggested max_lr ${Number(marks.suggested.toPrecision(3))}` }] : []),
    ...(marks.diverged !== null ? [{ lr: marks.diverged, label: `diverged at ${Number(marks.diverged.toPrecision(3))}` }] : []),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'LR range test: training loss against the learning rate',
    width: WIDTH, height: HEIGHT, config: CHART_CONFIG,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.2, clip: true },
        encoding: {
          x: { field: 'lr', type: 'quantitative', title: 'learning rate (log scale)', scale: { type: 'log' } },
          y: { field: 'loss', type: 'quantitative', title: 'training loss', scale: { zero: false } },
          color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#bbbbbb', '#1f77b4'] } },
        },
      },
      ...(rules.length ? [{
        data: { values: rules },
        mark: { type: 'rule', strokeDash: [4, 3], color: '#d62728' },
        encoding: { x: { field: 'lr', type: 'quantitative' } },
      }, {
        data: { values: rules },
        mark: { type: 'text', align: 'left', dx: 4, dy: -4, y: 10, color: '#d62728', fontSize: 11 },
        encoding: { x: { field: 'lr', type: 'quantitative' }, text: { field: 'label' } },
      }] : []),
    ],
  } as TopLevelSpec;
}
