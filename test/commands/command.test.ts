// The command trainer end to end through the CLI: programs fed the exact curve, failures as data,
// timeouts and Ctrl-C that leave no process behind, and a runner killed with kill -9 whose
// orphans the next run ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { curve } from '../../src/schedule/curve.js';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';
import { skipOrFail } from '../helpers/skip.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-cmd-'));

/** A Python with numpy (and, for the example, torch): Debian's when the PATH one lacks it. */
function python(modules: string): string | null {
  for (const p of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(p, ['-c', `import ${modules}`]).status === 0) return p;
  }
  return null;
}

/** Live processes whose command line holds `marker`. */
function processesWith(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmd.includes(marker) && state !== 'Z') found.push(Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}


const yamlList = (xs: (string | number)[]) => `[${xs.map((x) => JSON.stringify(String(x))).join(', ')}]`;

test('a command trainer gets exactly the curve: its lr.npy hashes as the engine\'s values do, for every trial', (t) => {
  const py = python('numpy');
  if (skipOrFail(t, !py && 'no python3 with numpy here (.ci/run installs python3-numpy)')) return;
  const dir = workspace();
  writeFileSync(join(dir, 'check.py'), `import hashlib, json, os, numpy as np
lr = np.load(os.environ["LRSWEEP_LR_FILE"])
trial = json.load(open(os.environ["LRSWEEP_TRIAL_FILE"]))
digest = hashlib.sha256(lr.astype("<f8").tobytes()).hexdigest()
print("some chatter that is not a metrics line")
print(json.dumps({"epoch": 1, "val_loss": float(lr[-1]), "lr_hash": int(digest[:12], 16), "steps": len(lr), "seed_ok": int(trial["seed"] == int(os.environ["LRSWEEP_SEED"]))}))
`);
  writeFileSync(join(dir, 'exact.yaml'), `name: exact
schedule: { first_cycle_steps: 37, min_lr: 0.001, max_lr: 0.1 }
parameters: { cycle_mult: { values: [1, 1.5] }, warmup_steps: { values: [0, 5] } }
trainer: { kind: command, run: ${yamlList([py!, 'check.py'])}, steps: 5000, metrics: [val_loss, lr_hash, steps, seed_ok] }
`);
  const r = runCli(['run', 'exact.yaml', '--workers', '2'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 of 4 trials complete/);
  const db = join(dir, 'lrsweep.db');
  for (const trial of queryDb(db, 'SELECT id, number, params, objective FROM trials')) {
    const p = JSON.parse(trial.params as string);
    const lrs = curve({ schedule: 'cawr', firstCycleSteps: 37, cycleMult: p.cycle_mult, warmupSteps: p.warmup_steps, maxLr: 0.1, minLr: 0.001 }, { steps: 5000 });
    const want = Number.parseInt(createHash('sha256').update(Buffer.from(lrs.buffer)).digest('hex').slice(0, 12), 16);
    const metrics = Object.fromEntries(queryDb(db, `SELECT name, value FROM metrics WHERE trial_id = ${trial.id}`).map((m) => [m.name, m.value]));
    assert.equal(metrics.lr_hash, want, `trial ${trial.number}`);
    assert.equal(metrics.steps, 5000);
    assert.equal(metrics.seed_ok, 1);
    assert.equal(trial.objective, lrs[4999]);
    // lr.npy is removed once the trial completes (cleanup: lr); the log keeps the chatter.
    const tdir = join(dir, 'lrsweep-trials', 'exact', String(trial.number));
    assert.deepEqual(readdirSync(tdir).sort(), ['attempt-1.log', 'trial.json']);
    assert.match(readFileSync(join(tdir, 'attempt-1.log'), 'utf8'), /some chatter/);
  }
  const show = JSON.parse(runCli(['show', 'exact', '1', '--format', 'json'], { cwd: dir }).stdout);
  assert.equal(show.trial.provenance.log, join(dir, 'lrsweep-trials', 'exact', '1', 'attempt-1.log'), 'show names the log');
});

test('the PyTorch example runs as a sweep and reports every metric it declares', (t) => {
  const py = python('torch, sklearn, numpy');
  if (skipOrFail(t, !py && 'no python3 with torch and sklearn here (.ci/run installs them)')) return;
  const dir = workspace();
  const example = fileURLToPath(new URL('../../examples/pytorch/', import.meta.url));
  const text = readFileSync(join(example, 'sweep.yaml'), 'utf8')
    .replace('run: [python3, train.py,', `cwd: ${JSON.stringify(example)}\n  run: [${JSON.stringify(py)}, train.py,`)
    .replace(/budget: \{[^}]*\}/, 'budget: { workers: 2, max_trials: 2, trial_timeout: 600 }');
  writeFileSync(join(dir, 'sweep.yaml'), text);
  const r = runCli(['run', 'sweep.yaml'], { cwd: dir, timeoutMs: 600_000 }); // PyTorch trains two trials
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 of 2 trials complete/);
  const names = queryDb(join(dir, 'lrsweep.db'), 'SELECT DISTINCT name FROM metrics ORDER BY name').map((x) => x.name);
  assert.deepEqual(names, ['lr', 'train_loss', 'val_acc', 'val_loss']);
  const best = JSON.parse(runCli(['best', 'pytorch-digits', '--format', 'json'], { cwd: dir }).stdout) as { val_acc: number }[];
  assert.ok(best[0].val_acc > 0.8, String(best[0].val_acc));
});

