// `npm run bench pruning` (only when named): pruners replayed on recorded sweeps of real learning
// curves (bench/fixtures/pruning/, recorded once by bench/pruning-record.ts), lrsweep's median and
// successive halving at steps and at cycle ends side by side with Optuna 3.1's MedianPruner and
// SuccessiveHalvingPruner fed the same curves in the same run (bench/pruning_optuna.py, one
// worker, trials in number order, as replay's). Reports trial-steps saved, whether the best config
// survived and the regret in units of the repeats' spread, and how misleading half the budget is
// (Spearman correlation of configs' mean loss at half the budget with their final mean, and the
// eventual best's rank there). Target: a restart-aware pruner saves at least half the
// trial-steps with regret within the repeats' spread on every recorded sweep.
// Beside the recordings of bench/pruning-record.ts it replays the issue's own sweep (bench predict's
// fixtures/charlm-sweep.json: 36 configs x 2 repeats, 2,000 steps; its points are 20-step training
// loss means, so the pruners judge the training loss there while regret is the final val_loss).
// Per sweep it prints the cycle-ends ceiling: what a pruner that judges only at cycle ends could
// save at most while keeping the best config (every trial of another config stopped at its first
// reading before its end, the best config's trials run out).

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/sweep/definition.js';
import { prunerOf } from '../src/sweep/pruners/index.js';
import { prunerFlag } from '../src/sweep/pruners/spec.js';
import { readingsOf, timelineOf } from '../src/sweep/pruners/readings.js';
import { measure, replay, type RecordedTrial, type ReplayResult } from '../src/sweep/replay.js';
import { PYTHON } from './pruning-record.js';
import { ranks, spearman } from '../src/predict/agreement.js';

interface Fixture {
  name: string;
  about: string;
  steps: number;
  repeats: number;
  goal: 'minimize' | 'maximize';
  configs: { hash: string; config: Config }[];
  trials: { number: number; config: string; repeat: number; points: [number, number | null][] }[];
}

const DIR = fileURLToPath(new URL('fixtures/pruning/', import.meta.url));
const CHARLM = fileURLToPath(new URL('fixtures/charlm-sweep.json', import.meta.url));

/** A sweep as replayed: its recorded trials (points: what the pruners judge; final: the objective). */
interface Replayed {
  name: string;
  about: string;
  steps: number;
  repeats: number;
  goal: 'minimize' | 'maximize';
  configs: number;
  trials: RecordedTrial[];
}

/** Ours, by their --pruner spec; Optuna's with the same settings (its defaults: 5 startup trials; reduction 4). */
const OURS = ['median:at=steps', 'median:at=cycle_ends', 'successive_halving:at=steps', 'successive_halving:at=cycle_ends', 'successive_halving:at=cycle_ends,reduction=8'];

function recordedOf(f: Fixture): Replayed {
  const configs = new Map(f.configs.map((c) => [c.hash, c.config]));
  const trials = f.trials.map((t): RecordedTrial => {
    const points = t.points.filter((p): p is [number, number] => p[1] !== null).map(([step, value]) => ({ step, value }));
    const complete = points.length === t.points.length && points.length > 0 && points[points.length - 1].step === f.steps;
    return { number: t.number, configHash: t.config, points, timeline: timelineOf(configs.get(t.config)!, f.steps), state: complete ? 'complete' : 'other', final: complete ? points[points.length - 1].value : null };
  });
  return { name: f.name, about: f.about, steps: f.steps, repeats: f.repeats, goal: f.goal, configs: f.configs.length, trials };
}

/** The issue's sweep (bench predict's recording): trials in the order they ran, training-loss windows judged, val_loss final. */
function charlm(): Replayed {
  const f = JSON.parse(readFileSync(CHARLM, 'utf8')) as { steps: number; sweeps: Record<string, { config: string; repeat: number; params: Config; objective: number; train_loss: [number, number][] }[]> };
  const grid = f.sweeps['charlm-grid'];
  const trials = grid.map((t, i): RecordedTrial => ({
    number: i + 1, configHash: t.config, points: t.train_loss.map(([step, value]) => ({ step: step + 1, value })),
    timeline: timelineOf(t.params, f.steps), state: 'complete', final: t.objective,
  }));
  return {
    name: 'charlm', about: "the issue's sweep: first_cycle_steps 250/500/1000 x cycle_mult 1/2 x warmup 0/50/150 x gamma 1/0.5, AdamW; judged on 20-step training-loss means, ranked by final val_loss",
    steps: f.steps, repeats: 2, goal: 'minimize', configs: new Set(grid.map((t) => t.config)).size, trials,
  };
}

/** The cycle-ends ceiling: every trial of a config other than the best stopped where its first reading before its end is confirmed. */
function ceiling(r: Replayed, o: { workers: number; steps: number; goal: 'minimize' | 'maximize' }): ReplayResult {
  const best = measure(r.trials, new Map(), o).trueBest;
  const stopped = new Map<number, { step: number; reason: string }>();
  for (const t of r.trials) {
    if (t.configHash === best) continue;
    const reading = readingsOf(t.points, t.timeline, 'cycle_ends').find((p) => p.step < r.steps);
    if (!reading) continue;
    const at = t.timeline.endFrom(reading.step) === reading.step ? reading.step : t.points.find((p) => p.step > reading.step)!.step;
    stopped.set(t.number, { step: at, reason: 'ceiling' });
  }
  return measure(r.trials, stopped, o);
}

