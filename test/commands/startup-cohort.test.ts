// A learning sampler (tpe) whose startup_trials is not more than the trainer's cohort: run and
// run --dry-run warn on stderr (file/warnings.ts startup-cohort), exit 0, and the run goes on; a
// startup above the cohort, a trainer that trains one trial at a time, or a planning sampler
// (sobol) gets no warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli.js';

const trainer = (name: string) => fileURLToPath(new URL(`../fixtures/trainers/${name}`, import.meta.url));

function sweepFile(o: { method: string; trainer: string; budget?: string }): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-startup-cohort-'));
  const file = join(dir, 's.yaml');
  writeFileSync(file, `name: s
schedule: { first_cycle_steps: 10 }
parameters: { max_lr: { min: 0.01, max: 1 } }
method: ${o.method}
trials: 6
objective: { metric: val_loss, goal: minimize }
trainer: { kind: module, path: ${JSON.stringify(trainer(o.trainer))} }
${o.budget ? `budget: ${o.budget}\n` : ''}`);
  return { dir, file };
}

const WARNING = /^lrsweep: warning \[startup-cohort\]: method\.startup_trials is (\d+), not more than the trainer's cohort of (\d+) \(budget\.cohort_size(, its default)?\): each free slot asks tpe for a whole cohort before any result, so the first \d+ configs are all startup draws and startup_trials changes nothing; the model suggests once a cohort has finished \(set startup_trials above \d+, or a smaller budget\.cohort_size\)$/m;

test('tpe with startup_trials within the cohort: dry-run and run warn on stderr, exit 0, and the run trains', () => {
  const { dir, file } = sweepFile({ method: '{ kind: tpe, startup_trials: 3 }', trainer: 'cohort.ts', budget: '{ cohort_size: 4 }' });
  const dry = runCli(['run', file, '--db', join(dir, 'x.db'), '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.deepEqual(dry.stderr.match(WARNING)?.slice(1), ['3', '4', undefined]);
  const run = runCli(['run', file, '--db', join(dir, 'x.db'), '--workers', '1'], { cwd: dir });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stderr, WARNING);
  assert.match(run.stdout, /^sweep s: 6 of 6 trials complete/);
  // The trainer's default cohort (16) against tpe's default startup_trials (10).
  const defaults = sweepFile({ method: 'tpe', trainer: 'cohort.ts' });
  const d = runCli(['run', defaults.file, '--db', join(defaults.dir, 'x.db'), '--dry-run'], { cwd: defaults.dir });
  assert.equal(d.status, 0, d.stderr);
  assert.deepEqual(d.stderr.match(WARNING)?.slice(1), ['10', '16', ', its default']);
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
