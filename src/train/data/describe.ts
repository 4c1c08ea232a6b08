// One line about what the MLP trains on, for `lrsweep run --dry-run`: the data, its size, the task
// and why it was chosen, and how validation rows are found.

import type { MlpOptions } from '../mlp-options.js';
import { requestOf } from './build.js';
import { loadData } from './load.js';
import { listNames } from './table.js';

const percent = (f: number) => `${+(f * 100).toFixed(2)}%`;
const plural = (n: number, what: string, many = `${what}s`) => `${n} ${n === 1 ? what : many}`;

export function describeData(o: MlpOptions): string {
  if (typeof o.dataset === 'string') {
    const features = o.dataset === 'iris' ? 4 : o.features;
    const classes = o.dataset === 'iris' ? 3 : o.classes;
    const held = Math.max(1, Math.round(o.samples * o.validation_fraction));
    return `data: ${o.dataset}, ${plural(o.samples, 'row')} x ${plural(features, 'feature')}, ${classes} classes, classification; ` +
      `validation: ${percent(o.validation_fraction)} held out (${plural(held, 'row')}, dataset_seed ${o.dataset_seed}), ${o.samples - held} training rows`;
  }
  const d = o.dataset;
  const { data, problems } = loadData(requestOf(d), (p) => o.resolved.paths[p] ?? p);
  if (!data) return `data: cannot be read: ${problems[0].message}`;
  const t = data.train;
  const name = 'csv' in d ? d.csv : `${d.npy.x} and ${d.npy.y}`;
  let label: string;
  if (data.classes) label = `${plural(data.classes.names.length, 'class', 'classes')}: ${listNames(data.classes.names, 10)}`;
  else {
    const y = data.trainY as Float64Array;
    let [lo, hi] = [y[0], y[0]];
    for (const v of y) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
    label = `numbers from ${lo} to ${hi}`;
  }
  const what = 'csv' in d ? `label ${JSON.stringify(d.label)} (${label})` : `y (${label})`;
  const validation = d.validation
    ? `validation: ${'csv' in d.validation ? d.validation.csv : `${d.validation.npy.x} and ${d.validation.npy.y}`} (${plural(data.validationRows, 'row')})`
    : `validation: ${percent(data.request.validation_fraction)} held out (${plural(data.validationRows, 'row')}, seed ${data.request.seed}), ${data.trainRows} training rows`;
  return `data: ${name}, ${plural(t.rows, 'row')} x ${plural(t.featureNames.length, 'feature')}, ${what}, ${data.task} (${o.resolved.task_reason || data.because}); ${validation}`;
}
