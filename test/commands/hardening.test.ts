// What no command may do: destroy a database, exhaust memory, ignore Ctrl-C, crash with a stack
// trace. Each test reproduces a defect through the CLI in a clean temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli, TSX } from '../helpers/cli.js';
import { skipOrFail } from '../helpers/skip.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-hard-'));

function quadraticSweep(dir: string, name = 'q', extra = ''): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nschedule: { first_cycle_steps: 20 }\nparameters: { gamma: { values: [0.5, 0.9] } }\ntrainer: { kind: quadratic, epochs: 2, steps_per_epoch: 10 }\n${extra}`);
  return file;
}

/** Every trial row with its points (metric rows), by id. */
function trialRows(db: string): ({ id: number; number: number; state: string; attempts: number; points: unknown[] } & Record<string, unknown>)[] {
  const d = new Database(db, { readonly: true });
  const rows = d.prepare('SELECT * FROM trials ORDER BY id').all() as ({ id: number; number: number; state: string; attempts: number } & Record<string, unknown>)[];
  const points = d.prepare('SELECT * FROM metrics WHERE trial_id = ? ORDER BY attempt, seq, name');
  const out = rows.map((r) => ({ ...r, points: points.all(r.id) }));
  d.close();
  return out;
}

function sweepsIn(db: string): string[] {
  const d = new Database(db, { readonly: true });
  const names = (d.prepare('SELECT name FROM sweeps ORDER BY id').all() as { name: string }[]).map((r) => r.name);
  d.close();
  return names;
}

test('1. export never writes over the database it reads, however the path is spelled, nor over another SQLite file without --force', () => {
  const dir = workspace();
  assert.equal(runCli(['run', quadraticSweep(dir), '--workers', '1'], { cwd: dir }).status, 0);
  symlinkSync(join(dir, 'lrsweep.db'), join(dir, 'link.db'));
  for (const out of ['lrsweep.db', './lrsweep.db', join(dir, 'lrsweep.db'), 'link.db']) {
    const r = runCli(['export', 'q', '--out', out], { cwd: dir });
    assert.equal(r.status, 2, `${out}: ${r.stderr}`);
    assert.equal(r.stderr, `lrsweep: --out: "${out}" is the database this command reads (--db lrsweep.db); writing there would destroy it: choose another file\n`);
    const forced = runCli(['export', 'q', '--out', out, '--force'], { cwd: dir });
    assert.equal(forced.status, 2, '--force never allows it');
  }
  assert.deepEqual(sweepsIn(join(dir, 'lrsweep.db')), ['q'], 'the database is intact');
  // Another lrsweep database, or any SQLite file, needs --force.
  assert.equal(runCli(['run', quadraticSweep(dir, 'other'), '--db', 'other.db', '--workers', '1'], { cwd: dir }).status, 0);
  const refused = runCli(['export', 'q', '--out', 'other.db'], { cwd: dir });
  assert.equal(refused.status, 2);
  assert.equal(refused.stderr, 'lrsweep: --out: "other.db" is an existing SQLite database (perhaps an lrsweep database); pass --force to replace it\n');
  assert.deepEqual(sweepsIn(join(dir, 'other.db')), ['other']);
  const forced = runCli(['export', 'q', '--out', 'other.db', '--force'], { cwd: dir });
  assert.equal(forced.status, 0, forced.stderr);
  // The same guard on every command that writes a file.
  for (const args of [['report', 'q', '--out', 'lrsweep.db'], ['plot', 'q', '--out', 'lrsweep.db']]) {
    assert.equal(runCli(args, { cwd: dir }).status, 2, args.join(' '));
  }
  assert.deepEqual(sweepsIn(join(dir, 'lrsweep.db')), ['q']);
});

test('2. a sweep past the trial limit is refused by its count with exit 2, and Ctrl-C while a big sweep is planned ends the process', async () => {
  const dir = workspace();
  const values = (n: number, scale: number) => `[${Array.from({ length: n }, (_, i) => 1 + (i + 1) / scale).join(', ')}]`;
  const huge = join(dir, 'huge.yaml');
  writeFileSync(huge, `name: huge\nschedule: { first_cycle_steps: 40 }\nparameters:\n  cycle_mult: { values: ${values(1000, 1000)} }\n  gamma: { values: ${values(1000, 2000)} }\n  max_lr: { values: ${values(600, 10000)} }\ntrainer: { kind: quadratic }\n`);
  const r = runCli(['run', huge, '--dry-run'], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: ${huge}: 1 problem:\n  parameters: the grid has 600,000,000 configs; the limit is 1,000,000 trials per sweep (configs x repeats, after budget.max_trials)\n`);
  writeFileSync(join(dir, 'capped.yaml'), readFileSync(huge, 'utf8').replace('name: huge', 'name: capped') + 'budget: { max_trials: 10 }\n');
  const dry = runCli(['run', join(dir, 'capped.yaml'), '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /= 10 trials/);

  // A grid of 10^6 configs is within the limit but takes seconds to plan: Ctrl-C must end it.
  const big = join(dir, 'big.yaml');
  writeFileSync(big, `name: big\nschedule: { first_cycle_steps: 40 }\nparameters:\n  cycle_mult: { values: ${values(1000, 1000)} }\n  gamma: { values: ${values(1000, 2000)} }\ntrainer: { kind: quadratic }\n`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const child = spawn(process.execPath, ['--import', TSX, CLI, 'run', big], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const planning = new Promise<void>((resolve) => child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.includes('checking configs: 1,000,000')) resolve();
    }));
    await planning;
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 60_000); // generous for a loaded machine; the process should end at once
      child.on('close', (c) => {
        clearTimeout(guard);
        resolve(c);
      });
    });
    assert.equal(code, 130, `${signal}: ${stderr}`);
  }
});

