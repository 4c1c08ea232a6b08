// `lrsweep predict NAME`: fits the loss law (src/predict/) to a sweep's trained trials' training-loss
// curves, ranks the configs of its space not trained yet by predicted final training loss, and
// checks the law by leave-one-out on the trained configs. The law's fitted parameters are never
// shown (not identifiable from a few runs); its values are a shortlist to confirm by training.
// Candidates: a grid's untried configs; a predict sweep's own candidates (method.candidates: its
// grid, or its N Sobol points); for any other sampler, `--candidates` scrambled Sobol points of
// the sweep's parameters (sobol.ts maps ranges and values lists alike).
// `--prioritise`: on a grid sweep, the shortlist's waiting trials move to the front of the claims
// (sweep/prioritise.ts); on any other sweep its waiting trials are not the predicted configs, so
// it only advises (adding configs is the `predict` sampler's job; on a predict sweep, what to do
// instead) and changes nothing.

import type { Argv } from 'yargs';
import { TRAINING_LOSS } from '../core/trial.js';
import { UsageError, show } from '../core/errors.js';
import { render, type TableFormat } from '../io/table.js';
import type { Config, Sweep } from '../sweep/definition.js';
import { methodOf } from '../sweep/samplers/index.js';
import { configs, pickParams } from '../sweep/space.js';
import {
  configRuns, curveProblem, finalWindowOf, fitLaw, lawCurveOf, leaveOneOut, lossPoints, lrCurveOf, minWindowFor, normaliserOf, predictFinal, prepareCurve,
  type HeldOut, type LeaveOneOut, type LossPoint, type TrainedConfig,
} from '../predict/index.js';
import { intFlag } from './flags.js';
import { prioritiseConfigs, type Prioritised } from '../sweep/prioritise.js';
import { emit, openSweep, withDb, withFormat, type Output } from './common.js';

export const command = 'predict <name>';
export const describe = 'Predict the untried configs of a sweep from its trained trials\' loss curves (a shortlist to train, checked by leave-one-out)';

export function builder(y: Argv) {
  return withFormat(withDb(y))
    .positional('name', { type: 'string', demandOption: true, describe: 'The sweep name' })
    .option('metric', { type: 'string', nargs: 1, default: TRAINING_LOSS, describe: 'The metric that carries the training loss, reported many times a run (per step or per window)' })
    .option('top', { nargs: 1, coerce: intFlag('top', 1), default: 10, describe: 'How many untried configs to show' })
    .option('candidates', { nargs: 1, coerce: intFlag('candidates', 1), default: 1024, describe: 'Sweeps other than grids and predict sweeps (which predict their own candidates): how many Sobol points of the space to predict' })
    .option('seed', { nargs: 1, coerce: intFlag('seed', 0), default: 0, describe: 'Seed of the fit\'s starts (the same seed, the same predictions)' })
    .option('prioritise', { type: 'boolean', default: false, describe: 'Grid sweeps: move the shown configs\' waiting trials to the front of the claims, best predicted first (other sweeps: advice only, nothing changes)' })
    .example('$0 predict charlm-grid --top 5', 'The five untried configs predicted best')
    .example('$0 predict charlm-grid --format json', 'The same as JSON, with the leave-one-out Spearman')
    .example('$0 predict charlm-grid --top 5 --prioritise', 'Train the five predicted best next (workers claim them first)');
}

export interface PredictedConfig {
  rank: number;
  predicted: number;
  config: string;
  params: Record<string, number | string | null>;
}

export interface PredictResult {
  sweep: string;
  metric: string;
  objective: { metric: string; goal: string };
  keys: string[];
  trained: { configs: number; runs: number };
  /** The fit's typical |log residual| over its windows (not its parameters: they mean nothing alone). */
  fit: { residual: number; windows: number };
  /** The last window the predictions average over, in steps. */
  window: number;
  /** The check, each held-out config with its varied parameters. */
  leaveOneOut: (Omit<LeaveOneOut, 'configs'> & { configs: (HeldOut & { params: Record<string, number | string | null> })[] }) | null;
  candidates: { source: 'grid' | 'sobol'; count: number };
  top: PredictedConfig[];
  /** --prioritise on a grid: the trials moved to the front (null: not asked, or not a grid). */
  prioritised: Prioritised | null;
  /** --prioritise on any other sweep: what to do instead (nothing was changed). */
  advice: string | null;
}

/**
 * The configs to predict: a grid's; a predict sweep's own candidates (its grid, or its N Sobol
 * points, as its sampler predicts them); for any other sweep `count` scrambled Sobol points.
 */
