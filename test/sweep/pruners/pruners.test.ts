// Pruners: replay of hand-made sweeps with known curves (exact saved share and survivors), cycle
// ends against fixed steps on curves that spike after each restart, the spec's rules (sweep file
// and flag), identity, and determinism.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../../../src/core/errors.js';
import { checkSweep, SweepFileError } from '../../../src/sweep/file.js';
import { identity, type Config } from '../../../src/sweep/definition.js';
import { judge, prunerOf, type PrunerSpec } from '../../../src/sweep/pruners/index.js';
import { FLAT, readingsOf, timelineOf, type Timeline } from '../../../src/sweep/pruners/readings.js';
import { prunerFlag } from '../../../src/sweep/pruners/spec.js';
import { replay, type RecordedTrial } from '../../../src/sweep/replay.js';
import { resolveSchedule } from '../../../src/schedule/schedule.js';
import { fromReferenceNames } from '../../../src/schedule/params.js';
import { runCli } from '../../helpers/cli.js';

const pruner = (text: string) => prunerOf(prunerFlag(text, 400)!);

/** A trial reporting every `every` steps up to `steps`, its value f(step). */
function trial(number: number, config: string, f: (s: number) => number, o: { steps: number; every: number; timeline?: Timeline }): RecordedTrial {
  const points = [];
  for (let s = o.every; s <= o.steps; s += o.every) points.push({ step: s, value: f(s) });
  return { number, configHash: config, points, timeline: o.timeline ?? FLAT, state: 'complete', final: f(o.steps) };
}

test('replay of a hand-made sweep: median at steps stops the two losing trials at their first point (saved 45%, kept A and C)', () => {
  const o = { steps: 100, every: 10 };
  const trials = [
    trial(1, 'A', (s) => 1 - 0.005 * s, o), // no complete trial yet: never judged
    trial(2, 'B', (s) => 2 - 0.005 * s, o), // 1.95 at step 10 > A's 0.95: stopped there
    trial(3, 'C', (s) => 0.5 - 0.004 * s, o), // better than every median: kept, the best
    trial(4, 'D', (s) => 1.2 - 0.01 * s, o), // 1.1 at step 10 > median(0.95, 0.46) = 0.705: stopped
  ];
  const r = replay(trials, pruner('median:at=steps,startup_trials=1'), { workers: 1, steps: 100, goal: 'minimize' });
  assert.deepEqual(r.pruned.map((p) => [p.number, p.step]), [[2, 10], [4, 10]]);
  assert.equal(r.totalSteps, 400);
  assert.equal(r.spentSteps, 220);
  assert.equal(r.saved, 1 - 220 / 400);
  assert.deepEqual(r.keptConfigs, ['A', 'C']);
  assert.equal(r.trueBest, 'C');
  assert.equal(r.bestSurvived, true);
  assert.equal(r.regret, 0);
  assert.match(r.pruned[1].reason, /^median: its best reading by step 10, 1\.1, is worse than the median 0\.705 of 2 complete trials there$/);
  // maximize: the same curves negated give the same decisions
  const negated = trials.map((t) => ({ ...t, points: t.points.map((p) => ({ step: p.step, value: -p.value })), final: -t.final! }));
  const m = replay(negated, pruner('median:at=steps,startup_trials=1'), { workers: 1, steps: 100, goal: 'maximize' });
  assert.deepEqual(m.pruned.map((p) => p.number), [2, 4]);
  assert.equal(m.trueBest, 'C');
});

test('replay with two simulated workers: a trial is judged only against what had happened by its point', () => {
  const o = { steps: 100, every: 10 };
  const trials = [trial(1, 'A', (s) => 1 - 0.005 * s, o), trial(2, 'B', (s) => 2 - 0.005 * s, o), trial(3, 'C', (s) => 3 - 0.005 * s, o)];
  // 1 and 2 run side by side: 2 has no complete trial to compare with and runs to its end; 3 starts at
  // step 100 of the clock, when 1 and 2 are complete, and is stopped at its first point.
  const r = replay(trials, pruner('median:at=steps,startup_trials=1'), { workers: 2, steps: 100, goal: 'minimize' });
  assert.deepEqual(r.pruned.map((p) => [p.number, p.step]), [[3, 10]]);
  assert.equal(r.spentSteps, 210);
});

// A cawr schedule of four 100-step cycles over 400 steps, and curves that spike after each restart.
const STEPS = 400;
const restartConfig = { schedule: 'cawr', first_cycle_steps: 100, cycle_mult: 1, max_lr: 0.1, min_lr: 0.001, warmup_steps: 0, gamma: 1 } as unknown as Config;
const spiky = (s: number) => {
  const base = [0.45, 0.25, 0.12, 0.05];
  const c = Math.min(3, Math.floor((s - 1) / 100));
  const u = s - 100 * c; // steps into its cycle, 1..100
  return base[c] + (1 - u / 100);
};

