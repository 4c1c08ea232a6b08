// Lockstep cohorts through the run loop: grouping by seed in config order, members independent of
// their mates, a diverging member fenced off, resume re-running only unfinished members.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curve } from '../../src/schedule/curve.js';
import { runSweep } from '../../src/sweep/run.js';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const trainer = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));
const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-cohort-'));


const metric = (db: string, name: string) => new Map(queryDb(db, `SELECT t.number, m.value FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE m.name = '${name}'`)
  .map((r) => [r.number as number, r.value as number]));

test('a module trainer with trainCohort gets cohorts of budget.cohort_size in config order, and each member its own curve', async () => {
  const dir = workspace();
  const file = join(dir, 'c.yaml');
  writeFileSync(file, `name: c\nschedule: { first_cycle_steps: 10 }\nparameters: { max_lr: { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7] } }\nrepeats: 2\n` +
    `trainer: { kind: module, path: ${trainer('cohort.ts')} }\nbudget: { cohort_size: 3 }\n`);
  const db = join(dir, 'c.db');
  const report = await runSweep({ file, db, workers: 2 });
  assert.equal(report.counts.complete, 14);
  const members = metric(db, 'members');
  const means = metric(db, 'curve_mean');
  // Trials are numbered config-major (config 1 repeat 0, config 1 repeat 1, ...); a cohort is the
  // next trials with one seed, that is one repeat: 3, 3 and 1 configs per repeat.
  const byConfig = [3, 3, 3, 3, 3, 3, 1];
  for (let n = 1; n <= 14; n++) {
    assert.equal(members.get(n), byConfig[Math.floor((n - 1) / 2)], `trial ${n}`);
    const [p] = queryDb(db, `SELECT params FROM trials WHERE number = ${n}`);
    const params = JSON.parse(p.params as string);
    const lrs = curve({ schedule: 'cawr', firstCycleSteps: 10, maxLr: params.max_lr }, { steps: 30 });
    assert.equal(means.get(n), lrs.reduce((a, b) => a + b, 0) / 30, `trial ${n} got its own curve`);
  }
});

