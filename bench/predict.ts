// `npm run bench predict` (only when named): the loss law (src/predict/) on a recorded sweep
// (bench/fixtures/charlm-sweep.json, recorded by bench/record/record.sh: a character-level MLP
// language model, 36 CosineAnnealingWarmupRestarts configs of 2,000 steps, 2 repeats with common
// seeds, plus a constant-LR and a cosine anchor). First the predict sampler itself replayed on the
// recorded curves, per repeat: its anchors planned by its own rule from bench/record/
// charlm-grid.yaml's space (the restarts anchor is a grid config), its shortlist refitted as
// results arrive (batch 2, the default) and fitted once (batch 5): Spearman, regret against the
// seed noise and the share of the grid's steps. Then, for context, the old fixed anchors: per
// repeat, fit the law on three anchors (constant, cosine, and the grid's 4-equal-cycle config,
// the sampler's rule 1), predict every grid config, and report
// Spearman of predicted final training loss against the actual objective (val_loss), the regret
// of training the anchors + the predicted top 5 against the grid's true best, and the share of the
// grid's training steps that used; beside naive rankings (final LR, sum of LRs) and 8 random
// configs. Then the law pruner (pruner: law) replayed on the same recorded curves beside median and
// successive halving: trial-steps used, whether the best config survived, regret in units of the
// repeats' spread (target: regret within the spread at no more than a quarter of the grid's
// steps). Then the speed of predicting 10^4 candidates of 10^4 steps. Last, the same measures on a
// built-in MLP sweep of many epochs over small data (bench/record/mlp-grid.yaml, trained here in
// about a minute), the regime the law's evidence does not cover: no target, it says where it fails.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../src/core/random.js';
import {
  fitLaw, predictFinal, lrCurveOf, minWindowFor, normaliserOf, prepareCurve, spearman, windowsOf, type FitRun, type LawParams,
} from '../src/predict/index.js';
import { openStorage } from '../src/storage/open.js';
import { askContext } from '../src/sweep/ask.js';
import { parseSweepText, checkSweep } from '../src/sweep/file.js';
import { methodOf, samplerOf, type AdaptiveSampler, type Observed } from '../src/sweep/samplers/index.js';
import { predictState } from '../src/sweep/samplers/predict-sampler.js';
import type { Config } from '../src/sweep/definition.js';
import { prunerOf } from '../src/sweep/pruners/index.js';
import { timelineOf } from '../src/sweep/pruners/readings.js';
import { prunerFlag } from '../src/sweep/pruners/spec.js';
import { replay, type RecordedTrial as ReplayedTrial } from '../src/sweep/replay.js';
import { runSweep } from '../src/sweep/run.js';

interface RecordedTrial {
  config: string;
  repeat: number;
  params: Config;
  objective: number;
  train_loss: [number, number][];
}

/** A recorded sweep: its anchors and its grid, every trial with its train_loss curve. */
interface Recording {
  name: string;
  steps: number;
  anchors: RecordedTrial[];
  grid: RecordedTrial[];
  /** The old fixed restart anchor (4 equal cycles), a config of the grid: the figure before the sampler's rule, for context. */
  restartAnchor: Record<string, number>;
  /** The grid's sweep file: the sampler plans its anchors from its space. */
  file: string;
  /** The window predictions average (the recording's reporting interval). */
  window: number;
}

interface CharlmFixture {
  steps: number;
  sweeps: { 'charlm-anchors': RecordedTrial[]; 'charlm-grid': RecordedTrial[] };
}

const FIXTURE = fileURLToPath(new URL('./fixtures/charlm-sweep.json', import.meta.url));
const TOP = 5;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const fmt = (x: number | null, d = 3) => (x === null ? 'n/a' : x.toFixed(d));

function runOf(t: RecordedTrial, steps: number, maxLr: number): FitRun {
  const curve = prepareCurve(lrCurveOf(t.params, steps), maxLr);
  return { curve, windows: windowsOf(t.train_loss.map(([step, loss]) => ({ step, loss })), minWindowFor(steps)) };
}

/**
 * Seed noise: the sd of a config's objective between repeats (paired differences / sqrt 2), after
 * the shift every config shares (one repeat's batches are easier: a common offset does not change ranks).
 */
