// The command protocol, end to end through runCommandTrial: what the command receives (lr.npy,
// trial.json, LRSWEEP_* variables, placeholders, env) and how its output and exit are read.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { curve } from '../../../src/schedule/curve.js';
import { scheduleInput } from '../../../src/train/command/trial-dir.js';
import { runCommandTrial } from '../../../src/train/command/run.js';
import { commandOutcome } from '../../../src/train/command/outcome.js';
import type { MetricsPoint } from '../../../src/train/command/output.js';
import { PARAMS, commandOptions, commandTrial, processesInGroup, pythonWith } from './helpers.js';
import { skipOrFail } from '../../helpers/skip.js';

const sh = (script: string, ...args: string[]) => ['sh', '-c', script, 'sh', ...args];
const numpyPython = pythonWith('numpy');

test('a Python command receives exactly the engine\'s curve: its reported SHA-256 of lr.npy\'s values is the engine\'s', async (t) => {
  if (skipOrFail(t, !numpyPython && 'no python3 with numpy (Debian: apt-get install python3-numpy)')) return;
  // 150 000 steps: three of the engine's chunks, so the streamed write is exercised across chunk edges.
  const steps = 150_000;
  const script = [
    'import hashlib, json, os, numpy as np',
    'lr = np.load(os.environ["LRSWEEP_LR_FILE"])',
    'assert lr.dtype == np.float64 and lr.shape == (int(json.load(open(os.environ["LRSWEEP_TRIAL_FILE"]))["steps"]),), (lr.dtype, lr.shape)',
    'digest = hashlib.sha256(lr.astype("<f8").tobytes()).hexdigest()',
    'print(json.dumps({"epoch": 1, "curve_sha48": int(digest[:12], 16), "lr_0": lr[0], "lr_last": lr[-1], "steps": len(lr)}))',
  ].join('\n');
  const r = await runCommandTrial(commandOptions([numpyPython!, '-c', script], { steps, metrics: ['curve_sha48'] }), commandTrial({ steps }));
  assert.deepEqual(commandOutcome(r, 'curve_sha48'), { state: 'complete', reason: null });
  const want = curve(scheduleInput(PARAMS), { steps });
  const digest = createHash('sha256').update(new Uint8Array(want.buffer)).digest('hex');
  assert.deepEqual(r.points[0].values, { curve_sha48: parseInt(digest.slice(0, 12), 16), lr_0: want[0], lr_last: want[steps - 1], steps });
});

test('placeholders in run are filled in per trial, and the LRSWEEP_* variables name the same files', async () => {
  const script = 'echo "{\\"epoch\\": 1, \\"seed\\": $1, \\"max_lr\\": $2, \\"steps\\": $3, \\"gamma\\": $7}"; '
    + 'printf "%s\\n" "$4|$5|$6" "$LRSWEEP_LR_FILE|$LRSWEEP_TRIAL_FILE|$LRSWEEP_TRIAL_DIR" "$LRSWEEP_SEED $LRSWEEP_ATTEMPT $LRSWEEP_WORKER_SLOT $PYTHONUNBUFFERED" "$8" >&2';
  const trial = commandTrial({ seed: 99, attempt: 2, slot: 1, steps: 40 });
  const r = await runCommandTrial(commandOptions(sh(script, '{seed}', '{param.max_lr}', '{steps}', '{lr_file}', '{trial_file}', '{trial_dir}', '{param.gamma}', '--cycles={param.max_cycles}')), trial);
  assert.equal(r.exitCode, 0);
  assert.deepEqual(r.points, [{ epoch: 1, step: null, values: { seed: 99, max_lr: 0.1, steps: 40, gamma: 0.9 } }]);
  const paths = `${r.lrFile}|${r.trialFile}|${r.dir}`;
  assert.deepEqual(r.stderrTail, [paths, paths, '99 2 1 1', '--cycles=null']);
  assert.equal(r.dir, trial.dir);
  assert.deepEqual(JSON.parse(readFileSync(r.trialFile, 'utf8')), {
    sweep: 'test', trial: 7, attempt: 2, repeat: 0, seed: 99, steps: 40, params: PARAMS, worker_slot: 1,
    lr_file: r.lrFile, momentum_file: null, trial_dir: r.dir, log_file: r.logPath,
  });
});

