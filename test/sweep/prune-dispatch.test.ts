// The dispatcher's prune check (prune-hook.ts) with a scripted executor and a real SQLite store:
// which points it is asked about, what a pruned trial records, which stop the executor is asked
// for, and that a trainer ignoring its stop has its later points dropped. The checks here are test
// hooks (prune trial N at step S), not pruners.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounts, type MetricPoint } from '../../src/core/trial.js';
import type { Executor, RunningUnit } from '../../src/pool/executor.js';
import { UnitStopped } from '../../src/pool/executor.js';
import type { UnitEvent, WorkUnit } from '../../src/pool/messages.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { StorageSource } from '../../src/sweep/source.js';
import { Dispatcher } from '../../src/sweep/dispatch.js';
import type { Sweep } from '../../src/sweep/definition.js';
import type { PlacedPoint, PruneCheck } from '../../src/sweep/prune-hook.js';
import { newTally } from '../../src/sweep/tally.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-prune-'));
let n = 0;

type Emit = (member: number, point: MetricPoint) => void;
type Script = (unit: WorkUnit, emit: Emit) => Promise<void>;

/** Plays a script per unit; records every stop and member stop it is asked for. A stop rejects done as the pool does. */
class ScriptedExecutor implements Executor {
  readonly slots = 2;
  readonly stops: [number, string][] = [];
  readonly memberStops: [number, number, string][] = [];
  constructor(private readonly script: Script) {}
  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit {
    let stopReason: string | null = null;
    const first = unit.members[0].number;
    const done = (async () => {
      onEvent({ type: 'started' });
      await this.script(unit, (member, point) => onEvent({ type: 'point', member, point }));
      if (stopReason !== null) throw new UnitStopped(stopReason);
    })();
    return {
      done,
      stop: (reason) => {
        stopReason = reason;
        this.stops.push([first, reason]);
      },
      stopMember: (member, reason) => this.memberStops.push([first, member, reason]),
    };
  }
  stopAll(): void {}
  async close(): Promise<void> {}
}

const sweep = { objective: { metric: 'val_loss', goal: 'minimize', summary: 'last' } } as unknown as Sweep;
const epoch = (e: number, values: Record<string, number>): MetricPoint => ({ epoch: e, step: null, values });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

async function setUp(trials: number, seeds: number[] = []): Promise<{ storage: Storage; sweepId: number; runId: number }> {
  const storage = openSqlite(join(dir, `p${n++}.db`), { mode: 'write' });
  const s = await storage.createSweep({ name: 's', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 100, trainerHash: null });
  await storage.addTrials(s.id, Array.from({ length: trials }, (_, i) => ({ configHash: `h${i}`, repeat: 0, params: { schedule: 'cawr' }, seed: seeds[i] ?? i })));
  const runId = await storage.beginRun(s.id, { pid: 1, host: 'h', workers: 2, backend: 'wasm' });
  return { storage, sweepId: s.id, runId };
}

function dispatcher(storage: Storage, sweepId: number, runId: number, executor: Executor, prune: PruneCheck, cohortSize = 1) {
  const tally = newTally();
  const d = new Dispatcher({
    storage, executor, sweep, sweepId, runId, source: new StorageSource(storage, sweepId, runId, cohortSize), provenance: {}, counts: { ...emptyCounts(), waiting: 99 }, best: null,
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 100, seed: trials[0].seed, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
    onRecorded() {}, tally, steps: { perTrial: 100, perEpoch: 20 }, prune,
  });
  return { d, tally };
}

/** A test hook: prunes trial `number` once it has a point at `step`, and logs every question. */
function pruneAt(number: number, step: number, asked: [number, PlacedPoint[]][] = []): PruneCheck {
  return (trial, points) => {
    asked.push([trial.number, points.map((p) => ({ ...p }))]);
    return trial.number === number && points.at(-1)!.step === step ? `pruned at step ${step}: test hook` : null;
  };
}

/** Five epochs of 20 steps; val_loss 1/e, printed on its own line after train_loss (one point per epoch). */
const fiveEpochs: Script = async (unit, emit) => {
  for (let e = 1; e <= 5; e++) {
    for (let k = 0; k < unit.members.length; k++) {
      emit(k, epoch(e, { train_loss: 2 / e }));
      emit(k, epoch(e, { val_loss: 1 / e + k }));
    }
    await tick();
  }
};

test('a trial the check stops is recorded pruned at that point: reason as note, last value as objective, later points dropped, its unit stopped', async () => {
  const { storage, sweepId, runId } = await setUp(2);
  const executor = new ScriptedExecutor(fiveEpochs);
  const asked: [number, PlacedPoint[]][] = [];
  const { d, tally } = dispatcher(storage, sweepId, runId, executor, pruneAt(2, 39, asked));
  assert.equal(await d.run(), 2);
  const [one, two] = await storage.trials(sweepId);
  assert.deepEqual([one.state, one.objective], ['complete', 0.2]);
  assert.deepEqual([two.state, two.objective, two.error], ['pruned', 0.5, 'pruned at step 39: test hook']);
  assert.deepEqual(executor.stops, [[2, 'pruned at step 39: test hook']]);
  assert.deepEqual(executor.memberStops, []);
  // Every point carries its step (epoch e of 20 steps ends at step 20e - 1); the pruned trial's stop after epoch 2.
  const points = await storage.points([one.id, two.id]);
  assert.deepEqual(points.get(one.id)!.map((p) => [p.epoch, p.step]), [[1, 19], [2, 39], [3, 59], [4, 79], [5, 99]]);
  assert.deepEqual(points.get(two.id)!.map((p) => [p.epoch, p.step, p.values]), [[1, 19, { train_loss: 2, val_loss: 1 }], [2, 39, { train_loss: 1, val_loss: 0.5 }]]);
  // Asked once per objective point, with the curve so far in step order.
  assert.deepEqual(asked.filter(([t]) => t === 2).map(([, ps]) => ps), [[{ step: 19, value: 1 }], [{ step: 19, value: 1 }, { step: 39, value: 0.5 }]]);
  assert.equal(asked.filter(([t]) => t === 1).length, 5);
  assert.deepEqual([tally.complete, tally.pruned, tally.failed], [1, 1, 0]);
});

