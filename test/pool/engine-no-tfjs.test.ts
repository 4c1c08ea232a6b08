// The mlp's default engine (wasm) never loads tfjs in a pool worker: a worker thread that trained
// an engine-wasm trial, alone and as a cohort, has no @tensorflow module loaded and no tfjs engine;
// the same probe in the same thread sees tfjs once an engine-tfjs trial has trained there (so the
// probe can fail).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { TrialPool } from '../../src/pool/pool.js';
import type { UnitEvent, WorkUnit } from '../../src/pool/messages.js';
import { MLP_DEFAULTS, mlpSteps, type MlpOptions } from '../../src/train/mlp-options.js';

const probe = fileURLToPath(new URL('../fixtures/trainers/tfjs-probe.ts', import.meta.url));
const params = { schedule: 'cawr' as const, first_cycle_steps: 10, max_lr: 0.1, min_lr: 0.001 };
const member = (trialId: number) => ({ trialId, number: trialId, attempt: 1, repeat: 0, params });

function mlpUnit(engine: MlpOptions['engine'], members: number): WorkUnit {
  const options: MlpOptions = { ...MLP_DEFAULTS, engine, samples: 100, features: 4, hidden: [8], epochs: 2, batch_size: 16 };
  return {
    sweep: 's', trainer: { builtin: 'mlp' }, options, members: Array.from({ length: members }, (_, i) => member(i + 1)),
    steps: mlpSteps(options), seed: 3, backend: 'wasm', perStep: false, lockstep: members > 1,
  };
}

const probeUnit: WorkUnit = { sweep: 's', trainer: { module: probe }, options: {}, members: [member(1)], steps: 1, seed: 1, backend: 'wasm', perStep: false };

async function points(pool: TrialPool, unit: WorkUnit) {
  const events: UnitEvent[] = [];
  await pool.start(unit, (e) => events.push(e)).done;
  return events.flatMap((e) => (e.type === 'point' ? [e.point] : []));
}

test('a worker thread that trained with engine wasm has not loaded tfjs; one that trained with engine tfjs has', async () => {
  const pool = new TrialPool({ workers: 1 });
  try {
    const alone = await points(pool, mlpUnit('wasm', 1));
    const cohort = await points(pool, mlpUnit('wasm', 3));
    assert.equal(alone.length, 2, 'the engine-wasm trial reported its 2 epochs');
    assert.equal(cohort.length, 6, 'the engine-wasm cohort reported 2 epochs for each of 3 members');
    const [before] = await points(pool, probeUnit);
    assert.deepEqual({ modules: before.values.tfjs_modules, engine: before.values.tfjs_engine }, { modules: 0, engine: 0 });

    assert.equal((await points(pool, mlpUnit('tfjs', 1))).length, 2);
    const [after] = await points(pool, probeUnit);
    assert.equal(after.values.thread, before.values.thread, 'the probe ran in the thread that trained');
    assert.ok(after.values.tfjs_modules > 0, 'the probe sees tfjs once it is loaded');
    assert.equal(after.values.tfjs_engine, 1);
  } finally {
    await pool.close();
  }
});
