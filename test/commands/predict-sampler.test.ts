// method: { kind: predict } through the CLI, on the law trainer (test/predict/law-trainer.ts: its
// training loss is the law plus seeded noise): run trains the anchors, then the law's shortlist
// (a lockstep trainer: the anchors as one cohort, the shortlist in cohorts its refits allow), and prints the fit's quality and predicted against
// actual ranks, or why there is none; best ranks the anchors inside the space (marked) and not
// those outside; a pruner never stops an anchor; a run killed with SIGKILL after the anchors
// resumes the shortlist without training an anchor again; on PostgreSQL a worker trains the
// anchors and the shortlist, and refuses an anchor row edited in the database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';
import { freshSchema, schemaUrl, sql, withPostgres } from '../storage/pg-server.js';
import { configHash } from '../../src/sweep/hash.js';
import { runSweep } from '../../src/sweep/run.js';
import { SqliteStorage } from '../../src/storage/sqlite.js';

const LAW_TRAINER = fileURLToPath(new URL('../predict/law-trainer.ts', import.meta.url));
const SLOW_LAW_TRAINER = fileURLToPath(new URL('../predict/slow-law-trainer.ts', import.meta.url));
const PLAIN_TRAINER = fileURLToPath(new URL('../fixtures/trainers/plain.mjs', import.meta.url));
const COHORT_LAW_TRAINER = fileURLToPath(new URL('../predict/law-cohort-trainer.ts', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function sweepFile(name: string, trainer = LAW_TRAINER, extra = ''): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-predict-sampler-'));
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001 }
parameters:
  first_cycle_steps: { values: [100, 150, 200, 300, 600] }
  warmup_steps: { values: [0, 30] }
  gamma: { values: [1, 0.7] }
method: { kind: predict, top_k: 3 }
objective: { metric: train_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer)} }
${extra}`);
  return { dir, file };
}

interface Row { id: number; number: number; config_hash: string; state: string; origin: string; attempts: number; finished_at: string | null; params: string; seed: number }
const rowsOf = (db: string) => queryDb<Row>(db, 'SELECT id, number, config_hash, state, origin, attempts, finished_at, params, seed FROM trials ORDER BY number');

test('run trains the anchors, then the shortlist, says how well the law did; best marks anchors inside the space and leaves out the others, as status, progress and the Optuna export do', async () => {
  const { dir, file } = sweepFile('law');
  const db = join(dir, 'lrsweep.db');
  const dry = runCli(['run', file, '--db', db, '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /^law: 6 configs x 1 repeats = 6 trials, sampler predict \(anchors: \["constant","cosine","restarts"\], metric: train_loss, candidates: grid, top_k: 3, batch: 2, explore: 0, on_fit_failure: stop\)/);
  assert.match(dry.stdout, /\ntrials are created as results arrive: first the 3 anchors below \(origin anchor, planned from the file\)/);
  assert.deepEqual([...dry.stdout.matchAll(/│ (constant|cosine|restarts) +│/g)].map((m) => m[1]), ['constant', 'cosine', 'restarts']);
  const r = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep law: 6 of 6 trials complete/);
  assert.match(r.stdout, /\npredict: the law fitted to train_loss of 3 anchors \(\d+ windows\): their final train_loss predicted within [\d.e-]+ on average \(largest [\d.e-]+, anchor \w+\)\n/);
  assert.match(r.stdout, /\npredict: 3 shortlisted configs trained; predicted rank → actual rank by train_loss: 1→\d, 2→\d, 3→\d \(Spearman -?[\d.]+\)\n/);
  const rows = rowsOf(db);
  assert.deepEqual(rows.map((t) => t.origin), ['anchor', 'anchor', 'anchor', 'model', 'model', 'model']);
  assert.ok(rows.every((t) => t.state === 'complete' && t.attempts === 1));
  // Again: nothing more to create or train.
  const again = runCli(['run', file, '--db', db], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.deepEqual(rowsOf(db), rows);

  const best = JSON.parse(runCli(['best', 'law', '--db', db, '--format', 'json'], { cwd: dir }).stdout) as { rank: number; config: string; anchor: string }[];
  // The constant anchor (min_lr = max_lr) is no config of the grid; the cosine (600, 0, 1) and the restarts (200, 30, 0.7) are.
  assert.equal(best.length, 5);
  assert.deepEqual(best.map((b) => b.rank), [1, 2, 3, 4, 5]);
  assert.deepEqual(best.filter((b) => b.anchor !== '').map((b) => b.anchor).sort(), ['cosine', 'restarts']);
  assert.ok(!best.some((b) => b.config === rows[0].config_hash), 'the constant anchor is not ranked');
  const table = runCli(['best', 'law', '--db', db], { cwd: dir });
  assert.match(table.stdout, /\n1 anchor lies outside the sweep's space and is not ranked \(trained to fit the law\): /);
  const status = runCli(['status', 'law', '--db', db], { cwd: dir });
  assert.match(status.stdout, /trials by origin: 0 plan, 0 startup, 3 model, 3 anchor/);

  // The constant anchor (outside the space) made the best of all: still ranked nowhere, as in best.
  const d = new Database(db);
  d.prepare('UPDATE trials SET objective = 0.001 WHERE number = 1').run();
  d.close();
  const top = (JSON.parse(runCli(['best', 'law', '--db', db, '--format', 'json'], { cwd: dir }).stdout) as { train_loss: number }[])[0].train_loss;
  assert.ok(top > 0.001);
  const statusJson = JSON.parse(runCli(['status', 'law', '--db', db, '--format', 'json'], { cwd: dir }).stdout) as { best_config: number };
  assert.equal(statusJson.best_config, top, 'status ranks as best does');
  const all = JSON.parse(runCli(['status', '--db', db, '--format', 'json'], { cwd: dir }).stdout) as { best_config: number }[];
  assert.equal(all[0].best_config, top);
  const bests: (number | null)[] = [];
  await runSweep({ file, db, workers: 1, onProgress: (p) => bests.push(p.bestTrial) });
  assert.ok(bests.length > 0 && bests.every((b) => b === top), `the progress line's best trial: ${bests}`);
  const optuna = join(dir, 'law-optuna.db');
  const exported = runCli(['export', 'law', '--db', db, '--out', optuna], { cwd: dir });
  assert.equal(exported.status, 0, exported.stderr);
  assert.match(exported.stdout, /with 5 trials .*; 1 anchor trial outside the sweep's space left out \(not ranked; listed in the study attr lrsweep_unranked_anchors\)\n$/);
  assert.deepEqual(queryDb<{ v: string }>(optuna, "SELECT value_json AS v FROM trial_user_attributes WHERE key = 'lrsweep_anchor' ORDER BY v").map((r) => r.v), ['"cosine"', '"restarts"']);
  assert.equal(queryDb<{ v: number }>(optuna, 'SELECT MIN(value) AS v FROM trial_values')[0].v, top);
  const [unranked] = queryDb<{ v: string }>(optuna, "SELECT value_json AS v FROM study_user_attributes WHERE key = 'lrsweep_unranked_anchors'");
  assert.deepEqual((JSON.parse(unranked.v) as { name: string; value: number }[]).map((a) => [a.name, a.value]), [['constant', 0.001]]);

  // `lrsweep predict` on it predicts its own candidates (candidates: grid): the grid's 20 less the 5 trained inside it.
  const predicted = runCli(['predict', 'law', '--db', db, '--prioritise', '--format', 'json'], { cwd: dir });
  assert.equal(predicted.status, 0, predicted.stderr);
  const out = JSON.parse(predicted.stdout) as { candidates: { source: string; count: number }; advice: string; prioritised: unknown };
  assert.deepEqual(out.candidates, { source: 'grid', count: 15 });
  assert.equal(out.prioritised, null);
  assert.match(out.advice, /^--prioritise: sweep law samples with predict, which creates the configs its own law predicts best as results arrive \(method\.top_k, method\.explore\): it has no waiting trials of these configs, so nothing was changed; /);
  assert.doesNotMatch(out.advice, /use method: \{kind: predict\}/);
});