test('env values are added to the command\'s environment, ${VAR} read from lrsweep\'s environment when the trial runs', async () => {
  process.env.LRSWEEP_TEST_SECRET = 's3cr3t';
  try {
    const r = await runCommandTrial(commandOptions(sh('echo "$TOKEN|$THREADS|$PATH_SEEN" >&2'), {
      env: { TOKEN: 'Bearer ${LRSWEEP_TEST_SECRET}!', THREADS: '1', PATH_SEEN: '${PATH}' },
    }), commandTrial());
    assert.deepEqual(r.stderrTail, [`Bearer s3cr3t!|1|${process.env.PATH}`]);
  } finally {
    delete process.env.LRSWEEP_TEST_SECRET;
  }
  await assert.rejects(runCommandTrial(commandOptions(['true'], { env: { TOKEN: '${LRSWEEP_TEST_UNSET}' } }), commandTrial()), {
    name: 'UsageError',
    message: "trainer.env.TOKEN: ${LRSWEEP_TEST_UNSET} is not set in lrsweep's environment; export LRSWEEP_TEST_UNSET before running the sweep",
  });
});

test('stdout lines that are JSON objects with an integer epoch or step are points, NaN and Infinity included; the rest goes to the log', async () => {
  const lines = [
    '{"epoch": 1, "val_loss": NaN, "train_loss": Infinity, "grad": -Infinity, "note": "warm", "acc": null}',
    'Epoch 1 done',
    '{"step": 10, "val_loss": 0.25}\r',
    '{"epoch": 1.5, "val_loss": 1}',
    '{"val_loss": 2}',
    '[1, 2]',
    '{"epoch": 2, "val_loss": 0.5, "step": 20}',
  ];
  const seen: MetricsPoint[] = [];
  const r = await runCommandTrial(commandOptions(['printf', '%s\\n', ...lines]), commandTrial(), { onPoint: (p) => { seen.push(p); } });
  const want = [
    { epoch: 1, step: null, values: { val_loss: NaN, train_loss: Infinity, grad: -Infinity } },
    { epoch: null, step: 10, values: { val_loss: 0.25 } },
    { epoch: 2, step: 20, values: { val_loss: 0.5 } },
  ];
  assert.deepEqual(r.points, want);
  assert.deepEqual(seen, want);
  assert.deepEqual(r.reported.sort(), ['grad', 'train_loss', 'val_loss']);
  const log = readFileSync(r.logPath, 'utf8').split('\n');
  assert.match(log[0], /^# lrsweep: trial 7 of test, attempt 1, at .* \["printf",/);
  assert.deepEqual(log.slice(1, 6), ['Epoch 1 done', '{"epoch": 1.5, "val_loss": 1}', '{"val_loss": 2}', '[1, 2]', '# lrsweep: exit code 0, after ' + log[5].split('after ')[1]]);
  assert.match(log[5], /; 3 metrics line\(s\)$/);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'complete', reason: null });
});

test('a command that exits 3 fails with its exit code and the last line of stderr; the tail keeps the last lines', async () => {
  const r = await runCommandTrial(commandOptions(sh('echo "{\\"epoch\\": 1, \\"val_loss\\": 1}"; for i in $(seq 1 30); do echo "line $i" >&2; done; echo "ValueError: bad shape" >&2; exit 3')), commandTrial());
  assert.equal(r.exitCode, 3);
  assert.equal(r.stderrTail.length, 20);
  assert.equal(r.stderrTail[0], 'line 12');
  assert.equal(r.stderrTail.at(-1), 'ValueError: bad shape');
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'failed', reason: 'exit code 3: ValueError: bad shape' });
  const log = readFileSync(r.logPath, 'utf8');
  assert.match(log, /line 1\n[^]*line 30\nValueError: bad shape\n# lrsweep: exit code 3/);
  // The last 20 lines of stderr close the log, under the note that says how the command ended.
  assert.deepEqual(log.split('\n').slice(-22), ['# lrsweep: the last 20 line(s) of stderr:',
    ...Array.from({ length: 19 }, (_, i) => `#   line ${i + 12}`), '#   ValueError: bad shape', '']);
});

