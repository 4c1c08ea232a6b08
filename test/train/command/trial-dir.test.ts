import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { curve } from '../../../src/schedule/curve.js';
import { resolveSchedule } from '../../../src/schedule/schedule.js';
import { cleanTrialDir, prepareSweepDir, prepareTrialDir, scheduleInput, trialDir, writeLrFile } from '../../../src/train/command/trial-dir.js';
import { PARAMS, commandTrial, tempDir } from './helpers.js';

/** Reads a 1-d float64 .npy file the way numpy.load does: magic, version 1.0, header dict, data at a 64-byte boundary. */
function readNpy(path: string): { header: string; values: Float64Array } {
  const bytes = readFileSync(path);
  assert.equal(bytes.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  assert.deepEqual([bytes[6], bytes[7]], [1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  assert.equal((10 + headerLength) % 64, 0);
  const data = bytes.subarray(10 + headerLength);
  return { header: bytes.subarray(10, 10 + headerLength).toString('latin1').trim(), values: new Float64Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength)) };
}

test('lr.npy holds the engine\'s float64 curve bit for bit, across several streamed chunks', async () => {
  const steps = 200_003;
  const path = join(tempDir(), 'lr.npy');
  const params = { schedule: 'sgdr', t_0: 10, t_mult: 2, eta_min: 0.0001, base_lr: 0.05 };
  await writeLrFile(path, params, steps);
  const { header, values } = readNpy(path);
  assert.equal(header, `{'descr': '<f8', 'fortran_order': False, 'shape': (${steps},), }`);
  assert.deepEqual(values, curve(scheduleInput(params), { steps }));
  assert.equal(existsSync(`${path}.partial`), false);
});

test('parameters the engine refuses write nothing, not even a partial file', async () => {
  const dir = tempDir();
  await assert.rejects(writeLrFile(join(dir, 'lr.npy'), { ...PARAMS, warmup_steps: 40 }, 100), {
    name: 'ParamError',
    message: 'warmup_steps must be smaller than first_cycle_steps, got warmup_steps=40, first_cycle_steps=37',
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('a stop while lr.npy is written ends the write between chunks and leaves no file, partial or whole', async () => {
  const dir = tempDir();
  const path = join(dir, 'lr.npy');
  const stop = new AbortController();
  // 10^7 steps: 80 MB and 200 of the engine's chunks; the stop comes while the first ones are written.
  const writing = writeLrFile(path, PARAMS, 10_000_000, undefined, stop.signal);
  setImmediate(() => stop.abort());
  assert.equal(await writing, false);
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(await writeLrFile(path, PARAMS, 100, undefined, stop.signal), false, 'a signal already aborted writes nothing');
  assert.deepEqual(readdirSync(dir), []);
  assert.equal(await prepareTrialDir(commandTrial({ dir: join(dir, 't') }), stop.signal), null);
  assert.deepEqual(readdirSync(join(dir, 't')), []);
});

test('a trial folder is <root>/<sweep>/<trial>, and holds lr.npy and trial.json for the attempt', async () => {
  const root = tempDir();
  const trial = commandTrial({ dir: trialDir(root, 'my-sweep', 12), number: 12, attempt: 3, steps: 64 });
  assert.equal(trial.dir, join(root, 'my-sweep', '12'));
  const files = await prepareTrialDir(trial);
  assert.deepEqual(files, {
    dir: trial.dir, lrFile: join(trial.dir, 'lr.npy'), momentumFile: join(trial.dir, 'momentum.npy'),
    trialFile: join(trial.dir, 'trial.json'), logPath: join(trial.dir, 'attempt-3.log'),
  });
  assert.deepEqual(readNpy(files.lrFile).values, curve(scheduleInput(PARAMS), { steps: 64 }));
  assert.equal(JSON.parse(readFileSync(files.trialFile, 'utf8')).attempt, 3);
  assert.equal(JSON.parse(readFileSync(files.trialFile, 'utf8')).momentum_file, null);
  assert.ok(!existsSync(files.momentumFile), 'no momentum.npy for a schedule that sets none');
});

test('a one_cycle trial folder holds momentum.npy beside lr.npy (curve --momentum\'s values); cleanup lr deletes both', async () => {
  const root = tempDir();
  const params = { schedule: 'one_cycle', max_lr: 0.5, total_steps: 64, pct_start: 0.25, three_phase: true };
  const trial = commandTrial({ dir: trialDir(root, 's', 1), steps: 64, params });
  const files = (await prepareTrialDir(trial))!;
  assert.deepEqual(readNpy(files.lrFile).values, curve(scheduleInput(params), { steps: 64 }));
  assert.deepEqual(readNpy(files.momentumFile).values, resolveSchedule(scheduleInput(params)).momentum({ steps: 64 }));
  assert.equal(JSON.parse(readFileSync(files.trialFile, 'utf8')).momentum_file, files.momentumFile);
  cleanTrialDir(files.dir, 'lr');
  assert.deepEqual(readdirSync(files.dir).sort(), ['trial.json']);
  // Without cycle_momentum the optimizer keeps its own: no file.
  const plain = (await prepareTrialDir(commandTrial({ dir: trialDir(root, 's', 2), steps: 64, params: { ...params, cycle_momentum: false } })))!;
  assert.ok(!existsSync(plain.momentumFile));
});

test('cleanup on completion: lr deletes lr.npy only; outputs keeps only logs and trial.json; none keeps everything', async () => {
  const made = async (name: string) => {
    const files = (await prepareTrialDir(commandTrial({ dir: join(tempDir(), name) })))!;
    writeFileSync(files.logPath, 'log\n');
    writeFileSync(join(files.dir, 'attempt-2.log'), 'log\n');
    writeFileSync(join(files.dir, 'checkpoint.pt'), 'weights');
    mkdirSync(join(files.dir, 'plots'));
    writeFileSync(join(files.dir, 'plots', 'loss.png'), 'png');
    return files.dir;
  };
  const lr = await made('lr');
  cleanTrialDir(lr, 'lr');
  assert.deepEqual(readdirSync(lr).sort(), ['attempt-1.log', 'attempt-2.log', 'checkpoint.pt', 'plots', 'trial.json']);
  const outputs = await made('outputs');
  cleanTrialDir(outputs, 'outputs');
  assert.deepEqual(readdirSync(outputs).sort(), ['attempt-1.log', 'attempt-2.log', 'trial.json']);
  const none = await made('none');
  cleanTrialDir(none, 'none');
  assert.deepEqual(readdirSync(none).sort(), ['attempt-1.log', 'attempt-2.log', 'checkpoint.pt', 'lr.npy', 'plots', 'trial.json']);
});

test('a sweep folder belongs to one sweep: the same key reuses it, another sweep of the same name is refused', () => {
  const root = tempDir();
  const dir = prepareSweepDir(root, 'grid', '/data/a.db#2026-01-01T00:00:00Z');
  assert.equal(dir, join(root, 'grid'));
  assert.equal(prepareSweepDir(root, 'grid', '/data/a.db#2026-01-01T00:00:00Z'), dir);
  assert.throws(() => prepareSweepDir(root, 'grid', '/data/b.db#2026-02-01T00:00:00Z'), {
    name: 'UsageError',
    message: `${dir} holds the trials of another sweep named grid (/data/a.db#2026-01-01T00:00:00Z), not of this one (/data/b.db#2026-02-01T00:00:00Z); `
      + 'its scripts could resume from those checkpoints: remove the folder, or choose another trial folder',
  });
});
