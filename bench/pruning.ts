// `npm run bench pruning` (only when named): pruners replayed on recorded sweeps of real learning
// curves (bench/fixtures/pruning/, recorded once by bench/pruning-record.ts), lrsweep's median and
// successive halving at steps and at cycle ends side by side with Optuna 3.1's MedianPruner and
// SuccessiveHalvingPruner fed the same curves in the same run (bench/pruning_optuna.py, one
// worker, trials in number order, as replay's). Reports trial-steps saved, whether the best config
// survived and the regret in units of the repeats' spread, and how misleading half the budget is
// (Spearman correlation of configs' mean loss at half the budget with their final mean, and the
// eventual best's rank there). Target: a restart-aware pruner saves at least half the
// trial-steps with regret within the repeats' spread on every recorded sweep.

import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../src/sweep/definition.js';
import { prunerOf } from '../src/sweep/pruners/index.js';
import { prunerFlag } from '../src/sweep/pruners/spec.js';
import { timelineOf } from '../src/sweep/pruners/readings.js';
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

/** Ours, by their --pruner spec; Optuna's with the same settings (its defaults: 5 startup trials; reduction 4). */
const OURS = ['median:at=steps', 'median:at=cycle_ends', 'successive_halving:at=steps', 'successive_halving:at=cycle_ends', 'successive_halving:at=cycle_ends,reduction=8'];

function recordedOf(f: Fixture): RecordedTrial[] {
  const configs = new Map(f.configs.map((c) => [c.hash, c.config]));
  return f.trials.map((t) => {
    const points = t.points.filter((p): p is [number, number] => p[1] !== null).map(([step, value]) => ({ step, value }));
    const complete = points.length === t.points.length && points.length > 0 && points[points.length - 1].step === f.steps;
    return { number: t.number, configHash: t.config, points, timeline: timelineOf(configs.get(t.config)!, f.steps), state: complete ? 'complete' : 'other', final: complete ? points[points.length - 1].value : null };
  });
}

/** How misleading half the budget is: configs' mean at step steps/2 against their final mean. */
function halfBudget(f: Fixture, trials: RecordedTrial[]): { rho: number | null; bestRank: number; configs: number } {
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

function optuna(f: Fixture, trials: RecordedTrial[]): Map<string, Map<number, { step: number; reason: string }>> {
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
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
  console.log(`\n== Pruning: replay on ${files.length} recorded sweeps (real curves), lrsweep's pruners beside Optuna 3.1's fed the same curves; 1 worker, trial order ==`);
  /** For each cycle-ends pruner, the sweeps where it meets the target. */
  const targets = new Map<string, string[]>(OURS.filter((s) => s.includes('cycle_ends')).map((s) => [s, []]));
  for (const file of files) {
    const f = JSON.parse(readFileSync(`${DIR}${file}`, 'utf8')) as Fixture;
    const trials = recordedOf(f);
    const h = halfBudget(f, trials);
    console.log(`\n${f.name}: ${f.configs.length} configs x ${f.repeats} repeats, ${f.steps} steps (${f.about})`);
    console.log(`  half the budget: Spearman ${h.rho === null ? "-" : h.rho.toFixed(2)} with the final ranking; the eventual best ranks ${h.bestRank} of ${h.configs} there`);
    const o = { workers: 1, steps: f.steps, goal: f.goal };
    for (const spec of OURS) {
      const r = replay(trials, prunerOf(prunerFlag(spec, f.steps)!), o);
      console.log(line(`lrsweep ${spec}`, r));
      if (targets.has(spec) && r.saved >= 0.5 && (r.regretInSpread ?? 0) <= 1) targets.get(spec)!.push(f.name);
    }
    for (const [name, pruned] of optuna(f, trials)) console.log(line(name, measure(trials, pruned, o)));
  }
  console.log(`\ntarget: a cycle-ends pruner saves >= 50% of trial-steps with regret within the repeats' spread on every recorded sweep (${files.length}); met on:`);
  for (const [spec, met] of targets) console.log(`  ${spec.padEnd(46)} ${met.length} of ${files.length}${met.length ? ` (${met.join(', ')})` : ''}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPruning();
