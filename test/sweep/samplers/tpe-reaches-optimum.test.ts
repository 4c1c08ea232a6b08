// TPE learns: through the path a sweep takes (sweep/ask.ts suggestTrials, one config at a time,
// each result stored before the next ask), it reaches the known optimum of a synthetic objective
// over four schedule parameters in fewer trials than random search (space.ts plan) does. Seeds
// are fixed, so the outcome is the same on every run; the margin is wide besides: measured below,
// asserted at a fraction of it, and a sign test over SEEDS seeds at p < 1e-3 (24 of 30 seeds; measured 28).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NewTrial, TrialRecord } from '../../../src/storage/types.js';
import { suggestTrials } from '../../../src/sweep/ask.js';
import { checkSweep } from '../../../src/sweep/file.js';
import { plan } from '../../../src/sweep/space.js';

const STEPS = 20;
const SEEDS = 30;
/** Trials a run may take; a run that has not reached the target by then counts as CAP + 1. */
const CAP = 300;
/** Reached: within this of the optimum (0). */
const TARGET = 0.02;

const base = {
  name: 'reach', schedule: { first_cycle_steps: 20 }, trials: CAP,
  parameters: {
    max_lr: { min: 0.001, max: 1, distribution: 'log_uniform' },
    gamma: { min: 0.3, max: 1, distribution: 'uniform' },
    cycle_mult: { min: 1, max: 2.5, distribution: 'uniform' },
    warmup_steps: { min: 0, max: 10, distribution: 'int_uniform' },
  },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 }, lint: { ignore: ['ends-mid-cycle', 'peak-below-min', 'cycle-mult-no-op', 'warmup-dominates'] },
};

/**
 * Squared distance to the optimum (max_lr 0.02, gamma 0.83, cycle_mult 1.9, warmup_steps 4), each
 * parameter scaled to [0, 1] over its range (max_lr on its log scale): 0 at the optimum.
 */
function objective(p: Record<string, unknown>): number {
  const lr = (Math.log10(p.max_lr as number) + 3) / 3 - (Math.log10(0.02) + 3) / 3;
  const gamma = ((p.gamma as number) - 0.83) / 0.7;
  const mult = ((p.cycle_mult as number) - 1.9) / 1.5;
  const warmup = ((p.warmup_steps as number) - 4) / 10;
  return lr ** 2 + gamma ** 2 + mult ** 2 + warmup ** 2;
}

/** The number of the first trial within TARGET of the optimum (CAP + 1 when none is). */
function firstReach(values: Iterable<number>): number {
  let n = 0;
  for (const v of values) {
    n++;
    if (v <= TARGET) return n;
    if (n >= CAP) break;
  }
  return CAP + 1;
}

async function tpeReach(seed: number, method: Record<string, unknown>): Promise<number> {
  const { sweep } = await checkSweep({ ...base, method, seed });
  let trials: TrialRecord[] = [];
  function* values() {
    for (;;) {
      const [t] = suggestTrials(sweep, STEPS, trials, 1) as [NewTrial?];
      if (!t) return;
      const value = objective(t.params);
      trials = [...trials, {
        id: trials.length + 1, sweepId: 1, number: trials.length + 1, state: 'complete', objective: value, runId: null, attempts: 1, error: null,
        createdAt: '', startedAt: null, finishedAt: null, durationMs: null, provenance: null, process: null, claimOrder: 0, ...t, origin: t.origin ?? 'plan',
      }];
      yield value;
    }
  }
  return firstReach(values());
}

async function randomReach(seed: number): Promise<number> {
  const { sweep, trainer } = await checkSweep({ ...base, method: 'random', seed });
  return firstReach([...plan(sweep, trainer.steps)].map((t) => objective(t.config)));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** One-sided sign test: P(at least `wins` of `n` fair coin flips). */
function signTestP(wins: number, n: number): number {
  let p = 0;
  let c = 1; // C(n, k), built up from k = 0
  for (let k = 0; k <= n; k++) {
    if (k >= wins) p += c / 2 ** n;
    c = (c * (n - k)) / (k + 1);
  }
  return p;
}

// Measured (30 seeds, within 0.02 of the optimum): tpe needs a median of 47 trials (startup: random)
// or 35 (startup: sobol), random 277 (often not within 300); tpe is faster on 28 seeds and slower on
// 2, either startup. Asserted: tpe's median at most half of random's (measured: a sixth), and a
// sign test p < 1e-3 (24 of 30 seeds would do).
for (const startup of ['random', 'sobol']) {
  test(`tpe (startup: ${startup}) reaches the optimum of a synthetic objective in fewer trials than random: medians at most half, a sign test over ${SEEDS} seeds at p < 1e-3`, async () => {
    const seeds = Array.from({ length: SEEDS }, (_, i) => i + 1);
    const tpe = await Promise.all(seeds.map((s) => tpeReach(s, { kind: 'tpe', startup })));
    const random = await Promise.all(seeds.map(randomReach));
    const faster = seeds.filter((_, i) => tpe[i] < random[i]).length;
    const slower = seeds.filter((_, i) => tpe[i] > random[i]).length;
    const summary = `trials to reach: tpe median ${median(tpe)}, random ${median(random)} (${CAP + 1}: not within ${CAP}); tpe faster on ${faster} seeds, slower on ${slower}`;
    assert.ok(median(tpe) * 2 <= median(random), summary);
    assert.ok(signTestP(faster, faster + slower) < 1e-3, `${summary}: sign test p = ${signTestP(faster, faster + slower)}`);
    console.log(summary);
  });
}
