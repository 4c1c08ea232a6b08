// `lrsweep run` end to end: the real pool, the MLP's default (wasm) engine and SQLite, as a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { curve } from '../../src/schedule/curve.js';
import { best, present as presentBest } from '../../src/commands/best.js';
import { status, present as presentStatus } from '../../src/commands/status.js';
import { trials as listTrials } from '../../src/commands/trials.js';
import { showTrial, present as presentShow } from '../../src/commands/show.js';
import { exportSweep } from '../../src/commands/export.js';
import { runCli, startCli } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/sweeps/${name}`, import.meta.url));

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'lrsweep-run-'));
}

interface TrialRow { id: number; number: number; config_hash: string; repeat: number; state: string; objective: number | null; finished_at: string | null; run_id: number; params: string; error: string | null; attempts: number; provenance: string | null }

/** Whether lrsweep finds @tensorflow/tfjs-node (resolved as src/train/backend.ts resolves it). */
function tfjsNodeInstalled(): boolean {
  try {
    createRequire(new URL('../../src/train/backend.ts', import.meta.url)).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

function trialsOf(db: string): TrialRow[] {
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT * FROM trials ORDER BY id').all() as TrialRow[];
  d.close();
  return rows;
}

function epochsOf(db: string): Map<string, unknown[]> {
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT t.config_hash, t.repeat, e.* FROM epochs e JOIN trials t ON t.id = e.trial_id ORDER BY t.config_hash, t.repeat, e.epoch').all() as Record<string, unknown>[];
  d.close();
  const out = new Map<string, unknown[]>();
  for (const r of rows) {
    const key = `${r.config_hash}/${r.repeat}`;
    const { trial_id: _id, config_hash: _h, repeat: _r, ...metrics } = r;
    out.set(key, [...(out.get(key) ?? []), metrics]);
  }
  return out;
}

test('a tiny sweep runs through the pool, the wasm MLP engine and SQLite, and every command reads it', async () => {
  const dir = workspace();
  const db = join(dir, 'lrsweep.db');
  const r = runCli(['run', fixture('tiny-mlp.yaml'), '--workers', '2'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep tiny-mlp: 8 of 8 trials complete, 0 diverged, 0 failed, 0 not run/m);
  assert.match(r.stdout, /^best configs: npx lrsweep best tiny-mlp$/m, 'a command that works after a local install');
  const trials = trialsOf(db);
  assert.equal(trials.length, 8);
  assert.ok(trials.every((t) => t.state === 'complete' && typeof t.objective === 'number'));
  // 160 training rows / 32 = 5 steps an epoch; the LR recorded at each epoch end is the curve's.
  const d = new Database(db, { readonly: true });
  for (const t of trials) {
    const epochs = d.prepare('SELECT * FROM epochs WHERE trial_id = ? ORDER BY epoch').all(t.id) as { epoch: number; lr: number; val_accuracy: number; val_loss: number }[];
    assert.equal(epochs.length, 3);
    const p = JSON.parse(t.params);
    const lrs = curve({ schedule: 'cawr', firstCycleSteps: 6, cycleMult: p.cycle_mult, maxLr: 0.5, minLr: 0.01, warmupSteps: p.warmup_steps }, { steps: 15 });
    assert.deepEqual(epochs.map((e) => e.lr), [lrs[4], lrs[9], lrs[14]]);
    assert.ok(epochs.every((e) => e.val_accuracy >= 0 && e.val_accuracy <= 1));
    assert.equal(t.objective, epochs[2].val_loss);
  }
  d.close();

  // The commands that read results, called as functions (the CLI only prints what they return).
  const ranked = await best({ db, name: 'tiny-mlp', top: 2 });
  assert.equal(ranked.configs.length, 2);
  assert.deepEqual(Object.keys(JSON.parse(presentBest(ranked, 'json').stdout!)[0]), ['rank', 'val_loss', 'std', 'repeats', 'best_trial', 'cycle_mult', 'warmup_steps', 'config']);
  assert.ok(ranked.configs[0].objective <= ranked.configs[1].objective);
  assert.equal(ranked.configs[0].repeats, 2);

  const csv = presentStatus(await status({ db }), 'csv').stdout!.split('\n');
  assert.equal(csv[0], 'sweep,trials,waiting,queued,running,complete,diverged,pruned,failed,interrupted,best_config,metric,goal');
  assert.match(csv[1], /^tiny-mlp,8,0,0,0,8,0,0,0,0,[0-9.]+,val_loss,minimize$/);

  assert.equal((await listTrials({ db, name: 'tiny-mlp', state: 'complete' })).trials.length, 8);

  const shown = await showTrial({ db, name: 'tiny-mlp', trial: 1 });
  assert.equal(shown.trial.number, 1);
  assert.deepEqual(shown.points.map((p) => p.epoch), [1, 2, 3]);
  assert.equal(shown.curve.steps, 15);
  assert.deepEqual(shown.trial.params, JSON.parse(trials[0].params));
  // The mlp on its default engine (wasm): no tfjs backend to record.
  assert.deepEqual(Object.keys(shown.trial.provenance ?? {}).sort(), ['engine', 'host', 'lrsweep', 'node', 'trainer_hash']);
  assert.equal(shown.trial.provenance?.engine, 'wasm');
  assert.match(presentShow(shown, 'table').stdout!, /curve restarts/);
  // The trial number is positional: its message names it as the usage line does.
  const notNumber = runCli(['show', 'tiny-mlp', 'abc', '--db', db]);
  assert.deepEqual([notNumber.status, notNumber.stderr], [2, 'lrsweep: TRIAL must be a number, got "abc"\n']);

  for (const ext of ['csv', 'json']) {
    const out = join(dir, `export.${ext}`);
    await exportSweep({ db, name: 'tiny-mlp', out, force: false });
    const text = readFileSync(out, 'utf8');
    if (ext === 'csv') {
      const lines = text.trimEnd().split('\n');
      assert.equal(lines.length, 9);
      assert.ok(lines[0].startsWith('trial,state,config_hash,repeat,seed,origin,schedule,first_cycle_steps,cycle_mult'), lines[0]);
      assert.ok(lines.slice(1).every((l) => l.split(',')[5] === 'plan'), 'a grid plans every trial');
    } else {
      const j = JSON.parse(text);
      assert.equal(j.trials.length, 8);
      assert.equal(j.trials[0].points.length, 3);
      assert.equal(j.sampler, 'grid (order: listed)');
      assert.ok(j.trials.every((t: { origin: string }) => t.origin === 'plan'));
    }
  }

  // Running again skips everything complete.
  const again = runCli(['run', fixture('tiny-mlp.yaml')], { cwd: dir });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /8 of 8 trials complete, 0 diverged, 0 failed, 0 not run \(0 ended in this run/);
  assert.deepEqual(trialsOf(db), trials);
});

test('1 and 2 workers give identical metrics for every trial', () => {
  const dir = workspace();
  for (const workers of ['1', '2']) {
    const r = runCli(['run', fixture('tiny-mlp.yaml'), '--workers', workers, '--db', `w${workers}.db`], { cwd: dir });
    assert.equal(r.status, 0, r.stderr);
  }
  const one = epochsOf(join(dir, 'w1.db'));
  const two = epochsOf(join(dir, 'w2.db'));
  assert.equal(one.size, 8);
  assert.deepEqual(two, one);
});


async function waitForComplete(db: string, atLeast: number, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (existsSync(db)) {
      try {
        const d = new Database(db, { readonly: true });
        const n = (d.prepare("SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'").get() as { n: number }).n;
        d.close();
        if (n >= atLeast) return;
      } catch {
        // the schema may not exist yet
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`fewer than ${atLeast} trials completed in time`);
}

test('a run killed with SIGKILL mid-sweep resumes: every trial complete exactly once, nothing complete lost', async () => {
  const dir = workspace();
  const db = join(dir, 'lrsweep.db');
  const first = startCli(['run', fixture('slow-mlp.yaml'), '--workers', '2'], dir);
  await waitForComplete(db, 4);
  first.child.kill('SIGKILL');
  await first.done;
  const before = trialsOf(db);
  const pointsBefore = epochsOf(db);
  const completeBefore = before.filter((t) => t.state === 'complete');
  assert.ok(completeBefore.length >= 4 && completeBefore.length < 24, `complete when killed: ${completeBefore.length}`);
  assert.ok(before.some((t) => t.state === 'running' || t.state === 'queued'), 'the kill left trials running');

  const second = runCli(['run', fixture('slow-mlp.yaml'), '--workers', '2'], { cwd: dir });
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /24 of 24 trials complete/);
  const after = trialsOf(db);
  assert.equal(after.length, 24);
  assert.equal(new Set(after.map((t) => `${t.config_hash}/${t.repeat}`)).size, 24);
  assert.ok(after.every((t) => t.state === 'complete'));
  for (const t of completeBefore) assert.deepEqual(after.find((a) => a.id === t.id), t, 'a trial complete before the kill is untouched');
  const pointsAfter = epochsOf(db);
  for (const t of completeBefore) assert.deepEqual(pointsAfter.get(`${t.config_hash}/${t.repeat}`), pointsBefore.get(`${t.config_hash}/${t.repeat}`), `trial ${t.number}'s points are untouched`);
  // None twice: one attempt each, a second for those the killed run held.
  const held = new Set(before.filter((t) => t.state === 'running' || t.state === 'queued').map((t) => t.id));
  for (const t of after) assert.equal(t.attempts, held.has(t.id) ? 2 : 1, `trial ${t.number} (${held.has(t.id) ? '' : 'not '}held by the killed run)`);
  const d = new Database(db, { readonly: true });
  assert.deepEqual(d.prepare('SELECT COUNT(*) AS n FROM epochs').get(), { n: 24 * 15 });
  assert.deepEqual(d.prepare("SELECT status FROM runs ORDER BY id").all(), [{ status: 'failed' }, { status: 'finished' }]);
  d.close();
});