function candidateConfigs(definition: Sweep, steps: number, count: number): { source: 'grid' | 'sobol'; list: { config: Config; hash: string }[] } {
  const method = methodOf(definition.method);
  const own = method.kind === 'predict' ? method.candidates : null;
  const grid = method.kind === 'grid' || own === 'grid';
  const space: Sweep = grid
    ? { ...definition, method: { kind: 'grid', order: 'listed' }, trials: null }
    : { ...definition, method: { kind: 'sobol', scramble: true }, trials: typeof own === 'number' ? own : count };
  const list: { config: Config; hash: string }[] = [];
  for (const c of configs(space, steps)) if (!c.problem) list.push({ config: c.config, hash: c.hash });
  return { source: grid ? 'grid' : 'sobol', list };
}

export async function predict(o: { db: string; name: string; metric: string; top: number; candidates: number; seed: number; prioritise?: boolean }): Promise<PredictResult> {
  // Opened for writing only to prioritise; nothing is written before the shortlist is made.
  const { storage, sweep, definition } = await openSweep(o.db, o.name, o.prioritise ? 'write' : 'read');
  try {
    const steps = sweep.steps;
    const sign = definition.objective.goal === 'maximize' ? -1 : 1;
    const complete = (await storage.trials(sweep.id)).filter((t) => t.state === 'complete' && t.objective !== null);
    const points = await storage.points(complete.map((t) => t.id));
    const curves = complete.map((t) => ({ trial: t, points: lossPoints(points.get(t.id) ?? [], o.metric, steps) }));
    const usable = curves.filter((c) => c.points.length > 0);
    if (usable.length === 0) {
      const reported = [...new Set([...points.values()].flatMap((ps) => ps.flatMap((p) => Object.keys(p.values))))].sort();
      throw new UsageError(`--metric: predict needs training-loss curves, and no complete trial of ${o.name} reported ${show(o.metric)} (${complete.length} complete trials${reported.length ? `; they report: ${reported.join(', ')}` : ''}); train some trials that report the training loss many times a run (per step or per window), or pass --metric`);
    }
    for (const c of usable) {
      const problem = curveProblem(c.points, steps);
      if (problem) throw new UsageError(`trial ${c.trial.number}: ${o.metric}: ${problem}`);
    }
    const lrs = new Map<number, Float64Array>(usable.map((c) => [c.trial.id, lrCurveOf(c.trial.params as Config, steps)]));
    const maxLr = normaliserOf([...lrs.values()]);
    const minWindow = minWindowFor(steps);
    // Repeats of a config are one run (their windows averaged) when their windows line up: the law fits the mean, at a fraction of the cost.
    const byConfig = new Map<string, typeof usable>();
    for (const c of usable) {
      const group = byConfig.get(c.trial.configHash);
      if (group) group.push(c);
      else byConfig.set(c.trial.configHash, [c]);
    }
    const trained: TrainedConfig[] = [...byConfig].map(([hash, group]) => {
      const last = (ps: LossPoint[]) => ps[ps.length - 1];
      return {
        key: hash, runs: configRuns(prepareCurve(lrs.get(group[0].trial.id)!, maxLr), group.map((g) => g.points), minWindow),
        objective: sign * mean(group.map((g) => g.trial.objective as number)),
        finalLoss: mean(group.map((g) => last(g.points).loss)),
      };
    });
    const window = finalWindowOf(usable.map((c) => c.points));
    const fit = fitLaw(trained.flatMap((c) => c.runs), { seed: o.seed });
    const loo = trained.length >= 3 ? leaveOneOut(trained, fit, window, { seed: o.seed }) : null;
    const { source, list } = candidateConfigs(definition, steps, o.candidates);
    const tried = new Set(complete.map((t) => t.configHash)); // the usable trials are among them
    const untried = list.filter((c) => !tried.has(c.hash));
    const predicted = untried.map((c) => predictFinal(fit.params, lawCurveOf(c.config, steps, maxLr), window));
    const keys = Object.keys(definition.parameters);
    const paramsOf = (hash: string) => pickParams(byConfig.get(hash)![0].trial.params as Config, keys);
    const order = predicted.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, o.top);
    let prioritised: Prioritised | null = null;
    let advice: string | null = null;
    const kind = methodOf(definition.method).kind;
    if (o.prioritise && kind === 'grid') prioritised = await prioritiseConfigs(storage, sweep.id, order.map(([, i]) => untried[i].hash));
    else if (o.prioritise && kind === 'predict') {
      advice = `--prioritise: sweep ${o.name} samples with predict, which creates the configs its own law predicts best as results arrive (method.top_k, method.explore): ` +
        'it has no waiting trials of these configs, so nothing was changed; to train more of them, give a larger top_k in a new sweep, or add their configs as a values grid in a sweep file';
    } else if (o.prioritise) {
      advice = `--prioritise: sweep ${o.name} samples with ${kind}, not a grid: its waiting trials are not these configs, so nothing was changed; ` +
        'to train the shortlist, add its configs as a values grid in a sweep file, or use method: {kind: predict}';
    }
    return {
      sweep: o.name, metric: o.metric, objective: { metric: definition.objective.metric, goal: definition.objective.goal }, keys,
      trained: { configs: trained.length, runs: usable.length },
      fit: { residual: fit.objective, windows: fit.windows }, window,
      leaveOneOut: loo && { ...loo, configs: loo.configs.map((c) => ({ ...c, params: paramsOf(c.key) })) },
      candidates: { source, count: untried.length },
      top: order.map(([p, i], r) => ({ rank: r + 1, predicted: p, config: untried[i].hash, params: pickParams(untried[i].config, keys) })),
      prioritised, advice,
    };
  } finally {
    await storage.close();
  }
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fixed = (x: number) => Number(x.toFixed(4));