function seedNoise(rec: Recording): { noise: number; shift: number; between: number | null } {
  const configs = [...new Set(rec.grid.map((t) => t.config))];
  const repeats = [...new Set(rec.grid.map((t) => t.repeat))].sort();
  const objective = (config: string, repeat: number) => rec.grid.find((t) => t.config === config && t.repeat === repeat)?.objective ?? NaN;
  const diffs = configs.map((c) => objective(c, repeats[0]) - objective(c, repeats[1] ?? repeats[0]));
  const shift = mean(diffs);
  const noise = Math.sqrt(mean(diffs.map((d) => (d - shift) ** 2)) / 2);
  const between = spearman(configs.map((c) => objective(c, repeats[0])), configs.map((c) => objective(c, repeats[1] ?? repeats[0])));
  return { noise, shift, between };
}

/**
 * The predict sampler itself replayed on the recording, per repeat: `method: { kind: predict,
 * top_k: 5, batch }` on the grid file's space (its anchors planned by the sampler's own rule, so
 * the restarts anchor is a config of the grid), asked for one config at a time; when it has
 * nothing to suggest, the earliest running config completes with its recorded objective and
 * train_loss curve (its decisions depend on which results are in, not on when it is asked).
 * Regret: the best objective among the trained grid configs (anchors inside the grid count)
 * against the grid's true best; share: the runs trained over the grid's.
 */
async function replaySampler(rec: Recording, batch: number, target: boolean): Promise<void> {
  const raw = parseSweepText(readFileSync(rec.file, 'utf8'), rec.file) as Record<string, unknown>;
  const loaded = await checkSweep({ ...raw, method: { kind: 'predict', top_k: TOP, batch }, repeats: 1 }, rec.file);
  const sweep = loaded.sweep;
  const steps = loaded.trainer.steps;
  if (steps !== rec.steps) throw new Error(`${rec.file} trains ${steps} steps, the recording ${rec.steps}`);
  const context = askContext(sweep, steps);
  const sampler = samplerOf(sweep) as AdaptiveSampler;
  const recorded = [...rec.anchors, ...rec.grid];
  const gridConfigs = new Set(rec.grid.map((t) => t.config));
  const { noise } = seedNoise(rec);
  const repeats = [...new Set(rec.grid.map((t) => t.repeat))].sort();
  for (const r of repeats) {
    const history: Observed[] = [];
    const started = performance.now();
    for (;;) {
      const [s] = sampler.suggest(history, 1, () => 0, context);
      if (s !== undefined) {
        const built = context.build(s.params);
        if ('problem' in built) throw new Error(`the sampler suggested a config the file refuses: ${built.problem}`);
        history.push({ params: built.config, hash: built.hash, origin: s.origin, objective: null, state: 'running' });
        continue;
      }
      const running = history.find((o) => o.state === 'running');
      if (running === undefined) break;
      const run = recorded.find((t) => t.config === running.hash && t.repeat === r);
      if (run === undefined) throw new Error(`the recording has no run of ${running.origin} config ${JSON.stringify(running.params)} (repeat ${r}): the replay needs every config the sampler trains`);
      Object.assign(running, { state: 'complete', objective: run.objective, curves: [run.train_loss.map(([step, loss]) => ({ step, loss }))] });
    }
    const seconds = (performance.now() - started) / 1000;
    const actual = (hash: string) => rec.grid.find((t) => t.config === hash && t.repeat === r)!.objective;
    const best = Math.min(...[...gridConfigs].map(actual));
    const trainedGrid = history.filter((o) => gridConfigs.has(o.hash!));
    const found = Math.min(...trainedGrid.map((o) => actual(o.hash!)));
    const share = history.length / gridConfigs.size;
    const state = predictState(sweep, methodOf(sweep.method), history, context);
    if (state.stage !== 'shortlist' || state.ranked === null) throw new Error(`repeat ${r}: no fit on the anchors (${state.stage === 'shortlist' ? state.failure : state.stage})`);
    const inGrid = state.candidates.map((c, i) => [c.hash, state.ranked!.predicted[i]] as const).filter(([h]) => gridConfigs.has(h));
    const rho = spearman(inGrid.map(([, p]) => p), inGrid.map(([h]) => actual(h)));
    const restarts = state.anchors.find((a) => a.name === 'restarts');
    const label = (o: { params: Config }) => `${o.params.first_cycle_steps}/${o.params.cycle_mult}/${o.params.gamma}/${o.params.warmup_steps}`;
    const met = found - best <= noise && share <= 0.25;
    if (r === repeats[0]) console.log(`  restarts anchor by the sampler's rule: ${restarts ? label({ params: restarts.config }) : 'none'} (first_cycle_steps/cycle_mult/gamma/warmup_steps)`);
    console.log(`  repeat ${r}: Spearman of the anchors' fit over the ${inGrid.length} other grid configs ${fmt(rho)}; trained ${history.length} (${history.map((o) => o.origin === 'anchor' ? 'a' : 'm').join('')}), ` +
      `shortlist ${history.filter((o) => o.origin !== 'anchor').map(label).join(', ')}; regret ${fmt(found - best, 4)} (seed noise sd ${fmt(noise, 4)}) using ${fmt(share * 100, 0)}% of the grid's training steps; ${fmt(seconds, 1)} s` +
      (target ? `  target ${met ? 'met' : 'missed'}` : ''));
  }
}

