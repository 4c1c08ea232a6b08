// The objectives of `npm run bench search`, each a function of a config's varied parameters that
// both sides call: lrsweep's samplers in this process, Optuna's through optuna-driver.py, which
// asks this process for every value (search/optuna.ts), so an objective is written once and
// computed the same way for both.
// - synthetic: a shifted quadratic over five parameters of every kind (two floats, a log float,
//   an int, a categorical), minimum 0 at a known point.
// - quadratic: the built-in `quadratic` trainer (src/train/quadratic.ts: noisy SGD on an
//   ill-conditioned quadratic, 100 steps) driven by a CAWR schedule over five parameters, its
//   final val_loss (seed fixed, so a config has one value); a diverged run scores CAP.
// - mlp: the built-in MLP on Iris, looked up in a table recorded once (record-mlp-table.ts,
//   1,024 Sobol configs) by the nearest recorded config (each parameter scaled to [0, 1] on its
//   own scale: log for max_lr); a diverged recorded run scores the table's worst value.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { fromReferenceNames } from '../../src/schedule/params.js';
import type { ParamSpec, Sweep } from '../../src/sweep/definition.js';
import { checkSweep } from '../../src/sweep/file.js';
import { configOfValues } from '../../src/sweep/space.js';
import { quadratic, type QuadraticOptions } from '../../src/train/quadratic.js';

export type Params = Record<string, unknown>;

export interface SearchObjective {
  name: string;
  /** One line: what it is and where its optimum lies. */
  about: string;
  /** A checked sweep whose parameters are the search space (ranges), for lrsweep's samplers. */
  sweep: Sweep;
  /** The same space as values lists, for the shuffled grid. */
  grid: Record<string, ParamSpec>;
  evaluate(params: Params): number;
}

/** What a diverged or refused quadratic run scores (its start is about 10; a good run is below 0.01). */
export const QUADRATIC_CAP = 100;

export const MLP_TABLE_FILE = join(import.meta.dirname, '../fixtures/search-mlp-table.json');

/** The sweep record-mlp-table.ts ran to record the MLP table (its parameters are the bench's MLP space). */
export const MLP_TABLE_SWEEP = {
  name: 'mlp-table',
  schedule: { kind: 'cawr', min_lr: 0.0001 },
  parameters: {
    max_lr: { min: 0.001, max: 3, distribution: 'log_uniform' },
    cycle_mult: { min: 1, max: 2.5, distribution: 'uniform' },
    gamma: { min: 0.3, max: 1, distribution: 'uniform' },
    warmup_steps: { min: 0, max: 19, distribution: 'int_uniform' },
    first_cycle_steps: { min: 20, max: 320, distribution: 'int_uniform' },
  },
  method: 'sobol',
  trials: 1024,
  seed: 1,
  objective: { metric: 'val_loss', goal: 'minimize', summary: 'last' },
  trainer: { kind: 'mlp', dataset: 'iris', hidden: [16], epochs: 40, batch_size: 16, optimizer: 'sgd' },
  lint: { ignore: ['ends-mid-cycle', 'cycle-mult-no-op', 'warmup-dominates'] },
} as const;

const QUADRATIC_SWEEP = {
  ...MLP_TABLE_SWEEP,
  name: 'quadratic-bench',
  parameters: { ...MLP_TABLE_SWEEP.parameters, first_cycle_steps: { min: 20, max: 100, distribution: 'int_uniform' } },
  trials: 100,
  trainer: { kind: 'quadratic' },
};

/** Four values across each range (log-spaced for a log scale; every integer step for a short int range), 4^5 = 1,024 configs. */
function gridOf(parameters: Record<string, ParamSpec>): Record<string, ParamSpec> {
  return Object.fromEntries(Object.entries(parameters).map(([k, spec]) => {
    if ('values' in spec) return [k, spec];
    const at = (u: number) => spec.distribution === 'log_uniform' ? spec.min * (spec.max / spec.min) ** u : spec.min + u * (spec.max - spec.min);
    const values = [0, 1, 2, 3].map((i) => at((i + 0.5) / 4));
    return [k, { values: spec.distribution === 'int_uniform' ? values.map(Math.round) : values }];
  }));
}

