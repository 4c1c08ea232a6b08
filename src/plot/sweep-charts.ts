// The sweep's charts by kind, shared by `lrsweep plot` and the HTML report.

import type { TopLevelSpec } from 'vega-lite';
import { prunedNote, type SweepResults as SweepData } from '../sweep/results.js';
import { CHART_CONFIG, curveChart, heatmap, historyChart, lossChart, parallelCoordinates, type HistoryRow } from './charts.js';

export const PLOT_KINDS = ['curves', 'losses', 'landscape', 'history'] as const;
export type PlotKind = (typeof PLOT_KINDS)[number];

/** Numeric parameters the sweep varies: the landscape's axes. */
export function landscapeKeys(d: SweepData): string[] {
  return d.keys.filter((k) => d.trials.some((t) => typeof t[k] === 'number'));
}

export function curvesSpec(d: SweepData, log = false): TopLevelSpec {
  return curveChart(d.curves, { log, title: `LR curves of the top ${d.curves.length} configs (${d.steps} steps)` });
}

export function lossesSpec(d: SweepData, log = false): TopLevelSpec {
  return lossChart(d.losses, d.lossMetric ?? 'loss', { log });
}

/** One heatmap per pair of varied parameters. */
export function heatmapSpecs(d: SweepData): TopLevelSpec[] {
  const keys = landscapeKeys(d);
  const out: TopLevelSpec[] = [];
  for (let i = 0; i < keys.length; i++) {
    for (let j = i + 1; j < keys.length; j++) out.push(heatmap(d.trials, keys[i], keys[j], d.record.metric, d.record.goal));
  }
  return out;
}

export function parallelSpec(d: SweepData): TopLevelSpec {
  return parallelCoordinates(d.trials, landscapeKeys(d), d.record.metric, d.record.goal);
}

/** Complete trials in number order with the best objective up to each (the goal's direction; anchors outside the space are shown, never the best). */
export function historyRows(d: Pick<SweepData, 'trials' | 'record'> & Partial<Pick<SweepData, 'unranked'>>): HistoryRow[] {
  const better = d.record.goal === 'minimize' ? Math.min : Math.max;
  let best = d.record.goal === 'minimize' ? Infinity : -Infinity;
  return [...d.trials].sort((a, b) => a.trial - b.trial).map((t) => {
    if (!d.unranked?.has(t.trial)) best = better(best, t.objective);
    return { trial: t.trial, objective: t.objective, best: Number.isFinite(best) ? best : null, origin: t.origin };
  });
}

export function historySpec(d: SweepData, log = false): TopLevelSpec {
  return historyChart(historyRows(d), d.record.metric, d.record.goal, { log });
}

/** The landscape as one figure: heatmaps in a row (wrapping), parallel coordinates below. */
function landscapeSpec(d: SweepData): TopLevelSpec {
  const heatmaps = heatmapSpecs(d).map(strip);
  const parts: object[] = [];
  for (let i = 0; i < heatmaps.length; i += 3) parts.push({ hconcat: heatmaps.slice(i, i + 3) });
  if (landscapeKeys(d).length > 0) parts.push(strip(parallelSpec(d)));
  const pruned = prunedNote(d);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CHART_CONFIG, vconcat: parts, resolve: { scale: { color: 'independent' } },
    ...(pruned ? { title: { text: `${d.record.metric} of complete trials against the parameters`, subtitle: pruned } } : {}),
  } as TopLevelSpec;
}

/** A spec without its top-level-only keys, to nest it in a concat. */
function strip(spec: TopLevelSpec): object {
  const { $schema: _s, config: _c, ...rest } = spec as unknown as Record<string, unknown>;
  return rest;
}

export function specFor(kind: PlotKind, d: SweepData, log = false): TopLevelSpec {
  if (kind === 'curves') return curvesSpec(d, log);
  if (kind === 'losses') return lossesSpec(d, log);
  if (kind === 'history') return historySpec(d, log);
  return landscapeSpec(d);
}