/** Per repeat: the law fitted on fixed anchors (the old bench's), every grid config predicted, the shortlist's regret. */
function evaluateLaw(rec: Recording): void {
  const { steps, grid, anchors, window } = rec;
  const isRestartAnchor = (p: Config) => Object.entries(rec.restartAnchor).every(([k, v]) => p[k] === v);
  const configs = [...new Set(grid.map((t) => t.config))];
  const paramsOf = new Map(grid.map((t) => [t.config, t.params]));
  const objective = (config: string, repeat: number) => grid.find((t) => t.config === config && t.repeat === repeat)?.objective ?? NaN;
  const repeats = [...new Set(grid.map((t) => t.repeat))].sort();
  const lrs = new Map(configs.map((c) => [c, lrCurveOf(paramsOf.get(c)!, steps)]));
  const maxLr = normaliserOf([...lrs.values()]);
  const curves = new Map(configs.map((c) => [c, prepareCurve(lrs.get(c)!, maxLr)]));

  const { noise, shift, between } = seedNoise(rec);
  console.log(`seed noise: sd ${fmt(noise, 4)} between repeats (after their common shift of ${fmt(shift, 4)}); the repeats rank the configs alike at Spearman ${fmt(between)}`);
  const label = (c: string) => { const p = paramsOf.get(c)!; return `${p.first_cycle_steps}/${p.cycle_mult}/${p.gamma}/${p.warmup_steps}`; };
  const finalTrainOf = (c: string, r: number) => mean(grid.filter((t) => t.config === c && t.repeat === r).map((t) => t.train_loss.slice(-1)[0][1]));

  for (const r of repeats) {
    const anchorRuns = [...anchors.filter((t) => t.repeat === r), ...grid.filter((t) => t.repeat === r && isRestartAnchor(t.params))];
    if (anchorRuns.length !== 3) throw new Error(`repeat ${r}: expected 3 anchor runs, found ${anchorRuns.length}`);
    const started = performance.now();
    const fit = fitLaw(anchorRuns.map((t) => runOf(t, steps, maxLr)), { seed: 0 });
    const fitSeconds = (performance.now() - started) / 1000;
    const predicted = configs.map((c) => predictFinal(fit.params, curves.get(c)!, window));
    const actual = configs.map((c) => objective(c, r));
    const rho = spearman(predicted, actual);
    const best = Math.min(...actual);
    const anchorConfig = configs.find((c) => isRestartAnchor(paramsOf.get(c)!))!;
    const shortlist = configs.map((c, i) => [predicted[i], c] as const).sort((a, b) => a[0] - b[0]).map(([, c]) => c).filter((c) => c !== anchorConfig).slice(0, TOP);
    const trained = [anchorConfig, ...shortlist];
    const found = Math.min(...trained.map((c) => objective(c, r)));
    const share = ((anchorRuns.length + shortlist.length) * steps) / (configs.length * steps);
    // Naive rankings: a lower final LR trains better; a larger sum of LRs trains better.
    const finalLr = configs.map((c) => lrs.get(c)![steps - 1]);
    const lrSum = configs.map((c) => -lrs.get(c)!.reduce((s, x) => s + x, 0));
    // The honest baseline for the same budget: anchors + 5 configs drawn at random (expected regret over 20,000 draws).
    const random = mulberry32(r + 1);
    let randomRegret = 0;
    for (let d = 0; d < 20000; d++) {
      const picked = new Set<number>();
      while (picked.size < TOP) picked.add(Math.floor(random() * configs.length));
      randomRegret += Math.min(objective(anchorConfig, r), ...[...picked].map((i) => actual[i])) - best;
    }
    randomRegret /= 20000;
    console.log(`repeat ${r}: fit on 3 anchors in ${fmt(fitSeconds, 1)} s; Spearman predicted vs actual ${fmt(rho)} (naive: final LR ${fmt(spearman(finalLr, actual))}, sum of LRs ${fmt(spearman(lrSum, actual))})`);
    console.log(`  anchors + top ${TOP}: regret ${fmt(found - best, 4)} (seed noise sd ${fmt(noise, 4)}; anchors + ${TOP} random: ${fmt(randomRegret, 4)} expected) using ${fmt(share * 100, 0)}% of the grid's training steps`);
    const finalTrain = configs.map((c) => finalTrainOf(c, r));
    console.log(`  against the final train_loss window instead: Spearman ${fmt(spearman(predicted, finalTrain))}; the objective against the final train_loss: Spearman ${fmt(spearman(actual, finalTrain))}`);
    console.log(`  shortlist (first_cycle_steps/cycle_mult/gamma/warmup_steps): ${shortlist.map(label).join(', ')}; true best ${label(configs[actual.indexOf(best)])}`);
    console.log(`  predicted values off by ${fmt(mean(predicted.map((p, i) => Math.abs(p - finalTrain[i]))), 4)} on average (final train_loss window): a shortlist, not results`);
  }
}