/** How misleading half the budget is: configs' mean at step steps/2 against their final mean. */
function halfBudget(f: Replayed, trials: RecordedTrial[]): { rho: number | null; bestRank: number; configs: number } {
  const half = f.steps / 2;
  const at = new Map<string, number[]>();
  const fin = new Map<string, number[]>();
  for (const t of trials) {
    if (t.final === null) continue;
    const p = [...t.points].reverse().find((x) => x.step <= half);
    if (!p) continue;
    at.set(t.configHash, [...(at.get(t.configHash) ?? []), p.value]);
    fin.set(t.configHash, [...(fin.get(t.configHash) ?? []), t.final]);
  }
  const keys = [...fin.keys()];
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const a = keys.map((k) => mean(at.get(k)!));
  const b = keys.map((k) => mean(fin.get(k)!));
  const best = b.indexOf(Math.min(...b));
  return { rho: spearman(a, b), bestRank: ranks(a)[best], configs: keys.length };
}

function optuna(f: Replayed, trials: RecordedTrial[]): Map<string, Map<number, { step: number; reason: string }>> {
  const median = prunerOf(prunerFlag('median', f.steps)!).options;
  const sha = prunerOf(prunerFlag('successive_halving', f.steps)!).options;
  const minResource = Math.max(1, Math.floor(f.steps / sha.reduction! ** 3));
  const request = {
    direction: f.goal, steps: f.steps,
    pruners: [
      { name: 'optuna MedianPruner', kind: 'median', startup_trials: median.startup_trials, warmup_steps: median.warmup_steps, min_trials: median.min_trials },
      { name: 'optuna SuccessiveHalvingPruner', kind: 'successive_halving', reduction: sha.reduction, min_resource: minResource },
    ],
    trials: [...trials].sort((a, b) => a.number - b.number).map((t) => ({ number: t.number, points: t.points.map((p) => [p.step, p.value]), final: t.final })),
  };
  const r = spawnSync(PYTHON, [fileURLToPath(new URL('pruning_optuna.py', import.meta.url))], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 2 ** 26 });
  if (r.status !== 0) throw new Error(`pruning_optuna.py exited ${r.status}: ${r.stderr}`);
  const out = JSON.parse(r.stdout) as Record<string, Record<string, number>>;
  return new Map(Object.entries(out).map(([name, pruned]) => [name, new Map(Object.entries(pruned).map(([n, step]) => [Number(n), { step, reason: 'optuna' }]))]));
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(6);
const num = (x: number | null) => (x === null ? '-' : x.toFixed(2)).padStart(6);

function line(name: string, r: ReplayResult): string {
  return `  ${name.padEnd(46)} saved ${pct(r.saved)}  best survived ${r.bestSurvived ? 'yes' : 'no '}  regret/spread ${num(r.regretInSpread)}  kept ${String(r.keptConfigs.length).padStart(2)} configs  auc ${r.auc!.toFixed(4)}`;
}

export async function benchPruning(): Promise<void> {
  const sweeps = [...readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((file) => recordedOf(JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as Fixture)), charlm()];
  console.log(`\n== Pruning: replay on ${sweeps.length} recorded sweeps (real curves), lrsweep's pruners beside Optuna 3.1's fed the same curves; 1 worker, trial order ==`);
  /** For each cycle-ends pruner, the sweeps where it meets the target. */
  const targets = new Map<string, string[]>(OURS.filter((s) => s.includes('cycle_ends')).map((s) => [s, []]));
  for (const f of sweeps) {
    const trials = f.trials;
    const h = halfBudget(f, trials);
    console.log(`\n${f.name}: ${f.configs} configs x ${f.repeats} repeats, ${f.steps} steps (${f.about})`);
    console.log(`  half the budget: Spearman ${h.rho === null ? "-" : h.rho.toFixed(2)} with the final ranking; the eventual best ranks ${h.bestRank} of ${h.configs} there`);
    const o = { workers: 1, steps: f.steps, goal: f.goal };
    const top = ceiling(f, o);
    const unread = trials.filter((t) => !readingsOf(t.points, t.timeline, 'cycle_ends').some((p) => p.step < f.steps)).length;
    console.log(`  cycle-ends ceiling: ${pct(top.saved).trim()} (every trial of another config stopped at its first reading; ${unread} of ${trials.length} trials have no reading before their end)`);
    for (const spec of OURS) {
      const r = replay(trials, prunerOf(prunerFlag(spec, f.steps)!), o);
      console.log(line(`lrsweep ${spec}`, r));
      if (targets.has(spec) && r.saved >= 0.5 && (r.regretInSpread ?? 0) <= 1) targets.get(spec)!.push(f.name);
    }
    for (const [name, pruned] of optuna(f, trials)) console.log(line(name, measure(trials, pruned, o)));
  }
  console.log(`\ntarget: a cycle-ends pruner saves >= 50% of trial-steps with regret within the repeats' spread on every recorded sweep (${sweeps.length}); met on:`);
  for (const [spec, met] of targets) console.log(`  ${spec.padEnd(46)} ${met.length} of ${sweeps.length}${met.length ? ` (${met.join(', ')})` : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPruning();