test('Ctrl-C stops cleanly: running trials become interrupted, the exit says how to resume, and resuming finishes', async () => {
  const dir = workspace();
  const db = join(dir, 'lrsweep.db');
  const run = startCli(['run', fixture('slow-mlp.yaml'), '--workers', '2'], dir);
  await waitForComplete(db, 3);
  run.child.kill('SIGINT');
  const code = await run.done;
  const { stdout, stderr } = run.out();
  assert.equal(code, 130, stderr);
  assert.match(stderr, /stopping: recording what finished/);
  assert.match(stdout, /stopped: every completed trial is kept\. Resume with: npx lrsweep run .*slow-mlp\.yaml --workers 2$/m);
  const trials = trialsOf(db);
  assert.equal(trials.filter((t) => t.state === 'running' || t.state === 'queued').length, 0);
  assert.ok(trials.filter((t) => t.state === 'complete').length >= 3);
  const interrupted = trials.filter((t) => t.state === 'interrupted').length;
  const resumed = runCli(['run', fixture('slow-mlp.yaml')], { cwd: dir });
  assert.equal(resumed.status, 0, resumed.stderr);
  // The resume says what it queued again, by what those trials were.
  if (interrupted > 0) assert.match(resumed.stdout, new RegExp(`^${interrupted} trials? (was|were) queued to run again \\(${interrupted} interrupted\\)$`, 'm'));
  assert.ok(trialsOf(db).every((t) => t.state === 'complete'));
});

