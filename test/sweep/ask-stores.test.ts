// An ask through each store (ask.ts askAndAdd, Storage.askTrials) gives what the pure ask gives
// for the same history: a sweep walked one config at a time on SQLite and on PostgreSQL (the
// results committed as a run commits them) creates the same trials, numbers, seeds and origins
// as suggestTrials over in-memory records; so the stored history alone decides, whatever the
// backend or process that asks. PostgreSQL's part needs LRSWEEP_TEST_PG (pg-server.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/open.js';
import type { NewTrial, Storage, TrialRecord } from '../../src/storage/types.js';
import { checkSweep } from '../../src/sweep/file.js';
import { askAndAdd, suggestTrials } from '../../src/sweep/ask.js';
import type { Sweep } from '../../src/sweep/definition.js';
import { schemaUrl, withPostgres } from '../storage/pg-server.js';

const STEPS = 20;
const definition = {
  name: 'walk', schedule: { first_cycle_steps: 20 }, method: { kind: 'tpe', startup_trials: 3 }, trials: 12, repeats: 2,
  parameters: { max_lr: { min: 0.001, max: 1, distribution: 'log_uniform' }, gamma: { values: [0.5, 0.9, 1] }, warmup_steps: { min: 0, max: 5, distribution: 'int_uniform' } },
  trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 }, lint: { ignore: ['ends-mid-cycle', 'peak-below-min'] },
};
/** The result of a trial: a function of its config and repeat, so both walks see the same results. */
const objectiveOf = (t: NewTrial) => (Math.log10(t.params.max_lr as number) + 1) ** 2 + t.repeat / 100;

/** The pure walk: asks of 2 configs, every result known before the next ask. */
function pureWalk(sweep: Sweep): NewTrial[] {
  const trials: TrialRecord[] = [];
  for (;;) {
    const fresh = suggestTrials(sweep, STEPS, trials, 2);
    if (fresh.length === 0) return trials.map(({ configHash, repeat, params, seed, origin }) => ({ configHash, repeat, params, seed, origin }));
    for (const t of fresh) {
      trials.push({ ...t, origin: t.origin ?? 'plan', id: trials.length + 1, sweepId: 1, number: trials.length + 1, state: 'complete', objective: objectiveOf(t), runId: null,
        attempts: 1, error: null, createdAt: '', startedAt: null, finishedAt: null, durationMs: null, provenance: null, process: null, claimOrder: 0 });
    }
  }
}

/** The same walk through a store: each ask's trials claimed and completed by a run before the next ask. */
async function storedWalk(storage: Storage, sweep: Sweep): Promise<{ asked: TrialRecord[][]; trials: TrialRecord[] }> {
  const record = await storage.createSweep({ name: sweep.name, definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: STEPS, trainerHash: null });
  const run = await storage.beginRun(record.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
  const asked: TrialRecord[][] = [];
  for (;;) {
    const added = await askAndAdd(storage, record.id, sweep, STEPS, 2);
    if (added.length === 0) break;
    asked.push(added);
    const claimed = await storage.claimTrialIds(record.id, run, added.map((t) => t.id));
    await storage.commit(run, { outcomes: claimed.map((t) => ({ trialId: t.id, state: 'complete' as const, objective: objectiveOf(t), durationMs: 1 })) });
  }
  return { asked, trials: await storage.trials(record.id) };
}

async function checkStore(db: string): Promise<void> {
  const { sweep } = await checkSweep(definition);
  const expected = pureWalk(sweep);
  assert.equal(expected.length, 24);
  const storage = await openStorage(db, 'write');
  try {
    const { asked, trials } = await storedWalk(storage, sweep);
    assert.deepEqual(trials.map(({ configHash, repeat, params, seed, origin }) => ({ configHash, repeat, params, seed, origin })), expected);
    assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 24 }, (_, i) => i + 1));
    // Each ask returned the trials it added: two configs' repeats, repeat-major, numbered together.
    assert.equal(asked.length, 6);
    for (const a of asked) assert.deepEqual(a.map((t) => t.repeat), [0, 0, 1, 1]);
    assert.deepEqual(asked.flat().map((t) => t.id), trials.map((t) => t.id));
  } finally {
    await storage.close();
  }
}

test('sqlite: asks through the store create what the pure ask creates from the same history', async () => {
  await checkStore(join(mkdtempSync(join(tmpdir(), 'lrsweep-ask-')), 'a.db'));
});

withPostgres(() => {
  test('postgres: asks through the store create what the pure ask creates from the same history', async () => {
    await checkStore(schemaUrl());
  });
});
