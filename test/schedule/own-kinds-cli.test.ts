// `curve --schedule NAME` for the kinds with their own kernel: every flag comes from the kind's
// table and reaches the kernel; a refusal is one line naming the key, exit 2, nothing written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { curve } from '../../src/schedule/curve.js';
import type { ScheduleInput } from '../../src/schedule/params.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-own-kinds-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

// Every parameter of each kind set away from its default, through its flag
const CASES: [string[], ScheduleInput][] = [
  [['--schedule', 'timm_cosine', '--lr', '0.2', '--t-initial', '5', '--lr-min', '0.001', '--cycle-mul', '1.5', '--cycle-decay', '0.7',
    '--cycle-limit', '6', '--warmup-t', '3', '--warmup-lr-init', '0.0001', '--warmup-prefix', '--updates-per-epoch', '4', '--k-decay', '1.5', '--fix-cycle-index'],
  { schedule: 'timm_cosine', lr: 0.2, tInitial: 5, lrMin: 0.001, cycleMul: 1.5, cycleDecay: 0.7, cycleLimit: 6, warmupT: 3, warmupLrInit: 0.0001,
    warmupPrefix: true, updatesPerEpoch: 4, kDecay: 1.5, fixCycleIndex: true }],
  [['--schedule', 'timm_cosine', '--lr', '0.2', '--t-initial', '5', '--no-t-in-epochs', '--updates-per-epoch', '4'],
    { schedule: 'timm_cosine', lr: 0.2, tInitial: 5, tInEpochs: false, updatesPerEpoch: 4 }],
  [['--schedule', 'hf_cosine_restarts', '--lr', '0.3', '--num-warmup-steps', '7', '--num-training-steps', '90', '--num-cycles', '-2.5'],
    { schedule: 'hf_cosine_restarts', lr: 0.3, numWarmupSteps: 7, numTrainingSteps: 90, numCycles: -2.5 }],
  [['--schedule', 'wsd', '--lr', '0.3', '--num-warmup-steps', '7', '--num-decay-steps', '40', '--num-training-steps', '100', '--warmup-type', '1-sqrt',
    '--decay-type', 'cosine', '--min-lr-ratio', '0.05', '--num-cycles', '1.5'],
  { schedule: 'wsd', lr: 0.3, numWarmupSteps: 7, numDecaySteps: 40, numTrainingSteps: 100, warmupType: '1-sqrt', decayType: 'cosine', minLrRatio: 0.05, numCycles: 1.5 }],
  [['--schedule', 'wsd', '--lr', '0.3', '--num-decay-steps', '40', '--num-stable-steps', '9', '--decay-type', 'linear'],
    { schedule: 'wsd', lr: 0.3, numDecaySteps: 40, numStableSteps: 9, decayType: 'linear' }],
];

test('curve --out - gives the library\'s values for flags set from each kind\'s table', () => {
  for (const [flags, params] of CASES) {
    const r = runCli(['curve', ...flags, '--steps', '150', '--start', '3', '--out', '-']);
    assert.equal(r.status, 0, r.stderr);
    const values = JSON.parse(r.stdout.slice(0, r.stdout.indexOf(']') + 1));
    assert.deepEqual(values, Array.from(curve(params, { start: 3, steps: 150 })), flags.join(' '));
  }
});

test('refusals: one line naming the key, exit 2, nothing written', () => {
  const out = join(dir, 'lr.csv');
  const shrink = runCli(['curve', '--schedule', 'timm_cosine', '--lr', '0.1', '--t-initial', '64', '--cycle-mul', '0.5', '--cycle-limit', '100',
    '--steps', '300', '--out', out]);
  assert.equal(shrink.status, 2);
  assert.equal(shrink.stderr.trim().split('\n').length, 1, shrink.stderr);
  assert.match(shrink.stderr, /cycle_mul < 1 must leave the run inside the cycles' sum .* only steps before 128 exist, got start=0, steps=300/);
  assert.ok(!existsSync(out));
  const none = runCli(['curve', '--schedule', 'wsd', '--lr', '0.1', '--num-decay-steps', '10', '--steps', '30']);
  assert.equal(none.status, 2);
  assert.match(none.stderr, /num_training_steps or num_stable_steps is required for schedule wsd/);
  const other = runCli(['curve', '--schedule', 'wsd', '--lr', '0.1', '--num-decay-steps', '10', '--num-training-steps', '30', '--t-initial', '3', '--steps', '30']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /--t-initial is a parameter of --schedule timm_cosine, not of --schedule wsd/);
});

test('lints print as warnings and never stop the curve', () => {
  const r = runCli(['curve', '--schedule', 'timm_cosine', '--lr', '0.1', '--t-initial', '2', '--cycle-mul', '3', '--cycle-limit', '10', '--no-t-in-epochs',
    '--steps', '300', '--out', join(dir, 'trap.csv')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning \[misplaced-restart\]: .*step 242/);
  assert.ok(readFileSync(join(dir, 'trap.csv'), 'utf8').length > 0);
});
