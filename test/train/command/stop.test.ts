// Ending commands: a timeout ends the command's whole process tree (SIGTERM, then SIGKILL after
// kill_grace), and processes a command leaves behind when it exits are ended too.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCommandTrial } from '../../../src/train/command/run.js';
import { commandOutcome } from '../../../src/train/command/outcome.js';
import { commandOptions, commandTrial, isAlive, processesInGroup } from './helpers.js';

const sh = (script: string) => ['sh', '-c', script];
/** Long enough for a command to set up (start its child, trap SIGTERM) before its timeout, on any machine. */
const TIMEOUT_MS = 2_000;

test('a command that hangs with a child process is ended by the timeout: SIGTERM to its group, and no process of it is left', async () => {
  let pgid = 0;
  const r = await runCommandTrial(commandOptions(sh('sleep 1000 & echo "child $!" >&2; sleep 1000'), { kill_grace: 10 }), commandTrial(), {
    timeoutMs: TIMEOUT_MS,
    onSpawn: (record) => {
      pgid = record.pgid;
      assert.ok(processesInGroup(pgid).includes(pgid), 'the command leads its own process group');
    },
  });
  const child = Number(r.stderrTail[0].split(' ')[1]);
  assert.equal(r.pgid, pgid);
  assert.equal(r.stopped, 'timeout');
  assert.deepEqual(r.ended, { signal: 'SIGTERM', processes: 3, survivors: 0 });
  assert.deepEqual(processesInGroup(pgid), []);
  assert.equal(isAlive(child), false);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'failed', reason: 'timed out after 2 s; ended with SIGTERM' });
});

test('a command that ignores SIGTERM gets SIGKILL once kill_grace has passed', async () => {
  const r = await runCommandTrial(commandOptions(sh("trap '' TERM; sleep 1000 & sleep 1000; sleep 1000"), { kill_grace: 0.5 }), commandTrial(), { timeoutMs: TIMEOUT_MS });
  assert.equal(r.ended?.signal, 'SIGKILL');
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(r.durationMs >= TIMEOUT_MS + 500, `SIGKILL only after the grace period (took ${r.durationMs} ms)`);
  assert.deepEqual(processesInGroup(r.pgid!), []);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'failed', reason: 'timed out after 2 s; ended with SIGTERM, then SIGKILL: it outlived kill_grace' });
});

test('processes a command leaves in its group when it exits are ended, and the trial still completes', async () => {
  const r = await runCommandTrial(commandOptions(sh('sleep 1000 & sleep 1000 & echo "{\\"epoch\\": 1, \\"val_loss\\": 0.5}"'), { kill_grace: 5 }), commandTrial());
  assert.equal(r.exitCode, 0);
  assert.equal(r.leftBehind, 2);
  assert.deepEqual(processesInGroup(r.pgid!), []);
  assert.deepEqual(commandOutcome(r, 'val_loss'), { state: 'complete', reason: null });
  assert.match(readFileSync(r.logPath, 'utf8'), /# lrsweep: exit code 0; ended 2 process\(es\) it left behind with SIGTERM/);
});

test('a process that leaves the group and keeps the output pipe open does not hold the trial for ever', async () => {
  // The shell waits until its child has left the group (field 5 of /proc/PID/stat), then exits.
  const r = await runCommandTrial(commandOptions(sh('setsid sleep 30 & while [ "$(cut -d" " -f5 /proc/$!/stat)" = "$$" ]; do sleep 0.01; done; '
    + 'echo "escaped $!" >&2; echo "{\\"epoch\\": 1, \\"val_loss\\": 0.5}"')), commandTrial());
  const escaped = Number(r.stderrTail[0].split(' ')[1]);
  try {
    assert.equal(r.exitCode, 0);
    assert.equal(isAlive(escaped), true, 'out of the group, so out of reach: the documented limit');
    assert.match(readFileSync(r.logPath, 'utf8'), /stopped reading: a process outside the group still holds the output pipes/);
    assert.equal(commandOutcome(r, 'val_loss').state, 'complete');
  } finally {
    process.kill(escaped, 'SIGKILL');
  }
});