test('readings at cycle ends: a restart schedule is read only at the last point before each of its cycle ends, never after a restart', () => {
  const timeline = timelineOf(restartConfig, STEPS);
  assert.equal(timeline.restarts, true);
  const every = 30; // points at 30, 60, 90, 120, ... fall off the cycle ends (100, 200, 300, 400 only partly)
  const points = [];
  for (let s = every; s <= STEPS; s += every) points.push({ step: s, value: spiky(s) });
  const readings = readingsOf(points, timeline, 'cycle_ends');
  // 390 is the last point before the end at 400, but no later point confirms it (the trial ends there)
  assert.deepEqual(readings.map((r) => r.step), [90, 180, 300]);
  const schedule = resolveSchedule(fromReferenceNames(restartConfig));
  for (const r of readings) {
    const end = Math.ceil(r.step / 100) * 100;
    // no restart between the reading's last LR step and its cycle's end
    assert.equal(schedule.restarts({ start: r.step - 1, steps: end - r.step + 1 }), 0, `reading at ${r.step}`);
  }
  // a cycle with no point inside it gives no reading
  const sparse = readingsOf([{ step: 50, value: 1 }, { step: 250, value: 1 }, { step: 400, value: 1 }], timeline, 'cycle_ends');
  assert.deepEqual(sparse.map((r) => r.step), [50, 250, 400]);
  const none = readingsOf([{ step: 150, value: 1 }, { step: 350, value: 1 }], timeline, 'cycle_ends');
  assert.deepEqual(none.map((r) => r.step), [150]);
  // a schedule without restarts is read only where its one cycle ends
  const flat = timelineOf({ ...restartConfig, first_cycle_steps: 400 } as Config, STEPS);
  assert.equal(flat.restarts, false);
  const whole = [...points, { step: 400, value: 0 }];
  assert.deepEqual(readingsOf(whole, flat, 'cycle_ends').map((r) => r.step), [400]);
  assert.equal(readingsOf(whole, flat, 'steps').length, whole.length);
  // after max_cycles the LR stays at its floor: every point there is a reading
  const capped = timelineOf({ ...restartConfig, max_cycles: 2 } as Config, STEPS);
  assert.deepEqual(readingsOf(points, capped, 'cycle_ends').map((r) => r.step), [90, 180, 210, 240, 270, 300, 330, 360, 390]);
});

test('curves that spike after each restart: at steps the pruners stop the eventual best, at cycle ends they keep it', () => {
  const o = { steps: STEPS, every: 20 };
  const flat = timelineOf({ ...restartConfig, first_cycle_steps: 400 } as Config, STEPS);
  const trials = [
    trial(1, 'S1', (s) => 0.6 - 0.0012 * s, { ...o, timeline: flat }),
    trial(2, 'S2', (s) => 0.62 - 0.0012 * s, { ...o, timeline: flat }),
    trial(3, 'R', spiky, { ...o, timeline: timelineOf(restartConfig, STEPS) }),
    trial(4, 'S3', (s) => 0.64 - 0.0012 * s, { ...o, timeline: flat }),
  ];
  const run = (text: string) => replay(trials, pruner(text), { workers: 1, steps: STEPS, goal: 'minimize' });
  const steps = run('median:at=steps,startup_trials=2');
  assert.deepEqual(steps.pruned.map((p) => [p.number, p.step]), [[3, 20], [4, 20]]);
  assert.equal(steps.trueBest, 'R');
  assert.equal(steps.bestSurvived, false);
  assert.ok(steps.regret! > 0);
  const ends = run('median:startup_trials=2');
  assert.deepEqual(ends.pruned.map((p) => p.number), []); // S3 has one cycle: read only at its end
  assert.equal(ends.bestSurvived, true);
  assert.equal(ends.regret, 0);
  const sha = (at: string) => run(`successive_halving:reduction=2,min_resource=90,at=${at}`);
  assert.ok(sha('steps').pruned.some((p) => p.number === 3), 'successive halving at steps stops R');
  assert.ok(!sha('cycle_ends').pruned.some((p) => p.number === 3), 'successive halving at cycle ends keeps R');
});

test('patience: a trial the wrapped pruner would stop goes on while it still improves', () => {
  const o = { steps: 100, every: 10 };
  const trials = [trial(1, 'A', (s) => 1 - 0.005 * s, o), trial(2, 'B', (s) => 2 - 0.01 * s, o)];
  const plain = replay(trials, pruner('median:at=steps,startup_trials=1'), { workers: 1, steps: 100, goal: 'minimize' });
  assert.deepEqual(plain.pruned.map((p) => p.number), [2]);
  const patient = replay(trials, pruner('median:at=steps,startup_trials=1,patience=2'), { workers: 1, steps: 100, goal: 'minimize' });
  assert.deepEqual(patient.pruned, []);
});

