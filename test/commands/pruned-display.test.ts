// How a sweep with pruned trials reads: status, trials, best, show, the run summary, the HTML
// report and the Optuna export (PRUNED with the last reported value, read back by optuna 3.1
// when it is installed). The sweep is run with a test prune check (RunOptions.prune) that prunes
// trials 2 and 5 at step 39 (their second epoch).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runSweep, type RunReport } from '../../src/sweep/run.js';
import { status, present as presentStatus } from '../../src/commands/status.js';
import { trials, present as presentTrials } from '../../src/commands/trials.js';
import { best, present as presentBest } from '../../src/commands/best.js';
import { report } from '../../src/commands/report.js';
import { exportSweep } from '../../src/commands/export.js';
import { presentRun } from '../../src/commands/run.js';
import { skipOrFail } from '../helpers/skip.js';
import { openStorage } from '../../src/storage/open.js';
import { gatherResults } from '../../src/sweep/results.js';
import { specFor } from '../../src/plot/sweep-charts.js';

const PRUNED = new Set([2, 5]);

async function prunedSweep(): Promise<{ dir: string; db: string; run: RunReport }> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-pruned-'));
  const file = join(dir, 'p.yaml');
  writeFileSync(file, `name: p
schedule: { first_cycle_steps: 30, min_lr: 0.001 }
parameters: { max_lr: { values: [0.05, 0.1, 0.15, 0.2, 0.25, 0.3] } }
trainer: { kind: quadratic, dim: 4, epochs: 4, steps_per_epoch: 20 }
`);
  const db = join(dir, 'lrsweep.db');
  const run = await runSweep({
    file, db, workers: 1,
    prune: () => (trial, points) => (PRUNED.has(trial.number) && points.at(-1)!.step === 39 ? 'pruned at step 39: test hook' : null),
  });
  return { dir, db, run };
}

test('status, trials, best, the run summary and the report show pruned trials; best leaves them out', async () => {
  const { dir, db, run } = await prunedSweep();
  assert.match(presentRun(run, 'p.yaml', db, 1).stdout!, /^sweep p: 4 of 6 trials complete, 0 diverged, 2 pruned, 0 failed, 0 not run/m);

  const st = await status({ db, name: 'p' });
  assert.equal(st.sweeps[0].pruned, 2);
  const table = presentStatus(st, 'csv').stdout!.trim().split('\n');
  assert.deepEqual(table.map((l) => l.split(',').slice(0, 10)), [
    ['sweep', 'trials', 'waiting', 'queued', 'running', 'complete', 'diverged', 'pruned', 'failed', 'interrupted'],
    ['p', '6', '0', '0', '0', '4', '0', '2', '0', '0'],
  ]);

  const pruned = await trials({ db, name: 'p', state: 'pruned' });
  assert.deepEqual(pruned.trials.map((t) => [t.number, t.state, t.error]), [[2, 'pruned', 'pruned at step 39: test hook'], [5, 'pruned', 'pruned at step 39: test hook']]);
  const d = new Database(db, { readonly: true });
  const lastValue = (n: number) => (d.prepare(`SELECT m.value FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.number = ? AND m.name = 'val_loss' ORDER BY m.seq DESC LIMIT 1`).get(n) as { value: number }).value;
  const maxSeq = (n: number) => (d.prepare('SELECT MAX(m.seq) AS s FROM metrics m JOIN trials t ON t.id = m.trial_id WHERE t.number = ?').get(n) as { s: number }).s;
  for (const t of pruned.trials) {
    assert.equal(t.objective, lastValue(t.number), `trial ${t.number}: its objective is its last reported val_loss`);
    assert.equal(maxSeq(t.number), 1, `trial ${t.number}: two epochs kept, nothing after the prune`);
  }
  const hashes = d.prepare('SELECT number, config_hash FROM trials').all() as { number: number; config_hash: string }[];
  d.close();
  const csv = presentTrials(pruned, 'csv').stdout!;
  assert.match(csv, /^trial,state,repeat,origin,max_lr,val_loss,seconds,error$/m);
  assert.match(csv, /^2,pruned,0,plan,0\.1,[\d.e-]+,[\d.]+,pruned at step 39: test hook$/m);

  const ranked = await best({ db, name: 'p', top: 10 });
  assert.equal(ranked.configs.length, 4);
  const prunedHashes = new Set(hashes.filter((h) => PRUNED.has(h.number)).map((h) => h.config_hash));
  assert.ok(ranked.configs.every((c) => !prunedHashes.has(c.configHash)), 'no pruned config is ranked');
  assert.match(presentBest(ranked, 'table').stdout!, /2 pruned trials are not ranked \(a config ranks by its complete repeats\): (npx )?lrsweep trials p --state pruned\n$/);
  assert.doesNotMatch(presentBest(ranked, 'csv').stdout!, /pruned/);

  const out = join(dir, 'r.html');
  await report({ db, name: 'p', out, top: 3, force: false });
  const html = readFileSync(out, 'utf8');
  assert.match(html, /<span><b>2<\/b> pruned<\/span>/);
  const section = html.slice(html.indexOf('<h2 id="pruned">'), html.indexOf('<h2 id="definition">'));
  assert.equal((section.match(/pruned at step 39: test hook/g) ?? []).length, 2);
  assert.match(html, /2 pruned trials left out \(stopped early: a last value is not a final objective\): see <a href="#pruned">/);
  // The landscape plot says so too; its points are the complete trials only.
  const storage = await openStorage(db, 'read');
  const data = await gatherResults(storage, (await storage.getSweep('p'))!, 3);
  await storage.close();
  assert.deepEqual(data.trials.map((t) => t.trial), [1, 3, 4, 6]);
  const spec = specFor('landscape', data) as unknown as { title: { subtitle: string } };
  assert.equal(spec.title.subtitle, '2 pruned trials left out (stopped early: a last value is not a final objective)');
});