test('an asynchronous check holds the trial\'s later points until it answers: dropped when it prunes, recorded in order when it does not', async () => {
  const { storage, sweepId, runId } = await setUp(2);
  // The trainer reports all five epochs at once, before any answer comes back.
  const executor = new ScriptedExecutor(async (unit, emit) => {
    for (let e = 1; e <= 5; e++) emit(0, epoch(e, { val_loss: 1 / e }));
  });
  const sync = pruneAt(1, 39);
  const prune: PruneCheck = async (trial, points) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return sync(trial, points);
  };
  const { d } = dispatcher(storage, sweepId, runId, executor, prune);
  assert.equal(await d.run(), 2);
  const [one, two] = await storage.trials(sweepId);
  assert.deepEqual([one.state, one.objective, one.error], ['pruned', 0.5, 'pruned at step 39: test hook']);
  assert.deepEqual([two.state, two.objective], ['complete', 0.2]);
  const points = await storage.points([one.id, two.id]);
  assert.deepEqual(points.get(one.id)!.map((p) => p.step), [19, 39]);
  assert.deepEqual(points.get(two.id)!.map((p) => p.step), [19, 39, 59, 79, 99]);
});

test('a cohort member is stopped on its own; a trainer that ignores the stop still has it pruned, its later points dropped, its mates complete', async () => {
  const { storage, sweepId, runId } = await setUp(3, [7, 7, 7]);
  const executor = new ScriptedExecutor(fiveEpochs); // ignores every stop
  const { d } = dispatcher(storage, sweepId, runId, executor, pruneAt(2, 59), 3);
  assert.equal(await d.run(), 3);
  const trials = await storage.trials(sweepId);
  assert.deepEqual(trials.map((t) => [t.number, t.state, t.objective]), [[1, 'complete', 0.2], [2, 'pruned', 1 + 1 / 3], [3, 'complete', 2.2]]);
  assert.deepEqual(executor.memberStops, [[1, 1, 'pruned at step 59: test hook']]);
  assert.deepEqual(executor.stops, []);
  const points = await storage.points(trials.map((t) => t.id));
  assert.deepEqual(points.get(trials[1].id)!.map((p) => p.epoch), [1, 2, 3]);
  assert.equal(points.get(trials[2].id)!.length, 5);
});

test('the unit is stopped when its last member in training is pruned; a diverged one does not count as training', async () => {
  const { storage, sweepId, runId } = await setUp(2, [7, 7]);
  const executor = new ScriptedExecutor(async (_unit, emit) => {
    emit(0, epoch(1, { train_loss: Number.NaN }));
    for (let e = 1; e <= 5; e++) emit(1, epoch(e, { val_loss: 1 / e }));
  });
  const { d } = dispatcher(storage, sweepId, runId, executor, pruneAt(2, 19), 2);
  await d.run();
  assert.deepEqual((await storage.trials(sweepId)).map((t) => t.state), ['diverged', 'pruned']);
  assert.deepEqual(executor.stops, [[1, 'pruned at step 19: test hook']]);
  assert.deepEqual(executor.memberStops, []);
});

test('a check that throws ends the run with its error (a pruner bug is not a trial failure)', async () => {
  const { storage, sweepId, runId } = await setUp(1);
  const { d } = dispatcher(storage, sweepId, runId, new ScriptedExecutor(fiveEpochs), () => {
    throw new Error('pruner bug');
  });
  await assert.rejects(d.run(), /pruner bug/);
});

test('points of unknown step (an epoch of a trainer without steps per epoch) are recorded unplaced and never asked about', async () => {
  const { storage, sweepId, runId } = await setUp(1);
  const asked: [number, PlacedPoint[]][] = [];
  const tally = newTally();
  const d = new Dispatcher({
    storage, executor: new ScriptedExecutor(fiveEpochs), sweep, sweepId, runId, source: new StorageSource(storage, sweepId, runId, 1), provenance: {},
    counts: { ...emptyCounts(), waiting: 1 }, best: null, tally, steps: { perTrial: 100, perEpoch: null }, prune: pruneAt(1, 19, asked), onRecorded() {},
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 100, seed: 1, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
  });
  await d.run();
  assert.deepEqual(asked, []);
  const [t] = await storage.trials(sweepId);
  assert.equal(t.state, 'complete');
  assert.deepEqual((await storage.points([t.id])).get(t.id)!.map((p) => p.step), [null, null, null, null, null]);
});