const trainer = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));

test('trials that throw or time out are recorded as failed with their error, and the sweep goes on', () => {
  const dir = workspace();
  const sweep = join(dir, 'failing.yaml');
  writeFileSync(sweep, `
name: failing
schedule: { first_cycle_steps: 10 }
parameters: { gamma: { values: [0.5, 0.9] } }
trainer: { kind: module, path: ${trainer('throws.ts')}, options: { message: "out of memory on purpose", epochs: 2 } }
`);
  const r = runCli(['run', sweep], { cwd: dir });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /0 of 2 trials complete, 0 diverged, 2 failed/);
  // Every trial this run ended failed: exit 1, the first failure on stderr's last line.
  assert.equal(r.stderr.trimEnd().split('\n').at(-1), 'lrsweep: all 2 trials this run ended failed; the first: trial 1: out of memory on purpose');
  const failed = trialsOf(join(dir, 'lrsweep.db'));
  assert.ok(failed.every((t) => t.state === 'failed' && t.error === 'out of memory on purpose'), JSON.stringify(failed));

  // Trials that end only when a gate file appears, which never does: each outlives its limit,
  // however fast the machine.
  const slow = join(dir, 'timeout.yaml');
  writeFileSync(slow, 'name: timeouts\nschedule: { first_cycle_steps: 3 }\nparameters: { cycle_mult: { values: [1, 1.5, 2] } }\nrepeats: 2\n' +
    `trainer: { kind: module, path: ${JSON.stringify(trainer('gated.ts'))}, options: { gate: ${JSON.stringify(join(dir, 'never-opened'))}, epochs: 3 } }\n` +
    'lint: { ignore: [ends-mid-cycle] }\nbudget: { trial_timeout: 0.05, cohort_size: 1 }\n');
  const t = runCli(['run', slow, '--db', 'timeouts.db'], { cwd: dir });
  assert.equal(t.status, 1, t.stderr);
  const timedOut = trialsOf(join(dir, 'timeouts.db'));
  assert.equal(timedOut.length, 6);
  assert.ok(timedOut.every((x) => x.state === 'failed' && x.error === 'trial_timeout: the trial ran longer than 0.05 s'));
  const listed = runCli(['trials', 'timeouts', '--state', 'failed', '--db', 'timeouts.db', '--format', 'json'], { cwd: dir });
  assert.equal(JSON.parse(listed.stdout).length, 6);
  // In cohorts, the limit is the trial's times the members (they train together).
  writeFileSync(slow, readFileSync(slow, 'utf8').replace('name: timeouts', 'name: cohort-timeouts').replace('cohort_size: 1', 'cohort_size: 3'));
  assert.equal(runCli(['run', slow, '--db', 'cohorts.db'], { cwd: dir }).status, 1);
  const cohorts = trialsOf(join(dir, 'cohorts.db'));
  assert.ok(cohorts.every((x) => x.state === 'failed' && x.error === 'trial_timeout: a cohort of 3 trials (trial_timeout 0.05 s each) ran longer than 0.15 s'), JSON.stringify(cohorts.map((c) => c.error)));
});

