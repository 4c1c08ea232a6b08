// Records the learning curves `npm run bench pruning` replays (run once, by hand:
// `npx tsx bench/pruning-record.ts [NAME ...]`; the curves are committed under
// bench/fixtures/pruning/). Each sweep is a grid of CosineAnnealingWarmupRestarts configs; each
// config's LR curve is lrsweep's own (resolveSchedule), handed to bench/pruning_record.py, which
// trains a small character-level language model in PyTorch with it (3 repeats, common random
// numbers) and reports the validation loss every EVERY steps. Trials are numbered in a fixed
// shuffled config order (a grid's order would put like configs together), repeats in turn.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolveSchedule } from '../src/schedule/schedule.js';
import { fromReferenceNames } from '../src/schedule/params.js';
import { configHash } from '../src/sweep/hash.js';
import type { Config } from '../src/sweep/definition.js';

export const PYTHON = '/usr/bin/python3';
const DEFAULT_STEPS = 1000;
const EVERY = 25;
const REPEATS = 3;

/** The recorded sweeps: name, what it shows, and its grid (reference names; cartesian product). */
export const RECORDED: { name: string; about: string; grid: Record<string, unknown[]> | Record<string, unknown>[]; steps?: number }[] = [
  {
    name: 'lm-cycles',
    about: 'cycle length (8, 4, 2 or 1 cycles) x peak LR: half the budget falls mid-cycle for the long cycles, at a cycle end for the short ones',
    grid: { first_cycle_steps: [125, 250, 500, 1000], max_lr: [0.05, 0.1, 0.2, 0.35] },
  },
  {
    name: 'lm-shapes',
    about: 'cycle_mult, warmup and gamma at two peak LRs: restarts of unequal lengths',
    grid: { first_cycle_steps: [200], cycle_mult: [1, 2], warmup_steps: [0, 50], gamma: [1, 0.6], max_lr: [0.1, 0.3] },
  },
  {
    name: 'lm-misranked',
    about: 'the setting of issue 18: half the budget (step 525) falls just after a restart for some configs, at a cycle end for others; every last cycle ends at step 1050',
    steps: 1050,
    grid: [
      { first_cycle_steps: 150, cycle_mult: 2 }, { first_cycle_steps: 350, cycle_mult: 2 }, { first_cycle_steps: 1050 },
      { first_cycle_steps: 525 }, { first_cycle_steps: 210 }, { first_cycle_steps: 105 },
    ].flatMap((shape) => [0.1, 0.2, 0.3].map((max_lr) => ({ ...shape, max_lr }))),
  },
  {
    name: 'lm-issue',
    about: "issue 18's measured setting, 36 restart configs over 2000 steps: for 4 of 6 shapes half the budget (step 1000) falls 100-200 steps after a restart, at or near the restarted peak (restart at 800, 850 +50 warmup, 900 +100 warmup, or 320 and 900 +60 warmup), for 2 at a cycle end (cycles of 1000 and 500); every last cycle ends at step 2000",
    steps: 2000,
    grid: [
      { first_cycle_steps: 800, cycle_mult: 1.5 }, { first_cycle_steps: 850, warmup_steps: 50, cycle_mult: 1.375 },
      { first_cycle_steps: 900, warmup_steps: 100, cycle_mult: 1.25 }, { first_cycle_steps: 320, warmup_steps: 60, cycle_mult: 2 },
      { first_cycle_steps: 1000 }, { first_cycle_steps: 500 },
    ].flatMap((shape) => [0.05, 0.1, 0.3].flatMap((max_lr) => [1, 0.5].map((gamma) => ({ ...shape, max_lr, gamma })))),
  },
];

function product(grid: Record<string, unknown[]> | Record<string, unknown>[]): Record<string, unknown>[] {
  if (Array.isArray(grid)) return grid;
  let out: Record<string, unknown>[] = [{}];
  for (const [k, vs] of Object.entries(grid)) out = out.flatMap((o) => vs.map((v) => ({ ...o, [k]: v })));
  return out;
}

/** A fixed shuffle (mulberry32), so trial order does not follow the grid. */
function shuffled<T>(xs: T[], seed: number): T[] {
  let a = seed;
  const random = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function record(s: (typeof RECORDED)[number]): void {
  const STEPS = s.steps ?? DEFAULT_STEPS;
  const configs = shuffled(product(s.grid), 18).map((p) => {
    const config = resolveSchedule(fromReferenceNames({ schedule: 'cawr', min_lr: 0.001, ...p } as Config)).referenceParams();
    return { hash: configHash(config), config, lrs: Array.from(resolveSchedule(fromReferenceNames(config as Config)).curve({ steps: STEPS })) };
  });
  const request = { repeats: REPEATS, every: EVERY, configs: configs.map((c) => ({ hash: c.hash, lrs: c.lrs })) };
  const started = Date.now();
  const r = spawnSync(PYTHON, [fileURLToPath(new URL('pruning_record.py', import.meta.url))], {
    input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 2 ** 28, stdio: ['pipe', 'pipe', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`pruning_record.py exited ${r.status}`);
  const curves = JSON.parse(r.stdout) as { config: string; repeat: number; points: [number, number | null][] }[];
  // Trial numbers: configs in their shuffled order, each config's repeats in turn.
  const order = new Map(configs.map((c, i) => [c.hash, i]));
  curves.sort((a, b) => order.get(a.config)! - order.get(b.config)! || a.repeat - b.repeat);
  const fixture = {
    name: s.name, about: s.about, steps: STEPS, every: EVERY, repeats: REPEATS, metric: 'val_loss', goal: 'minimize',
    model: 'char-level MLP LM (6 chars context, 16-d embedding, 64 tanh units), SGD momentum 0.9, batch 32, Debian license texts, validation loss on 1000 held-out windows; bench/pruning_record.py',
    recordedSeconds: Math.round((Date.now() - started) / 1000),
    configs: configs.map((c) => ({ hash: c.hash, config: c.config })),
    trials: curves.map((c, i) => ({ number: i + 1, config: c.config, repeat: c.repeat, points: c.points })),
  };
  const out = fileURLToPath(new URL(`fixtures/pruning/${s.name}.json`, import.meta.url));
  writeFileSync(out, `${JSON.stringify(fixture)}\n`);
  console.log(`${s.name}: ${curves.length} trials in ${fixture.recordedSeconds} s -> ${out}`);
}

// Only when run as a script: the benchmark imports PYTHON from here and must never re-record.
if (import.meta.url === `file://${process.argv[1]}`) {
  const names = process.argv.slice(2);
  for (const s of RECORDED) if (names.length === 0 || names.includes(s.name)) record(s);
}