test('determinism: the same history gives the same decision, whatever the order of the other trials', () => {
  const views = Array.from({ length: 9 }, (_, i) => ({
    state: 'complete' as const, reached: 100, readings: [{ step: 50, value: 1 + ((i * 7) % 9) / 10 }, { step: 100, value: 0.5 + i / 10 }],
  }));
  const me = { state: 'running' as const, reached: 50, readings: [{ step: 50, value: 1.45 }] };
  for (const text of ['median:startup_trials=3', 'successive_halving:reduction=3,min_resource=50']) {
    const p = pruner(text);
    const first = judge(p, { trial: me, fresh: 1, others: views, steps: 100, sign: 1 });
    assert.notEqual(first, null, `${text} stops it`);
    for (let k = 0; k < 5; k++) {
      const shuffled = [...views].sort((a, b) => ((a.readings[0].value * 31 + k) % 1) - ((b.readings[0].value * 31 + k) % 1)).reverse();
      assert.equal(judge(p, { trial: me, fresh: 1, others: shuffled, steps: 100, sign: 1 }), first);
    }
  }
});

const base = { name: 'p', schedule: { first_cycle_steps: 20 }, parameters: { gamma: { values: [0.5, 0.9] } }, trainer: { kind: 'quadratic', epochs: 4, steps_per_epoch: 25 } };
const problemsOf = async (pruner: unknown) => {
  try {
    await checkSweep({ ...base, pruner });
  } catch (e) {
    assert.ok(e instanceof SweepFileError);
    return e.problems;
  }
  return [];
};

test('the sweep file\'s pruner key: bad specs are refused with the key, the rule and the value', async () => {
  assert.deepEqual(await problemsOf({ kind: 'successive_halving', reduction: 1 }), ['pruner.reduction: must be an integer >= 2, got 1']);
  assert.deepEqual(await problemsOf({ kind: 'nope' }), ['pruner.kind: must be one of median, successive_halving, law, got "nope"']);
  assert.deepEqual(await problemsOf('nope'), ['pruner: must be one of median, successive_halving, law, got "nope"']);
  assert.deepEqual(await problemsOf({ reduction: 3 }), ['pruner.kind: is required (one of median, successive_halving, law)']);
  assert.deepEqual(await problemsOf({ kind: 'median', at: 'epochs', warmup_steps: -1, bogus: 1 }), [
    'pruner.bogus: is not an option of pruner median (options: at, startup_trials, warmup_steps, min_trials, patience, min_delta)',
    'pruner.at: must be one of steps, cycle_ends, got "epochs"',
    'pruner.warmup_steps: must be an integer >= 0, got -1',
  ]);
  assert.deepEqual(await problemsOf({ kind: 'successive_halving', min_resource: 100 }), ["pruner.min_resource: must be below max_resource (100, the trainer's steps): no rung would be left, got 100"]);
  assert.deepEqual(await problemsOf({ kind: 'successive_halving', max_resource: 101 }), ["pruner.max_resource: must be at most the trainer's steps (100), got 101"]);
});

test('the pruner is stored canonically and is not part of the identity; a file without it stores no key', async () => {
  const without = (await checkSweep(base)).sweep;
  assert.equal('pruner' in without, false);
  const withDefaults = (await checkSweep({ ...base, pruner: { kind: 'median', startup_trials: 5, at: 'cycle_ends' } })).sweep;
  assert.deepEqual(withDefaults.pruner, { kind: 'median' } satisfies PrunerSpec);
  const changed = (await checkSweep({ ...base, pruner: { kind: 'successive_halving', reduction: 3, at: 'steps' } })).sweep;
  assert.deepEqual(changed.pruner, { kind: 'successive_halving', at: 'steps', reduction: 3 });
  assert.deepEqual(identity(changed), identity(without));
});

test('--pruner\'s short form: the same rules, naming the flag, the key, the rule and the value', () => {
  assert.deepEqual(prunerFlag('successive_halving:reduction=3,at=cycle_ends', 100), { kind: 'successive_halving', reduction: 3 });
  assert.equal(prunerFlag('none', 100), null);
  const refused = (text: string) => assert.throws(() => prunerFlag(text, 100), (e: Error) => e instanceof UsageError && (assert.equal(e.message, messages[text]), true));
  const messages: Record<string, string> = {
    'successive_halving:reduction=1': '--pruner reduction: must be an integer >= 2, got 1',
    'median:at': '--pruner: must be KIND or KIND:KEY=VALUE,... (for example successive_halving:reduction=3,at=cycle_ends); "at" is not KEY=VALUE, got "median:at"',
    'hyperband': '--pruner kind: must be one of median, successive_halving, law, got "hyperband"',
    'median:startup_trials=two': '--pruner startup_trials: must be an integer >= 0, got "two"',
    'median:min_trials=1,min_trials=2': '--pruner min_trials: is given twice, got "median:min_trials=1,min_trials=2"',
  };
  for (const text of Object.keys(messages)) refused(text);
});

