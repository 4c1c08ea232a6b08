// `lrsweep curve --momentum`: one_cycle's momentum curve through every output curve has, equal to
// the library's; refused (exit 2, one line) for a schedule that sets no momentum.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { runCli } from '../helpers/cli.js';

const FLAGS = ['--schedule', 'one_cycle', '--max-lr', '0.3', '--total-steps', '500', '--pct-start', '0.25', '--three-phase', '--base-momentum', '0.8'];
const schedule = resolveSchedule({ schedule: 'one_cycle', maxLr: 0.3, totalSteps: 500, pctStart: 0.25, threePhase: true, baseMomentum: 0.8 });

test('curve --momentum writes the momentum curve (npy, csv), and summarises its exact extremes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-momentum-'));
  const npy = runCli(['curve', ...FLAGS, '--steps', '501', '--momentum', '--out', 'm.npy'], { cwd: dir });
  assert.equal(npy.status, 0, npy.stderr);
  const bytes = readFileSync(join(dir, 'm.npy'));
  const headerLength = bytes.readUInt16LE(8);
  const values = new Float64Array(bytes.buffer.slice(bytes.byteOffset + 10 + headerLength, bytes.byteOffset + bytes.length));
  assert.deepEqual(values, schedule.momentum({ steps: 501 }));
  const csv = runCli(['curve', ...FLAGS, '--steps', '3', '--start', '10', '--momentum', '--out', '-', '--format', 'csv']);
  assert.equal(csv.status, 0, csv.stderr);
  const m = schedule.momentum({ start: 10, steps: 3 });
  assert.equal(csv.stdout, `step,momentum\n10,${m[0]}\n11,${m[1]}\n12,${m[2]}\n`);
  const summary = runCli(['curve', ...FLAGS, '--steps', '501', '--momentum']);
  assert.match(summary.stdout, /min {7}0\.8\n/);
  assert.match(summary.stdout, /max {7}0\.95\n/);
  // Without --momentum, the LR
  assert.match(runCli(['curve', ...FLAGS, '--steps', '501']).stdout, /max {7}0\.3\n/);
});

test('curve --momentum is refused for a schedule that sets none', () => {
  for (const [flags, why] of [[['--first-cycle-steps', '10'], /--schedule cawr sets no momentum/], [[...FLAGS, '--no-cycle-momentum'], /--no-cycle-momentum leaves it to the optimizer/]] as const) {
    const r = runCli(['curve', ...flags, '--steps', '5', '--momentum']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
