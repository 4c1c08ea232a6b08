// The dispatcher on its own: a scripted executor instead of the pool, a real (temporary) SQLite
// store. What each kind of unit ending records, and what the counts say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { emptyCounts, type MetricPoint } from '../../src/core/trial.js';
import { UnitStopped, UnitTimeout, type Executor, type RunningUnit } from '../../src/pool/executor.js';
import type { UnitEvent, WorkUnit } from '../../src/pool/messages.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Storage } from '../../src/storage/types.js';
import { StorageSource, type UnitSource } from '../../src/sweep/source.js';
import { Dispatcher, divergenceOf } from '../../src/sweep/dispatch.js';
import type { Sweep } from '../../src/sweep/definition.js';
import { newTally } from '../../src/sweep/tally.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-dispatch-'));
let n = 0;

type Script = (unit: WorkUnit, emit: (e: UnitEvent) => void, stop: Promise<string>) => Promise<void>;

/** An executor that plays a script per unit. */
class ScriptedExecutor implements Executor {
  readonly slots = 2;
  readonly units: WorkUnit[] = [];
  private readonly stops = new Set<(r: string) => void>();
  constructor(private readonly script: Script) {}
  start(unit: WorkUnit, onEvent: (e: UnitEvent) => void): RunningUnit {
    this.units.push(unit);
    let stop!: (reason: string) => void;
    const stopped = new Promise<string>((resolve) => (stop = resolve));
    this.stops.add(stop);
    const done = this.script(unit, onEvent, stopped).finally(() => this.stops.delete(stop));
    return { done, stop: (reason) => stop(reason), stopMember: () => {} };
  }
  stopAll(): void {
    for (const s of this.stops) s('interrupted: the run was stopped');
  }
  async close(): Promise<void> {}
}

const sweep = { objective: { metric: 'val_loss', goal: 'minimize', summary: 'last' } } as unknown as Sweep;
const point = (epoch: number, values: Record<string, number>): MetricPoint => ({ epoch, step: null, values });

async function setUp(trials: number, seeds: number[] = []): Promise<{ storage: Storage; sweepId: number; runId: number }> {
  const storage = openSqlite(join(dir, `d${n++}.db`), { mode: 'write' });
  const s = await storage.createSweep({ name: 's', definition: {}, file: null, metric: 'val_loss', goal: 'minimize', steps: 10, trainerHash: null });
  await storage.addTrials(s.id, Array.from({ length: trials }, (_, i) => ({ configHash: `h${i}`, repeat: 0, params: { schedule: 'cawr' }, seed: seeds[i] ?? i })));
  const runId = await storage.beginRun(s.id, { pid: 1, host: 'h', workers: 2, backend: 'wasm' });
  return { storage, sweepId: s.id, runId };
}

function dispatcher(storage: Storage, sweepId: number, runId: number, executor: Executor, cohortSize = 1) {
  return new Dispatcher({
    storage, executor, sweep, sweepId, runId, source: new StorageSource(storage, sweepId, runId, cohortSize), provenance: { host: 'h' }, counts: { ...emptyCounts(), waiting: 99 }, best: null,
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 10, seed: trials[0].seed, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
    onRecorded() {},
  });
}

test('each way a unit ends is recorded: complete, no objective, a NaN loss, a trainer error, a timeout', async () => {
  const { storage, sweepId, runId } = await setUp(5);
  const executor = new ScriptedExecutor(async (unit, emit) => {
    emit({ type: 'started' });
    const n = unit.members[0].number;
    if (n === 1) emit({ type: 'point', member: 0, point: point(1, { val_loss: 0.5, train_loss: 0.6 }) });
    if (n === 2) emit({ type: 'point', member: 0, point: point(1, { train_loss: 0.6 }) });
    if (n === 3) emit({ type: 'point', member: 0, point: point(2, { val_loss: 0.4, train_loss: Number.NaN }) });
    if (n === 4) throw new Error('CUDA out of memory\nat line 7');
    if (n === 5) throw new UnitTimeout('trial_timeout: the trial ran longer than 1 s');
  });
  assert.equal(await dispatcher(storage, sweepId, runId, executor).run(), 5);
  const t = await storage.trials(sweepId);
  assert.deepEqual(t.map((x) => [x.state, x.objective, x.error]), [
    ['complete', 0.5, null],
    ['failed', null, 'the trainer never reported val_loss (reported: train_loss)'],
    ['diverged', null, 'diverged at epoch 2: train_loss is NaN'],
    ['failed', null, 'CUDA out of memory'],
    ['failed', null, 'trial_timeout: the trial ran longer than 1 s'],
  ]);
  assert.deepEqual(t.map((x) => x.provenance), Array(5).fill({ host: 'h' }));
  await storage.close();
});

