// Never an orphan: a runner killed with kill -9 leaves its commands running; the records it
// stored let the next run end exactly those groups, and nothing else.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { endOrphans, processRecord, type ProcessRecord } from '../../../src/train/command/orphans.js';
import { isAlive, processesInGroup, tempDir } from './helpers.js';

const RUNNER = fileURLToPath(new URL('./fixtures/runner-to-kill.ts', import.meta.url));

test('after a runner is killed with kill -9, endOrphans ends the command group it left running', async () => {
  const runner = spawn(process.execPath, ['--import', 'tsx', RUNNER, tempDir()], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: runner.stdout }), 'line') as [string];
  const record = JSON.parse(line) as ProcessRecord;
  runner.kill('SIGKILL');
  await once(runner, 'exit');
  // The runner is gone and its command runs on: a shell and its two sleeping children.
  await waitFor(() => processesInGroup(record.pgid).length === 3);
  const report = await endOrphans([record], 2000);
  assert.deepEqual(report, { ended: [{ record, processes: 3, signal: 'SIGTERM', survivors: 0 }], skipped: [] });
  assert.deepEqual(processesInGroup(record.pgid), []);
});

test('a group whose leader has exited is still ended through the members it left', async () => {
  const leader = spawn('sh', ['-c', 'sleep 1000 & exit 0'], { detached: true, stdio: 'ignore' });
  const record = processRecord(leader.pid!);
  await once(leader, 'exit');
  await waitFor(() => processesInGroup(record.pgid).length === 1);
  const report = await endOrphans([record], 2000);
  assert.equal(report.ended.length, 1);
  assert.equal(report.ended[0].processes, 1);
  assert.deepEqual(processesInGroup(record.pgid), []);
});

test('a record whose start time does not match (a reused pid) or that names another host is left alone', async () => {
  const other = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  try {
    const record = processRecord(other.pid!);
    const reused = { ...record, startTime: record.startTime! - 1 };
    const remote = { ...record, host: 'elsewhere' };
    const report = await endOrphans([reused, remote], 100);
    assert.deepEqual(report.ended, []);
    assert.deepEqual(report.skipped.map((s) => s.reason), [`started on host elsewhere, this is ${record.host}`]);
    assert.equal(isAlive(other.pid!), true);
    // A record of a group that has ended on its own is neither ended nor skipped.
    assert.deepEqual(await endOrphans([{ ...record, pgid: 2 ** 22 + 1 }], 100), { ended: [], skipped: [] });
  } finally {
    other.kill('SIGKILL');
  }
});

async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
