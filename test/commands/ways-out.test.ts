// The ways out of a definition mistake are named where the mistake shows: a changed sweep file is
// refused, and the refusal offers run --replace while none of the sweep's trials finished (the
// PyTorch example's wrong `run:` line, every trial failed), and does not once one has.
// Also: delete, like the read-only commands, creates no database where there is none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-ways-out-'));

function commandSweep(dir: string, script: string): void {
  writeFileSync(join(dir, 'c.yaml'), `name: c
schedule: { first_cycle_steps: 10 }
parameters:
  cycle_mult: { values: [1, 2] }
trainer: { kind: command, run: [sh, -c, ${JSON.stringify(script)}], steps: 10, metrics: [val_loss] }
lint: { ignore: [ends-mid-cycle] }
`);
}

test('a changed run: line of a sweep whose every trial failed is refused offering run --replace, which then runs it', () => {
  const dir = workspace();
  commandSweep(dir, 'echo "no module named torch" >&2; exit 3');
  assert.equal(runCli(['run', 'c.yaml'], { cwd: dir }).status, 1);
  commandSweep(dir, `echo '{"epoch": 1, "val_loss": 0.5}'`);
  const refused = runCli(['run', 'c.yaml'], { cwd: dir });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /^lrsweep: sweep "c" already exists in lrsweep\.db with another definition \(trainer\.run: .*\): these changes make old and new trials incomparable, so give the sweep another name; none of its trials finished, so run --replace makes this file its definition\n$/);
  const replaced = runCli(['run', 'c.yaml', '--replace'], { cwd: dir });
  assert.equal(replaced.status, 0, replaced.stderr);
  assert.match(replaced.stdout, /2 of 2 trials complete/);
});

test('once a trial finished, the refusal does not offer --replace (which would be refused)', () => {
  const dir = workspace();
  commandSweep(dir, `echo '{"epoch": 1, "val_loss": 0.5}'`);
  assert.equal(runCli(['run', 'c.yaml'], { cwd: dir }).status, 0);
  commandSweep(dir, `echo '{"epoch": 1, "val_loss": 0.25}'`);
  const refused = runCli(['run', 'c.yaml'], { cwd: dir });
  assert.equal(refused.status, 2);
  assert.match(refused.stderr, /so give the sweep another name\n$/);
});

test('delete on a --db that does not exist is refused (exit 2) and creates no database', () => {
  const dir = workspace();
  const r = runCli(['delete', 'c', '--db', 'none.db'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'lrsweep: --db: no database at "none.db": run `npx lrsweep run SWEEP_FILE` first, or pass --db PATH\n');
  assert.ok(!existsSync(join(dir, 'none.db')), 'no file created');
});