function synthetic(base: Sweep): SearchObjective {
  const parameters: Record<string, ParamSpec> = {
    x1: { min: -5, max: 10, distribution: 'uniform' },
    x2: { min: 0, max: 15, distribution: 'uniform' },
    lr: { min: 1e-5, max: 1, distribution: 'log_uniform' },
    n: { min: 1, max: 32, distribution: 'int_uniform' },
    opt: { values: ['sgd', 'adam', 'rmsprop'] },
  };
  return {
    name: 'synthetic',
    about: 'shifted quadratic: (x1-1.3)^2/4 + (x2-9.1)^2/4 + (log10 lr+3)^2 + ((n-7)/4)^2 + [opt != adam]; minimum 0',
    sweep: { ...base, name: 'synthetic', parameters },
    grid: gridOf(parameters),
    evaluate: (p) => {
      const x1 = p.x1 as number, x2 = p.x2 as number, lr = p.lr as number, n = p.n as number;
      return (x1 - 1.3) ** 2 / 4 + (x2 - 9.1) ** 2 / 4 + (Math.log10(lr) + 3) ** 2 + ((n - 7) / 4) ** 2 + (p.opt === 'adam' ? 0 : 1);
    },
  };
}

/** The quadratic trainer's final val_loss under the config's schedule (seed 1). */
function quadraticObjective(sweep: Sweep, steps: number, options: QuadraticOptions): SearchObjective {
  const curve = new Float64Array(steps);
  return {
    name: 'quadratic',
    about: `the quadratic trainer's val_loss after ${steps} SGD steps under a CAWR schedule (max_lr, cycle_mult, gamma, warmup_steps, first_cycle_steps); diverged: ${QUADRATIC_CAP}`,
    sweep,
    grid: gridOf(sweep.parameters),
    evaluate: (p) => {
      const built = configOfValues(sweep, steps, p);
      if ('problem' in built) return QUADRATIC_CAP;
      resolveSchedule(fromReferenceNames(built.config)).into(curve);
      let last = NaN;
      void quadratic.train({
        options, seed: 1, curve, perStep: false, tf: null as never, backend: 'none', signal: new AbortController().signal,
        report: (_point, metrics) => (last = metrics.val_loss as number),
      });
      return Number.isFinite(last) ? Math.min(last, QUADRATIC_CAP) : QUADRATIC_CAP;
    },
  };
}

interface MlpTable {
  keys: string[];
  rows: (number | null)[][];
}

/** Nearest-neighbour lookup in the recorded MLP table, each parameter scaled to [0, 1] on its own scale. */
function mlpObjective(sweep: Sweep): SearchObjective {
  const table = JSON.parse(readFileSync(MLP_TABLE_FILE, 'utf8')) as MlpTable;
  const specs = table.keys.map((k) => sweep.parameters[k] as Extract<ParamSpec, { min: number }>);
  const unit = (spec: Extract<ParamSpec, { min: number }>, v: number) =>
    spec.distribution === 'log_uniform' ? Math.log(v / spec.min) / Math.log(spec.max / spec.min) : (v - spec.min) / (spec.max - spec.min);
  const worst = Math.max(...table.rows.map((r) => r.at(-1)).filter((v): v is number => v !== null && Number.isFinite(v)));
  const points = table.rows.map((r) => Float64Array.from(specs, (s, d) => unit(s, r[d] as number)));
  const values = table.rows.map((r) => (r.at(-1) === null ? worst : (r.at(-1) as number)));
  const x = new Float64Array(specs.length);
  return {
    name: 'mlp',
    about: `the built-in MLP's val_loss on Iris (40 epochs, SGD), nearest of ${table.rows.length} recorded configs; best recorded ${Math.min(...values).toFixed(4)}`,
    sweep,
    grid: gridOf(sweep.parameters),
    evaluate: (p) => {
      specs.forEach((s, d) => (x[d] = unit(s, p[table.keys[d]] as number)));
      let best = 0;
      let bestDistance = Infinity;
      for (let i = 0; i < points.length; i++) {
        let distance = 0;
        for (let d = 0; d < x.length; d++) distance += (points[i][d] - x[d]) ** 2;
        if (distance < bestDistance) [best, bestDistance] = [i, distance];
      }
      return values[best];
    },
  };
}

/** The three objectives (the MLP's only once its table is recorded). */
export async function searchObjectives(): Promise<SearchObjective[]> {
  const q = await checkSweep(structuredClone(QUADRATIC_SWEEP), 'quadratic-bench');
  const m = await checkSweep(structuredClone(MLP_TABLE_SWEEP), 'mlp-table');
  const out = [synthetic(q.sweep), quadraticObjective(q.sweep, q.trainer.steps, quadratic.parse!({}))];
  try {
    out.push(mlpObjective(m.sweep));
  } catch (e) {
    console.log(`(mlp objective left out: ${(e as Error).message.split('\n')[0]}; record it with node --import tsx bench/search/record-mlp-table.ts)`);
  }
  return out;
}
