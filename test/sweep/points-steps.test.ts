// Points placed at steps (points-steps.ts): an epoch's point at the index of its last step, and
// which trainers can have a pruner (canPlacePoints). A command's steps_per_epoch is stored beside
// its steps; a command sweep stored before that resumes unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canPlacePoints, placePoint } from '../../src/sweep/points-steps.js';
import { loadSweepFile } from '../../src/sweep/file.js';
import { compareWithStored } from '../../src/sweep/register.js';
import type { SweepRecord } from '../../src/storage/types.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));

test('an epoch is placed at its last step (e x steps per epoch - 1, at most the last step); a step, or an unknown length, is left as it is', () => {
  const steps = { perTrial: 95, perEpoch: 20 };
  assert.deepEqual(placePoint({ epoch: 1, step: null, values: { a: 1 } }, steps), { epoch: 1, step: 19, values: { a: 1 } });
  assert.equal(placePoint({ epoch: 3, step: null, values: {} }, steps).step, 59);
  assert.equal(placePoint({ epoch: 5, step: null, values: {} }, steps).step, 94, 'a short last epoch ends at the last step');
  assert.equal(placePoint({ epoch: 2, step: 7, values: {} }, steps).step, 7, 'a step the trainer gave wins');
  assert.equal(placePoint({ epoch: null, step: 3, values: {} }, steps).step, 3);
  assert.equal(placePoint({ epoch: 2, step: null, values: {} }, { perTrial: 95, perEpoch: null }).step, null);
  assert.equal(placePoint({ epoch: 2, step: null, values: {} }, undefined).step, null);
});

function sweepFile(trainer: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-place-'));
  writeFileSync(join(dir, 'train.sh'), 'echo\n');
  const file = join(dir, 's.yaml');
  writeFileSync(file, `name: s
schedule: { first_cycle_steps: 30, min_lr: 0.001 }
parameters: { max_lr: { values: [0.1, 0.2] } }
trainer: ${trainer}
`);
  return file;
}

test('canPlacePoints: built-in trainers, a module with stepsPerEpoch and commands can; a module without one cannot, and the reason says what to add', async () => {
  const load = async (trainer: string) => loadSweepFile(sweepFile(trainer));
  assert.equal(canPlacePoints(await load('{ kind: quadratic, epochs: 2, steps_per_epoch: 20 }')), true);
  assert.equal(canPlacePoints(await load('{ kind: mlp, epochs: 2 }')), true);
  assert.equal(canPlacePoints(await load(`{ kind: module, path: ${JSON.stringify(fixture('trainers/slow-epochs.ts'))} }`)), true);
  assert.equal(canPlacePoints(await load('{ kind: command, run: [sh, train.sh], epochs: 3, steps_per_epoch: 10, metrics: [val_loss] }')), true);
  assert.equal(canPlacePoints(await load('{ kind: command, run: [sh, train.sh], steps: 30, metrics: [val_loss] }')), true, 'its lines may carry step');
  const plain = fixture('trainers/plain.mjs');
  assert.equal(canPlacePoints(await load(`{ kind: module, path: ${JSON.stringify(plain)} }`)),
    `the module trainer ${plain} does not say its steps per epoch: add stepsPerEpoch(options) to its defineTrainer({...}), so each epoch's point is placed at a step`);
});

test('a command\'s steps_per_epoch is stored beside steps; a command sweep stored without it (an older lrsweep) resumes unchanged', async () => {
  const loaded = await loadSweepFile(sweepFile('{ kind: command, run: [sh, train.sh], epochs: 3, steps_per_epoch: 10, metrics: [val_loss] }'));
  assert.equal(loaded.sweep.trainer.steps, 30);
  assert.equal(loaded.sweep.trainer.steps_per_epoch, 10);
  assert.equal(loaded.trainer.stepsPerEpoch, 10);
  const record = (definition: unknown) => ({ id: 1, name: 's', definition, file: null, metric: 'val_loss', goal: 'minimize', steps: 30, trainerHash: null } as unknown as SweepRecord);
  const { steps_per_epoch: _, ...olderTrainer } = loaded.sweep.trainer;
  const older = compareWithStored(record({ ...loaded.sweep, trainer: olderTrainer }), loaded.sweep, { written: loaded.written, trainerHash: null });
  assert.deepEqual(older.changes, []);
  assert.equal('steps_per_epoch' in older.sweep.trainer, false, 'the older sweep goes on as it was stored');
  const same = compareWithStored(record(loaded.sweep), loaded.sweep, { written: loaded.written, trainerHash: null });
  assert.deepEqual(same.changes, []);
  assert.equal(same.sweep.trainer.steps_per_epoch, 10);
  const given = await loadSweepFile(sweepFile('{ kind: command, run: [sh, train.sh], steps: 30, metrics: [val_loss] }'));
  assert.equal('steps_per_epoch' in given.sweep.trainer, false, 'not made up when the file gives steps');
});
