// The storage contract's test suite (see src/storage/types.ts). Every backend runs it:
// test/storage/sqlite.test.ts today, a PostgreSQL one later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Storage, NewTrial } from '../../src/storage/types.js';
import type { EpochMetrics } from '../../src/train/types.js';

const sweepInput = (name: string, goal: 'minimize' | 'maximize' = 'minimize') =>
  ({ name, definition: JSON.stringify({ name }), file: `${name}.yaml`, metric: 'val_loss', goal });

const trial = (hash: string, repeat = 0, params: Record<string, unknown> = { cycle_mult: 1 }): NewTrial =>
  ({ config_hash: hash, repeat, params: JSON.stringify(params), seed: 7 });

const epochs = (...losses: number[]): EpochMetrics[] =>
  losses.map((l, i) => ({ epoch: i + 1, train_loss: l, val_loss: l, val_accuracy: null, lr: 0.1 }));

const alive = () => true;
const dead = () => false;
const run = { pid: 1, host: 'h', workers: 1, backend: 'wasm' };

export function storageContract(name: string, open: () => Storage): void {
  const complete = (s: Storage, runId: number, id: number, objective: number | null) =>
    s.completeTrial(id, runId, { objective, epochs: epochs(objective ?? Number.NaN), duration_ms: 5 });

  test(`${name}: a trial is unique per sweep, config hash and repeat`, () => {
    const s = open();
    const a = s.createSweep(sweepInput('a'));
    const b = s.createSweep(sweepInput('b'));
    assert.equal(s.addTrials(a.id, [trial('h1'), trial('h1', 1), trial('h2')]), 3);
    assert.equal(s.addTrials(a.id, [trial('h1'), trial('h2'), trial('h3')]), 1);
    assert.equal(s.addTrials(b.id, [trial('h1')]), 1);
    assert.equal(s.trials(a.id).length, 4);
    assert.equal(s.counts(a.id).waiting, 4);
    s.close();
  });

  test(`${name}: claimed trials run once; a completed trial is never claimed or overwritten again`, () => {
    const s = open();
    const sw = s.createSweep(sweepInput('c'));
    s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3')]);
    const r1 = s.beginRun(sw.id, run);
    const claimed = s.claimTrials(sw.id, r1, 2);
    assert.deepEqual(claimed.map((t) => t.state), ['running', 'running']);
    assert.equal(s.claimTrials(sw.id, r1, 5).length, 1);
    assert.equal(s.claimTrials(sw.id, r1, 5).length, 0);
    complete(s, r1, claimed[0].id, 0.5);
    assert.throws(() => complete(s, r1, claimed[0].id, 0.1), /is not running in run/);
    assert.equal(s.trial(sw.id, claimed[0].id)!.objective, 0.5);
    assert.deepEqual(s.epochs(claimed[0].id).map((e) => e.val_loss), [0.5]);
    // A dead run's trials come back; complete ones stay complete.
    assert.equal(s.recoverTrials(sw.id, dead), 2);
    assert.equal(s.counts(sw.id).complete, 1);
    const r2 = s.beginRun(sw.id, run);
    assert.deepEqual(s.claimTrials(sw.id, r2, 10).map((t) => t.config_hash).sort(), ['h2', 'h3']);
    assert.throws(() => complete(s, r1, claimed[1].id, 0.2), /is not running in run/, 'the dead run cannot write any more');
    s.close();
  });

  test(`${name}: a live run keeps its running trials; failed and interrupted ones are retried`, () => {
    const s = open();
    const sw = s.createSweep(sweepInput('d'));
    s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3')]);
    const r = s.beginRun(sw.id, run);
    const [t1, t2, t3] = s.claimTrials(sw.id, r, 3);
    s.stopTrial(t1.id, r, 'failed', 'boom', 3);
    s.stopTrial(t2.id, r, 'interrupted', 'stopped', null);
    assert.equal(s.trial(sw.id, t1.id)!.error, 'boom');
    assert.equal(s.recoverTrials(sw.id, alive), 2);
    assert.equal(s.trial(sw.id, t3.id)!.state, 'running');
    assert.equal(s.releaseRun(r), 1);
    assert.equal(s.trial(sw.id, t3.id)!.state, 'interrupted');
    const again = s.beginRun(sw.id, run);
    const retried = s.claimTrials(sw.id, again, 10);
    assert.deepEqual(retried.map((t) => t.attempts), [2, 2]);
    assert.equal(retried[0].error, null);
    s.close();
  });

  test(`${name}: ranking uses the mean over repeats and leaves out NaN objectives and failed trials`, () => {
    const s = open();
    const sw = s.createSweep(sweepInput('e'));
    s.addTrials(sw.id, [trial('good', 0), trial('good', 1), trial('mid'), trial('nan'), trial('failed'), trial('waiting')]);
    const r = s.beginRun(sw.id, run);
    const byHash = new Map<string, number[]>();
    for (const t of s.claimTrials(sw.id, r, 5)) byHash.set(t.config_hash, [...(byHash.get(t.config_hash) ?? []), t.id]);
    complete(s, r, byHash.get('good')![0], 0.1);
    complete(s, r, byHash.get('good')![1], 0.3);
    complete(s, r, byHash.get('mid')![0], 0.25);
    complete(s, r, byHash.get('nan')![0], Number.NaN);
    s.stopTrial(byHash.get('failed')![0], r, 'failed', 'x', 1);
    const best = s.bestConfigs(sw.id, 10);
    assert.deepEqual(best.map((b) => [b.rank, b.config_hash, b.repeats]), [[1, 'good', 2], [2, 'mid', 1]]);
    assert.ok(Math.abs(best[0].objective - 0.2) < 1e-12);
    assert.ok(Math.abs(best[0].std! - Math.SQRT2 * 0.1) < 1e-12);
    assert.equal(best[0].best_trial, byHash.get('good')![0]);
    assert.equal(best[1].std, null);
    assert.equal(s.trial(sw.id, byHash.get('nan')![0])!.objective, null);
    assert.equal(s.bestConfigs(sw.id, 1).length, 1);
    s.close();
  });

  test(`${name}: maximize ranks the largest first`, () => {
    const s = open();
    const sw = s.createSweep(sweepInput('f', 'maximize'));
    s.addTrials(sw.id, [trial('a'), trial('b')]);
    const r = s.beginRun(sw.id, run);
    const [a, b] = s.claimTrials(sw.id, r, 2);
    complete(s, r, a.id, 0.7);
    complete(s, r, b.id, 0.9);
    assert.deepEqual(s.bestConfigs(sw.id, 2).map((x) => x.config_hash), ['b', 'a']);
    s.close();
  });

  test(`${name}: sweeps are found by name and their definitions updated`, () => {
    const s = open();
    const sw = s.createSweep(sweepInput('g'));
    assert.equal(s.getSweep('g')!.id, sw.id);
    assert.equal(s.getSweep('nope'), null);
    s.updateDefinition(sw.id, '{"x":1}', 'other.yaml');
    assert.equal(s.getSweep('g')!.definition, '{"x":1}');
    assert.throws(() => s.createSweep(sweepInput('g')));
    s.close();
  });
}