test('consecutive reports of one epoch are one point; a diverged member\'s later reports are dropped; all diverged stops the unit', async () => {
  const { storage, sweepId, runId } = await setUp(2, [7, 7]);
  let stopReason = '';
  const executor = new ScriptedExecutor(async (_unit, emit, stopped) => {
    emit({ type: 'started' });
    emit({ type: 'point', member: 0, point: point(1, { train_loss: 1 }) });
    emit({ type: 'point', member: 0, point: point(1, { val_loss: 0.9 }) });
    emit({ type: 'point', member: 1, point: point(1, { train_loss: Infinity }) });
    emit({ type: 'point', member: 1, point: point(2, { train_loss: 0.1, val_loss: 0.1 }) });
    emit({ type: 'point', member: 0, point: point(2, { train_loss: Number.NaN }) });
    stopReason = await stopped;
    throw new UnitStopped(stopReason);
  });
  await dispatcher(storage, sweepId, runId, executor, 2).run();
  assert.equal(executor.units.length, 1, 'one cohort of two');
  assert.equal(stopReason, 'every member diverged');
  const [a, b] = await storage.trials(sweepId);
  assert.deepEqual([a.state, a.error, b.state, b.error], ['diverged', 'diverged at epoch 2: train_loss is NaN', 'diverged', 'diverged at epoch 1: train_loss is Infinity']);
  const points = await storage.points([a.id, b.id]);
  assert.deepEqual(points.get(a.id)!.map((p) => [p.epoch, Object.keys(p.values).sort()]), [[1, ['train_loss', 'val_loss']], [2, ['train_loss']]]);
  assert.deepEqual(points.get(b.id)!.map((p) => p.epoch), [1], 'nothing after its divergence');
  await storage.close();
});

