// Where training is chaotic (momentum or Adam at a high learning rate over many steps), float32
// rounding differences between the engines grow until the trajectories part: the first epochs
// agree within the stated tolerance, and the final metrics agree in distribution over seeds.
//
// The setting: the benchmark's 20-64-3 MLP on noisy classes (noise 4: the loss never reaches 0),
// 20 epochs = 500 steps, a different LR every step up to the peak. Measured over the 32 members
// below (8 seeds x 4 curves), worst relative difference per epoch:
//   momentum peak 0.5:  5e-7 5e-7 1e-6 2e-6 1e-3 6e-3 2e-2 ... (epoch 20: every member apart by > 1%)
//   adam peak 0.2:      3e-6 5e-3 3e-2 ...                      (epoch 20: 29 of 32 apart by > 1%)
// Adam parts sooner: near-zero gradients make m / sqrt(v) a sign, which a rounding difference flips.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MemberResult } from '../../../src/train/mlp-cohort.js';
import { BENCH, TOLERANCE, curve, relativeDifferences, tfjsCohort, wasmCohort } from './compare.js';

const SETTINGS = [
  { optimizer: 'momentum', peak: 0.5, earlyEpochs: 4 },
  { optimizer: 'adam', peak: 0.2, earlyEpochs: 1 },
] as const;
const SEEDS = 8;
const MEMBERS = 4;

function meanAndStandardError(xs: number[]) {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
  return { mean, se: sd / Math.sqrt(xs.length) };
}

for (const { optimizer, peak, earlyEpochs } of SETTINGS) {
  test(`${optimizer} at LR ${peak} for 500 steps: the first ${earlyEpochs} epoch(s) agree within ${TOLERANCE[optimizer]}; final val_loss and val_accuracy agree over ${SEEDS * MEMBERS} runs (paired mean difference within 3 standard errors)`, () => {
    const c = { ...BENCH, optimizer, epochs: 20, noise: 4 };
    const pairs: [MemberResult, MemberResult][] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const curves = Array.from({ length: MEMBERS }, (_, j) => curve(c, j + 10 * seed, peak));
      const ours = wasmCohort(c, seed, curves);
      const theirs = tfjsCohort(c, seed, curves);
      ours.forEach((m, j) => pairs.push([m, theirs[j]]));
    }
    for (const [ours, theirs] of pairs) {
      assert.equal(ours.divergedAt, null);
      assert.equal(theirs.divergedAt, null);
      const early = relativeDifferences(ours.epochs.slice(0, earlyEpochs), theirs.epochs.slice(0, earlyEpochs)).flat();
      assert.ok(Math.max(...early) <= TOLERANCE[optimizer], `early epochs apart by ${Math.max(...early)}`);
    }
    for (const key of ['val_loss', 'val_accuracy'] as const) {
      const d = meanAndStandardError(pairs.map(([ours, theirs]) => ours.epochs.at(-1)![key]! - theirs.epochs.at(-1)![key]!));
      assert.ok(Math.abs(d.mean) <= 3 * d.se, `${key}: mean difference ${d.mean} against a standard error of ${d.se}`);
    }
  });
}
