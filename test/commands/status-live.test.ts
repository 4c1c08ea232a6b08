// `status NAME` says whether each run recorded as working on the sweep is alive: a run killed
// without ending stays recorded as running, and its trials are not really running. And the
// resume hint after Ctrl-C repeats --trials-dir, so the trials resume in the same directories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-live-'));

/** A sweep of 4 trials whose module trainer takes 0.5 s an epoch for 20 epochs. */
function slowSweep(dir: string): string {
  writeFileSync(join(dir, 'slow.mjs'), `export default {
  metrics: { val_loss: 'minimize' },
  usesTf: false,
  steps: () => 20,
  async train(ctx) {
    for (let epoch = 1; epoch <= 20; epoch++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      if (ctx.signal.aborted) throw new Error('stopped');
      ctx.report({ epoch }, { val_loss: ctx.curve[epoch - 1] });
    }
  },
};
`);
  const file = join(dir, 'live.yaml');
  writeFileSync(file, 'name: live\nschedule: { first_cycle_steps: 20 }\nparameters: { max_lr: { values: [0.1, 0.2, 0.3, 0.4] } }\n' +
    'trainer: { kind: module, path: ./slow.mjs }\nbudget: { workers: 1 }\nlint: { ignore: [peak-below-min] }\n');
  return file;
}

async function untilRunning(db: string): Promise<void> {
  const until = Date.now() + 120_000;
  const running = () => {
    try {
      return existsSync(db) && (queryDb(db, "SELECT COUNT(*) AS n FROM trials WHERE state = 'running'")[0]?.n as number) > 0;
    } catch {
      return false; // the database is being created
    }
  };
  while (!running()) {
    assert.ok(Date.now() < until, 'a trial starts');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('status tells a live run from a dead one: a run killed with SIGKILL shows alive no, and its trials as not really running', async () => {
  const dir = workspace();
  const file = slowSweep(dir);
  const db = join(dir, 'lrsweep.db');
  const { child, done } = startCli(['run', file], dir);
  await untilRunning(db);
  const live = runCli(['status', 'live', '--format', 'json'], { cwd: dir });
  assert.equal(live.status, 0, live.stderr);
  assert.deepEqual(JSON.parse(live.stdout).runs.map((r: { alive: boolean; pid: number }) => [r.alive, r.pid]), [[true, child.pid]]);
  assert.doesNotMatch(runCli(['status', 'live'], { cwd: dir }).stdout, /ended without saying so/);
  child.kill('SIGKILL');
  await done;
  const dead = runCli(['status', 'live'], { cwd: dir });
  assert.equal(dead.status, 0, dead.stderr);
  assert.match(dead.stdout, /│ run │ alive │/);
  assert.match(dead.stdout, /^│ \d+ +│ no +│/m, 'the killed run is not alive');
  assert.match(dead.stdout, /^run \d+ ended without saying so \(killed, or its machine lost\): the \d+ trials? it holds (is|are) not really running; the sweep's next run or worker runs (it|them) again$/m);
  assert.equal(JSON.parse(runCli(['status', 'live', '--format', 'json'], { cwd: dir }).stdout).runs[0].alive, false);
});

test('the resume hint after Ctrl-C repeats --trials-dir and --workers', async () => {
  const dir = workspace();
  const file = slowSweep(dir);
  const { child, done, out } = startCli(['run', file, '--trials-dir', 'my trials', '--workers', '1'], dir);
  await untilRunning(join(dir, 'lrsweep.db'));
  child.kill('SIGINT');
  assert.equal(await done, 130, out().stderr);
  assert.match(out().stdout, /^stopped: every completed trial is kept\. Resume with: npx lrsweep run .*live\.yaml --trials-dir 'my trials' --workers 1$/m);
});