test('failures are data: a non-zero exit, a hang past trial_timeout, a missing objective; no process is left', () => {
  const dir = workspace();
  const marker = `9${Date.now() % 100000}.25`;
  const cases: [string, string[], string][] = [
    ['exit3', ['sh', '-c', 'echo starting; echo "out of patience" >&2; exit 3'], '^exit code 3: out of patience \\(log: .*attempt-1\\.log\\)$'],
    ['hang', ['sh', '-c', `sleep ${marker} & sleep ${marker}`], '^trial_timeout: timed out after 1 s; ended with SIGTERM \\(log: .*\\)$'],
    ['silent', ['sh', '-c', 'echo \'{"epoch": 1, "train_loss": 0.5}\''], '^never reported val_loss \\(reported: train_loss\\) \\(log: .*\\)$'],
  ];
  for (const [name, run, error] of cases) {
    writeFileSync(join(dir, `${name}.yaml`), `name: ${name}\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: ${yamlList(run)}, steps: 20, metrics: [val_loss, train_loss], kill_grace: 1 }\nbudget: { trial_timeout: 1 }\n`);
    const r = runCli(['run', `${name}.yaml`, '--db', `${name}.db`], { cwd: dir });
    assert.equal(r.status, 1, `${name}: every trial failed: ${r.stderr}`);
    assert.match(r.stdout, /0 of 1 trials complete, 0 diverged, 1 failed/, name);
    const [trial] = queryDb(join(dir, `${name}.db`), 'SELECT state, error, process FROM trials');
    assert.equal(trial.state, 'failed');
    assert.match(trial.error as string, new RegExp(error), name);
    assert.equal(trial.process, null);
    if (name === 'exit3') {
      // The last lines of stderr (at most 20) close the log the reason names.
      const log = readFileSync(/\(log: (.*)\)$/.exec(trial.error as string)![1], 'utf8');
      assert.match(log, /# lrsweep: exit code 3, [^\n]*\n# lrsweep: the last 1 line\(s\) of stderr:\n#   out of patience\n$/);
    }
  }
  assert.deepEqual(processesWith(`sleep ${marker}`), [], 'the timed-out command\'s whole process tree is gone');
});


test('metrics lines keep the protocol: an epoch no column can hold (1e300) is no point, and names that break the metric-name rule are not stored', () => {
  const dir = workspace();
  const lines = ['{"epoch": 1e300, "val_loss": 0.25}', '{"epoch": 1, "val_loss": 0.5, "bad name": 1, "caf\\u00e9": 2, "1st": 3, "top-5": 0.9}'];
  writeFileSync(join(dir, 'proto.yaml'), `name: proto\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: ${yamlList(['sh', '-c', lines.map((l) => `echo '${l}'`).join('; ')])}, steps: 20, metrics: [val_loss] }\n`);
  const r = runCli(['run', 'proto.yaml'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /1 of 1 trials complete/);
  const db = join(dir, 'lrsweep.db');
  assert.deepEqual(queryDb(db, 'SELECT epoch, name, value FROM metrics ORDER BY name'), [{ epoch: 1, name: 'top-5', value: 0.9 }, { epoch: 1, name: 'val_loss', value: 0.5 }]);
  assert.deepEqual(queryDb(db, 'SELECT objective FROM trials'), [{ objective: 0.5 }]);
  assert.match(readFileSync(join(dir, 'lrsweep-trials', 'proto', '1', 'attempt-1.log'), 'utf8'), /\{"epoch": 1e300, "val_loss": 0.25\}/, 'the line that is no point goes to the log');
});

async function waitFor(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A sweep of four commands that report once, then sleep for $NAP seconds (set at run time: stored as written). */
function sleepySweep(dir: string, marker: string): string {
  writeFileSync(join(dir, 'nap.sh'), `echo '{"epoch": 1, "val_loss": 0.5}'\nexec sleep "$NAP.${marker}"\n`);
  writeFileSync(join(dir, 'sleepy.yaml'), `name: sleepy
schedule: { first_cycle_steps: 10 }
parameters: { gamma: { values: [0.5, 0.6, 0.7, 0.8] } }
trainer: { kind: command, run: [sh, nap.sh], steps: 10, metrics: [val_loss], env: { NAP: "\${LR_TEST_NAP}" }, kill_grace: 1 }
`);
  return 'sleepy.yaml';
}

const running = (db: string) => existsSync(db) && queryDb(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'running'")[0]?.n === 2;

test('Ctrl-C during command trials ends their process groups, marks them interrupted, and the next run finishes them', async () => {
  const dir = workspace();
  const marker = `${Date.now() % 1000}`;
  const file = sleepySweep(dir, marker);
  const db = join(dir, 'lrsweep.db');
  const run = startCli(['run', file, '--workers', '2'], dir, { LR_TEST_NAP: '300' });
  await waitFor(() => { try { return running(db); } catch { return false; } }, 'two trials running');
  assert.equal(processesWith(`300.${marker}`).length, 2);
  run.child.kill('SIGINT');
  assert.equal(await run.done, 130, run.out().stderr);
  assert.deepEqual(processesWith(`300.${marker}`), [], 'no process of the stopped trials is left');
  assert.deepEqual(queryDb(db, "SELECT COUNT(*) AS n FROM trials WHERE state IN ('running', 'queued')"), [{ n: 0 }]);
  const again = runCli(['run', file], { cwd: dir, env: { LR_TEST_NAP: '0' } });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /4 of 4 trials complete/);
});

test('Ctrl-C while a long lr.npy is written stops the write: no lr.npy or partial file is left, and the command never starts', async () => {
  const dir = workspace();
  // 10^8 steps: an 800 MB lr.npy when whole; the stop comes as soon as its partial file shows.
  writeFileSync(join(dir, 'long.yaml'), `name: long\nschedule: { first_cycle_steps: 100000000 }\ntrainer: { kind: command, run: [sh, -c, "touch ran; echo '{\\"epoch\\": 1, \\"val_loss\\": 1}'"], steps: 100000000, metrics: [val_loss] }\n`);
  const trialDir = join(dir, 'lrsweep-trials', 'long', '1');
  const run = startCli(['run', 'long.yaml', '--no-lint'], dir);
  await waitFor(() => existsSync(join(trialDir, 'lr.npy.partial')), 'lr.npy to be written');
  run.child.kill('SIGINT');
  assert.equal(await run.done, 130, run.out().stderr);
  assert.deepEqual(readdirSync(trialDir).sort(), ['attempt-1.log']);
  assert.match(readFileSync(join(trialDir, 'attempt-1.log'), 'utf8'), /not started: the run was stopping/);
  assert.equal(existsSync(join(dir, 'ran')), false, 'the command never ran');
  assert.deepEqual(queryDb(join(dir, 'lrsweep.db'), "SELECT COUNT(*) AS n FROM trials WHERE state = 'complete'"), [{ n: 0 }]);
});

test('a runner killed with kill -9 leaves its commands running; the next run ends them and runs each trial once', async () => {
  const dir = workspace();
  const marker = `${(Date.now() + 7) % 1000}`;
  const file = sleepySweep(dir, marker);
  const db = join(dir, 'lrsweep.db');
  const run = startCli(['run', file, '--workers', '2'], dir, { LR_TEST_NAP: '301' });
  await waitFor(() => { try { return running(db); } catch { return false; } }, 'two trials running');
  run.child.kill('SIGKILL');
  await run.done;
  await waitFor(() => processesWith(`301.${marker}`).length === 2, 'the orphans to be visible');
  const again = runCli(['run', file, '--workers', '2'], { cwd: dir, env: { LR_TEST_NAP: '0' } });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, /ended 1 process of process group \d+, left running by a run that died/);
  assert.match(again.stdout, /4 of 4 trials complete/);
  assert.deepEqual(processesWith(`301.${marker}`), [], 'no process of the killed run is left');
  const trials = queryDb(db, 'SELECT number, state, attempts FROM trials ORDER BY number');
  assert.equal(trials.length, 4);
  assert.ok(trials.every((x) => x.state === 'complete'));
});

test('a run stopped while it ends the groups a dead run left keeps their records: the next run ends them', async () => {
  const dir = workspace();
  const marker = `stubborn-${process.pid}-${Date.now() % 100000}`;
  // A command that survives SIGTERM (it notes each one in its folder) while LR_TEST_STAY is 1.
  writeFileSync(join(dir, 'stubborn.sh'), `trap 'echo TERM >> "$LRSWEEP_TRIAL_DIR/termed"' TERM
echo '{"epoch": 1, "val_loss": 0.5}'
[ "$STAY" = 1 ] || exit 0
exec >/dev/null 2>&1 # its runner's pipes break when the runner dies: a write there would end it
while :; do sleep 0.2; done
`);
  writeFileSync(join(dir, 'stubborn.yaml'), `name: stubborn
schedule: { first_cycle_steps: 10 }
parameters: { gamma: { values: [0.5, 0.6] } }
trainer: { kind: command, run: [sh, stubborn.sh, ${marker}], steps: 10, metrics: [val_loss], env: { STAY: "\${LR_TEST_STAY}" }, kill_grace: 5 }
`);
  const db = join(dir, 'lrsweep.db');
  const termed = (n: number) => existsSync(join(dir, 'lrsweep-trials', 'stubborn', String(n), 'termed'));
  try {
    // A run that dies at once (as a second Ctrl-C ends it) leaves both commands running.
    const first = startCli(['run', 'stubborn.yaml', '--workers', '2'], dir, { LR_TEST_STAY: '1' });
    await waitFor(() => { try { return running(db); } catch { return false; } }, 'two trials running');
    first.child.kill('SIGKILL');
    await first.done;
    assert.equal(processesWith(marker).length, 2);
    // The next run signals them, and is killed while it waits kill_grace for them to go.
    const second = startCli(['run', 'stubborn.yaml', '--workers', '2'], dir, { LR_TEST_STAY: '1' });
    await waitFor(() => termed(1) && termed(2), 'the second run to send SIGTERM');
    second.child.kill('SIGKILL');
    await second.done;
    assert.equal(processesWith(marker).length, 2, 'the commands outlived SIGTERM');
    const records = queryDb(db, 'SELECT process FROM trials ORDER BY number').map((t) => t.process);
    assert.ok(records.every((p) => typeof p === 'string' && JSON.parse(p).pgid > 0), `the process records are kept: ${records}`);
    // A third run ends them (SIGKILL after kill_grace), then runs both trials.
    const third = runCli(['run', 'stubborn.yaml', '--workers', '2'], { cwd: dir, env: { LR_TEST_STAY: '0' } });
    assert.equal(third.status, 0, third.stderr);
    assert.match(third.stderr, /ended \d+ process(es)? of process group \d+, left running by a run that died/);
    assert.deepEqual(processesWith(marker), [], 'no process of the dead runs is left');
    assert.match(third.stdout, /2 of 2 trials complete/);
    assert.deepEqual(queryDb(db, 'SELECT state, process FROM trials ORDER BY number'), [{ state: 'complete', process: null }, { state: 'complete', process: null }]);
  } finally {
    for (const pid of processesWith(marker)) process.kill(pid, 'SIGKILL');
  }
});

test('a sweep file whose command cannot run here is refused before anything runs', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'missing.yaml'), 'name: missing\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: [no-such-program-here, x], steps: 10, metrics: [val_loss], env: { TOKEN: "${LR_TEST_UNSET_VAR}" } }\n');
  const r = runCli(['run', 'missing.yaml'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /trainer\.run\[0\]: "no-such-program-here" is not on PATH/);
  assert.match(r.stderr, /LR_TEST_UNSET_VAR/);
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false);
});
