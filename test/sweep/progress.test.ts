// Progress in training steps (sweep/progress.ts, Dispatcher.stepsInFlight): a cohort that reports
// epochs moves the count before any of its trials ends; a diverged or failed trial counts its
// full steps; an interrupted one none; steps of unknown length fall back to trials (null).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounts, type MetricPoint, type StateCounts } from '../../src/core/trial.js';
import { UnitStopped, type Executor, type RunningUnit } from '../../src/pool/executor.js';
import type { UnitEvent, WorkUnit } from '../../src/pool/messages.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { StorageSource } from '../../src/sweep/source.js';
import { Dispatcher } from '../../src/sweep/dispatch.js';
import type { Sweep } from '../../src/sweep/definition.js';
import { checkSweep } from '../../src/sweep/file.js';
import { etaSeconds, stepProgress, stepsAt, type TrialSteps } from '../../src/sweep/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-progress-'));
let n = 0;
const sweep = { objective: { metric: 'val_loss', goal: 'minimize', summary: 'last' } } as unknown as Sweep;
const epoch = (e: number, values: Record<string, number> = { val_loss: 1 }): MetricPoint => ({ epoch: e, step: null, values });
const step = (s: number): MetricPoint => ({ epoch: null, step: s, values: { val_loss: 1 } });

test('a trial\'s steps so far: a step index i is i + 1 steps, an epoch e is e x steps per epoch, capped at the trial\'s steps', () => {
  const known: TrialSteps = { perTrial: 40, perEpoch: 10 };
  assert.equal(stepsAt(null, known), 0, 'nothing reported yet');
  assert.equal(stepsAt(epoch(3), known), 30);
  assert.equal(stepsAt(epoch(5), known), 40, 'never past the trial\'s steps');
  assert.equal(stepsAt(step(0), known), 1);
  assert.equal(stepsAt({ epoch: 2, step: 24, values: {} }, known), 25, 'a step, where given, wins over the epoch');
  assert.equal(stepsAt(epoch(3), { perTrial: 40, perEpoch: null }), null, 'an epoch of unknown length');
  assert.equal(stepsAt(step(7), { perTrial: 40, perEpoch: null }), 8);
});

test('the run\'s steps: finished trials in full, plus those in training; this run\'s part; the ETA from its rate', () => {
  const counts: StateCounts = { ...emptyCounts(), complete: 2, diverged: 1, failed: 1, running: 3, waiting: 3 };
  assert.deepEqual(stepProgress(counts, 100, 150, 1, 7), { total: 1000, done: 550, doneThisRun: 250, toRunThisRun: 700 });
  assert.equal(stepProgress(counts, 100, null, 1, 7), null, 'not countable: trials instead');
  assert.equal(etaSeconds(250, 700, 10), 18, '450 steps left at 25 steps a second');
  assert.equal(etaSeconds(0, 700, 10), null, 'no rate yet');
});

