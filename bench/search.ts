// `npm run bench search` (run only when named; a few minutes on 2 cores): what the samplers find,
// lrsweep's beside Debian's Optuna 3.1 on the same objectives in the same run. For each objective
// (search/objectives.ts: a synthetic one with a known optimum, the quadratic trainer over five
// schedule parameters, the built-in MLP looked up in a recorded table), the best value after 30,
// 60 and 100 trials over SEEDS seeds, median [first quartile, third quartile], for the shuffled
// grid, random, Sobol and TPE (one at a time, batches of 4 and 8 with the constant liar, and the
// options the defaults were chosen between), and Optuna's TPESampler and QMCSampler. Then the
// targets (lrsweep's TPE at 60 trials no worse than Optuna's TPE by more than half of Optuna's
// interquartile range, and ahead of random), what batching costs, and the time of one TPE
// suggestion at 1,000 finished trials beside Optuna's. Without /usr/bin/python3 and optuna,
// lrsweep's rows alone.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { verdict } from './measure.js';
import { type SearchObjective, searchObjectives } from './search/objectives.js';
import { type OptunaResult, PYTHON, runOptuna } from './search/optuna.js';
import { type Curve, TRIALS, VARIANTS, suggestMs } from './search/ours.js';

// SEARCH_SEEDS=2 for a quick look while developing; the targets are judged on 20.
const SEEDS = Number(process.env.SEARCH_SEEDS ?? 20);
const CHECKPOINTS = [30, 60, 100];
const TARGET_AT = 60;
const HISTORY = 1000;
const TIMED = 9;

/** Linear-interpolated quartiles [q1, median, q3]. */
export function quartiles(xs: readonly number[]): [number, number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => {
    const i = q * (s.length - 1);
    return s[Math.floor(i)] + (s[Math.ceil(i)] - s[Math.floor(i)]) * (i - Math.floor(i));
  };
  return [at(0.25), at(0.5), at(0.75)];
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(3) : v.toExponential(2));
const at = (curves: Curve[], trials: number) => curves.map((c) => c[trials - 1]);

function row(label: string, curves: Curve[]): string {
  return label.padEnd(40) + CHECKPOINTS.map((c) => {
    const [q1, m, q3] = quartiles(at(curves, c));
    return `${fmt(m)} [${fmt(q1)}, ${fmt(q3)}]`.padEnd(28);
  }).join('');
}

/** The fewest trials after which the median best over seeds is at most `value` (null: not within the curves). */
function trialsToReach(curves: Curve[], value: number): number | null {
  for (let t = 1; t <= TRIALS; t++) if (quartiles(at(curves, t))[1] <= value) return t;
  return null;
}

/** Seeds where a's best after `trials` is below b's, and where it is above. */
function wins(a: Curve[], b: Curve[], trials: number): [number, number] {
  let better = 0;
  let worse = 0;
  a.forEach((c, i) => {
    if (c[trials - 1] < b[i][trials - 1]) better++;
    else if (c[trials - 1] > b[i][trials - 1]) worse++;
  });
  return [better, worse];
}

/** lrsweep's side (search/ours-run.ts) in a process of its own, beside Optuna's. */
function runOurs(): Promise<{ curves: Record<string, Record<string, Curve[]>>; cpuSeconds: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'search/ours-run.ts'), String(SEEDS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`search/ours-run.ts exited ${code}`))));
  });
}