test('a command that exits 0 leaves no stderr tail in its log; one killed by a signal does', async () => {
  const ok = await runCommandTrial(commandOptions(sh('echo warning >&2; echo "{\\"epoch\\": 1, \\"val_loss\\": 1}"')), commandTrial());
  assert.doesNotMatch(readFileSync(ok.logPath, 'utf8'), /line\(s\) of stderr/);
  const killed = await runCommandTrial(commandOptions(sh('echo "dying" >&2; kill -9 $$')), commandTrial());
  assert.equal(killed.signal, 'SIGKILL');
  assert.match(readFileSync(killed.logPath, 'utf8'), /# lrsweep: the last 1 line\(s\) of stderr:\n#   dying\n$/);
});

test('a stop while lr.npy is written: the command never starts, and no lr.npy of the attempt is left', async () => {
  const stop = new AbortController();
  const trial = commandTrial({ steps: 10_000_000 });
  const running = runCommandTrial(commandOptions(sh('touch ran; echo "{\\"epoch\\": 1, \\"val_loss\\": 1}"'), { steps: 10_000_000 }), trial, { signal: stop.signal });
  setImmediate(() => stop.abort());
  const r = await running;
  assert.equal(r.stopped, 'abort');
  assert.equal(r.pgid, null, 'never spawned');
  assert.deepEqual(readdirSync(trial.dir), ['attempt-1.log']);
  assert.match(readFileSync(r.logPath, 'utf8'), /# lrsweep: not started: the run was stopping\n$/);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'interrupted', reason: 'stopped by the runner' });
});

test('a command that exits 0 without reporting the objective fails, saying what it did report', async () => {
  const some = await runCommandTrial(commandOptions(sh('echo "{\\"epoch\\": 1, \\"train_loss\\": 0.5}"')), commandTrial());
  assert.deepEqual(commandOutcome(some, 'val_loss'), { state: 'failed', reason: 'never reported val_loss (reported: train_loss)' });
  const none = await runCommandTrial(commandOptions(sh('echo training...')), commandTrial());
  assert.deepEqual(commandOutcome(none, 'val_loss'), {
    state: 'failed',
    reason: 'never reported val_loss: no metrics line on stdout (one JSON object per line with an integer epoch or step, e.g. {"epoch": 1, "val_loss": 0.5})',
  });
});

test('a command killed by a signal, and one that cannot be started, fail saying so', async () => {
  const killed = await runCommandTrial(commandOptions(sh('echo "out of memory" >&2; kill -KILL $$')), commandTrial());
  assert.equal(killed.signal, 'SIGKILL');
  assert.deepEqual(commandOutcome(killed, 'val_loss'), { state: 'failed', reason: 'killed by SIGKILL: out of memory' });
  const missing = await runCommandTrial(commandOptions(['no-such-program-lrsweep']), commandTrial());
  assert.equal(missing.pgid, null);
  assert.deepEqual(commandOutcome(missing, 'val_loss'), { state: 'failed', reason: 'cannot start "no-such-program-lrsweep": spawn no-such-program-lrsweep ENOENT' });
});

test('the trial folder stays the same across attempts, so a command sees what its earlier attempt wrote; each attempt has its own log', async () => {
  const options = commandOptions(sh('echo run >> "$LRSWEEP_TRIAL_DIR/runs.txt"; echo "attempt $LRSWEEP_ATTEMPT"; echo "{\\"epoch\\": 1, \\"val_loss\\": $(wc -l < "$LRSWEEP_TRIAL_DIR/runs.txt")}"'));
  const first = await runCommandTrial(options, commandTrial({ dir: commandTrial().dir, attempt: 1 }));
  const second = await runCommandTrial(options, commandTrial({ dir: first.dir, attempt: 2 }));
  assert.equal(first.points[0].values.val_loss, 1);
  assert.equal(second.points[0].values.val_loss, 2);
  assert.notEqual(first.logPath, second.logPath);
  assert.match(readFileSync(first.logPath, 'utf8'), /\nattempt 1\n/);
  assert.match(readFileSync(second.logPath, 'utf8'), /\nattempt 2\n/);
});

test('aborting a running command ends its whole group and the trial is interrupted; an abort before the start runs nothing', async () => {
  const controller = new AbortController();
  const r = await runCommandTrial(commandOptions(sh('echo "{\\"epoch\\": 1, \\"val_loss\\": 1}"; sleep 1000 & sleep 1000'), { kill_grace: 5 }), commandTrial(), {
    signal: controller.signal,
    onPoint: () => controller.abort(),
  });
  assert.equal(r.stopped, 'abort');
  assert.deepEqual(processesInGroup(r.pgid!), []);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'interrupted', reason: 'stopped by the runner' });

  const before = new AbortController();
  before.abort();
  const marker = `${commandTrial().dir}-ran`;
  const skipped = await runCommandTrial(commandOptions(['touch', marker]), commandTrial(), { signal: before.signal });
  assert.equal(skipped.pgid, null);
  assert.equal(existsSync(marker), false);
  assert.equal(commandOutcome(skipped, 'val_loss').state, 'interrupted');
});

test('when the runner cannot store the process record, the command is ended and the attempt rejects with that error', async () => {
  let pgid = 0;
  await assert.rejects(runCommandTrial(commandOptions(sh('sleep 1000 & sleep 1000'), { kill_grace: 5 }), commandTrial(), {
    onSpawn: async (record) => {
      pgid = record.pgid;
      throw new Error('database is locked');
    },
  }), { message: 'database is locked' });
  assert.ok(pgid > 0);
  assert.deepEqual(processesInGroup(pgid), []);
});