export function present(r: PredictResult, format: TableFormat): Output {
  const rows = r.top.map((c) => ({ rank: c.rank, [`predicted_${r.metric}`]: fixed(c.predicted), ...c.params, config: c.config }));
  const columns = ['rank', `predicted_${r.metric}`, ...r.keys, 'config'];
  if (format === 'json') {
    const loo = r.leaveOneOut;
    return {
      stdout: `${JSON.stringify({
        sweep: r.sweep, metric: r.metric, objective: r.objective, trained: r.trained, fit: r.fit, window: r.window, candidates: r.candidates,
        leave_one_out: loo && { spearman: loo.spearman, mean_abs_error: loo.meanAbsError, configs: loo.configs, skipped: loo.skipped },
        top: r.top.map((c) => ({ rank: c.rank, predicted: c.predicted, ...c.params, config: c.config })),
        prioritised: r.prioritised, advice: r.advice,
      }, null, 2)}\n`,
    };
  }
  const notes = [
    ...(r.prioritised ? [prioritisedText(r.prioritised)] : []),
    ...(r.advice ? [r.advice] : []),
  ];
  if (format === 'csv') return { stdout: render(rows, columns, 'csv'), ...(notes.length ? { stderr: `${notes.join('\n')}\n` } : {}) };
  const lines: string[] = [];
  lines.push(`${r.sweep}: the law fitted to ${r.metric} of ${r.trained.runs} complete trials (${r.trained.configs} configs, ${r.fit.windows} windows; typical |log residual| ${r.fit.residual.toPrecision(2)})`);
  const loo = r.leaveOneOut;
  if (loo) {
    const rho = loo.spearman === null ? 'n/a' : loo.spearman.toFixed(2);
    lines.push(`leave-one-out over the ${loo.configs.length} trained configs: Spearman ${rho} (predicted final ${r.metric} against ${r.objective.metric}), mean |error| ${loo.meanAbsError.toFixed(4)} in ${r.metric}${loo.skipped.length ? `; ${loo.skipped.length} could not be held out` : ''}`);
    const worst = loo.configs.slice(0, 3).filter((c) => c.predictedRank !== c.actualRank);
    const label = (params: Record<string, unknown>) => Object.entries(params).map(([k, v]) => `${k}=${v}`).join(' ');
    if (worst.length) lines.push(`worst misses: ${worst.map((c) => `${label(c.params)} predicted #${c.predictedRank}, actual #${c.actualRank} (${r.metric} ${fixed(c.predicted)} predicted, ${fixed(c.actual)} actual)`).join('; ')}`);
  } else lines.push(`leave-one-out needs at least 3 trained configs; ${r.trained.configs} trained: train more before trusting the ranking`);
  lines.push(`${r.candidates.count} untried configs (${r.candidates.source === 'grid' ? 'the grid\'s' : 'Sobol points of the space'}), best predicted first; a shortlist to train, not results:`);
  return { stdout: `${lines.join('\n')}\n${render(rows, columns, 'table')}${notes.map((n) => `${n}\n`).join('')}` };
}

function prioritisedText(p: Prioritised): string {
  const n = p.trials.length;
  const jobs = p.jobs === null ? '' : `; ${p.jobs} queue job${p.jobs === 1 ? '' : 's'} reordered`;
  return n === 0
    ? 'prioritised: none of these configs has a waiting trial; nothing moved'
    : `prioritised: ${n} waiting trial${n === 1 ? '' : 's'} of these configs move${n === 1 ? 's' : ''} to the front of the claims, in this order: ${p.trials.map((t) => `#${t}`).join(', ')}${jobs}`;
}

type Args = Awaited<ReturnType<typeof builder>['argv']>;

export async function handler(argv: Args): Promise<void> {
  emit(present(await predict({ db: argv.db, name: argv.name, metric: argv.metric, top: argv.top, candidates: argv.candidates, seed: argv.seed, prioritise: argv.prioritise }), argv.format));
}