test('3. a trial whose LR curve would not fit in memory is refused before anything runs, naming the key', () => {
  const dir = workspace();
  const file = join(dir, 'long.yaml');
  writeFileSync(file, 'name: long\nschedule: { first_cycle_steps: 40 }\ntrainer: { kind: quadratic, epochs: 1000000000, steps_per_epoch: 1 }\n');
  for (const args of [['run', file, '--dry-run'], ['run', file]]) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.status, 2);
    assert.equal(r.stderr, `lrsweep: ${file}: 1 problem:\n  trainer.epochs: a trial would take 1,000,000,000 steps; the limit is 10,000,000 steps per trial (its LR curve is held in memory)\n`);
  }
  assert.equal(existsSync(join(dir, 'lrsweep.db')), false);
});

test('4. a full disk ends the run with one line naming the database, trials in flight interrupted, and resuming works once there is space', (t) => {
  if (skipOrFail(t, process.getuid?.() !== 0 && 'needs root to mount a small tmpfs')) return;
  const dir = workspace();
  const mnt = join(dir, 'disk');
  spawnSync('mkdir', [mnt]);
  if (skipOrFail(t, spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=32m', 'tmpfs', mnt]).status !== 0 && 'cannot mount a tmpfs here')) return;
  try {
    const file = join(dir, 'many.yaml');
    writeFileSync(file, `name: many\nschedule: { first_cycle_steps: 20 }\nparameters:\n  gamma: { values: [${Array.from({ length: 150 }, (_, i) => 0.5 + i / 400).join(', ')}] }\n  cycle_mult: { values: [1, 1.5] }\ntrainer: { kind: quadratic, epochs: 200, steps_per_epoch: 1 }\n`);
    const db = join(mnt, 'lrsweep.db');
    // Leave room for the registered trials (with the WAL, some 400 KB) and a few dozen trials' 200
    // metric rows each, not for all 300 trials.
    writeFileSync(join(mnt, 'filler'), Buffer.alloc(32 * 2 ** 20 - 1_500_000));
    const r = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('lrsweep:') && !l.startsWith('lrsweep: warning'));
    assert.deepEqual(errors, [`lrsweep: ${db}: database or disk is full (SQLITE_FULL)`], r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    rmSync(join(mnt, 'filler'));
    // Trials in flight were marked interrupted if the full disk still took that write; if it did
    // not, they are still held by the run that died, and the next run takes them back.
    const before = trialRows(db);
    const held = before.filter((r) => r.state === 'queued' || r.state === 'running').length;
    const completeBefore = before.filter((r) => r.state === 'complete');
    assert.ok(completeBefore.length > 0 && completeBefore.length < 300, `${completeBefore.length} complete before the disk filled`);
    const again = runCli(['run', file, '--db', db, '--workers', '1'], { cwd: dir });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /300 of 300 trials complete/);
    if (held > 0) assert.match(again.stdout, /trials? (was|were) queued to run again \(.*(interrupted|failed|left in training by a run that is gone)/);
    // None lost: what was complete is untouched, row and points; none twice: one attempt each,
    // two at most for the trials in flight when the disk filled.
    const after = trialRows(db);
    assert.equal(after.length, 300);
    assert.ok(after.every((r) => r.state === 'complete'), JSON.stringify(after.filter((r) => r.state !== 'complete')));
    for (const r of completeBefore) assert.deepEqual(after.find((a) => a.id === r.id), r, `trial ${r.number}, complete before the disk filled, is untouched`);
    const wasHeld = new Set(before.filter((r) => r.state !== 'waiting' && r.state !== 'complete').map((r) => r.id));
    for (const r of after) assert.equal(r.attempts, wasHeld.has(r.id) ? 2 : 1, `trial ${r.number}'s attempts (${wasHeld.has(r.id) ? 'in flight' : 'not in flight'} when the disk filled)`);
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('5. a diverged trial is never ranked, whatever the objective, and shows in status, trials and the report', () => {
  const dir = workspace();
  const file = join(dir, 'div.yaml');
  writeFileSync(file, `name: div\nschedule: { first_cycle_steps: 20, min_lr: 0.0001 }\nparameters: { max_lr: { values: [0.05, 0.1, 1000000] } }\nobjective: { metric: val_accuracy }\ntrainer: { kind: mlp, samples: 200, features: 4, hidden: [8], epochs: 3 }\n`);
  const r = runCli(['run', file, '--workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /2 of 3 trials complete, 1 diverged, 0 failed/);
  const best = JSON.parse(runCli(['best', 'div', '--format', 'json'], { cwd: dir }).stdout) as { max_lr: number }[];
  assert.deepEqual(best.map((b) => b.max_lr).sort(), [0.05, 0.1]);
  const trials = JSON.parse(runCli(['trials', 'div', '--state', 'diverged', '--format', 'json'], { cwd: dir }).stdout) as { trial: number; max_lr: number; error: string }[];
  assert.equal(trials.length, 1);
  assert.equal(trials[0].max_lr, 1000000);
  assert.match(trials[0].error, /^diverged at epoch \d: train_loss is NaN$/);
  assert.match(runCli(['status', 'div', '--format', 'csv'], { cwd: dir }).stdout, /^div,3,0,0,0,2,1,0,0,/m);
  assert.equal(runCli(['report', 'div', '--out', 'r.html'], { cwd: dir }).status, 0);
  assert.match(readFileSync(join(dir, 'r.html'), 'utf8'), /<h2 id="diverged">Diverged trials<\/h2>[\s\S]*?diverged at epoch/);
  // Resuming never re-runs it.
  const again = runCli(['run', file, '--workers', '1'], { cwd: dir });
  assert.match(again.stdout, /\(0 ended in this run/);
});

test('6. run --db on an unrelated SQLite file is refused and leaves it as it was', () => {
  const dir = workspace();
  const other = join(dir, 'app.db');
  const d = new Database(other);
  d.exec("CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1)");
  d.close();
  const r = runCli(['run', quadraticSweep(dir), '--db', other], { cwd: dir });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, `lrsweep: --db: ${JSON.stringify(other)} is a SQLite database but not an lrsweep one (it has orders); pass another --db\n`);
  const after = new Database(other, { readonly: true });
  assert.deepEqual((after.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((x) => x.name), ['orders']);
  after.close();
});

test('6. on a read-only file system every reading command works through the CLI; run says the database is read-only, exit 2; nothing is left behind', (t) => {
  if (skipOrFail(t, process.getuid?.() !== 0 && 'needs root to mount a read-only file system')) return;
  const dir = workspace();
  const mnt = join(dir, 'ro');
  spawnSync('mkdir', [mnt]);
  if (skipOrFail(t, spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mnt]).status !== 0 && 'cannot mount a tmpfs here')) return;
  try {
    const db = join(mnt, 'lrsweep.db');
    const file = quadraticSweep(dir);
    assert.equal(runCli(['run', file, '--db', db], { cwd: dir }).status, 0);
    assert.equal(spawnSync('mount', ['-o', 'remount,ro', mnt]).status, 0);
    const before = readdirSync(mnt).sort();
    const reads: [string[], RegExp][] = [
      [['status', 'q'], /│ q +│ 2 +│ 0 +│ 0 +│ 0 +│ 2 /],
      [['best', 'q'], /gamma/],
      [['trials', 'q'], /complete/],
      [['show', 'q', '1'], /gamma/],
      [['export', 'q', '--out', join(dir, 'q.csv')], /2 trials/],
    ];
    for (const [args, expected] of reads) {
      const r = runCli([...args, '--db', db], { cwd: dir });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, expected, args.join(' '));
    }
    const run = runCli(['run', file, '--db', db], { cwd: dir });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr, `lrsweep: --db: ${JSON.stringify(db)} is read-only; a run needs to write it (copy it, or pass another --db)\n`);
    assert.deepEqual(readdirSync(mnt).sort(), before, 'no -wal or -shm left behind');
  } finally {
    spawnSync('umount', [mnt]);
  }
});

test('7. the terminal chart shows each column\'s minimum as well as its maximum', () => {
  const r = runCli(['curve', '--first-cycle-steps', '37', '--steps', '2000', '--plot', '-']);
  assert.equal(r.status, 0, r.stderr);
  const labels = r.stdout.split('\n').map((l) => l.match(/^\s*([0-9.e+-]+)\s*[┤┼]/)?.[1]).filter((x): x is string => x !== undefined).map(Number);
  assert.ok(labels.length >= 10);
  assert.ok(Math.min(...labels) <= 0.0011, `the lowest row is at ${Math.min(...labels)}: the troughs (min_lr 0.001) are drawn`);
  assert.ok(Math.max(...labels) >= 0.099);
});

test('8. smaller: --out into a missing directory, plot --log for losses, a long name cut short in the message', () => {
  const dir = workspace();
  assert.equal(runCli(['run', quadraticSweep(dir), '--workers', '1'], { cwd: dir }).status, 0);
  const missing = join(dir, 'nope', 'x');
  for (const args of [
    ['export', 'q', '--out', `${missing}.csv`], ['report', 'q', '--out', `${missing}.html`], ['plot', 'q', '--out', `${missing}.svg`],
    ['curve', '--first-cycle-steps', '10', '--steps', '10', '--out', `${missing}.npy`],
  ]) {
    const r = runCli(args, { cwd: dir });
    assert.equal(r.status, 2, args.join(' '));
    assert.match(r.stderr, new RegExp(`^lrsweep: --out: the directory "${join(dir, 'nope')}" does not exist`));
    assert.doesNotMatch(r.stderr, /partial/);
  }
  const log = runCli(['plot', 'q', '--kind', 'losses', '--log', '--out', 'losses.svg'], { cwd: dir });
  assert.equal(log.status, 0, log.stderr);
  assert.match(readFileSync(join(dir, 'losses.svg'), 'utf8'), /log scale/);
  const landscape = runCli(['plot', 'q', '--kind', 'landscape', '--log', '--out', 'l.svg'], { cwd: dir });
  assert.equal(landscape.status, 2);
  assert.equal(landscape.stderr, 'lrsweep: --log applies to --kind curves, losses and history, not landscape (its axes are the parameters)\n');
  const long = runCli(['best', 'y'.repeat(100_000)], { cwd: dir });
  assert.equal(long.status, 2);
  assert.ok(long.stderr.length < 400, `${long.stderr.length} characters`);
});

test('an older database (lrsweep 0.1) opens, shows the same results and resumes without counting its sweep as changed, run after run', () => {
  const dir = workspace();
  copyFileSync(fixture('v1/old.db'), join(dir, 'old.db'));
  copyFileSync(fixture('v1/old.yaml'), join(dir, 'old.yaml'));
  const v1 = JSON.parse(readFileSync(fixture('v1/best.json'), 'utf8')) as { config: string; val_loss: number }[];
  const best = JSON.parse(runCli(['best', 'old-sweep', '--db', 'old.db', '--format', 'json'], { cwd: dir }).stdout) as { config: string; val_loss: number }[];
  assert.deepEqual(best.map((b) => [b.config, b.val_loss]), v1.map((b) => [b.config, b.val_loss]));
  for (const run of [1, 2, 3]) {
    const r = runCli(['run', 'old.yaml', '--db', 'old.db'], { cwd: dir });
    assert.equal(r.status, 0, `run ${run}: ${r.stderr}`);
    assert.match(r.stdout, /8 of 12 trials complete, 4 diverged, 0 failed, 0 not run \(0 ended in this run/);
  }
  // Adding a value is an addition to the old sweep too.
  writeFileSync(join(dir, 'old.yaml'), readFileSync(join(dir, 'old.yaml'), 'utf8').replace('values: [0.01, 0.05, 1000000]', 'values: [0.01, 0.05, 1000000, 0.02]'));
  const extended = runCli(['run', 'old.yaml', '--db', 'old.db', '--extend'], { cwd: dir });
  assert.equal(extended.status, 0, extended.stderr);
  assert.match(extended.stdout, /12 of 16 trials complete, 4 diverged/);
});

test('npm installs without install scripts left unreviewed (allowScripts covers them)', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const { allowScripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
  // The lock file marks every package with an install script, whatever npm reads it (npm 10 too).
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { hasInstallScript?: boolean }> };
  const withScripts = [...new Set(Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)))].sort();
  assert.ok(withScripts.length > 0, 'the lock file marks packages with install scripts (better-sqlite3 has one)');
  assert.deepEqual(withScripts.filter((name) => !(name in allowScripts)), [], 'every package with an install script is reviewed in allowScripts');
  assert.deepEqual(Object.keys(allowScripts).filter((name) => !withScripts.includes(name)), [], 'allowScripts names no package without one');
  // npm 11.18 and later enforce allowScripts and say the same.
  const [major, minor] = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout.trim().split('.').map(Number);
  if (major > 11 || (major === 11 && minor >= 18)) {
    const r = spawnSync('npm', ['install-scripts', 'ls'], { cwd: root, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /No packages with unreviewed install scripts/);
  }
});
