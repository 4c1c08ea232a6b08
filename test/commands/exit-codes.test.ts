// Exit codes a script can trust (README's table: 0 ok, 1 failure, 2 bad input, 130 interrupted):
// a run in which every trial it ended failed exits 1 with the first failure on stderr's last line;
// one in which any trial completed or diverged exits 0, as does a run with nothing left to do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { queryDb } from '../helpers/sweep-db.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-exit-'));

/** A module trainer that throws for a max_lr above `fails_above` (a missing library, say), else reports a loss. */
const TRAINER = `export default {
  metrics: { val_loss: 'minimize' },
  usesTf: false,
  parse: (o) => ({ fails_above: 0, ...o }),
  steps: () => 10,
  train(ctx) {
    const peak = Math.max(...ctx.curve);
    if (peak > ctx.options.fails_above) throw new Error("No module named 'torch' (peak " + peak.toFixed(1) + ')');
    ctx.report({ epoch: 1 }, { val_loss: peak });
  },
};
`;

function sweep(dir: string, name: string, failsAbove: number): string {
  writeFileSync(join(dir, 'trainer.mjs'), TRAINER);
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nschedule: { first_cycle_steps: 10 }\nparameters: { max_lr: { values: [0.1, 0.2, 0.3] } }\n` +
    `trainer: { kind: module, path: ./trainer.mjs, options: { fails_above: ${failsAbove} } }\nbudget: { workers: 1 }\nlint: { ignore: [peak-below-min] }\n`);
  return file;
}

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

test('a run whose every trial failed exits 1 with the first failure last on stderr; running it again (retrying them) does too', () => {
  const dir = workspace();
  const file = sweep(dir, 'broken', 0);
  const r = runCli(['run', file], { cwd: dir });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stdout, /^sweep broken: 0 of 3 trials complete, 0 diverged, 3 failed/m, 'the summary is still printed');
  assert.equal(lastLine(r.stderr), "lrsweep: all 3 trials this run ended failed; the first: trial 1: No module named 'torch' (peak 0.1)");
  assert.deepEqual(queryDb(join(dir, 'lrsweep.db'), 'SELECT state FROM trials').map((t) => t.state), ['failed', 'failed', 'failed']);
  const again = runCli(['run', file], { cwd: dir });
  assert.equal(again.status, 1, again.stderr);
  assert.match(lastLine(again.stderr)!, /^lrsweep: all 3 trials this run ended failed; the first: trial 1: /);
});

test('a run in which some trials completed exits 0, and so does a run with nothing left to run', () => {
  const dir = workspace();
  const file = sweep(dir, 'some', 0.15);
  const r = runCli(['run', file], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep some: 1 of 3 trials complete, 0 diverged, 2 failed/m);
  assert.doesNotMatch(r.stderr, /this run ended failed/);
  // Its failed trials are retried and fail again, while the complete one is not run: only failures this time.
  const retried = runCli(['run', file], { cwd: dir });
  assert.equal(retried.status, 1, retried.stderr);
  assert.equal(lastLine(retried.stderr), "lrsweep: all 2 trials this run ended failed; the first: trial 2: No module named 'torch' (peak 0.2)");
  // A sweep already complete: nothing ran, nothing failed.
  const done = sweep(dir, 'done', 1);
  assert.equal(runCli(['run', done], { cwd: dir }).status, 0);
  const nothing = runCli(['run', done], { cwd: dir });
  assert.equal(nothing.status, 0, nothing.stderr);
  assert.match(nothing.stdout, /\(0 ended in this run/);
});
