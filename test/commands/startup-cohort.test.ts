// A learning sampler (tpe) whose startup_trials is not more than the trainer's cohort: run and
// run --dry-run warn on stderr (file/warnings.ts startup-cohort), exit 0, and the run goes on; a
// startup above the cohort, a trainer that trains one trial at a time, a planning sampler (sobol),
// or a sweep of no more configs than one cohort (all created at once: nothing to learn from) gets
// no warning, and lint.ignore: [startup-cohort] or --no-lint silences it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';

const trainer = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));

function sweepFile(o: { method: string; trainer: string; budget?: string; trials?: number; lint?: string }): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-startup-cohort-'));
  const file = join(dir, 's.yaml');
  writeFileSync(file, `name: s
schedule: { first_cycle_steps: 10 }
parameters: { max_lr: { min: 0.01, max: 1 } }
method: ${o.method}
trials: ${o.trials ?? 6}
objective: { metric: val_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer(o.trainer))} }
${o.budget ? `budget: ${o.budget}\n` : ''}${o.lint ? `lint: ${o.lint}\n` : ''}`);
  return { dir, file };
}

/** The origin of each trial, in creation order. */
function originsOf(db: string): string[] {
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT origin FROM trials ORDER BY number').all() as { origin: string }[];
  d.close();
  return rows.map((r) => r.origin);
}

const WARNING = /^lrsweep: warning \[startup-cohort\]: method\.startup_trials is (\d+), not more than the trainer's cohort of (\d+) \(budget\.cohort_size(, its default)?\): each free worker slot asks tpe for a whole cohort before any result, and a run starts with every slot free, so at least the first (\d+) configs \((\d+) per worker slot\) are startup draws and startup_trials changes nothing; the model suggests once a cohort has finished \(set startup_trials above (\d+), or a smaller budget\.cohort_size; silence with lint: \{ ignore: \[startup-cohort\] \}\)$/m;

test('tpe with startup_trials within the cohort: dry-run and run warn on stderr, exit 0, and the run trains', () => {
  const { dir, file } = sweepFile({ method: '{ kind: tpe, startup_trials: 3 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }' });
  const dry = runCli(['run', file, '--db', join(dir, 'x.db'), '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(dry.stderr.match(WARNING)?.slice(1), ['3', '4', undefined, '4', '4', '4']);
  const run = runCli(['run', file, '--db', join(dir, 'x.db'), '--workers', '1'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, WARNING);
  assert.match(run.stdout, /^sweep s: 6 of 6 trials complete/);
  // The trainer's default cohort (16) against tpe's default startup_trials (10), in a sweep of more than one cohort.
  const defaults = sweepFile({ method: 'tpe', trainer: 'cohort.ts', trials: 40 });
  const d = runCli(['run', defaults.file, '--db', join(defaults.dir, 'x.db'), '--dry-run'], { cwd: defaults.dir });
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(d.stderr.match(WARNING)?.slice(1), ['10', '16', ', its default', '16', '16', '16']);
});

test('the run creates a cohort per free worker slot before any result, as the warning says: --workers 2, cohort 4, the first 8 configs are startup draws', () => {
  const { dir, file } = sweepFile({ method: '{ kind: tpe, startup_trials: 3 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }', trials: 12 });
  const db = join(dir, 'x.db');
  const run = runCli(['run', file, '--db', db, '--workers', '2'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, WARNING);
  const origins = originsOf(db);
  assert.deepEqual(origins.slice(0, 8), Array(8).fill('startup'), origins.join(' '));
  assert.ok(origins.slice(8).every((o) => o === 'model'), origins.join(' '));
});

test('lint: { ignore: [startup-cohort] } and --no-lint silence the warning; a sweep of no more configs than one cohort is not warned of', () => {
  const ignored = sweepFile({ method: '{ kind: tpe, startup_trials: 3 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }', lint: '{ ignore: [startup-cohort] }' });
  const a = runCli(['run', ignored.file, '--db', join(ignored.dir, 'x.db'), '--dry-run'], { cwd: ignored.dir });
  assert.equal(a.status, 0, a.stderr);
  assert.doesNotMatch(a.stderr, /startup-cohort/);
  // A planning sampler's configs are linted with the file's ignore list: the schedule lints take no offence at the name.
  const planned = sweepFile({ method: 'sobol', trainer: 'cohort.ts', lint: '{ ignore: [startup-cohort, ends-mid-cycle] }' });
  const p = runCli(['run', planned.file, '--db', join(planned.dir, 'x.db'), '--dry-run'], { cwd: planned.dir });
  assert.equal(p.status, 0, p.stderr);
  const loud = sweepFile({ method: '{ kind: tpe, startup_trials: 3 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }' });
  const dry = runCli(['run', loud.file, '--db', join(loud.dir, 'x.db'), '--dry-run', '--no-lint'], { cwd: loud.dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.doesNotMatch(dry.stderr, /startup-cohort/);
  const run = runCli(['run', loud.file, '--db', join(loud.dir, 'x.db'), '--workers', '1', '--no-lint'], { cwd: loud.dir });
  assert.equal(run.status, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /startup-cohort/);
  // The defaults (startup 10, cohort 16) on 12 and on 16 configs: all created at once, nothing to learn from.
  for (const trials of [12, 16]) {
    const moot = sweepFile({ method: 'tpe', trainer: 'cohort.ts', trials });
    const m = runCli(['run', moot.file, '--db', join(moot.dir, 'x.db'), '--dry-run'], { cwd: moot.dir });
    assert.equal(m.status, 0, m.stderr);
    assert.doesNotMatch(m.stderr, /startup-cohort/, `trials: ${trials}`);
  }
});

test('no warning for startup_trials above the cohort, a trainer without cohorts, or a planning sampler', () => {
  for (const o of [
    { method: '{ kind: tpe, startup_trials: 5 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }' },
    { method: '{ kind: tpe, startup_trials: 3 }', trainer: 'plain.mjs' },
    { method: 'sobol', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }' },
  ]) {
    const { dir, file } = sweepFile(o);
    const dry = runCli(['run', file, '--db', join(dir, 'x.db'), '--dry-run'], { cwd: dir });
    assert.equal(dry.status, 0, dry.stderr);
    assert.doesNotMatch(dry.stderr, /startup-cohort/, JSON.stringify(o));
  }
});