test('a changed sweep file is refused with what changed, unless --extend adds configs', () => {
  const dir = workspace();
  const file = join(dir, 'tiny.yaml');
  copyFileSync(fixture('tiny-mlp.yaml'), file);
  assert.equal(runCli(['run', file], { cwd: dir }).status, 0);
  const original = readFileSync(file, 'utf8');

  writeFileSync(file, original.replace('cycle_mult: { values: [1, 2] }', 'cycle_mult: { values: [1, 2, 3] }'));
  const refused = runCli(['run', file], { cwd: dir });
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'lrsweep: sweep "tiny-mlp" already exists in lrsweep.db with another definition ' +
    '(parameters.cycle_mult.values: [1,2] -> [1,2,3]): run with --extend to add the new configs, or give the sweep another name\n');
  const extended = runCli(['run', file, '--extend'], { cwd: dir });
  assert.equal(extended.status, 0, extended.stderr);
  assert.match(extended.stdout, /12 of 12 trials complete, .*\(4 ended in this run/);

  // A change --extend cannot accept is not offered --extend.
  writeFileSync(file, original.replace('epochs: 3', 'epochs: 4'));
  const noExtend = runCli(['run', file], { cwd: dir });
  assert.equal(noExtend.status, 2);
  assert.equal(noExtend.stderr, 'lrsweep: sweep "tiny-mlp" already exists in lrsweep.db with another definition ' +
    '(parameters.cycle_mult.values: [1,2,3] -> [1,2]; trainer.epochs: 3 -> 4): these changes make old and new trials incomparable, so give the sweep another name\n');

  writeFileSync(file, original.replace('epochs: 3', 'epochs: 4'));
  const incomparable = runCli(['run', file, '--extend'], { cwd: dir });
  assert.equal(incomparable.status, 2);
  assert.equal(incomparable.stderr, 'lrsweep: --extend only adds configs, but these changes would make old and new trials incomparable ' +
    '(trainer.epochs: 3 -> 4): give the sweep another name\n');
});

