// The storage contract's test suite (see src/storage/types.ts). Every backend runs it, and it
// covers every operation of the contract, including the batched path the run loop uses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MetricPoint } from '../../src/core/trial.js';
import type { ImportedTrial, NewSweep, NewTrial, Outcome, Storage } from '../../src/storage/types.js';

const sweepInput = (name: string, goal: 'minimize' | 'maximize' = 'minimize'): NewSweep =>
  ({ name, definition: { name, nested: { a: [1, 2] } }, file: `${name}.yaml`, metric: 'val_loss', goal, steps: 100, trainerHash: null });

const trial = (hash: string, repeat = 0, params: Record<string, unknown> = { schedule: 'cawr', cycle_mult: 1 }, seed = 7): NewTrial =>
  ({ configHash: hash, repeat, params, seed });

const point = (epoch: number, values: Record<string, number>): MetricPoint => ({ epoch, step: null, values });

const alive = () => true;
const dead = () => false;
const runInfo = { pid: 1, host: 'h', workers: 1, backend: 'wasm' };

export function storageContract(name: string, open: () => Promise<Storage>): void {
  /** Ends a claimed trial with one point. */
  async function complete(s: Storage, runId: number, trialId: number, attempt: number, objective: number | null, state: 'complete' | 'diverged' = 'complete') {
    return s.commit(runId, {
      points: [{ trialId, attempt, seq: 0, point: point(1, { val_loss: objective ?? Number.NaN }) }],
      outcomes: [{ trialId, state, objective, durationMs: 5 }],
    });
  }

  test(`${name}: sweeps are created, found by name, listed, updated and cancelled; definitions come back decoded`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('g'));
    assert.deepEqual((await s.getSweep('g'))!.definition, { name: 'g', nested: { a: [1, 2] } });
    assert.equal((await s.getSweep('g'))!.steps, 100);
    assert.equal((await s.getSweep('g'))!.status, 'active');
    assert.equal(await s.getSweep('nope'), null);
    await s.createSweep(sweepInput('h'));
    assert.deepEqual((await s.listSweeps()).map((x) => x.name), ['g', 'h']);
    await s.setSweepStatus(sw.id, 'cancelled');
    assert.equal((await s.getSweep('g'))!.status, 'cancelled');
    await s.updateSweep(sw.id, { definition: { x: 1 }, file: 'other.yaml', steps: 200, trainerHash: 'abc' });
    const updated = (await s.getSweep('g'))!;
    assert.deepEqual([updated.definition, updated.file, updated.steps, updated.trainerHash, updated.status], [{ x: 1 }, 'other.yaml', 200, 'abc', 'active']);
    await assert.rejects(s.createSweep(sweepInput('g')));
    await s.close();
  });

  test(`${name}: a trial is unique per sweep, config hash and repeat, and numbered from 1 within its sweep in the order added`, async () => {
    const s = await open();
    const a = await s.createSweep(sweepInput('a'));
    const b = await s.createSweep(sweepInput('b'));
    assert.equal(await s.addTrials(a.id, [trial('h1'), trial('h1', 1), trial('h2')]), 3);
    assert.equal(await s.addTrials(a.id, [trial('h1'), trial('h2'), trial('h3')]), 1);
    assert.equal(await s.addTrials(b.id, [trial('h1')]), 1);
    const trials = await s.trials(a.id);
    assert.deepEqual(trials.map((t) => [t.number, t.configHash, t.repeat]), [[1, 'h1', 0], [2, 'h1', 1], [3, 'h2', 0], [4, 'h3', 0]]);
    assert.deepEqual((await s.trials(b.id)).map((t) => t.number), [1]);
    assert.deepEqual(trials[0].params, { schedule: 'cawr', cycle_mult: 1 });
    assert.equal((await s.counts(a.id)).waiting, 4);
    assert.equal((await s.trial(a.id, 3))!.configHash, 'h2');
    assert.equal(await s.trial(a.id, 99), null);
    assert.deepEqual((await s.trials(a.id, { numbers: [4, 2] })).map((t) => t.number), [2, 4]);
    await s.close();
  });

  test(`${name}: a trial keeps the origin it was added with (default plan), through claims and a copy`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('o'));
    await s.addTrials(sw.id, [trial('p'), { ...trial('s'), origin: 'startup' }, { ...trial('m'), origin: 'model' }, { ...trial('a'), origin: 'anchor' }]);
    assert.deepEqual((await s.trials(sw.id)).map((t) => [t.number, t.origin]), [[1, 'plan'], [2, 'startup'], [3, 'model'], [4, 'anchor']]);
    const r = await s.beginRun(sw.id, runInfo);
    assert.deepEqual((await s.claimTrials(sw.id, r, 4)).map((t) => t.origin), ['plan', 'startup', 'model', 'anchor']);
    const copy = await s.createSweep(sweepInput('o-copy'));
    await s.importTrials(copy.id, [imported(1, 'x', { origin: 'model' }), imported(2, 'y'), imported(3, 'z', { origin: 'anchor' })]);
    assert.deepEqual((await s.trials(copy.id)).map((t) => t.origin), ['model', 'plan', 'anchor']);
    await s.close();
  });

  test(`${name}: askTrials hands suggest the sweep's trials as they are and adds what it returns after them, returning the added trials`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('ask'));
    const other = await s.createSweep(sweepInput('ask-other'));
    await s.addTrials(sw.id, [trial('p1'), trial('p2')]);
    await s.addTrials(other.id, [trial('x')]);
    // p1 running with a provenance and a process: the history leaves both out (null).
    const r = await s.beginRun(sw.id, runInfo);
    const [p1] = await s.claimTrials(sw.id, r, 1);
    await s.commit(r, { started: [{ trialId: p1.id, provenance: { log: 'x'.repeat(1000) }, process: { pgid: 5 } }] });
    const seen: string[][] = [];
    const added = await s.askTrials(sw.id, (trials) => {
      seen.push(trials.map((t) => `${t.number}:${t.configHash}:${t.state}:${JSON.stringify([t.provenance, t.process])}`));
      // One the sweep has (skipped, taking no number), and two new, with their origins.
      return [trial('p2'), { ...trial('s1', 0, { max_lr: 0.1 }, 9), origin: 'startup' }, { ...trial('s1', 1, { max_lr: 0.1 }, 10), origin: 'startup' }];
    });
    assert.deepEqual(seen, [['1:p1:running:[null,null]', '2:p2:waiting:[null,null]']], 'suggest saw this sweep\'s trials, in number order, once');
    assert.deepEqual(added.map((t) => [t.number, t.configHash, t.repeat, t.origin, t.seed, t.state, t.sweepId]),
      [[3, 's1', 0, 'startup', 9, 'waiting', sw.id], [4, 's1', 1, 'startup', 10, 'waiting', sw.id]]);
    assert.deepEqual(added[0].params, { max_lr: 0.1 });
    assert.deepEqual(added.map((t) => t.id), (await s.trials(sw.id, { numbers: [3, 4] })).map((t) => t.id), 'the records returned are the stored ones');
    // Nothing to suggest: nothing added.
    assert.deepEqual(await s.askTrials(sw.id, () => []), []);
    // A suggest that throws adds nothing, and its error comes back.
    await assert.rejects(s.askTrials(sw.id, () => {
      throw new RangeError('no more configs');
    }), /^RangeError: no more configs$/);
    assert.equal((await s.trials(sw.id)).length, 4);
    // Numbers go on after a removed trial's, as addTrials'.
    await s.removeTrials(sw.id, added.filter((t) => t.repeat === 1).map((t) => t.id));
    assert.deepEqual((await s.askTrials(sw.id, () => [trial('m1')])).map((t) => t.number), [5]);
    // A cancelled sweep gets nothing, and suggest is not asked.
    await s.setSweepStatus(sw.id, 'cancelled');
    assert.deepEqual(await s.askTrials(sw.id, () => assert.fail('a cancelled sweep is not asked')), []);
    assert.deepEqual((await s.trials(other.id)).map((t) => t.number), [1], 'other sweeps untouched');
    await s.close();
  });

  test(`${name}: asks at once take turns under the sweep's lock: each reads the trials the ones before it added`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('asks'));
    // Each ask suggests a config named by how many trials it read: two asks that read the same
    // history would suggest the same config, and the second would add nothing.
    const asks = await Promise.all(Array.from({ length: 8 }, () => s.askTrials(sw.id, (trials) => [trial(`c${trials.length}`), trial(`c${trials.length}`, 1)])));
    assert.deepEqual(asks.map((a) => a.length), Array(8).fill(2), 'every ask added its config');
    const trials = await s.trials(sw.id);
    assert.deepEqual(trials.map((t) => t.number), Array.from({ length: 16 }, (_, i) => i + 1), 'numbers dense');
    assert.deepEqual(trials.map((t) => t.configHash), Array.from({ length: 16 }, (_, i) => `c${i - (i % 2)}`));
    // Each ask got a config's two repeats, numbered together.
    for (const a of asks) assert.equal(a[1].number, a[0].number + 1);
    await s.close();
  });

  test(`${name}: claimed trials are queued, started trials running; a completed trial is never claimed or overwritten again`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('c'));
    await s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3')]);
    const r1 = await s.beginRun(sw.id, runInfo);
    const claimed = await s.claimTrials(sw.id, r1, 2);
    assert.deepEqual(claimed.map((t) => [t.number, t.state, t.attempts, t.runId]), [[1, 'queued', 1, r1], [2, 'queued', 1, r1]]);
    assert.equal((await s.claimTrials(sw.id, r1, 5)).length, 1);
    assert.equal((await s.claimTrials(sw.id, r1, 5)).length, 0);
    assert.deepEqual(await s.commit(r1, { started: [{ trialId: claimed[0].id, provenance: { host: 'h' }, process: { pgid: 5 } }] }), []);
    const running = (await s.trial(sw.id, 1))!;
    assert.deepEqual([running.state, running.provenance, running.process], ['running', { host: 'h' }, { pgid: 5 }]);
    assert.ok(running.startedAt);
    assert.deepEqual((await s.counts(sw.id)), { waiting: 0, queued: 2, running: 1, complete: 0, diverged: 0, pruned: 0, failed: 0, interrupted: 0 });
    assert.deepEqual(await complete(s, r1, claimed[0].id, 1, 0.5), []);
    assert.deepEqual(await complete(s, r1, claimed[0].id, 1, 0.1), [claimed[0].id], 'a second completion is dropped and reported');
    const done = (await s.trial(sw.id, 1))!;
    assert.deepEqual([done.state, done.objective, done.durationMs, done.process], ['complete', 0.5, 5, null]);
    assert.deepEqual((await s.points([claimed[0].id])).get(claimed[0].id)!.map((p) => p.values.val_loss), [0.5]);
    // A dead run's trials come back, with the processes they left; complete ones stay complete.
    await s.commit(r1, { started: [{ trialId: claimed[1].id, process: { pgid: 77 } }] });
    const recovered = await s.recoverTrials(sw.id, dead);
    assert.equal(recovered.requeued, 2);
    assert.deepEqual(recovered.processes, [{ pgid: 77 }]);
    assert.equal((await s.runs(sw.id))[0].status, 'failed');
    assert.equal((await s.counts(sw.id)).complete, 1);
    const r2 = await s.beginRun(sw.id, runInfo);
    assert.deepEqual((await s.claimTrials(sw.id, r2, 10)).map((t) => t.configHash).sort(), ['h2', 'h3']);
    assert.deepEqual(await complete(s, r1, claimed[1].id, 1, 0.2), [claimed[1].id], 'the dead run cannot write any more');
    // A run that ended without releasing its trials (its database refused the write) holds them no more.
    await s.endRun(r2, 'failed');
    assert.equal((await s.recoverTrials(sw.id, alive)).requeued, 2);
    await s.close();
  });

  test(`${name}: a live run keeps its trials; failed and interrupted ones are retried with a new attempt`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('d'));
    await s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3'), trial('h4')]);
    const r = await s.beginRun(sw.id, runInfo);
    const [t1, t2, t3, t4] = await s.claimTrials(sw.id, r, 4);
    const outcomes: Outcome[] = [
      { trialId: t1.id, state: 'failed', error: 'boom', durationMs: 3 },
      { trialId: t2.id, state: 'interrupted', error: 'stopped', durationMs: null },
    ];
    await s.commit(r, { started: [{ trialId: t1.id }, { trialId: t2.id }, { trialId: t3.id }], outcomes });
    assert.equal((await s.trial(sw.id, t1.number))!.error, 'boom');
    assert.equal((await s.recoverTrials(sw.id, alive)).requeued, 2);
    assert.equal((await s.trial(sw.id, t3.number))!.state, 'running');
    assert.equal(await s.releaseRun(r), 2, 'one running trial interrupted, one queued trial back to waiting');
    assert.equal((await s.trial(sw.id, t3.number))!.state, 'interrupted');
    const t4after = (await s.trial(sw.id, t4.number))!;
    assert.deepEqual([t4after.state, t4after.attempts], ['waiting', 0], 'a queued trial that never started keeps its attempt count');
    const again = await s.beginRun(sw.id, runInfo);
    const retried = await s.claimTrials(sw.id, again, 10);
    assert.deepEqual(retried.map((t) => [t.number, t.attempts]), [[1, 2], [2, 2], [4, 1]]);
    assert.equal(retried[0].error, null);
    await s.endRun(again, 'finished');
    assert.equal(await s.heartbeat(r), true);
    assert.equal(await s.heartbeat(again), false, 'an ended run has no lease to renew');
    await s.endRun(again, 'failed');
    const runs = await s.runs(sw.id);
    assert.deepEqual(runs.map((x) => x.status), ['running', 'finished'], 'an ended run keeps its status');
    assert.ok(runs[1].endedAt);
    assert.ok(runs[0].heartbeatAgeMs >= 0 && runs[0].heartbeatAgeMs < 60_000, `heartbeat age ${runs[0].heartbeatAgeMs} ms`);
    await s.close();
  });

  test(`${name}: a queue job's trials are claimed by id when waiting or interrupted, never when held or decided`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('j'));
    const other = await s.createSweep(sweepInput('k'));
    await s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3'), trial('h4')]);
    await s.addTrials(other.id, [trial('x')]);
    const [t1, t2, t3] = await s.trials(sw.id);
    const [x] = await s.trials(other.id);
    const r1 = await s.beginRun(sw.id, runInfo);
    const claimed = await s.claimTrialIds(sw.id, r1, [t3.id, t1.id, x.id]);
    assert.deepEqual(claimed.map((t) => [t.number, t.state, t.attempts, t.runId]), [[1, 'queued', 1, r1], [3, 'queued', 1, r1]], 'in number order, only this sweep\'s');
    const r2 = await s.beginRun(sw.id, runInfo);
    assert.deepEqual(await s.claimTrialIds(sw.id, r2, [t1.id, t3.id]), [], 'a job delivered twice finds its trials held');
    await complete(s, r1, t1.id, 1, 0.5);
    await s.commit(r1, { started: [{ trialId: t3.id }], outcomes: [{ trialId: t3.id, state: 'interrupted', error: 'stopped', durationMs: null }] });
    const again = await s.claimTrialIds(sw.id, r2, [t1.id, t2.id, t3.id]);
    assert.deepEqual(again.map((t) => [t.number, t.attempts, t.error]), [[2, 1, null], [3, 2, null]], 'the complete one stays complete; the interrupted one is retried');
    await s.commit(r2, { outcomes: [{ trialId: t2.id, state: 'failed', error: 'boom', durationMs: 1 }] });
    assert.deepEqual(await s.claimTrialIds(sw.id, r2, [t2.id]), [], 'a failed trial stays failed');
    assert.deepEqual(await s.claimTrialIds(sw.id, r2, []), []);
    await s.endRun(r2, 'failed');
    const [t4] = (await s.trials(sw.id, { state: 'waiting' }));
    assert.deepEqual(await s.claimTrialIds(sw.id, r2, [t4.id]), [], 'a run found dead claims nothing');
    assert.equal((await s.trial(sw.id, t4.number))!.state, 'waiting');
    await s.close();
  });

  test(`${name}: workers recover only stale trials, counting lost attempts, and give up after maxLost; a run clears the count`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('l'));
    await s.addTrials(sw.id, [trial('h1'), trial('h2'), trial('h3'), trial('h4')]);
    const [t1, t2, t3, t4] = await s.trials(sw.id);
    const lose = async () => {
      const r = await s.beginRun(sw.id, runInfo);
      const held = await s.claimTrialIds(sw.id, r, [t1.id, t2.id, t4.id]);
      // t4 is only queued (taken, never started): losing it costs no attempt.
      await s.commit(r, { started: held.filter((t) => t.id !== t4.id).map((t) => ({ trialId: t.id, process: { pgid: t.number } })) });
      await s.endRun(r, 'failed'); // a worker that died holding them
      assert.equal(await s.heartbeat(r), false, 'a run found dead learns it at its next heartbeat');
      return r;
    };
    const keeper = await s.beginRun(sw.id, runInfo);
    const [kept] = await s.claimTrialIds(sw.id, keeper, [t3.id]);
    await s.commit(keeper, { outcomes: [{ trialId: kept.id, state: 'failed', error: 'boom', durationMs: 1 }] });
    await lose();
    let r = await s.recoverTrials(sw.id, alive, { staleOnly: true, maxLost: 2 });
    assert.deepEqual([r.requeued, r.gaveUp], [3, 0]);
    assert.deepEqual(r.processes.map((p) => p.pgid).sort(), [1, 2]);
    assert.equal((await s.trial(sw.id, 3))!.state, 'failed', 'a failed trial is not the workers\' to retry');
    await lose();
    r = await s.recoverTrials(sw.id, alive, { staleOnly: true, maxLost: 2 });
    assert.deepEqual([r.requeued, r.gaveUp], [1, 2]);
    assert.equal((await s.trial(sw.id, 4))!.state, 'waiting', 'the never-started trial is not given up');
    const given = (await s.trial(sw.id, 1))!;
    assert.equal(given.state, 'failed');
    assert.match(given.error!, /^gave up: its worker was lost 2 times/);
    assert.deepEqual(await s.claimTrialIds(sw.id, keeper, [t1.id]), [], 'it stays failed');
    // Running the sweep again retries everything, with the count cleared.
    assert.equal((await s.recoverTrials(sw.id, alive)).requeued, 3);
    await lose();
    r = await s.recoverTrials(sw.id, alive, { staleOnly: true, maxLost: 2 });
    assert.deepEqual([r.requeued, r.gaveUp], [3, 0], 'a fresh count after the run');
    await s.close();
  });

  test(`${name}: points are kept per attempt, in report order, and readers see the latest attempt only`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('pts'));
    await s.addTrials(sw.id, [trial('h1'), trial('h2')]);
    const r1 = await s.beginRun(sw.id, runInfo);
    const [a, b] = await s.claimTrials(sw.id, r1, 2);
    await s.commit(r1, {
      started: [{ trialId: a.id }],
      points: [
        { trialId: a.id, attempt: 1, seq: 0, point: point(1, { train_loss: 2, val_loss: 1.5, custom_metric: 7 }) },
        { trialId: a.id, attempt: 1, seq: 1, point: { epoch: null, step: 40, values: { train_loss: Number.NaN, big: Infinity } } },
        { trialId: b.id, attempt: 2, seq: 0, point: point(1, { val_loss: 9 }) },
      ],
    });
    const pts = await s.points([a.id, b.id]);
    assert.deepEqual(pts.get(a.id)![0], { epoch: 1, step: null, values: { train_loss: 2, val_loss: 1.5, custom_metric: 7 } });
    assert.equal(pts.get(a.id)![1].step, 40);
    assert.ok(Number.isNaN(pts.get(a.id)![1].values.train_loss), 'NaN reads back as NaN');
    assert.equal(pts.get(a.id)![1].values.big, Infinity);
    assert.deepEqual(pts.get(b.id), [], 'a point for an attempt the run does not hold is dropped');
    // The run dies; the re-run's points replace the killed attempt's in what readers see.
    await s.recoverTrials(sw.id, dead);
    const r2 = await s.beginRun(sw.id, runInfo);
    const [again] = await s.claimTrials(sw.id, r2, 1);
    assert.equal(again.attempts, 2);
    assert.deepEqual((await s.points([a.id])).get(a.id), [], 'the killed attempt is not shown');
    await s.commit(r2, { started: [{ trialId: a.id }], points: [{ trialId: a.id, attempt: 2, seq: 0, point: point(1, { val_loss: 0.25 }) }] });
    assert.deepEqual((await s.points([a.id])).get(a.id)!.map((p) => p.values), [{ val_loss: 0.25 }]);
    await s.close();
  });

  test(`${name}: a cohort claim takes waiting trials with the first one's seed, in number order`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('co'));
    await s.addTrials(sw.id, [trial('a', 0, undefined, 1), trial('a', 1, undefined, 2), trial('b', 0, undefined, 1), trial('b', 1, undefined, 2), trial('c', 0, undefined, 1)]);
    const r = await s.beginRun(sw.id, runInfo);
    assert.deepEqual((await s.claimTrials(sw.id, r, 2, { sameSeed: true })).map((t) => t.number), [1, 3]);
    assert.deepEqual((await s.claimTrials(sw.id, r, 5, { sameSeed: true })).map((t) => t.number), [2, 4]);
    assert.deepEqual((await s.claimTrials(sw.id, r, 5, { sameSeed: true })).map((t) => t.number), [5]);
    await s.close();
  });

  test(`${name}: prioritiseTrials moves waiting trials to the front of the claims in the order given, ahead of earlier moves, without renumbering; held, final and other sweeps' trials stay`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('prio'));
    const other = await s.createSweep(sweepInput('prio-other'));
    await s.addTrials(sw.id, ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((h) => trial(h)));
    await s.addTrials(other.id, [trial('z')]);
    const before = await s.trials(sw.id);
    const id = (n: number) => before[n - 1].id;
    assert.deepEqual(before.map((t) => t.claimOrder), [0, 0, 0, 0, 0, 0, 0], 'every trial starts at claim order 0');
    const r = await s.beginRun(sw.id, runInfo);
    const one = async () => (await s.claimTrials(sw.id, r, 1)).map((t) => t.number);
    assert.deepEqual(await one(), [1], 'number order by default');
    assert.deepEqual(await complete(s, r, id(1), 1, 0.5), []);
    assert.deepEqual(await one(), [2]);
    // 1 is complete, 2 is held: neither moves; nor does another sweep's trial.
    assert.equal(await s.prioritiseTrials(sw.id, [id(6), id(1), id(2), id(4), (await s.trials(other.id))[0].id]), 2);
    assert.equal(await s.prioritiseTrials(sw.id, [id(7)]), 1, 'a later move goes ahead of the earlier ones');
    assert.equal(await s.prioritiseTrials(sw.id, []), 0);
    assert.deepEqual((await s.trials(sw.id)).map((t) => [t.number, t.configHash]), before.map((t) => [t.number, t.configHash]), 'numbers never change');
    assert.deepEqual((await s.trials(other.id)).map((t) => t.claimOrder), [0]);
    const order: number[] = [];
    for (let i = 0; i < 5; i++) order.push(...await one());
    assert.deepEqual(order, [7, 6, 4, 3, 5]);
    assert.deepEqual(await one(), []);
    await s.close();
  });

  test(`${name}: a cohort claim follows the claim order: the first waiting trial's seed, that seed's trials in claim order`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('prio-co'));
    await s.addTrials(sw.id, [trial('a', 0, undefined, 1), trial('b', 0, undefined, 2), trial('c', 0, undefined, 1), trial('d', 0, undefined, 2), trial('e', 0, undefined, 2)]);
    const t = await s.trials(sw.id);
    assert.equal(await s.prioritiseTrials(sw.id, [t[4].id, t[1].id]), 2);
    const r = await s.beginRun(sw.id, runInfo);
    // Seed 2 first (trial 5 leads), its moved trials before 4; a batch comes back in number order.
    assert.deepEqual((await s.claimTrials(sw.id, r, 2, { sameSeed: true })).map((x) => x.number), [2, 5]);
    // Then the first unmoved trial, 1, leads: seed 1.
    assert.deepEqual((await s.claimTrials(sw.id, r, 5, { sameSeed: true })).map((x) => x.number), [1, 3]);
    assert.deepEqual((await s.claimTrials(sw.id, r, 5, { sameSeed: true })).map((x) => x.number), [4]);
    await s.close();
  });

  test(`${name}: prioritiseTrials while runs are claiming: every trial is claimed exactly once, and a trial claimed first is not moved`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('prio-race'));
    await s.addTrials(sw.id, Array.from({ length: 40 }, (_, i) => trial(`h${i}`)));
    const ids = (await s.trials(sw.id)).map((t) => t.id);
    const runs = await Promise.all([1, 2, 3].map(() => s.beginRun(sw.id, runInfo)));
    const claimed: number[] = [];
    // A claim may skip rows another transaction holds that instant (PostgreSQL's SKIP LOCKED): done when none waits.
    const claimAll = async (run: number) => {
      for (;;) {
        const got = await s.claimTrials(sw.id, run, 3);
        if (got.length === 0 && (await s.counts(sw.id)).waiting === 0) return;
        claimed.push(...got.map((t) => t.number));
      }
    };
    const [moved] = await Promise.all([s.prioritiseTrials(sw.id, [...ids].reverse()), ...runs.map(claimAll)]);
    assert.deepEqual([...claimed].sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i + 1), 'each trial once');
    const after = await s.trials(sw.id);
    assert.equal(after.filter((t) => t.claimOrder < 0).length, moved);
    assert.ok(after.every((t) => t.state === 'queued'));
    await s.close();
  });

  test(`${name}: ranking uses the mean over repeats and leaves out diverged and failed trials`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('e'));
    await s.addTrials(sw.id, [trial('good', 0), trial('good', 1), trial('mid'), trial('nan'), trial('failed'), trial('waiting')]);
    const r = await s.beginRun(sw.id, runInfo);
    const byHash = new Map<string, number[]>();
    for (const t of await s.claimTrials(sw.id, r, 5)) byHash.set(t.configHash, [...(byHash.get(t.configHash) ?? []), t.id]);
    await complete(s, r, byHash.get('good')![0], 1, 0.1);
    await complete(s, r, byHash.get('good')![1], 1, 0.3);
    await complete(s, r, byHash.get('mid')![0], 1, 0.25);
    await complete(s, r, byHash.get('nan')![0], 1, null, 'diverged');
    await s.commit(r, { outcomes: [{ trialId: byHash.get('failed')![0], state: 'failed', error: 'x', durationMs: 1 }] });
    const best = await s.bestConfigs(sw.id, 10);
    assert.deepEqual(best.map((b) => [b.rank, b.configHash, b.repeats]), [[1, 'good', 2], [2, 'mid', 1]]);
    assert.ok(Math.abs(best[0].objective - 0.2) < 1e-12);
    assert.ok(Math.abs(best[0].std! - Math.SQRT2 * 0.1) < 1e-12);
    assert.equal(best[0].bestTrialId, byHash.get('good')![0]);
    assert.equal(best[0].bestTrial, 1);
    assert.deepEqual(best[0].params, { schedule: 'cawr', cycle_mult: 1 });
    assert.equal(best[1].std, null);
    assert.equal((await s.trials(sw.id, { state: 'diverged' }))[0].objective, null);
    assert.equal((await s.bestConfigs(sw.id, 1)).length, 1);
    assert.deepEqual(await s.counts(sw.id), { waiting: 1, queued: 0, running: 0, complete: 3, diverged: 1, pruned: 0, failed: 1, interrupted: 0 });
    await s.close();
  });

  test(`${name}: maximize ranks the largest first`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('f', 'maximize'));
    await s.addTrials(sw.id, [trial('a'), trial('b')]);
    const r = await s.beginRun(sw.id, runInfo);
    const [a, b] = await s.claimTrials(sw.id, r, 2);
    await complete(s, r, a.id, 1, 0.7);
    await complete(s, r, b.id, 1, 0.9);
    assert.deepEqual((await s.bestConfigs(sw.id, 2)).map((x) => x.configHash), ['b', 'a']);
    await s.close();
  });

  /** A copied trial: final unless said, with points of two attempts. */
  const imported = (number: number, hash: string, over: Partial<ImportedTrial> = {}): ImportedTrial => ({
    number, configHash: hash, repeat: 0, params: { schedule: 'cawr', max_lr: 0.5, cycle_mult: 2 }, seed: 11, state: 'complete', objective: 0.125,
    attempts: 2, error: null, createdAt: '2024-03-01T10:00:00.123Z', startedAt: '2024-03-01T10:00:01.000Z', finishedAt: '2024-03-01T10:00:02.500Z',
    durationMs: 1500.25, provenance: { host: 'elsewhere', lrsweep: '0.1.0' },
    points: [
      { attempt: 1, seq: 0, point: point(1, { train_loss: 3, val_loss: 2 }) },
      { attempt: 2, seq: 0, point: point(1, { train_loss: 1, val_loss: Number.NaN }) },
      { attempt: 2, seq: 1, point: { epoch: null, step: 17, values: { val_loss: 0.125, big: -Infinity } } },
    ],
    ...over,
  });

  test(`${name}: an imported sweep keeps its status and times; an imported name that exists is rejected`, async () => {
    const s = await open();
    const sw = await s.importSweep({ ...sweepInput('imp'), status: 'cancelled', createdAt: '2024-01-02T03:04:05.678Z', updatedAt: '2024-02-03T04:05:06.789Z' });
    const back = (await s.getSweep('imp'))!;
    assert.deepEqual(back, sw);
    assert.deepEqual([back.status, back.createdAt, back.updatedAt, back.definition], ['cancelled', '2024-01-02T03:04:05.678Z', '2024-02-03T04:05:06.789Z', { name: 'imp', nested: { a: [1, 2] } }]);
    await assert.rejects(s.importSweep({ ...sweepInput('imp'), status: 'active', createdAt: back.createdAt, updatedAt: back.updatedAt }));
    await s.close();
  });

  test(`${name}: imported trials keep their numbers, states, results, times and every point of every attempt; importing again changes nothing`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('it'));
    const trials = [
      imported(1, 'a'),
      imported(2, 'b', { state: 'failed', objective: null, error: 'boom', attempts: 1, points: [] }),
      imported(5, 'c', { state: 'diverged', objective: null, error: 'diverged at epoch 1: train_loss is NaN', provenance: null }),
      imported(6, 'd', { state: 'waiting', objective: null, attempts: 0, startedAt: null, finishedAt: null, durationMs: null, provenance: null, points: [] }),
    ];
    assert.deepEqual(await s.importTrials(sw.id, trials), { added: 4, replaced: 0 });
    const back = await s.trials(sw.id);
    const fields = (t: ImportedTrial | (typeof back)[number]) => [t.number, t.configHash, t.repeat, t.params, t.seed, t.state, t.objective, t.attempts,
      t.error, t.createdAt, t.startedAt, t.finishedAt, t.durationMs, t.provenance];
    assert.deepEqual(back.map(fields), trials.map(fields));
    assert.ok(back.every((t) => t.runId === null && t.process === null));
    const all = await s.attemptPoints(back.map((t) => t.id));
    assert.deepEqual(all.get(back[0].id)!.map((p) => [p.attempt, p.seq, p.point.epoch, p.point.step]), [[1, 0, 1, null], [2, 0, 1, null], [2, 1, null, 17]]);
    assert.deepEqual(all.get(back[0].id)![0].point.values, { train_loss: 3, val_loss: 2 });
    assert.ok(Number.isNaN(all.get(back[0].id)![1].point.values.val_loss), 'NaN reads back as NaN');
    assert.equal(all.get(back[0].id)![2].point.values.big, -Infinity);
    assert.deepEqual(all.get(back[1].id), []);
    assert.deepEqual((await s.points([back[0].id])).get(back[0].id)!.map((p) => p.step), [null, 17], 'readers see the latest attempt');
    assert.deepEqual(await s.importTrials(sw.id, trials), { added: 0, replaced: 0 });
    assert.deepEqual((await s.trials(sw.id)).map(fields), trials.map(fields));
    assert.equal((await s.attemptPoints([back[0].id])).get(back[0].id)!.length, 3, 'no point doubled');
    // Registering after an import numbers after the last trial.
    assert.equal(await s.addTrials(sw.id, [trial('a'), trial('e')]), 1);
    assert.equal((await s.trial(sw.id, 7))!.configHash, 'e');
    assert.deepEqual((await s.bestConfigs(sw.id, 5)).map((b) => [b.configHash, b.bestTrial]), [['a', 1]]);
    await s.close();
  });

  test(`${name}: an import fills in a result the store lacks, but never overwrites a result or a trial a run holds`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('merge'));
    await s.addTrials(sw.id, [trial('w'), trial('f'), trial('done'), trial('held')]);
    const r = await s.beginRun(sw.id, runInfo);
    const [, f, done, held] = await s.claimTrials(sw.id, r, 4).then((c) => c.sort((a, b) => a.number - b.number));
    await s.releaseRun(r); // all back to waiting
    const r2 = await s.beginRun(sw.id, runInfo);
    const again = await s.claimTrials(sw.id, r2, 4);
    const idOf = (n: number) => again.find((t) => t.number === n)!.id;
    await s.commit(r2, { outcomes: [{ trialId: idOf(1), state: 'interrupted', error: 'stopped', durationMs: null }] });
    await s.commit(r2, { outcomes: [{ trialId: idOf(f.number), state: 'failed', error: 'boom', durationMs: 1 }] });
    await complete(s, r2, idOf(done.number), 1, 0.9);
    await s.commit(r2, { started: [{ trialId: idOf(held.number) }] });
    await s.recoverTrials(sw.id, alive); // the interrupted trial -> waiting; the failed one too
    const result = await s.importTrials(sw.id, [imported(1, 'w'), imported(2, 'f'), imported(3, 'done', { objective: 0.1 }), imported(4, 'held')]);
    assert.deepEqual(result, { added: 0, replaced: 2 });
    const after = await s.trials(sw.id);
    assert.deepEqual(after.map((t) => [t.number, t.state, t.objective, t.attempts]), [[1, 'complete', 0.125, 2], [2, 'complete', 0.125, 2], [3, 'complete', 0.9, 1], [4, 'running', null, 1]]);
    assert.deepEqual((await s.attemptPoints([after[0].id])).get(after[0].id)!.map((p) => [p.attempt, p.seq]), [[1, 0], [2, 0], [2, 1]], 'its points replaced');
    assert.deepEqual(await s.commit(r2, { outcomes: [{ trialId: idOf(held.number), state: 'complete', objective: 0.3, durationMs: 2 }] }), [], 'the run still holds its trial');
    await s.close();
  });

  test(`${name}: an import that would renumber a trial is refused whole, with the numbers in the message`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('conflict'));
    await s.addTrials(sw.id, [trial('aaaa'), trial('bbbb')]);
    await assert.rejects(s.importTrials(sw.id, [imported(3, 'new'), imported(2, 'cccc')]),
      { name: 'ImportConflictError', message: /there trial 2 is config bbbb repeat 0; in the copy trial 2 is config cccc repeat 0/ });
    await assert.rejects(s.importTrials(sw.id, [imported(1, 'bbbb')]),
      { name: 'ImportConflictError', message: /there config bbbb repeat 0 is trial 2; in the copy trial 1 is config bbbb repeat 0/ });
    assert.deepEqual((await s.trials(sw.id)).map((t) => t.configHash), ['aaaa', 'bbbb'], 'nothing was written');
    await s.close();
  });
  test(`${name}: a page of trials (limit, offset) comes in number order, with or without a state, and bad bounds are refused`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('page'));
    await s.addTrials(sw.id, Array.from({ length: 10 }, (_, i) => trial(`p${i}`)));
    const run = await s.beginRun(sw.id, runInfo);
    for (const t of await s.claimTrials(sw.id, run, 10)) if (t.number % 2 === 0) await complete(s, run, t.id, 1, t.number);
    const numbers = async (filter: Parameters<Storage['trials']>[1]) => (await s.trials(sw.id, filter)).map((t) => t.number);
    assert.deepEqual(await numbers({ limit: 3 }), [1, 2, 3]);
    assert.deepEqual(await numbers({ limit: 3, offset: 8 }), [9, 10]);
    assert.deepEqual(await numbers({ offset: 7 }), [8, 9, 10]);
    assert.deepEqual(await numbers({ limit: 0 }), []);
    assert.deepEqual(await numbers({ state: 'complete', limit: 2, offset: 1 }), [4, 6]);
    assert.deepEqual(await numbers({ numbers: [9, 2, 5, 7], limit: 2, offset: 1 }), [5, 7]);
    assert.deepEqual(await numbers({ numbers: [9, 2, 5], state: 'complete' }), [2]);
    await assert.rejects(s.trials(sw.id, { limit: -1 }), { name: 'RangeError', message: 'trials: limit must be a non-negative integer, got -1' });
    await assert.rejects(s.trials(sw.id, { offset: 1.5 }), { name: 'RangeError', message: 'trials: offset must be a non-negative integer, got 1.5' });
    await s.close();
  });

  test(`${name}: the best single trial's objective follows the sweep's goal and ignores trials that are not complete`, async () => {
    const s = await open();
    const min = await s.createSweep(sweepInput('bmin'));
    const max = await s.createSweep(sweepInput('bmax', 'maximize'));
    for (const sw of [min, max]) {
      assert.equal(await s.bestTrialObjective(sw.id), null, 'nothing complete yet');
      await s.addTrials(sw.id, [trial('a'), trial('b'), trial('c'), trial('d')]);
      const run = await s.beginRun(sw.id, runInfo);
      const [a, b, c, d] = await s.claimTrials(sw.id, run, 4);
      await complete(s, run, a.id, 1, 0.5);
      await complete(s, run, b.id, 1, 0.25);
      await complete(s, run, c.id, 1, null, 'diverged');
      await s.commit(run, { outcomes: [{ trialId: d.id, state: 'failed', error: 'boom', durationMs: 1 }] });
    }
    assert.equal(await s.bestTrialObjective(min.id), 0.25);
    assert.equal(await s.bestTrialObjective(max.id), 0.5);
    await s.close();
  });

  test(`${name}: a pruned trial is final: kept with its points, last value and reason; never claimed, recovered, removed or overwritten by an import; never ranked`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('pr'));
    await s.addTrials(sw.id, [trial('a'), trial('b')]);
    const run = await s.beginRun(sw.id, runInfo);
    const [a, b] = await s.claimTrials(sw.id, run, 2);
    await complete(s, run, a.id, 1, 0.5);
    await s.commit(run, {
      started: [{ trialId: b.id }],
      points: [{ trialId: b.id, attempt: 1, seq: 0, point: { epoch: 1, step: 9, values: { val_loss: 0.25 } } }],
      outcomes: [{ trialId: b.id, state: 'pruned', objective: 0.25, durationMs: 3, note: 'pruned at step 9' }],
    });
    assert.deepEqual(await s.commit(run, { outcomes: [{ trialId: b.id, state: 'complete', objective: 0.1, durationMs: 1 }] }), [b.id], 'a decided trial is not overwritten');
    await s.endRun(run, 'failed');
    await s.recoverTrials(sw.id, () => false);
    const pruned = (await s.trial(sw.id, 2))!;
    assert.deepEqual([pruned.state, pruned.objective, pruned.error, pruned.attempts], ['pruned', 0.25, 'pruned at step 9', 1]);
    assert.deepEqual((await s.points([b.id])).get(b.id), [{ epoch: 1, step: 9, values: { val_loss: 0.25 } }]);
    const again = await s.beginRun(sw.id, runInfo);
    assert.deepEqual(await s.claimTrials(sw.id, again, 10), []);
    assert.deepEqual(await s.claimTrialIds(sw.id, again, [b.id]), []);
    assert.equal(await s.removeTrials(sw.id, [b.id]), 0);
    assert.deepEqual(await s.importTrials(sw.id, [imported(2, 'b', { objective: 0.1 })]), { added: 0, replaced: 0 }, 'an import never overwrites it');
    assert.equal((await s.trial(sw.id, 2))!.state, 'pruned');
    assert.deepEqual((await s.bestConfigs(sw.id, 10)).map((c) => c.configHash), ['a']);
    assert.equal(await s.bestTrialObjective(sw.id), 0.5);
    assert.deepEqual(await s.trials(sw.id, { state: 'pruned' }).then((ts) => ts.map((t) => t.number)), [2]);
    await s.close();
  });

  test(`${name}: removeTrials removes waiting, failed and stale trials with their points, never final or held ones, and their numbers are never given again`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('rm'));
    const other = await s.createSweep(sweepInput('rm-other'));
    await s.addTrials(sw.id, [trial('a'), trial('b'), trial('c'), trial('d'), trial('e')]);
    await s.addTrials(other.id, [trial('a')]);
    const run = await s.beginRun(sw.id, runInfo);
    const [a, b, c, d] = await s.claimTrials(sw.id, run, 4);
    await complete(s, run, a.id, 1, 0.5);
    await s.commit(run, {
      points: [{ trialId: b.id, attempt: 1, seq: 0, point: point(1, { val_loss: 1 }) }],
      outcomes: [{ trialId: b.id, state: 'failed', error: 'boom', durationMs: 1 }],
    });
    await s.commit(run, { started: [{ trialId: c.id }] });
    await complete(s, run, d.id, 1, null, 'diverged');
    const [otherTrial] = await s.trials(other.id);
    const all = (await s.trials(sw.id)).map((t) => t.id);
    assert.equal(await s.removeTrials(sw.id, [...all, otherTrial.id]), 2, 'the failed and the waiting trial (not the other sweep\'s)');
    assert.deepEqual((await s.trials(sw.id)).map((t) => [t.number, t.state]), [[1, 'complete'], [3, 'running'], [4, 'diverged']]);
    assert.deepEqual((await s.points([b.id])).get(b.id), [], 'its points went with it');
    assert.equal((await s.trials(other.id)).length, 1);
    await s.endRun(run, 'failed'); // the run died: its running trial is stale, and may go
    assert.equal(await s.removeTrials(sw.id, [c.id]), 1);
    assert.equal(await s.addTrials(sw.id, [trial('b'), trial('f')]), 2);
    assert.deepEqual((await s.trials(sw.id)).map((t) => [t.number, t.configHash]), [[1, 'a'], [4, 'd'], [6, 'b'], [7, 'f']],
      'numbered after the highest number the sweep gave, 5, though trial 5 is gone');
    assert.equal(await s.removeTrials(sw.id, []), 0);
    await s.close();
  });

  test(`${name}: deleteSweep removes a sweep's trials, points and runs, leaves other sweeps alone, and removes nothing while a live run works on it`, async () => {
    const s = await open();
    const sw = await s.createSweep(sweepInput('del'));
    const keep = await s.createSweep(sweepInput('keep'));
    for (const x of [sw, keep]) await s.addTrials(x.id, [trial('a'), trial('b')]);
    const run = await s.beginRun(sw.id, runInfo);
    const [a] = await s.claimTrials(sw.id, run, 1);
    await complete(s, run, a.id, 1, 0.5);
    const kept = await s.beginRun(keep.id, runInfo);
    const [k] = await s.claimTrials(keep.id, kept, 1);
    await complete(s, kept, k.id, 1, 0.7);
    const refused = await s.deleteSweep(sw.id, alive);
    assert.equal(refused.deleted, false);
    assert.deepEqual(!refused.deleted && refused.live.map((r) => [r.id, r.status]), [[run, 'running']]);
    assert.equal((await s.trials(sw.id)).length, 2, 'nothing removed');
    assert.deepEqual(await s.deleteSweep(sw.id, dead), { deleted: true, trials: 2 });
    assert.equal(await s.getSweep('del'), null);
    assert.deepEqual(await s.trials(sw.id), []);
    assert.deepEqual(await s.runs(sw.id), []);
    assert.deepEqual((await s.points([a.id])).get(a.id), []);
    assert.deepEqual((await s.attemptPoints([a.id])).get(a.id), []);
    assert.deepEqual((await s.listSweeps()).map((x) => x.name), ['keep']);
    assert.equal((await s.trials(keep.id)).length, 2);
    assert.equal((await s.points([k.id])).get(k.id)!.length, 1);
    // The name can be used again, for a sweep that starts from trial 1.
    const again = await s.createSweep(sweepInput('del'));
    await s.addTrials(again.id, [trial('z')]);
    assert.deepEqual((await s.trials(again.id)).map((t) => [t.number, t.state]), [[1, 'waiting']]);
    await s.close();
  });
}