test('a predict run killed with SIGKILL after its anchors resumes the shortlist: no anchor trained again, the same shortlist as an unbroken run', async () => {
  const whole = sweepFile('law', SLOW_LAW_TRAINER);
  const wholeDb = join(whole.dir, 'lrsweep.db');
  assert.equal(runCli(['run', whole.file, '--db', wholeDb, '--workers', '1'], { cwd: whole.dir }).status, 0);
  const { dir, file } = sweepFile('law', SLOW_LAW_TRAINER);
  const db = join(dir, 'lrsweep.db');
  const first = startCli(['run', file, '--db', db, '--workers', '1'], dir);
  for (const end = Date.now() + 120_000; ;) {
    const n = (() => {
      try {
        return queryDb<{ n: number }>(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'")[0].n;
      } catch {
        return 0; // not created yet
      }
    })();
    if (n >= 4) break;
    if (Date.now() > end) assert.fail(`fewer than 4 trials completed in time: ${first.out().stderr}`);
    await sleep(50);
  }
  first.child.kill('SIGKILL');
  assert.equal(await first.done, -1);
  const before = rowsOf(db);
  const anchors = before.filter((t) => t.origin === 'anchor');
  assert.equal(anchors.length, 3);
  assert.ok(anchors.every((t) => t.state === 'complete'));
  assert.ok(before.length < 6 || before.some((t) => t.state !== 'complete'), 'killed before the shortlist was done');

  const second = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
  assert.equal(second.status, 0, second.stderr);
  const after = rowsOf(db);
  assert.ok(after.every((t) => t.state === 'complete'), after.map((t) => t.state).join(','));
  for (const t of anchors) assert.deepEqual(after.find((a) => a.id === t.id), t, `anchor ${t.number} is untouched`);
  for (const t of before.filter((x) => x.state === 'complete')) assert.deepEqual(after.find((a) => a.id === t.id), t, `trial ${t.number}, finished before the kill, is untouched`);
  assert.deepEqual(after.map((t) => [t.config_hash, t.origin, t.seed]), rowsOf(wholeDb).map((t) => [t.config_hash, t.origin, t.seed]));
});

test('a fit that cannot be made: run says why in one line, and stops or trains the grid\'s listed order, as on_fit_failure says', () => {
  for (const [choice, origins, then] of [
    ['stop', ['anchor', 'anchor', 'anchor'], 'nothing more is created (on_fit_failure: stop; fallback would train the file\'s candidates in their plain order)'],
    ['fallback', ['anchor', 'anchor', 'anchor', 'startup', 'startup'], 'trained the file\'s candidates in their plain order instead (on_fit_failure: fallback)'],
  ] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'lrsweep-predict-sampler-'));
    const file = join(dir, 'few.yaml');
    // The plain trainer reports val_loss once a run: one window, too few to fit seven parameters.
    writeFileSync(file, `name: few
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001 }
parameters: { first_cycle_steps: { values: [10, 20, 25, 50] } }
method: { kind: predict, metric: val_loss, top_k: 2, on_fit_failure: ${choice} }
objective: { metric: val_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(PLAIN_TRAINER)} }
lint: { ignore: [ends-mid-cycle] }
`);
    const db = join(dir, 'lrsweep.db');
    const r = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.stdout.includes(`\npredict: no shortlist: too few loss points to fit the law: 0 windows after the first 5% of each run, at least 20 needed (report the training loss more often, or train more runs); ${then}\n`), r.stdout);
    assert.deepEqual(rowsOf(db).map((t) => t.origin), origins);
  }
});

