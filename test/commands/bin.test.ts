// The installed command, as a new user runs it after `npm ci`: the built bin executes by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const bin = `${root}${pkg.bin.lrsweep}`;

test('the package bin is built, executable, and runs through its shebang (what npx lrsweep runs)', () => {
  accessSync(bin, constants.X_OK);
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pkg.version);
  const bad = spawnSync(bin, ['curve', '--gama', '0.9'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
});