function mlpSweep(dir: string, name: string, budget: string, extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
schedule: { first_cycle_steps: 200, min_lr: 0.001 }
parameters:
  max_lr: { values: [0.05, 0.2, 1000000] }
  gamma: { values: [0.5, 0.9] }
trainer: { kind: mlp, samples: 200, features: 4, hidden: [16], epochs: 4, batch_size: 32 }
budget: ${budget}
${extra}`);
  return file;
}

test('members do not depend on their mates: cohorts of 6, 4 and 1 give the same numbers bit for bit; a diverging member is fenced off; equal curves give equal results', async () => {
  const dir = workspace();
  const objectives: Map<number, number>[] = [];
  const states: Record<string, unknown>[][] = [];
  for (const [name, size] of [['six', 6], ['four', 4], ['one', 1]] as const) {
    const db = join(dir, `${name}.db`);
    // cohort_size 1 is no lockstep: mlp.ts trains each trial alone.
    const report = await runSweep({ file: mlpSweep(dir, name, `{ cohort_size: ${size} }`), db, workers: 2 });
    assert.equal(report.counts.complete, 4, name);
    assert.equal(report.counts.diverged, 2, name);
    objectives.push(new Map(queryDb(db, "SELECT number, objective FROM trials WHERE state = 'complete'").map((r) => [r.number as number, r.objective as number])));
    states.push(queryDb(db, 'SELECT number, state, error FROM trials ORDER BY number'));
  }
  assert.deepEqual(objectives[0], objectives[1], 'cohorts of 6 and of 4: identical');
  for (const [n, v] of objectives[2]) assert.ok(Math.abs(v - objectives[0].get(n)!) <= 2e-5 * Math.abs(v), `trial ${n} alone: ${v} vs ${objectives[0].get(n)}`);
  assert.deepEqual(states[0], states[1]);
  for (const s of states[0]) {
    if (s.state === 'diverged') assert.match(s.error as string, /^diverged at epoch \d: (train_loss|val_loss) is NaN$/);
  }
  // first_cycle_steps 200 is past the trainer's 20 steps: one cycle, so gamma changes nothing and
  // the two gammas of one max_lr have equal curves, hence equal results.
  const o = objectives[0];
  assert.equal(o.get(1), o.get(2));
  assert.equal(o.get(3), o.get(4));
  assert.notEqual(o.get(1), o.get(3));
});

test('Ctrl-C in the middle of a cohort: its diverged member stays diverged, the others are re-run, and nothing complete is run again', async () => {
  const dir = workspace();
  const file = join(dir, 'slow.yaml');
  writeFileSync(file, `name: slow
schedule: { first_cycle_steps: 2000, min_lr: 0.001 }
parameters: { max_lr: { values: [0.05, 0.1, 0.2, 1000000] } }
trainer: { kind: mlp, samples: 600, features: 8, hidden: [64, 64], epochs: 40, batch_size: 16, engine: tfjs }
budget: { cohort_size: 4, workers: 1 }
`);
  // engine tfjs: slow enough (seconds) for the Ctrl-C to land mid-cohort; the wasm engine would
  // finish this sweep before the diverged member is seen.
  const db = join(dir, 'lrsweep.db');
  const { child, done, out } = startCli(['run', file], dir);
  const until = Date.now() + 120_000;
  const diverged = () => existsSync(db) && queryDb(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'diverged'")[0]?.n === 1;
  while (!(() => { try { return diverged(); } catch { return false; } })()) {
    assert.ok(Date.now() < until, 'the member with max_lr 1e6 diverges in its first epoch');
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGINT');
  assert.equal(await done, 130, out().stderr);
  const before = queryDb(db, 'SELECT number, state, attempts FROM trials ORDER BY number');
  assert.deepEqual(before.map((t) => t.state), ['interrupted', 'interrupted', 'interrupted', 'diverged']);
  const again = runCli(['run', file], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  const after = queryDb(db, 'SELECT number, state, attempts FROM trials ORDER BY number');
  assert.deepEqual(after.map((t) => [t.state, t.attempts]), [['complete', 2], ['complete', 2], ['complete', 2], ['diverged', 1]]);
});

test('Ctrl-C with cohorts: the cohort in training is interrupted (the message says so, and how far it got), the cohort queued behind it never started and goes back to waiting', async () => {
  const dir = workspace();
  // A cohort trainer that takes 0.3 s an epoch and stops when its signal fires.
  writeFileSync(join(dir, 'slow-cohort.mjs'), `export default {
  metrics: { val_loss: 'minimize' },
  usesTf: false,
  steps: () => 40,
  async train() { throw new Error('trained alone'); },
  async trainCohort(ctx) {
    for (let epoch = 1; epoch <= 40; epoch++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      if (ctx.signal.aborted) throw new Error('stopped');
      ctx.curves.forEach((curve, k) => ctx.report(k, { epoch }, { val_loss: curve[epoch - 1] }));
    }
  },
};
`);
  const file = join(dir, 'queued.yaml');
  writeFileSync(file, 'name: queued\nschedule: { first_cycle_steps: 40 }\nparameters: { max_lr: { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] } }\n' +
    'trainer: { kind: module, path: ./slow-cohort.mjs }\nbudget: { cohort_size: 2, workers: 1 }\nlint: { ignore: [peak-below-min] }\n');
  const db = join(dir, 'lrsweep.db');
  const { child, done, out } = startCli(['run', file], dir);
  // One worker: the first cohort trains, the second waits in the pool's queue behind it.
  const until = Date.now() + 120_000;
  const epochs = () => {
    try {
      return existsSync(db) ? (queryDb(db, 'SELECT COUNT(DISTINCT epoch) AS n FROM metrics')[0]?.n as number) : 0;
    } catch {
      return 0; // the database is being created
    }
  };
  while (epochs() < 2) {
    assert.ok(Date.now() < until, 'the first cohort reports two epochs');
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGINT');
  assert.equal(await done, 130, out().stderr);
  assert.match(out().stderr, /stopping: recording what finished; 2 trials in training \(at epochs? [\d-]+\) will train again from the start next time \(Ctrl-C again to quit at once\)/);
  const states = queryDb(db, 'SELECT number, state, attempts FROM trials ORDER BY number').map((t) => [t.number, t.state, t.attempts]);
  assert.deepEqual(states, [[1, 'interrupted', 1], [2, 'interrupted', 1], [3, 'waiting', 0], [4, 'waiting', 0],
    [5, 'waiting', 0], [6, 'waiting', 0], [7, 'waiting', 0], [8, 'waiting', 0]], 'the queued cohort (3, 4) never started: waiting, not interrupted');
});