test('bad input exits 2 with the problem and writes nothing', () => {
  const dir = workspace();
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'name: bad\nschedule: { first_cycle_steps: 10, gamma: -1 }\ntrainer: { kind: quadratic }\n');
  const r = runCli(['run', bad], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: ${bad}: 1 problem:\n  schedule.gamma: must be a finite number > 0, got -1\n`);
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false);

  // --backend tensorflow without @tensorflow/tfjs-node says how to install it; where it is
  // installed (as the README recommends), the backend runs the sweep.
  const tf = runCli(['run', fixture('tiny-mlp.yaml'), '--backend', 'tensorflow', '--db', 'tf.db'], { cwd: dir });
  if (tfjsNodeInstalled()) {
    assert.equal(tf.status, 0, tf.stderr);
    assert.match(tf.stdout, /8 of 8 trials complete/);
    assert.deepEqual(new Set(trialsOf(join(dir, 'tf.db')).map((t) => JSON.parse(t.provenance ?? '{}').backend)), new Set(['tensorflow']));
  } else {
    assert.equal(tf.status, 2);
    assert.match(tf.stderr, /^lrsweep: --backend tensorflow needs @tensorflow\/tfjs-node, which is not installed: run `npm install @tensorflow\/tfjs-node`/);
    assert.equal(existsSync(join(dir, 'tf.db')), false);
  }

  const workers = runCli(['run', fixture('tiny-mlp.yaml'), '--workers', '0'], { cwd: dir });
  assert.equal(workers.status, 2);
  assert.equal(workers.stderr, 'lrsweep: --workers must be an integer >= 1, got 0\n');

  const missing = runCli(['best', 'nope'], { cwd: dir });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'lrsweep: --db: no database at "lrsweep.db": run `npx lrsweep run SWEEP_FILE` first, or pass --db PATH\n');
});

test('--dry-run prints the number of trials and the first configs, and touches nothing', () => {
  const dir = workspace();
  const r = runCli(['run', fixture('tiny-mlp.yaml'), '--dry-run'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^tiny-mlp: 4 configs x 2 repeats = 8 trials, sampler grid \(order: listed\), 15 steps each, trainer mlp, seeds common to every config$/m);
  assert.match(r.stdout, /cycle_mult/);
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false);
});

test('run and --dry-run warn of schedule traps on stderr, rule by rule; --no-lint and lint.ignore silence them, and the run is the same', () => {
  const dir = workspace();
  const file = join(dir, 'lints.yaml');
  copyFileSync(fixture('tiny-quadratic.yaml'), file);
  const warning = /^lrsweep: warning \[ends-mid-cycle\]: 4 of 8 configs, e\.g\. the run's last step 99 is step 4 of the 67 steps of cycle 3/m;
  const dry = runCli(['run', file, '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stderr, warning);
  const quietDry = runCli(['run', file, '--dry-run', '--no-lint'], { cwd: dir });
  assert.equal(quietDry.status, 0, quietDry.stderr);
  assert.equal(quietDry.stderr, '');
  assert.equal(quietDry.stdout, dry.stdout);
  const loud = runCli(['run', file, '--db', join(dir, 'a.db')], { cwd: dir });
  assert.equal(loud.status, 0, loud.stderr);
  assert.match(loud.stderr, warning);
  const quiet = runCli(['run', file, '--db', join(dir, 'b.db'), '--no-lint'], { cwd: dir });
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.doesNotMatch(quiet.stderr, /warning/);
  const objectives = (db: string) => trialsOf(db).map((t) => [t.config_hash, t.repeat, t.objective]);
  assert.deepEqual(objectives(join(dir, 'b.db')), objectives(join(dir, 'a.db')));
  // The file can silence the rule by name; another rule would still be told.
  writeFileSync(file, `${readFileSync(file, 'utf8')}lint: { ignore: [ends-mid-cycle] }\n`);
  const ignored = runCli(['run', file, '--dry-run'], { cwd: dir });
  assert.equal(ignored.status, 0, ignored.stderr);
  assert.doesNotMatch(ignored.stderr, /ends-mid-cycle/);
});