test('stop() interrupts what runs and leaves the rest waiting; a trial already recorded is never counted twice', async () => {
  const { storage, sweepId, runId } = await setUp(6);
  let d!: Dispatcher;
  let watching = false;
  const executor = new ScriptedExecutor(async (unit, emit, stopped) => {
    emit({ type: 'started' });
    if (unit.members[0].number === 1) {
      emit({ type: 'point', member: 0, point: point(1, { val_loss: 1 }) });
      return;
    }
    // The first unit still running stops the run once trial 1 is recorded complete (an event,
    // whatever the machine's speed).
    if (!watching) {
      watching = true;
      while (!d.stopped && (await storage.counts(sweepId)).complete < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      d.stop();
    }
    throw new UnitStopped(await stopped);
  });
  d = dispatcher(storage, sweepId, runId, executor);
  await d.run();
  assert.ok(d.stopped);
  await storage.releaseRun(runId);
  const counts = await storage.counts(sweepId);
  assert.equal(counts.complete, 1);
  assert.equal(counts.interrupted + counts.waiting, 5);
  assert.ok(counts.interrupted >= 1);
  await storage.close();
});

test('divergence is a NaN or infinite training loss or objective, at an epoch or a step', () => {
  assert.equal(divergenceOf(point(3, { train_loss: 1, val_loss: 2 }), 'val_loss'), null);
  assert.equal(divergenceOf(point(3, { train_loss: -Infinity }), 'val_loss'), 'diverged at epoch 3: train_loss is -Infinity');
  assert.equal(divergenceOf({ epoch: null, step: 12, values: { acc: Number.NaN } }, 'acc'), 'diverged at step 12: acc is NaN');
  assert.equal(divergenceOf(point(1, { other: Number.NaN }), 'val_loss'), null, 'another metric may be NaN');
});

test('a stop that comes while the source is claiming never starts the claimed unit: it is handed back', async () => {
  const { storage, sweepId, runId } = await setUp(3);
  const executor = new ScriptedExecutor(async (unit, emit) => {
    emit({ type: 'started' });
    emit({ type: 'point', member: 0, point: point(1, { val_loss: 0.5 }) });
  });
  const inner = new StorageSource(storage, sweepId, runId, 1);
  const handedBack: number[][] = [];
  let d!: Dispatcher;
  // A source whose claim takes a while, as a queue's fetch and claim do over the network: the
  // run is stopped after the trials are claimed, before the claim returns.
  const slow: UnitSource = {
    async next(room) {
      const trials = await inner.next();
      d.stop();
      await new Promise((resolve) => setTimeout(resolve, 10));
      return room > 0 ? trials : null;
    },
    settled() {},
    putBack(trials) {
      handedBack.push(trials.map((t) => t.number));
    },
    async close() {},
  };
  d = new Dispatcher({
    storage, executor, sweep, sweepId, runId, source: slow, provenance: { host: 'h' }, counts: { ...emptyCounts(), waiting: 3 }, best: null,
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 10, seed: trials[0].seed, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
    onRecorded() {},
  });
  assert.equal(await d.run(), 0);
  assert.equal(executor.units.length, 0, 'nothing started after the stop');
  assert.deepEqual(handedBack, [[1]]);
  assert.equal(await storage.releaseRun(runId), 1, 'the claimed trial goes back to waiting');
  assert.equal((await storage.counts(sweepId)).waiting, 3);
});

test('a unit stopped before it started is handed back, not interrupted: its trials go back to waiting; the tally counts only trials that ended', async () => {
  const { storage, sweepId, runId } = await setUp(4);
  let d!: Dispatcher;
  const executor = new ScriptedExecutor(async (unit, emit, stopped) => {
    if (unit.members[0].number === 1) {
      // Trains, reports an epoch, and is stopped while training.
      emit({ type: 'started' });
      emit({ type: 'point', member: 0, point: point(3, { val_loss: 1 }) });
      // Stopped once the other three units are with the executor and the point is seen (events, not time).
      void (async () => {
        while (executor.units.length < 4 || d.reached().epochs === null) await new Promise((resolve) => setTimeout(resolve, 5));
        assert.deepEqual(d.reached(), { epochs: [3, 3], steps: null }, 'how far the trial in training got');
        d.stop();
      })();
      throw new UnitStopped(await stopped);
    }
    // Queued behind it (no 'started'): stopped before any of it ran.
    throw new UnitStopped(await stopped);
  });
  const handedBack: number[][] = [];
  const inner = new StorageSource(storage, sweepId, runId, 1);
  const source: UnitSource = {
    next: async () => inner.next(),
    settled() {},
    putBack: (trials) => handedBack.push(trials.map((t) => t.number)),
    async close() {},
  };
  const tally = newTally();
  d = new Dispatcher({
    storage, executor, sweep, sweepId, runId, source, provenance: { host: 'h' }, counts: { ...emptyCounts(), waiting: 4 }, best: null, tally,
    unitFor: (trials) => ({ sweep: 's', trainer: { builtin: 'quadratic' }, options: {}, steps: 10, seed: trials[0].seed, backend: 'wasm', perStep: false,
      members: trials.map((t) => ({ trialId: t.id, number: t.number, attempt: t.attempts, repeat: t.repeat, params: t.params as never })) }),
    onRecorded() {},
  });
  await d.run();
  assert.deepEqual(handedBack.sort(), [[2], [3], [4]], 'the units that never started');
  await storage.releaseRun(runId);
  const states = (await storage.trials(sweepId)).map((t) => [t.number, t.state, t.attempts]);
  assert.deepEqual(states, [[1, 'interrupted', 1], [2, 'waiting', 0], [3, 'waiting', 0], [4, 'waiting', 0]]);
  assert.deepEqual(tally, newTally(), 'an interrupted trial is no failure');
  await storage.close();
});
