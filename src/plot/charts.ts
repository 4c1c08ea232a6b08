// The charts, as Vega-Lite specs: LR curves, validation loss per epoch, and the objective's
// landscape over the sweep's parameters (a heatmap per pair and parallel coordinates).
// Data arrive already reduced (decimated curves, one row per trial): specs never see raw steps.

import type { TopLevelSpec } from 'vega-lite';
import type { CurvePoint } from './decimate.js';

const WIDTH = 720;
const HEIGHT = 300;
const FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';
export const CHART_CONFIG = { font: FONT, view: { stroke: null }, axis: { labelFont: FONT, titleFont: FONT }, legend: { labelFont: FONT, titleFont: FONT, labelLimit: 420 } };

export interface Series {
  name: string;
  points: CurvePoint[];
}

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

export interface LossRow {
  series: string;
  epoch: number;
  value: number | null;
}

export function lossChart(rows: LossRow[], metric: string): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${metric} per epoch`,
    width: WIDTH, height: HEIGHT, config: CHART_CONFIG,
    data: { values: rows.filter((r) => r.value !== null && Number.isFinite(r.value)) },
    mark: { type: 'line', point: true, strokeWidth: 1.5 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'series', type: 'nominal', title: null, sort: [...new Set(rows.map((r) => r.series))] },
    },
  } as TopLevelSpec;
}

export type TrialRow = Record<string, number | string | null> & { objective: number };

/** Few distinct values: one cell per value. Many (random search): bins. */
function axis(field: string, rows: TrialRow[], channel: 'x' | 'y') {
  const distinct = new Set(rows.map((r) => r[field])).size;
  return distinct <= 12
    ? { field, type: 'ordinal' as const, title: field, sort: 'ascending' as const }
    : { field, type: 'quantitative' as const, title: field, bin: { maxbins: channel === 'x' ? 12 : 10 } };
}

/** Mean objective over each pair of parameters' values (complete trials only). */
export function heatmap(rows: TrialRow[], a: string, b: string, metric: string, goal: 'minimize' | 'maximize'): TopLevelSpec {
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
          color: { value: 'white' },
        },
      },
    ],
  } as TopLevelSpec;
}

/** One line per trial across the parameters and the objective, each axis scaled to [0, 1]. */
export function parallelCoordinates(rows: TrialRow[], keys: string[], metric: string, goal: 'minimize' | 'maximize'): TopLevelSpec {
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
        data: { values: order.map((k) => ({ axis: k, label: String(Number(extent[k === metric ? 'objective' : k][1].toPrecision(3))), y: 1 })) },
        mark: { type: 'text', dy: 10, dx: 4, align: 'left', fontSize: 10 },
        encoding: { x: { field: 'axis', type: 'nominal', sort: order }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
      {
        data: { values: order.map((k) => ({ axis: k, label: String(Number(extent[k === metric ? 'objective' : k][0].toPrecision(3))), y: 0 })) },
        mark: { type: 'text', dy: -4, dx: 4, align: 'left', fontSize: 10 },
        encoding: { x: { field: 'axis', type: 'nominal', sort: order }, y: { field: 'y', type: 'quantitative' }, text: { field: 'label' } },
      },
    ],
  } as TopLevelSpec;
}
