// Pruning through the run path (runSweep with a test prune check, RunOptions.prune): a pruned
// trial survives a run killed with SIGKILL and is never re-run, on SQLite and on PostgreSQL (whose
// run goes through the queue and a worker's session); a pruned command is stopped as on timeout
// and leaves no process behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStorage } from '../../src/storage/open.js';
import type { TrialRecord } from '../../src/storage/types.js';
import { runSweep } from '../../src/sweep/run.js';
import { TSX } from '../helpers/cli.js';
import { freshSchema, schemaUrl, withPostgres } from '../storage/pg-server.js';

const fixture = (p: string) => fileURLToPath(new URL(`../fixtures/${p}`, import.meta.url));
const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-prune-run-'));

function slowSweep(dir: string): { file: string; log: string } {
  const file = join(dir, 'slow.yaml');
  const log = join(dir, 'trained.log');
  writeFileSync(file, `name: slow
schedule: { first_cycle_steps: 30, min_lr: 0.001 }
parameters: { max_lr: { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] } }
trainer: { kind: module, path: ${JSON.stringify(fixture('trainers/slow-epochs.ts'))}, options: { seconds: 0.15, epochs: 3, steps_per_epoch: 10, log: ${JSON.stringify(log)} } }
budget: { workers: 1 }
`);
  return { file, log };
}

/** The sweep's trials, or none while the runner has not made its store yet. */
async function trialsOf(db: string): Promise<TrialRecord[]> {
  let s;
  try {
    s = await openStorage(db, 'read');
    const sweep = await s.getSweep('slow');
    return sweep ? await s.trials(sweep.id) : [];
  } catch {
    return [];
  } finally {
    await s?.close();
  }
}

async function pointsOf(db: string, ids: number[]) {
  const s = await openStorage(db, 'read');
  try {
    return [...(await s.points(ids)).entries()];
  } finally {
    await s.close();
  }
}