/**
 * The grid as replay sees it: train_loss points, the objective as the final value; numbered in
 * the recorded order (the grid's listed order: config-major, repeats together), or with `shuffle`
 * in a seeded order of configs (repeats together), as a grid with order: shuffled numbers them.
 */
function replayedGrid(rec: Recording, shuffle: number | null): ReplayedTrial[] {
  const configs = [...new Set(rec.grid.map((t) => t.config))];
  if (shuffle !== null) {
    const random = mulberry32(shuffle);
    for (let i = configs.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [configs[i], configs[j]] = [configs[j], configs[i]];
    }
  }
  const ordered = configs.flatMap((c) => rec.grid.filter((t) => t.config === c));
  const timelines = new Map<string, ReturnType<typeof timelineOf>>();
  return ordered.map((t, i) => {
    let timeline = timelines.get(t.config);
    if (!timeline) timelines.set(t.config, (timeline = timelineOf(t.params, rec.steps)));
    return {
      number: i + 1, configHash: t.config, timeline, state: 'complete', final: t.objective,
      points: t.train_loss.map(([step, loss]) => ({ step: step + 1, value: loss })),
    };
  });
}

/** The law pruner replayed beside the others on the grid's train_loss curves; regret in the objective. */
function replayLaw(rec: Recording, target: boolean, shuffle: number | null): void {
  const trials = replayedGrid(rec, shuffle);
  const specs = ['law', 'median:at=steps', 'median:at=cycle_ends', 'successive_halving:at=steps', 'successive_halving:at=cycle_ends'];
  console.log(`pruners replayed on the grid's ${trials.length} train_loss curves in ${shuffle === null ? 'the listed order' : `a shuffled order (seed ${shuffle})`} (1 worker; regret in the objective, val_loss):`);
  for (const spec of specs) {
    const started = performance.now();
    const r = replay(trials, prunerOf(prunerFlag(spec, rec.steps, '--pruner', { goal: 'minimize', metric: 'train_loss', metrics: null })!), { workers: 1, steps: rec.steps, goal: 'minimize', metric: 'train_loss' });
    const seconds = (performance.now() - started) / 1000;
    const used = 1 - r.saved;
    const met = r.regretInSpread !== null && r.regretInSpread <= 1 && used <= 0.25;
    console.log(`  ${spec.padEnd(34)} steps used ${fmt(used * 100, 1).padStart(5)}%  pruned ${String(r.pruned.length).padStart(2)}  best survived ${r.bestSurvived ? 'yes' : 'no '}` +
      `  regret ${fmt(r.regret, 4)} (${fmt(r.regretInSpread, 2)} x spread ${fmt(r.spread, 4)})  ${fmt(seconds, 1)} s${target && spec === 'law' ? `  target ${met ? 'met' : 'missed'}` : ''}`);
  }
}

function charlm(): Recording {
  const f = JSON.parse(readFileSync(process.env.PREDICT_FIXTURE ?? FIXTURE, 'utf8')) as CharlmFixture;
  return {
    name: 'charlm', steps: f.steps, anchors: f.sweeps['charlm-anchors'], grid: f.sweeps['charlm-grid'],
    restartAnchor: { first_cycle_steps: 500, cycle_mult: 1, gamma: 1, warmup_steps: 0 }, window: 20,
    file: fileURLToPath(new URL('./record/charlm-grid.yaml', import.meta.url)),
  };
}