test('a pruner is never asked about an anchor: with one that stops every trial at its first point, the anchors complete and the shortlist is pruned', async () => {
  const { dir, file } = sweepFile('pruned');
  const db = join(dir, 'lrsweep.db');
  const asked: number[] = [];
  const report = await runSweep({ file, db, workers: 1, prune: () => (trial) => { asked.push(trial.number); return 'stopped by the test'; } });
  assert.deepEqual([report.counts.complete, report.counts.pruned], [3, 3]);
  assert.deepEqual(rowsOf(db).map((t) => [t.origin, t.state]), [...Array(3).fill(['anchor', 'complete']), ...Array(3).fill(['model', 'pruned'])]);
  assert.deepEqual([...new Set(asked)], [4, 5, 6]);
});

test('a lockstep trainer trains the anchors as one cohort, then the shortlist in cohorts as its refits allow (batch 2: two configs, then one; seeding common: they share a seed)', async () => {
  for (const [repeats, sizes] of [[1, [3, 3, 3, 2, 2, 1]], [2, [3, 3, 3, 3, 3, 3, 2, 2, 2, 2, 1, 1]]] as const) {
    const { dir, file } = sweepFile('cohort', COHORT_LAW_TRAINER, `repeats: ${repeats}\nbudget: { cohort_size: 16 }\n`);
    const db = join(dir, 'lrsweep.db');
    const report = await runSweep({ file, db, workers: 1 });
    assert.equal(report.counts.complete, 6 * repeats);
    const members = queryDb<{ number: number; origin: string; members: number; seed: number }>(db,
      "SELECT t.number, t.origin, t.seed, MAX(m.value) AS members FROM trials t JOIN metrics m ON m.trial_id = t.id AND m.name = 'members' GROUP BY t.id ORDER BY t.number");
    assert.deepEqual(members.map((m) => m.members), sizes, members.map((m) => `${m.number}:${m.origin}:${m.members}`).join(' '));
    // Each cohort is one repeat of every anchor, or of the shortlisted configs of one refit: a seed per repeat.
    for (const origin of ['anchor', 'model']) assert.equal(new Set(members.filter((m) => m.origin === origin).map((m) => m.seed)).size, repeats);
  }
});

