// A pruned cohort member through the real pool (threads, the per-member stop flag, the trainer
// contract's memberSignals, the built-in MLP's cohort): its mates finish with exactly the points
// they have in a cohort without it, and it keeps the epochs before its prune.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStorage } from '../../src/storage/open.js';
import type { MetricPoint } from '../../src/core/trial.js';
import { runSweep } from '../../src/sweep/run.js';

function sweepFile(dir: string, name: string, maxLrs: number[]): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
schedule: { first_cycle_steps: 20, min_lr: 0.01 }
parameters: { max_lr: { values: [${maxLrs.join(', ')}] } }
trainer: { kind: mlp, samples: 200, features: 4, classes: 3, hidden: [8], epochs: 5, batch_size: 32 }
budget: { cohort_size: 3, workers: 1 }
`);
  return file;
}

async function pointsByConfig(db: string, name: string): Promise<Map<string, { state: string; error: string | null; points: MetricPoint[] }>> {
  const s = await openStorage(db, 'read');
  try {
    const sweep = (await s.getSweep(name))!;
    const trials = await s.trials(sweep.id);
    const points = await s.points(trials.map((t) => t.id));
    return new Map(trials.map((t) => [String(t.params.max_lr), { state: t.state, error: t.error, points: points.get(t.id)! }]));
  } finally {
    await s.close();
  }
}

test('a pruned member of a real MLP cohort: its mates\' points equal a cohort without it, bit for bit; it keeps its first two epochs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-cohort-'));
  const db = join(dir, 'lrsweep.db');
  // Epoch 2 ends at step 2 x (steps per epoch, as the trainer says) - 1.
  const pruned = await runSweep({
    file: sweepFile(dir, 'with', [0.1, 0.3, 0.5]), db, workers: 1,
    prune: ({ steps }) => (trial, points) => (trial.number === 2 && points.at(-1)!.step === 2 * steps.perEpoch! - 1 ? 'pruned after epoch 2: test hook' : null),
  });
  assert.deepEqual([pruned.counts.complete, pruned.counts.pruned], [2, 1]);
  await runSweep({ file: sweepFile(dir, 'without', [0.1, 0.5]), db, workers: 1 });
  const withIt = await pointsByConfig(db, 'with');
  const without = await pointsByConfig(db, 'without');
  for (const lr of ['0.1', '0.5']) {
    assert.equal(withIt.get(lr)!.state, 'complete');
    assert.equal(withIt.get(lr)!.points.length, 5);
    assert.deepStrictEqual(withIt.get(lr)!.points, without.get(lr)!.points, `max_lr ${lr}: the same points as without its pruned mate`);
  }
  const member = withIt.get('0.3')!;
  assert.deepEqual([member.state, member.error], ['pruned', 'pruned after epoch 2: test hook']);
  assert.deepEqual(member.points.map((p) => p.epoch), [1, 2]);
});
