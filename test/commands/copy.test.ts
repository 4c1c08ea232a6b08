// `lrsweep copy` between SQLite and PostgreSQL, and a sweep run on PostgreSQL end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { best } from '../../src/commands/best.js';
import { exportSweep } from '../../src/commands/export.js';
import { plot } from '../../src/commands/plot.js';
import { report } from '../../src/commands/report.js';
import { showTrial } from '../../src/commands/show.js';
import { trials as listTrials } from '../../src/commands/trials.js';
import { copy, present } from '../../src/commands/copy.js';
import { status } from '../../src/commands/status.js';
import { openStorage } from '../../src/storage/open.js';
import type { Storage } from '../../src/storage/types.js';
import { runCli } from '../helpers/cli.js';
import { madeUpPasswordRefused } from '../helpers/postgres-auth.js';
import { skipOrFail } from '../helpers/skip.js';
import { schemaUrl, withPostgres } from '../storage/pg-server.js';

const fixture = fileURLToPath(new URL('../fixtures/sweeps/tiny-quadratic.yaml', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lrsweep-copy-'));
let n = 0;
const freshFile = () => join(dir, `db-${n++}.db`);
const runInfo = { pid: 1, host: 'h', workers: 1, backend: 'wasm' };

/** Everything a store holds for its sweeps, without the ids that are the store's own. */
async function snapshot(db: string) {
  const s = await openStorage(db, 'read');
  try {
    const out = [];
    for (const { id, ...sweep } of await s.listSweeps()) {
      const trials = await s.trials(id);
      const points = await s.attemptPoints(trials.map((t) => t.id));
      out.push({
        sweep,
        trials: trials.map(({ id: trialId, sweepId: _s, runId: _r, ...t }) => ({ ...t, points: points.get(trialId) })),
      });
    }
    return out;
  } finally {
    await s.close();
  }
}

/** A sweep with every final and resumable state, two attempts, NaN and infinite points, made through the storage API. */
async function addMixedSweep(s: Storage, name = 'mixed'): Promise<void> {
  const sw = await s.createSweep({ name, definition: { name, budget: { workers: 1 } }, file: null, metric: 'val_loss', goal: 'maximize', steps: 10, trainerHash: 'abc' });
  await s.addTrials(sw.id, ['a', 'b', 'c', 'd', 'e', 'f'].map((h, i) => ({ configHash: h.repeat(16), repeat: i % 2, params: { schedule: 'cawr', gamma: i / 10 }, seed: 100 + i })));
  const dead = await s.beginRun(sw.id, runInfo);
  const first = await s.claimTrials(sw.id, dead, 1);
  await s.commit(dead, { started: [{ trialId: first[0].id, provenance: { host: 'old' } }], points: [{ trialId: first[0].id, attempt: 1, seq: 0, point: { epoch: 1, step: null, values: { val_loss: 5 } } }] });
  await s.recoverTrials(sw.id, () => false); // trial 1 will have two attempts
  const r = await s.beginRun(sw.id, runInfo);
  const ts = await s.claimTrials(sw.id, r, 5);
  const id = (number: number) => ts.find((t) => t.number === number)!.id;
  await s.commit(r, {
    started: ts.slice(0, 4).map((t) => ({ trialId: t.id, provenance: { host: 'here', n: t.number } })),
    points: [
      { trialId: id(1), attempt: 2, seq: 0, point: { epoch: 1, step: null, values: { val_loss: 0.5, train_loss: 0.25 } } },
      { trialId: id(1), attempt: 2, seq: 1, point: { epoch: null, step: 20, values: { val_loss: 0.75, train_loss: Infinity } } },
      { trialId: id(3), attempt: 1, seq: 0, point: { epoch: 1, step: null, values: { val_loss: Number.NaN, train_loss: Number.NaN } } },
    ],
    outcomes: [
      { trialId: id(1), state: 'complete', objective: 0.75, durationMs: 12.5 },
      { trialId: id(2), state: 'failed', error: 'boom', durationMs: 3 },
      { trialId: id(3), state: 'diverged', objective: null, durationMs: 4, note: 'diverged at epoch 1: train_loss is NaN' },
      { trialId: id(4), state: 'interrupted', error: 'interrupted: the run was stopped', durationMs: null },
    ],
  });
  await s.releaseRun(r); // trial 5 back to waiting; trial 6 never claimed
  await s.endRun(r, 'finished');
}

test('copy refuses to copy a database into itself, and names unknown sweeps with those there', async () => {
  const db = freshFile();
  const s = await openStorage(db, 'write');
  await addMixedSweep(s);
  await s.close();
  await assert.rejects(copy({ from: db, to: `sqlite:${db}` }), { name: 'UsageError', message: `--to: ${JSON.stringify(`sqlite:${db}`)} is the database --from reads; copy into another one` });
  const missing = join(dir, 'missing.db');
  await assert.rejects(copy({ from: missing, to: db }), { name: 'UsageError', message: `--from: no database at ${JSON.stringify(missing)}: run \`npx lrsweep run SWEEP_FILE\` first, or pass --from PATH` });
  // A URL lrsweep cannot open is refused naming its flag (the same-store check took it for a file and failed on it).
  const url = 'mysql://root:secret@db/x';
  await assert.rejects(copy({ from: url, to: db }), { name: 'UsageError', message: '--from: "mysql://root:***@db/x" is a URL lrsweep cannot open: give a SQLite file (PATH or sqlite:PATH) or a postgres:// URL' });
  await assert.rejects(copy({ from: db, to: url }), { name: 'UsageError', message: '--to: "mysql://root:***@db/x" is a URL lrsweep cannot open: give a SQLite file (PATH or sqlite:PATH) or a postgres:// URL' });
  await assert.rejects(copy({ from: db, to: join(dir, 'no-dir', 'x.db') }), { name: 'UsageError', message: `--to: the directory ${JSON.stringify(join(dir, 'no-dir'))} does not exist` });
  await assert.rejects(copy({ from: db, to: freshFile(), sweeps: ['nope', 'mixed'] }), { name: 'UsageError', message: `SWEEP: no sweep named "nope" in ${db}; sweeps there: mixed` });
});

test('copy between SQLite files keeps numbers, states, results and every point, and copying twice changes nothing', async () => {
  const from = freshFile();
  const s = await openStorage(from, 'write');
  await addMixedSweep(s);
  await s.close();
  const to = freshFile();
  const first = await copy({ from, to });
  assert.deepEqual(first.sweeps, [{ sweep: 'mixed', created: true, trials: 6, added: 6, filledIn: 0, points: 4, madeWaiting: 0 }]);
  assert.deepEqual(await snapshot(to), await snapshot(from));
  const second = await copy({ from, to });
  assert.deepEqual(second.sweeps, [{ sweep: 'mixed', created: false, trials: 6, added: 0, filledIn: 0, points: 0, madeWaiting: 0 }]);
  assert.equal(present(second).stdout, `${from} -> ${to}\nfilled in sweep mixed (6 trials: 0 new, 0 with results filled in, 6 already there; 0 points)\n`);
  assert.deepEqual(await snapshot(to), await snapshot(from));
});

withPostgres(() => {
  test('postgres: a quadratic sweep runs with --db on PostgreSQL, and every reading command reads it; the results equal a SQLite run\'s', async (t) => {
    // The test server trusts local users: it lets us in whatever the password, which must never show.
    if (skipOrFail(t, await madeUpPasswordRefused(schemaUrl()))) return;
    const url = new URL(schemaUrl());
    url.username ||= 'postgres';
    url.password = 'never-shown-pw';
    const pg = url.href;
    const r = runCli(['run', fixture, '--workers', '2', '--db', pg], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sweep tiny-quadratic: 16 of 16 trials complete, 0 diverged, 0 failed, 0 not run/m);
    assert.match(r.stdout, /^best configs: npx lrsweep best tiny-quadratic --db "postgres:\/\/postgres:\*\*\*@.*\?schema=lrsweep_test_\w+"$/m);
    assert.ok(!`${r.stdout}${r.stderr}`.includes('never-shown-pw'));
    const [st] = (await status({ db: pg })).sweeps;
    assert.deepEqual([st.sweep, st.trials, st.complete, st.waiting], ['tiny-quadratic', 16, 16, 0]);
    const onPg = await best({ db: pg, name: 'tiny-quadratic', top: 8 });
    assert.equal(onPg.configs.length, 8);
    assert.deepEqual(onPg.keys, ['cycle_mult', 'gamma', 'warmup_steps'], 'the parameters in the file\'s order');
    // The quadratic trainer is deterministic per seed: the same sweep in SQLite ranks the same.
    const sqlite = freshFile();
    assert.equal(runCli(['run', fixture, '--workers', '1', '--db', sqlite], { cwd: dir }).status, 0);
    const onSqlite = await best({ db: sqlite, name: 'tiny-quadratic', top: 8 });
    assert.deepEqual(onPg.configs.map((c) => [c.configHash, c.objective, c.repeats, c.bestTrial]), onSqlite.configs.map((c) => [c.configHash, c.objective, c.repeats, c.bestTrial]));
    // The other reading commands give what they give on SQLite.
    const rows = async (db: string) => (await listTrials({ db, name: 'tiny-quadratic' })).trials.map((t) => [t.number, t.state, t.objective, t.configHash]);
    assert.deepEqual(await rows(pg), await rows(sqlite));
    const shown = async (db: string) => {
      const { trial, points, curve } = await showTrial({ db, name: 'tiny-quadratic', trial: 3 });
      return [trial.params, points, curve];
    };
    assert.deepEqual(await shown(pg), await shown(sqlite));
    const exported = join(dir, `pg-${n++}.json`);
    await exportSweep({ db: pg, name: 'tiny-quadratic', out: exported, force: false });
    assert.equal((JSON.parse(readFileSync(exported, 'utf8')) as { trials: unknown[] }).trials.length, 16);
    const html = join(dir, `pg-${n++}.html`);
    await report({ db: pg, name: 'tiny-quadratic', out: html, top: 3, force: false });
    assert.match(readFileSync(html, 'utf8'), /tiny-quadratic/);
    const svg = join(dir, `pg-${n++}.svg`);
    await plot({ db: pg, name: 'tiny-quadratic', out: svg, kind: 'losses', top: 3, log: false, force: false });
    assert.match(readFileSync(svg, 'utf8'), /^<svg/);
    const again = runCli(['run', fixture, '--db', pg], { cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /16 of 16 trials complete/);
    // A sweep made on PostgreSQL copies into SQLite exactly too (its times included).
    const shared = freshFile();
    await copy({ from: pg, to: shared });
    assert.deepEqual(await snapshot(shared), await snapshot(pg));
  });

  test('postgres: copy SQLite -> PostgreSQL -> SQLite round-trips sweeps exactly, and copying again changes nothing', async () => {
    const from = freshFile();
    assert.equal(runCli(['run', fixture, '--workers', '1', '--db', from], { cwd: dir }).status, 0);
    const s = await openStorage(from, 'write');
    await addMixedSweep(s);
    await s.close();
    const pg = schemaUrl();
    const back = freshFile();
    const there = runCli(['copy', '--from', from, '--to', pg]);
    assert.equal(there.status, 0, there.stderr);
    assert.match(there.stdout, /^copied sweep tiny-quadratic \(16 trials: 16 new, 0 with results filled in, 0 already there; 64 points\)$/m);
    assert.deepEqual(await snapshot(pg), await snapshot(from));
    await copy({ from: pg, to: back });
    assert.deepEqual(await snapshot(back), await snapshot(from));
    const twice = await copy({ from: back, to: pg });
    assert.deepEqual(twice.sweeps.map((x) => [x.sweep, x.added, x.filledIn, x.points]), [['tiny-quadratic', 0, 0, 0], ['mixed', 0, 0, 0]]);
    assert.deepEqual(await snapshot(pg), await snapshot(from));
    // What `best` shows is the same in all three.
    for (const db of [pg, back]) assert.deepEqual(await best({ db, name: 'tiny-quadratic', top: 3 }), await best({ db: from, name: 'tiny-quadratic', top: 3 }));
  });

  test('postgres: copy fills in results the target lacks, brings held trials as waiting, and the run there finishes the sweep', async () => {
    const local = freshFile();
    const s = await openStorage(local, 'write');
    await addMixedSweep(s);
    const sw = (await s.getSweep('mixed'))!;
    const run = await s.beginRun(sw.id, { ...runInfo, pid: process.pid });
    const held = await s.claimTrials(sw.id, run, 2); // trials 5 and 6 stay held by a run of this "machine"
    await s.commit(run, { started: [{ trialId: held[0].id, process: { pgid: 42 } }] });
    const pg = schemaUrl();
    const result = await copy({ from: local, to: pg });
    assert.equal(result.sweeps[0].madeWaiting, 2);
    assert.match(present(result).stdout!, /2 trials were queued or running in .*: they are waiting in postgres:\/\/.*, where no run holds them/);
    const onPg = await openStorage(pg, 'write');
    const pgSweep = (await onPg.getSweep('mixed'))!;
    assert.deepEqual((await onPg.trials(pgSweep.id)).map((t) => [t.number, t.state, t.runId, t.process]),
      [[1, 'complete', null, null], [2, 'failed', null, null], [3, 'diverged', null, null], [4, 'interrupted', null, null], [5, 'waiting', null, null], [6, 'waiting', null, null]]);
    // The local run finishes trial 5; a copy brings that result into PostgreSQL, and nothing else changes there.
    await s.commit(run, { outcomes: [{ trialId: held[0].id, state: 'complete', objective: 0.9, durationMs: 1 }] });
    await s.close();
    const again = await copy({ from: local, to: pg });
    assert.deepEqual(again.sweeps.map((x) => [x.added, x.filledIn, x.madeWaiting]), [[0, 1, 0]]);
    const five = (await onPg.trial(pgSweep.id, 5))!;
    assert.deepEqual([five.state, five.objective, five.attempts], ['complete', 0.9, 1]);
    assert.equal((await onPg.bestConfigs(pgSweep.id, 1))[0].bestTrial, 5, 'maximize: 0.9 beats 0.75');
    await onPg.close();
  });

  test('postgres: copy refuses a sweep that the target has with another definition, listing the changes, and writes nothing', async () => {
    const pg = schemaUrl();
    assert.equal(runCli(['run', fixture, '--workers', '1', '--db', pg], { cwd: dir }).status, 0);
    const changed = join(dir, 'tiny-quadratic-changed.yaml');
    writeFileSync(changed, readFileSync(fixture, 'utf8').replace('epochs: 4', 'epochs: 5').replace('max_lr: 0.1', 'max_lr: 0.2'));
    const local = freshFile();
    assert.equal(runCli(['run', changed, '--workers', '1', '--db', local], { cwd: dir }).status, 0);
    const s = await openStorage(local, 'write');
    await addMixedSweep(s);
    await s.close();
    const before = await snapshot(pg);
    const r = runCli(['copy', '--from', local, '--to', pg]);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `lrsweep: sweep "tiny-quadratic" has another definition in ${pg} than in ${local} (schedule.max_lr: 0.1 -> 0.2; trainer.epochs: 4 -> 5): nothing was copied; copy into another database, or rename the sweep in one of them\n`);
    assert.deepEqual(await snapshot(pg), before, 'not even the other sweep was copied');
  });
});