/** Trains bench/record/mlp-anchors.yaml and mlp-grid.yaml (lrsweep's built-in MLP) and reads them back as a recording. */
async function mlp(): Promise<Recording> {
  const db = join(mkdtempSync(join(tmpdir(), 'lrsweep-bench-predict-')), 'mlp.db');
  const sweeps: Record<string, RecordedTrial[]> = {};
  let steps = 0;
  for (const name of ['mlp-anchors', 'mlp-grid']) {
    await runSweep({ file: fileURLToPath(new URL(`./record/${name}.yaml`, import.meta.url)), db, workers: 2 });
    const storage = await openStorage(db, 'read');
    try {
      const sweep = (await storage.getSweep(name))!;
      steps = sweep.steps;
      const trials = (await storage.trials(sweep.id)).filter((t) => t.state === 'complete');
      const points = await storage.points(trials.map((t) => t.id));
      sweeps[name] = trials.map((t) => ({
        config: t.configHash, repeat: t.repeat, params: t.params as Config, objective: t.objective!,
        train_loss: (points.get(t.id) ?? []).filter((p) => p.values.train_loss !== undefined && p.step !== null).map((p) => [p.step!, p.values.train_loss]),
      }));
    } finally {
      await storage.close();
    }
  }
  return {
    name: 'mlp', steps, anchors: sweeps['mlp-anchors'], grid: sweeps['mlp-grid'],
    restartAnchor: { first_cycle_steps: 360, cycle_mult: 1, gamma: 1, warmup_steps: 0 }, window: steps / 96,
    file: fileURLToPath(new URL('./record/mlp-grid.yaml', import.meta.url)),
  };
}

export async function benchPredict(): Promise<void> {
  const rec = charlm();
  const configs = new Set(rec.grid.map((t) => t.config)).size;
  const repeats = new Set(rec.grid.map((t) => t.repeat)).size;
  console.log(`\n== Predict before training: ${configs} CAWR configs x ${repeats} repeats of ${rec.steps} steps (bench/fixtures/charlm-sweep.json) ==`);
  console.log(`the predict sampler replayed (target: regret within the seed noise at no more than 25% of the grid's steps), refitted as results arrive (batch 2, the default):`);
  await replaySampler(rec, 2, true);
  console.log(`the same, one fit on the anchors (batch ${TOP}: the whole shortlist at once; the anchors' fits kept from above, so no fit time):`);
  await replaySampler(rec, TOP, true);
  console.log(`for context, the old bench: fixed anchors (constant, cosine, the grid's 4-equal-cycle ${Object.values(rec.restartAnchor).join('/')}), one fit:`);
  evaluateLaw(rec);
  // The law pruner is fitted on the first trials to complete: in the listed order those are one
  // corner of the grid (alike schedules), in a shuffled order they spread over it.
  for (const shuffle of [null, 1, 2, 3]) replayLaw(rec, true, shuffle);

  // Speed: 10^4 candidates of 10^4 steps, curves from the WASM engine, the final value in O(T) each.
  const random = mulberry32(7);
  const T = 10_000;
  const params: LawParams = { L0: 1.5, A: 0.8, alpha: 0.4, B: 0.3, C: 0.02, beta: 0.6, gamma: 0.4 };
  let sink = 0;
  let curveMs = 0;
  let curveCpu = 0;
  const started = performance.now();
  const cpu = process.cpuUsage();
  for (let i = 0; i < 10_000; i++) {
    const c0 = performance.now();
    const u0 = process.cpuUsage();
    const lr = lrCurveOf({ schedule: 'cawr', first_cycle_steps: 200 + Math.floor(random() * 5000), cycle_mult: 1 + random(), max_lr: 0.01, min_lr: 1e-4, warmup_steps: Math.floor(random() * 100), gamma: 0.5 + random() / 2 }, T);
    const curve = prepareCurve(lr, 0.01);
    curveMs += performance.now() - c0;
    curveCpu += process.cpuUsage(u0).user;
    sink += predictFinal(params, curve, 20);
  }
  const total = (performance.now() - started) / 1000;
  const cpuSeconds = process.cpuUsage(cpu).user / 1e6;
  // CPU time beside wall time: on a shared machine the wall time says more about the other sessions.
  console.log(`speed: 10^4 candidates of 10^4 steps predicted in ${fmt(total, 2)} s wall, ${fmt(cpuSeconds, 2)} s CPU (${fmt(curveMs / 1000, 2)} s wall, ${fmt(curveCpu / 1e6, 2)} s CPU of it computing and preparing their curves) [checksum ${sink.toFixed(3)}]`);

  const m = await mlp();
  console.log(`\n== The same on lrsweep's built-in MLP, many epochs over small data (bench/record/mlp-grid.yaml: 36 configs x 2 repeats, ${m.steps} steps = 96 epochs of 240 samples); no target ==`);
  console.log('the predict sampler replayed, batch 2:');
  await replaySampler(m, 2, false);
  console.log(`for context, fixed anchors (constant, cosine, ${Object.values(m.restartAnchor).join('/')}), one fit:`);
  evaluateLaw(m);
  replayLaw(m, false, null);
  replayLaw(m, false, 1);
}