/** An executor whose units do what the test tells them, when it tells them. */
class Remote implements Executor {
  readonly slots = 2;
  /** Units by their first trial's number, once started. */
  readonly units = new Map<number, { emit: (e: UnitEvent) => void; fail: (e: Error) => void }>();
  private waiters: (() => void)[] = [];
  private readonly stops = new Set<(reason: string) => void>();
  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit {
    let fail!: (e: Error) => void;
    let stop!: (reason: string) => void;
    const done = new Promise<void>((_, reject) => {
      fail = reject;
      stop = (reason) => reject(new UnitStopped(reason));
    });
    this.stops.add(stop);
    onEvent({ type: 'started' });
    this.units.set(unit.members[0].number, { emit: onEvent, fail });
    for (const w of this.waiters.splice(0)) w();
    return { done, stop, stopMember: () => {} };
  }
  async started(count: number): Promise<void> {
    while (this.units.size < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  stopAll(): void {
    for (const s of this.stops) s('interrupted: the run was stopped');
  }
  async close(): Promise<void> {}
}

async function setUp(seeds: number[]): Promise<{ storage: Storage; sweepId: number; runId: number }> {
  const storage = openSqlite(join(dir, `p${n++}.db`), { mode: 'write' });
  const s = await storage.createSweep({ name: 's', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 40, trainerHash: null });
  await storage.addTrials(s.id, seeds.map((seed, i) => ({ configHash: `h${i}`, repeat: 0, params: { schedule: 'cawr' }, seed })));
  const runId = await storage.beginRun(s.id, { pid: 1, host: 'h', workers: 2, backend: 'wasm' });
  return { storage, sweepId: s.id, runId };
}

function dispatcherFor(storage: Storage, sweepId: number, runId: number, executor: Executor, counts: StateCounts, steps: TrialSteps, onRecorded: () => void = () => {}) {
  return new Dispatcher({
    storage, executor, sweep, sweepId, runId, source: new StorageSource(storage, sweepId, runId, 3), provenance: {}, counts, best: null, steps,
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 40, seed: trials[0].seed, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
    onRecorded,
  });
}

async function until(what: string, ok: () => boolean): Promise<void> {
  const end = Date.now() + 30_000;
  while (!ok()) {
    assert.ok(Date.now() < end, what);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

test('a cohort reporting epochs moves the steps before any trial ends; diverged and failed count in full, interrupted not at all; never backwards', async () => {
  // Trials 1-3 share a seed (one cohort of 3), trial 4 trains alone. 40 steps a trial, 10 an epoch.
  const { storage, sweepId, runId } = await setUp([7, 7, 7, 9]);
  const executor = new Remote();
  const counts = { ...emptyCounts(), waiting: 4 };
  const done = () => stepProgress(counts, 40, d.stepsInFlight(), 0, 4)!.done;
  const seen: number[] = [];
  const d = dispatcherFor(storage, sweepId, runId, executor, counts, { perTrial: 40, perEpoch: 10 }, () => seen.push(done()));
  const running = d.run();
  await executor.started(2);
  const cohort = executor.units.get(1)!;
  const alone = executor.units.get(4)!;
  assert.equal(d.stepsInFlight(), 0, 'started, nothing reported');

  for (const member of [0, 1, 2]) cohort.emit({ type: 'point', member, point: epoch(1) });
  cohort.emit({ type: 'point', member: 0, point: epoch(2) });
  assert.equal(d.stepsInFlight(), 20 + 10 + 10, 'epochs x 10 steps, member by member');
  assert.deepEqual(stepProgress(counts, 40, d.stepsInFlight(), 0, 4), { total: 160, done: 40, doneThisRun: 40, toRunThisRun: 160 });
  assert.equal(counts.complete + counts.diverged + counts.failed, 0, 'no trial has ended');

  // Trial 4 fails after one epoch: it trains no more in this run, so all its 40 steps are done.
  alone.emit({ type: 'point', member: 0, point: epoch(1) });
  alone.fail(new Error('out of memory'));
  await until('the failure is committed', () => counts.failed === 1);
  assert.equal(done(), 40 + 40, 'the failed trial in full, the cohort as far as it got');

  // Member 2 (trial 2) diverges at epoch 2: its 40 steps are done; its mates train on.
  cohort.emit({ type: 'point', member: 1, point: epoch(2, { train_loss: Number.NaN }) });
  assert.equal(d.stepsInFlight(), 20 + 40 + 10, 'diverged, not committed yet: counted in full already');
  await until('the divergence is committed', () => counts.diverged === 1);
  assert.equal(done(), 40 + 40 + 20 + 10);

  // Ctrl-C: the two members in training are interrupted, and will train again from the start.
  d.stop();
  await running;
  assert.equal(counts.interrupted, 2);
  assert.equal(d.stepsInFlight(), 0);
  assert.equal(done(), 80, 'only the failed and the diverged trial');
  // What each committed batch showed: up to the stop, never less than before.
  const training = seen.slice(0, seen.lastIndexOf(110) + 1);
  assert.ok(training.length >= 2, `progress after each commit: ${seen.join(', ')}`);
  for (let i = 1; i < training.length; i++) assert.ok(training[i] >= training[i - 1], `steps never go backwards while training: ${seen.join(', ')}`);
  assert.equal(seen.at(-1), 80, 'after the stop');
  await storage.close();
});

test('epochs of unknown length cannot be counted in steps: null for the rest of the run; steps alone are counted', async () => {
  const { storage, sweepId, runId } = await setUp([1, 2]);
  const executor = new Remote();
  const counts = { ...emptyCounts(), waiting: 2 };
  const d = dispatcherFor(storage, sweepId, runId, executor, counts, { perTrial: 40, perEpoch: null });
  const running = d.run();
  await executor.started(2);
  executor.units.get(1)!.emit({ type: 'point', member: 0, point: step(11) });
  assert.equal(d.stepsInFlight(), 12, 'a trial that reports steps');
  executor.units.get(2)!.emit({ type: 'point', member: 0, point: epoch(1) });
  assert.equal(d.stepsInFlight(), null, 'an epoch of unknown length');
  executor.units.get(1)!.emit({ type: 'point', member: 0, point: step(12) });
  assert.equal(d.stepsInFlight(), null, 'stays so: progress does not switch back and forth');
  d.stop();
  await running;

  const plain = dispatcherFor(storage, sweepId, runId, executor, counts, undefined as unknown as TrialSteps);
  assert.equal(plain.stepsInFlight(), null, 'a dispatcher told no steps counts none');
  await storage.close();
});

test('the steps in an epoch come from the trainer: built-in trainers, a command\'s steps_per_epoch, a module\'s stepsPerEpoch (checked)', async () => {
  const base = { name: 's', schedule: { first_cycle_steps: 10 }, parameters: { max_lr: { values: [0.1] } } };
  const trainerOf = async (trainer: unknown) => (await checkSweep({ ...base, trainer }, join(dir, 'f.yaml'))).trainer;
  assert.equal((await trainerOf({ kind: 'quadratic', epochs: 5, steps_per_epoch: 20 })).stepsPerEpoch, 20);
  // 100 samples, 20% held out: 80 rows in batches of 32.
  const mlp = await trainerOf({ kind: 'mlp', samples: 100, validation_fraction: 0.2, batch_size: 32, epochs: 4 });
  assert.deepEqual([mlp.steps, mlp.stepsPerEpoch], [12, 3]);
  const command = { kind: 'command', run: ['true'], metrics: ['val_loss'], goals: { val_loss: 'minimize' } };
  const perEpoch = await trainerOf({ ...command, epochs: 3, steps_per_epoch: 7 });
  assert.deepEqual([perEpoch.steps, perEpoch.stepsPerEpoch], [21, 7]);
  assert.equal((await trainerOf({ ...command, steps: 21 })).stepsPerEpoch, null, 'steps alone: an epoch\'s length unknown');

  const module = (body: string) => {
    const path = join(dir, `m${n++}.mjs`);
    writeFileSync(path, `export default { metrics: { val_loss: 'minimize' }, usesTf: false, steps: () => 40, ${body} train() {} };\n`);
    return { kind: 'module', path };
  };
  assert.equal((await trainerOf(module(''))).stepsPerEpoch, null);
  assert.equal((await trainerOf(module('stepsPerEpoch: () => 8,'))).stepsPerEpoch, 8);
  await assert.rejects(trainerOf(module('stepsPerEpoch: () => 2.5,')), /trainer\.options: the trainer's stepsPerEpoch\(\) must give an integer >= 1 \(the steps in one epoch\), got 2\.5/);
});