export async function benchSearch(): Promise<void> {
  const objectives = await searchObjectives();
  console.log(`\n== Search: lrsweep's samplers and Optuna's on ${objectives.length} objectives, best after ${CHECKPOINTS.join(' / ')} trials, ${SEEDS} seeds, median [quartiles] ==`);
  const started = performance.now();
  const oursRun = runOurs();
  let theirs: OptunaResult | null = null;
  try {
    theirs = await runOptuna(objectives, { seeds: SEEDS, trials: TRIALS, history: HISTORY, timed: TIMED });
  } catch (e) {
    console.log(`(Optuna not run: ${(e as Error).message}; apt-get install -y python3-optuna)`);
  }
  const mine = await oursRun;
  const results = objectives.map((obj) => ({ obj, curves: mine.curves[obj.name] }));
  const wall = (performance.now() - started) / 1000;

  const targets: string[] = [];
  const batching: string[] = [];
  for (const { obj, curves } of results) {
    console.log(`\n-- ${obj.name}: ${obj.about}`);
    console.log(''.padEnd(40) + CHECKPOINTS.map((c) => `after ${c}`.padEnd(28)).join(''));
    for (const [label, c] of Object.entries(curves)) console.log(row(`lrsweep ${label}`, c));
    const optuna = theirs?.curves[obj.name] ?? {};
    for (const [label, c] of Object.entries(optuna)) console.log(row(`Optuna ${theirs!.version} ${label}`, c));

    const ours = quartiles(at(curves.tpe, TARGET_AT));
    const random = quartiles(at(curves.random, TARGET_AT));
    const [better, worse] = wins(curves.tpe, curves.random, TARGET_AT);
    const aheadOfRandom = ours[1] < random[1];
    let line = `${obj.name}: lrsweep tpe median ${fmt(ours[1])} after ${TARGET_AT}; random ${fmt(random[1])} (tpe better on ${better} seeds, worse on ${worse}): ${verdict(aheadOfRandom)}`;
    if (optuna.TPESampler) {
      const o = quartiles(at(optuna.TPESampler, TARGET_AT));
      const bound = o[1] + (o[2] - o[0]) / 2;
      line += `; Optuna TPESampler median ${fmt(o[1])}, IQR ${fmt(o[2] - o[0])}, bound ${fmt(bound)}: ${verdict(ours[1] <= bound)}`;
    }
    targets.push(line);
    const oneMedian = ours[1];
    for (const b of [4, 8]) {
      const batched = curves[`tpe, batches of ${b}`];
      const m = quartiles(at(batched, TARGET_AT))[1];
      const reach = trialsToReach(batched, oneMedian);
      batching.push(`${obj.name}, batches of ${b}: median ${fmt(m)} after ${TARGET_AT} against ${fmt(oneMedian)} one at a time (x${(m / oneMedian).toFixed(2)}); ` +
        `reaches one-at-a-time's ${TARGET_AT}-trial median after ${reach ?? `more than ${TRIALS}`} trials`);
    }
  }
  console.log(`\n-- targets (lrsweep tpe after ${TARGET_AT} trials: ahead of random; no worse than Optuna's TPESampler median + IQR/2)`);
  for (const t of targets) console.log(t);
  console.log('\n-- what batching costs (the constant liar; a batch\'s results told together)');
  for (const b of batching) console.log(b);
  console.log('\n-- the options tpe\'s defaults were chosen between: seeds better / worse than the default (tpe) after 30 / 60 / 100 trials');
  for (const label of VARIANTS.map((v) => v.label).filter((l) => l.startsWith('tpe ('))) {
    console.log(label.padEnd(30) + results.map(({ obj, curves }) =>
      `${obj.name} ${CHECKPOINTS.map((c) => wins(curves[label], curves.tpe, c).join('/')).join(' ')}`).join('   '));
  }
  const ms = suggestMs(objectives[0], 'tpe', HISTORY, TIMED);
  console.log(`\none TPE suggestion, median of ${TIMED} after 2 (${objectives[0].sweep.parameters ? Object.keys(objectives[0].sweep.parameters).length : 0} parameters) at ${HISTORY} finished trials: lrsweep ${ms.toFixed(1)} ms` +
    (theirs ? `, Optuna ${theirs.version} ${theirs.suggestMs.toFixed(1)} ms (x${(theirs.suggestMs / ms).toFixed(1)})` : ` (Optuna not run: ${PYTHON})`));
  console.log(`(${wall.toFixed(0)} s; CPU: lrsweep's side ${mine.cpuSeconds.toFixed(0)} s, Optuna's side ${theirs ? `${theirs.cpuSeconds.toFixed(0)} s` : '-'}, the two run side by side)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchSearch();
