import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultFiles, hashFiles } from '../../../src/train/command/files.js';
import { tempDir } from './helpers.js';

function project(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'train.py'), 'import torch\n');
  mkdirSync(join(dir, 'data', 'nested'), { recursive: true });
  writeFileSync(join(dir, 'data', 'a.csv'), '1,2\n');
  writeFileSync(join(dir, 'data', 'nested', 'b.csv'), '3,4\n');
  return dir;
}

test('the files hash depends on content and relative names, not on where the project lies or the order given', async () => {
  const a = project();
  const b = project();
  const hash = await hashFiles(['train.py', 'data'], a);
  assert.match(hash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(await hashFiles(['data', 'train.py'], b), hash);
  assert.equal(await hashFiles([join(b, 'train.py'), join(b, 'data')], b), hash, 'absolute paths hash as relative ones');
  writeFileSync(join(b, 'data', 'nested', 'b.csv'), '3,5\n');
  assert.notEqual(await hashFiles(['train.py', 'data'], b), hash, 'a file deep in a directory is covered');
  renameSync(join(a, 'train.py'), join(a, 'main.py'));
  assert.notEqual(await hashFiles(['main.py', 'data'], a), hash, 'a renamed file changes the hash');
});

test('default files are the run arguments that name existing files, not the interpreter or per-trial placeholders', () => {
  const dir = project();
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(dir, 'run.sh'), 0o755);
  assert.deepEqual(defaultFiles(['python3', 'train.py', '--data=data/a.csv', 'data', '--out', '{trial_dir}/x', 'train.py', 'nope.py'], dir),
    [join(dir, 'train.py'), join(dir, 'data', 'a.csv')]);
  assert.deepEqual(defaultFiles(['./run.sh', join(dir, 'data', 'nested', 'b.csv')], dir), [join(dir, 'run.sh'), join(dir, 'data', 'nested', 'b.csv')]);
  assert.deepEqual(defaultFiles([join(dir, 'run.sh')], dir), [], 'an absolute program is the interpreter');
});

test('a link back up the tree is not followed again: the hash is that of the tree without it', async () => {
  const dir = project();
  const before = await hashFiles(['data'], dir);
  symlinkSync('..', join(dir, 'data', 'nested', 'up'));
  assert.equal(await hashFiles(['data'], dir), before);
});