function pythonWithOptuna(): string | null {
  for (const python of ['/usr/bin/python3', 'python3']) if (spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0) return python;
  return null;
}

test('the Optuna export marks pruned trials PRUNED with their last reported value; optuna 3.1 reads them so', async (t) => {
  const { dir, db } = await prunedSweep();
  const out = join(dir, 'optuna.db');
  await exportSweep({ db, name: 'p', out, format: 'optuna', force: false });
  const o = new Database(out, { readonly: true });
  const rows = o.prepare(`SELECT t.number, t.state, v.value, t.datetime_complete IS NOT NULL AS ended FROM trials t LEFT JOIN trial_values v ON v.trial_id = t.trial_id ORDER BY t.number`).all() as
    { number: number; state: string; value: number | null; ended: number }[];
  o.close();
  const ours = new Database(db, { readonly: true });
  const objectives = new Map((ours.prepare('SELECT number, objective FROM trials').all() as { number: number; objective: number }[]).map((r) => [r.number, r.objective]));
  ours.close();
  const objective = (n: number) => objectives.get(n)!;
  assert.deepEqual(rows.map((r) => [r.number + 1, r.state, r.value, r.ended]),
    [1, 2, 3, 4, 5, 6].map((n) => [n, PRUNED.has(n) ? 'PRUNED' : 'COMPLETE', objective(n), 1]));
  const python = pythonWithOptuna();
  if (skipOrFail(t, !python && 'no python3 with optuna here (.ci/run installs python3-optuna)')) return;
  const py = spawnSync(python!, ['-c', `
import json, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name="p", storage="sqlite:///${out}")
pruned = [t for t in s.trials if t.state == optuna.trial.TrialState.PRUNED]
print(json.dumps({"pruned": [t.number for t in pruned], "values": [t.value for t in pruned], "steps": [sorted(t.intermediate_values) for t in pruned],
  "reason": [t.user_attrs["lrsweep_pruned"] for t in pruned], "best": s.best_trial.number}))
`], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const got = JSON.parse(py.stdout);
  assert.deepEqual(got.pruned, [1, 4]);
  assert.deepEqual(got.steps, [[1, 2], [1, 2]], 'a pruned trial\'s intermediate values end at its prune');
  assert.deepEqual(got.reason, ['pruned at step 39: test hook', 'pruned at step 39: test hook']);
  assert.ok(!got.pruned.includes(got.best), 'optuna\'s best trial is a complete one');
  assert.deepEqual(got.values, [objective(2), objective(5)], 'a pruned trial\'s value is its last reported objective');
});