async function killedAndResumed(db: string): Promise<void> {
  const dir = workspace();
  const { file, log } = slowSweep(dir);
  const child = spawn(process.execPath, ['--import', TSX, fixture('prune-runner.ts'), file, db, '1,2'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 120_000;
  let before: TrialRecord[] = [];
  for (;;) {
    before = await trialsOf(db);
    const pruned = before.filter((t) => t.state === 'pruned').length;
    if (pruned === 2 && before.some((t) => t.number > 2 && (t.state === 'running' || t.state === 'queued'))) break;
    assert.ok(Date.now() < deadline, `the runner never pruned trials 1 and 2 with a trial in training after them: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  child.kill('SIGKILL');
  await exited;
  before = await trialsOf(db);
  const prunedBefore = before.filter((t) => t.number <= 2);
  assert.deepEqual(prunedBefore.map((t) => [t.number, t.state, t.error, t.attempts]),
    [[1, 'pruned', 'pruned at step 9: test hook', 1], [2, 'pruned', 'pruned at step 9: test hook', 1]]);
  assert.ok(before.some((t) => t.state === 'running' || t.state === 'queued'), 'the kill left a trial in training');
  const pointsBefore = await pointsOf(db, prunedBefore.map((t) => t.id));
  assert.deepEqual(pointsBefore.map(([, ps]) => ps.map((p) => [p.epoch, p.step])), [[[1, 9]], [[1, 9]]]);

  // Resumed without a prune check: the pruned trials stay as they were and are not trained again.
  const report = await runSweep({ file, db, workers: 1 });
  assert.equal(report.counts.pruned, 2);
  assert.equal(report.counts.complete, 4);
  const after = await trialsOf(db);
  for (const t of prunedBefore) assert.deepEqual(after.find((a) => a.id === t.id), t, `pruned trial ${t.number} is untouched`);
  assert.deepEqual(await pointsOf(db, prunedBefore.map((t) => t.id)), pointsBefore);
  const trainings = readFileSync(log, 'utf8').trim().split('\n');
  assert.equal(new Set(trainings).size, 6, 'six configs trained');
  const counts = new Map<string, number>();
  for (const line of trainings) counts.set(line, (counts.get(line) ?? 0) + 1);
  const [first, second] = [...counts.keys()]; // trials 1 and 2 trained first, in number order (one worker)
  assert.deepEqual([counts.get(first), counts.get(second)], [1, 1], 'a pruned trial is never re-run');
}

test('sqlite: pruned trials survive a run killed with SIGKILL and a resume, and are never re-run', async () => {
  await killedAndResumed(join(workspace(), 'lrsweep.db'));
});

withPostgres(() => {
  test('postgres: pruned trials survive a run killed with SIGKILL and a resume (queue and worker path), and are never re-run', async () => {
    await killedAndResumed(schemaUrl(freshSchema()));
  });
});

/** Live (non-zombie) processes among these pids. */
const alive = (pids: number[]) => pids.filter((pid) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return false;
  }
});

test('a pruned command is stopped as on timeout (SIGTERM, then SIGKILL after kill_grace), recorded pruned, and leaves no process behind', async () => {
  const dir = workspace();
  // Ignores SIGTERM, starts a child that would outlive it, and prints an epoch every 0.1 s for 10 s.
  writeFileSync(join(dir, 'train.sh'), `trap '' TERM
sleep 1000 &
echo "$$ $!" > "$LRSWEEP_TRIAL_DIR/pids"
for e in $(seq 1 100); do echo "{\\"epoch\\": $e, \\"val_loss\\": $(( 100 - e ))}"; sleep 0.1; done
`);
  writeFileSync(join(dir, 'cmd.yaml'), `name: cmd
schedule: { first_cycle_steps: 50, min_lr: 0.001 }
parameters: { max_lr: { values: [0.1, 0.2] } }
trainer: { kind: command, run: [sh, train.sh], epochs: 100, steps_per_epoch: 5, metrics: [val_loss], kill_grace: 0.5, cleanup: none }
`);
  const db = join(dir, 'lrsweep.db');
  const started = Date.now();
  const report = await runSweep({
    file: join(dir, 'cmd.yaml'), db, workers: 2, trialsDir: join(dir, 'trials'),
    prune: () => (trial, points) => (points.at(-1)!.step === 14 ? `pruned at step 14: test hook (trial ${trial.number})` : null),
  });
  assert.ok(Date.now() - started < 9_000, 'the commands were stopped, not run to their end');
  assert.deepEqual([report.counts.pruned, report.counts.failed, report.tally.pruned], [2, 0, 2]);
  const s = await openStorage(db, 'read');
  const sweep = (await s.getSweep('cmd'))!;
  const trials = await s.trials(sweep.id);
  const points = await s.points(trials.map((t) => t.id));
  await s.close();
  for (const t of trials) {
    assert.deepEqual([t.state, t.error, t.objective], ['pruned', `pruned at step 14: test hook (trial ${t.number})`, 97]);
    assert.deepEqual(points.get(t.id)!.map((p) => [p.epoch, p.step]), [[1, 4], [2, 9], [3, 14]]);
    const pids = readFileSync(join(dir, 'trials', 'cmd', String(t.number), 'pids'), 'utf8').trim().split(' ').map(Number);
    assert.deepEqual(alive(pids), [], `trial ${t.number}: neither the command nor its child is left`);
    const logs = readdirSync(join(dir, 'trials', 'cmd', String(t.number))).filter((f) => f.endsWith('.log'));
    const text = logs.map((f) => readFileSync(join(dir, 'trials', 'cmd', String(t.number), f), 'utf8')).join('\n');
    assert.match(text, /stopped by the runner.*SIGKILL/, 'SIGTERM was ignored: SIGKILL after kill_grace');
  }
  assert.equal(existsSync(join(dir, 'trials', 'cmd', '1')), true, 'a pruned command keeps its trial directory (not complete)');
});
