// The Optuna export read back with SQL, and (when python3 with optuna is there) with optuna.load_study.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { finishedSweep } from '../helpers/sweep-db.js';
import { skipOrFail } from '../helpers/skip.js';
import { distributionOf } from '../../src/export/optuna.js';

/** A python3 that can import optuna (Debian's python3-optuna is under /usr/bin/python3). */
function pythonWithOptuna(): string | null {
  for (const python of ['python3', '/usr/bin/python3']) {
    if (spawnSync(python, ['-c', 'import optuna'], { encoding: 'utf8' }).status === 0) return python;
  }
  return null;
}

const python = pythonWithOptuna();

test('one Optuna trial per lrsweep trial, with equal parameters, values and per-epoch intermediate values', async () => {
  const { dir, db, name } = await finishedSweep();
  const out = join(dir, 'optuna.db');
  const r = runCli(['export', name, '--out', out], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^wrote .*optuna\.db: Optuna study "landscape" with 36 trials/);

  const ours = new Database(db, { readonly: true });
  const theirs = new Database(out, { readonly: true });
  assert.deepEqual(theirs.prepare('SELECT version_num FROM alembic_version').all(), [{ version_num: 'v3.0.0.d' }]);
  assert.deepEqual(theirs.prepare('SELECT schema_version, library_version FROM version_info').get(), { schema_version: 12, library_version: '3.1.0' });
  assert.deepEqual(theirs.prepare('SELECT study_name FROM studies').all(), [{ study_name: 'landscape' }]);
  assert.deepEqual(theirs.prepare('SELECT direction, objective FROM study_directions').all(), [{ direction: 'MINIMIZE', objective: 0 }]);

  const trials = ours.prepare('SELECT * FROM trials ORDER BY id').all() as { id: number; params: string; objective: number; state: string }[];
  const exported = theirs.prepare('SELECT * FROM trials ORDER BY number').all() as { trial_id: number; number: number; state: string }[];
  assert.equal(exported.length, trials.length);
  trials.forEach((t, i) => {
    const e = exported[i];
    assert.equal(e.state, 'COMPLETE');
    const attr = theirs.prepare(`SELECT value_json FROM trial_user_attributes WHERE trial_id = ? AND "key" = 'lrsweep_trial'`).get(e.trial_id) as { value_json: string };
    assert.equal(JSON.parse(attr.value_json), t.id);
    const params = Object.fromEntries((theirs.prepare('SELECT param_name, param_value FROM trial_params WHERE trial_id = ?').all(e.trial_id) as { param_name: string; param_value: number }[])
      .map((p) => [p.param_name, p.param_value]));
    const mine = JSON.parse(t.params);
    assert.deepEqual(params, { cycle_mult: mine.cycle_mult, gamma: mine.gamma, warmup_steps: mine.warmup_steps });
    assert.deepEqual(theirs.prepare('SELECT value, value_type FROM trial_values WHERE trial_id = ?').all(e.trial_id), [{ value: t.objective, value_type: 'FINITE' }]);
    const steps = theirs.prepare('SELECT step, intermediate_value FROM trial_intermediate_values WHERE trial_id = ? ORDER BY step').all(e.trial_id);
    const epochs = ours.prepare('SELECT epoch AS step, val_loss AS intermediate_value FROM epochs WHERE trial_id = ? ORDER BY epoch').all(t.id);
    assert.deepEqual(steps, epochs);
    assert.equal(steps.length, 6);
  });
  const distributions = theirs.prepare('SELECT DISTINCT param_name, distribution_json FROM trial_params ORDER BY param_name').all() as { param_name: string; distribution_json: string }[];
  assert.deepEqual(distributions.map((d) => [d.param_name, JSON.parse(d.distribution_json)]), [
    ['cycle_mult', { name: 'FloatDistribution', attributes: { step: null, low: 1, high: 2, log: false } }],
    ['gamma', { name: 'FloatDistribution', attributes: { step: null, low: 0.5, high: 1, log: false } }],
    ['warmup_steps', { name: 'IntDistribution', attributes: { log: false, step: 1, low: 0, high: 5 } }],
  ]);
  ours.close();
  theirs.close();
});

test('distributions follow the sweep file: ranges keep their scale, strings become categories', () => {
  assert.deepEqual(JSON.parse(distributionOf('gamma', { min: 0.01, max: 1, distribution: 'log_uniform' }).json),
    { name: 'FloatDistribution', attributes: { step: null, low: 0.01, high: 1, log: true } });
  const peak = distributionOf('peak_floor', { values: ['none', 'clamp'] });
  assert.deepEqual(JSON.parse(peak.json), { name: 'CategoricalDistribution', attributes: { choices: ['none', 'clamp'] } });
  assert.equal(peak.internal('clamp'), 1);
});

test('optuna.load_study reads the export: same trials, same best trial', async (t) => {
  if (skipOrFail(t, !python && 'no python3 with optuna here (.ci/run installs python3-optuna)')) return;
  const { dir, db, name } = await finishedSweep();
  const out = join(dir, 'optuna.db');
  assert.equal(runCli(['export', name, '--out', out, '--format', 'optuna'], { cwd: dir }).status, 0);
  const script = `
import json, optuna
optuna.logging.set_verbosity(optuna.logging.WARNING)
s = optuna.load_study(study_name=${JSON.stringify(name)}, storage="sqlite:///${out}")
b = s.best_trial
print(json.dumps({"n": len(s.trials), "value": b.value, "params": b.params, "steps": sorted(b.intermediate_values), "lrsweep_trial": b.user_attrs["lrsweep_trial"]}))
`;
  const py = spawnSync(python!, ['-c', script], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const got = JSON.parse(py.stdout);
  const ours = new Database(db, { readonly: true });
  const best = ours.prepare("SELECT id, objective, params FROM trials WHERE state = 'complete' ORDER BY objective, id LIMIT 1").get() as { id: number; objective: number; params: string };
  ours.close();
  const p = JSON.parse(best.params);
  assert.equal(got.n, 36);
  assert.equal(got.value, best.objective);
  assert.equal(got.lrsweep_trial, best.id);
  assert.deepEqual(got.params, { cycle_mult: p.cycle_mult, gamma: p.gamma, warmup_steps: p.warmup_steps });
  assert.deepEqual(got.steps, [1, 2, 3, 4, 5, 6]);
});