test('lrsweep run --pruner with a bad spec exits 2 with one line naming the flag, the rule and the value', () => {
  const r = runCli(['run', 'no-such-file.yaml', '--pruner', 'successive_halving:reduction=1']);
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'lrsweep: --pruner reduction: must be an integer >= 2, got 1\n');
});

test('an older sweep stored without a pruner resumes unchanged with a file that adds one (the pruner is not identity)', async () => {
  const { compareWithStored } = await import('../../../src/sweep/register.js');
  const old = (await checkSweep(base)).sweep;
  const record = { id: 1, name: 'p', definition: JSON.parse(JSON.stringify(old)), file: null, metric: 'val_loss', goal: 'minimize', steps: 100, trainerHash: null, status: 'active', createdAt: '', updatedAt: '' } as const;
  const added = (await checkSweep({ ...base, pruner: { kind: 'median' } }));
  const { changes, sweep } = compareWithStored(record as never, added.sweep, { written: added.written, trainerHash: null });
  assert.deepEqual(changes, []);
  assert.deepEqual(sweep.pruner, { kind: 'median' });
  const same = await checkSweep(base);
  assert.deepEqual(compareWithStored(record as never, same.sweep, { written: same.written, trainerHash: null }).changes, []);
});

test('the live check: a point that confirms no reading is answered without reading storage; at a reading it judges the stored history, reading ended trials once', async () => {
  const { pruneCheck } = await import('../../../src/sweep/pruners/check.js');
  const sweep = (await checkSweep({ ...base, schedule: { first_cycle_steps: 25 }, pruner: { kind: 'median', startup_trials: 2, at: 'cycle_ends' } })).sweep;
  const config = { schedule: 'cawr', first_cycle_steps: 25, cycle_mult: 1, max_lr: 0.1, min_lr: 0.001, warmup_steps: 0, gamma: 1 };
  const stored = [1, 2].map((n) => ({ id: n, number: n, state: 'complete', configHash: 'h', params: config }));
  const calls = { trials: 0, points: 0 };
  const storage = {
    trials: async () => (calls.trials++, stored),
    points: async (ids: number[]) => (calls.points++, new Map(ids.map((id) => [id, [10, 25, 40, 50, 75, 100].map((s) => ({ epoch: null, step: s - 1, values: { val_loss: id === 1 ? 1 : 1.2 } }))]))),
  };
  const inner = pruneCheck({ storage: storage as never, sweepId: 1, sweep, steps: { perTrial: 100, perEpoch: 25 } })!;
  // The dispatcher's points are at the index of the last step taken (steps done - 1)
  const check = (trial: never, points: { step: number; value: number }[]) => inner(trial, points.map((p) => ({ step: p.step - 1, value: p.value })));
  const me = { id: 3, number: 3, state: 'running', configHash: 'h', params: config } as never;
  // step 10: mid-cycle, not a reading
  assert.equal(await check(me, [{ step: 10, value: 5 }]), null);
  assert.deepEqual(calls, { trials: 0, points: 0 });
  // step 25: a cycle end; 5 is worse than the median 1.1 of the two complete trials at 25
  assert.match((await check(me, [{ step: 10, value: 5 }, { step: 25, value: 5 }]))!, /^median: its best reading by step 25, 5, is worse than the median 1\.1 of 2 complete trials there$/);
  assert.deepEqual(calls, { trials: 1, points: 1 });
  // a good trial goes on; ended trials are not read again
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(await check(me, [{ step: 10, value: 5 }, { step: 25, value: 0.5 }]), null);
  assert.deepEqual(calls, { trials: 2, points: 1 });
  // its last step saves nothing: never stopped there
  assert.equal(await check(me, [{ step: 100, value: 9 }]), null);
});

test('--pruner on run and worker: the factory builds the file\'s pruner, the flag\'s in its place, or none', async () => {
  const { prunerFactory } = await import('../../../src/sweep/pruners/check.js');
  const withPruner = (await checkSweep({ ...base, pruner: { kind: 'median' } })).sweep;
  const without = (await checkSweep(base)).sweep;
  const c = (sweep: typeof base | object) => ({ storage: {} as never, sweepId: 1, sweep: sweep as never, steps: { perTrial: 100, perEpoch: 25 } });
  assert.equal(typeof prunerFactory(undefined)(c(withPruner)), 'function');
  assert.equal(prunerFactory(undefined)(c(without)), null);
  assert.equal(prunerFactory('none')(c(withPruner)), null);
  assert.equal(typeof prunerFactory('successive_halving:reduction=3')(c(without)), 'function');
});