withPostgres(() => {
  test('postgres: a worker trains the anchors and the shortlist; an anchor row edited in the database is refused, exit 1', async () => {
    const { dir, file } = sweepFile('pw');
    const schema = freshSchema();
    const db = schemaUrl(schema);
    const enqueued = runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir });
    assert.equal(enqueued.status, 0, enqueued.stderr);
    assert.match(enqueued.stdout, /6 more to be suggested by the workers as results arrive/);
    const w = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(w.status, 0, w.stderr);
    assert.match(w.stdout, /\npredict: the law fitted to train_loss of 3 anchors .*\npredict: 3 shortlisted configs trained; predicted rank → actual rank by train_loss: /);
    const rows = await sql<{ number: number; origin: string; state: string; params: string; seed: string }>('SELECT number, origin, state, params::text AS params, seed::text FROM trials ORDER BY number', [], schema);
    assert.deepEqual(rows.map((t) => [t.origin, t.state]), [...Array(3).fill(['anchor', 'complete']), ...Array(3).fill(['model', 'complete'])]);

    // The cosine anchor edited into a cosine at ten times the LR, its hash made to match: never trained.
    await sql("UPDATE trials SET state = 'waiting', objective = NULL, attempts = 0, started_at = NULL, finished_at = NULL, run_id = NULL WHERE number = 2", [], schema);
    const params = { ...JSON.parse(rows[1].params), max_lr: 0.1 };
    await sql('UPDATE trials SET params = $1::json, config_hash = $2 WHERE number = 2', [JSON.stringify(params), configHash(params)], schema);
    assert.equal(runCli(['run', file, '--db', db, '--enqueue-only'], { cwd: dir }).status, 0);
    const refused = runCli(['worker', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(refused.stderr, /sweep pw: trial 2 was edited in the database \(its origin is anchor, but its params .* are none of the anchors method predict plans from the sweep file\); it was not trained\./);
    assert.deepEqual(await sql('SELECT state FROM trials WHERE number = 2', [], schema), [{ state: 'waiting' }]);
  });
});

test('a run whose predict summary cannot be made (the store fails after the run ended) still reports the run as finished, without the summary', async () => {
  const { dir, file } = sweepFile('summary');
  const db = join(dir, 'lrsweep.db');
  const proto = SqliteStorage.prototype as unknown as { endRun: (...a: unknown[]) => Promise<void>; trials: (...a: unknown[]) => Promise<unknown> };
  const { endRun, trials } = proto;
  let ended = false;
  proto.endRun = async function (this: unknown, ...a: unknown[]) { ended = true; return endRun.apply(this, a); };
  proto.trials = async function (this: unknown, ...a: unknown[]) {
    if (ended) throw new Error('database is locked');
    return trials.apply(this, a);
  };
  try {
    const r = await runSweep({ file, db, workers: 1 });
    assert.equal(r.counts.complete, 6);
    assert.equal(r.stopped, false);
    assert.deepEqual(r.predict, []);
  } finally {
    proto.endRun = endRun;
    proto.trials = trials;
  }
  assert.deepEqual(queryDb<{ status: string }>(db, 'SELECT status FROM runs').map((x) => x.status), ['finished']);
});

test('a predict sweep whose space gives fewer configs than it plans (a 2-config grid, one of them an anchor) counts what it can give: done once they are trained', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-predict-sampler-'));
  const file = join(dir, 'small.yaml');
  writeFileSync(file, `name: small
schedule: { kind: cawr, max_lr: 0.01, min_lr: 0.0001, first_cycle_steps: 100 }
parameters:
  gamma: { values: [1, 0.7] }
method: { kind: predict }
objective: { metric: train_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(LAW_TRAINER)} }
`);
  const db = join(dir, 'lrsweep.db');
  // 3 anchors (the restarts one is the grid's gamma 0.7) and the one candidate left, not 3 + top_k 5.
  const dry = runCli(['run', file, '--db', db, '--dry-run'], { cwd: dir });
  assert.match(dry.stdout, /^small: 4 configs x 1 repeats = 4 trials/);
  const first = await runSweep({ file, db, workers: 1 });
  assert.equal(first.counts.complete, 4);
  assert.deepEqual(rowsOf(db).map((t) => t.origin), ['anchor', 'anchor', 'anchor', 'model']);
  const totals: number[] = [];
  const again = await runSweep({ file, db, workers: 1, onProgress: (p) => totals.push(p.total) });
  assert.equal(again.ranThisRun, 0);
  assert.deepEqual([...new Set(totals)], [4], 'nothing left to create: the sweep is done');
  const status = runCli(['status', 'small', '--db', db], { cwd: dir });
  assert.match(status.stdout, /trials by origin: 0 plan, 0 startup, 1 model, 3 anchor \(all created\)\n/);
});
