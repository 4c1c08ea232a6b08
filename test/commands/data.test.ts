// The MLP on the user's own data, end to end through `lrsweep run`: CSV classification and
// regression sweeps train and record their metrics; bad data is refused with exit code 2 before
// anything runs (no database is created).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/data/${name}`, import.meta.url));

/** Metrics per trial and epoch, from the database: trial number -> epoch -> name -> value. */
function metricsOf(db: string): { definition: Record<string, unknown>; objectives: number[]; metrics: Map<number, Record<string, number>[]> } {
  const d = new Database(db, { readonly: true });
  const definition = JSON.parse((d.prepare('SELECT definition FROM sweeps').get() as { definition: string }).definition);
  const objectives = (d.prepare("SELECT objective FROM trials WHERE state = 'complete' ORDER BY id").all() as { objective: number }[]).map((t) => t.objective);
  const rows = d.prepare('SELECT trial_id, epoch, name, value FROM metrics ORDER BY trial_id, epoch').all() as { trial_id: number; epoch: number; name: string; value: number }[];
  d.close();
  const metrics = new Map<number, Record<string, number>[]>();
  for (const r of rows) {
    const epochs = metrics.get(r.trial_id) ?? [];
    (epochs[r.epoch - 1] ??= {})[r.name] = r.value;
    metrics.set(r.trial_id, epochs);
  }
  return { definition, objectives, metrics };
}

test('a CSV classification sweep (BOM, CRLF, quoted headers, text labels) runs and records val_accuracy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-data-'));
  const dry = runCli(['run', fixture('csv-classes.yaml'), '--dry-run'], { cwd: dir });
  assert.equal(dry.status, 0, dry.stderr);
  // 90 rows, 18 held out: 72 training rows / 24 = 3 steps an epoch, 3 epochs.
  assert.match(dry.stdout, /^csv-classes: 2 configs x 1 repeats = 2 trials, sampler grid \(order: listed\), 9 steps each, trainer mlp/m);

  const r = runCli(['run', fixture('csv-classes.yaml'), '--workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep csv-classes: 2 of 2 trials complete, 0 diverged, 0 failed/m);
  const { definition, objectives, metrics } = metricsOf(join(dir, 'lrsweep.db'));
  assert.deepEqual((definition.trainer as Record<string, unknown>).dataset, {
    csv: 'classes.csv', label: 'species', features: ['sepal length', 'sepal width', 'petal length'], task: 'classification', validation_fraction: 0.2, seed: 0,
  });
  assert.equal(metrics.size, 2);
  for (const [, epochs] of metrics) {
    assert.equal(epochs.length, 3);
    assert.deepEqual(Object.keys(epochs[0]).sort(), ['lr', 'train_loss', 'val_accuracy', 'val_loss']);
    assert.ok(epochs.every((e) => e.val_accuracy >= 0 && e.val_accuracy <= 1));
  }
  // summary: best, goal maximize (the default for val_accuracy)
  [...metrics.values()].forEach((epochs, i) => assert.equal(objectives[i], Math.max(...epochs.map((e) => e.val_accuracy))));
});

test('a CSV regression sweep, run from another directory, records val_loss and val_mae in the target\'s units; changed data is noticed', () => {
  // A project folder holding the sweep file and its data, run from its parent: paths are relative to the sweep file.
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-data-'));
  mkdirSync(join(dir, 'project'));
  for (const f of ['csv-regression.yaml', 'regression.csv']) copyFileSync(fixture(f), join(dir, 'project', f));
  const r = runCli(['run', 'project/csv-regression.yaml', '--workers', '1'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^sweep csv-regression: 2 of 2 trials complete, 0 diverged, 0 failed/m);
  const { definition, objectives, metrics } = metricsOf(join(dir, 'lrsweep.db'));
  assert.deepEqual((definition.trainer as Record<string, unknown>).dataset, {
    csv: 'regression.csv', label: 'price', features: ['x1', 'x2'], task: 'regression', validation_fraction: 0.2, seed: 0,
  });
  for (const [, epochs] of metrics) {
    assert.equal(epochs.length, 4);
    assert.deepEqual(Object.keys(epochs[0]).sort(), ['lr', 'train_loss', 'val_loss', 'val_mae']);
    // Prices spread about 100 around 1000: an error in standardised units would be below 2.
    assert.ok(epochs.every((e) => e.val_mae > 5 && e.val_mae < 300 && e.val_loss >= e.val_mae ** 2), JSON.stringify(epochs));
  }
  [...metrics.values()].forEach((epochs, i) => assert.equal(objectives[i], epochs[3].val_mae));

  // The data file's content belongs to the sweep: after it changes, the sweep is not resumed.
  appendFileSync(join(dir, 'project', 'regression.csv'), 'r100,0.5,0.5,1000\n');
  const again = runCli(['run', 'project/csv-regression.yaml'], { cwd: dir });
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /^lrsweep: sweep "csv-regression" already exists in lrsweep\.db with another definition \(the trainer's files changed \(content hash [0-9a-f]{12} -> [0-9a-f]{12}\)\)/);
});

test('bad data is refused with exit code 2 before anything runs, each problem at its key with file, row and column', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bad-data-'));
  writeFileSync(join(dir, 'train.csv'), 'a,b,kind\n1,2,x\n3,oops,y\n');
  writeFileSync(join(dir, 'one.csv'), 'a,kind\n1,x\n2,x\n');
  writeFileSync(join(dir, 'empty.csv'), '');
  const sweep = (name: string, dataset: string, objective = 'val_loss') => {
    writeFileSync(join(dir, `${name}.yaml`), `name: ${name}\nschedule: { first_cycle_steps: 4 }\nobjective: { metric: ${objective} }\ntrainer: { kind: mlp, epochs: 1, dataset: ${dataset} }\n`);
    return runCli(['run', `${name}.yaml`], { cwd: dir });
  };
  const expect = (r: ReturnType<typeof sweep>, file: string, problems: string[]) => {
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, `lrsweep: ${file}: ${problems.length === 1 ? '1 problem' : `${problems.length} problems`}:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    assert.equal(existsSync(join(dir, 'lrsweep.db')), false, 'nothing was written');
  };
  expect(sweep('values', '{ csv: train.csv, label: kind, validation: { csv: missing.csv } }'), 'values.yaml', [
    'trainer.dataset.csv: train.csv row 2 (line 3), column "b": must be a number, got "oops"; features are every column but the label unless dataset.features lists them',
    `trainer.dataset.validation.csv: missing.csv: no such file (looked for ${join(dir, 'missing.csv')})`,
  ]);
  expect(sweep('columns', '{ csv: train.csv, label: knd, features: [a, c] }'), 'columns.yaml', [
    'trainer.dataset.label: train.csv: has no column "knd" (its columns: "a", "b", "kind")',
    'trainer.dataset.features[1]: train.csv: has no column "c" (its columns: "a", "b", "kind")',
  ]);
  expect(sweep('files', '{ csv: empty.csv, label: kind }'), 'files.yaml', [
    'trainer.dataset.csv: empty.csv: is empty (a CSV data file needs a header row and at least one data row)',
  ]);
  expect(sweep('classes', '{ csv: one.csv, label: kind }'), 'classes.yaml', [
    'trainer.dataset.label: one.csv: the label "kind" holds one class ("x") in all 2 rows; classification needs at least 2',
  ]);
  copyFileSync(fixture('regression.csv'), join(dir, 'regression.csv'));
  expect(sweep('metric', '{ csv: regression.csv, label: price, features: [x1, x2] }', 'val_accuracy'), 'metric.yaml', [
    'objective.metric: must be one of train_loss, val_loss, val_mae (what trainer mlp reports with task regression), got "val_accuracy"',
  ]);
});

test('a data error quotes at most the offending field, cut to 40 characters, never a line of the file (csv: pointed at an environment file)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-quote-'));
  const secret = 'sk-0123456789abcdefghijklmnopqrstuvwxyz-TAIL';
  // An environment file as /proc/self/environ holds it (NUL-separated: one long "column"), and as a .env file.
  writeFileSync(join(dir, 'environ'), `API_KEY=${secret}\0HOME=/root\0PATH=/usr/bin:/bin\0`);
  writeFileSync(join(dir, '.env'), `API_KEY=${secret}\nHOME=/root\n`);
  writeFileSync(join(dir, 'value.csv'), `a,b,y\n1,2,x\n3,${secret},y\n`);
  writeFileSync(join(dir, 'quote.csv'), `a,y\n${secret}"x",1\n`);
  writeFileSync(join(dir, 'train.csv'), 'a,y\n1,x\n2,z\n3,x\n4,z\n5,x\n');
  writeFileSync(join(dir, 'val.csv'), `a,y\n1,${secret}\n`);
  const cases: [string, string, RegExp][] = [
    // A one-column header is most likely no CSV at all: not quoted, not even cut.
    ['{ csv: environ, label: y }', 'environ', /has no column "y" \(its header line is one column of \d+ characters, not quoted: is this a comma-separated file with a header row\?\)$/],
    ['{ csv: .env, label: y }', '.env', /has no column "y" \(its header line is one column of 52 characters, not quoted: is this a comma-separated file with a header row\?\)$/],
    ['{ csv: value.csv, label: y }', 'value.csv', /column "b": must be a number, got "sk-0123456789abcdefghijklmnopqrstuvwxyz-"\.\.\. \(44 characters\)/],
    ['{ csv: quote.csv, label: y }', 'quote.csv', /is not valid CSV: Invalid Opening Quote: .*value is "sk-0123456789abcdefghijklmnopqrstuvwxyz-"\.\.\. \(44 characters\)$/],
    ['{ csv: train.csv, label: y, validation: { csv: val.csv } }', 'val.csv', /"sk-0123456789abcdefghijklmnopqrstuvwxyz-"\.\.\. \(44 characters\) is not a class of the training data/],
  ];
  for (const [dataset, file, message] of cases) {
    writeFileSync(join(dir, 's.yaml'), `name: s\nschedule: { first_cycle_steps: 4 }\ntrainer: { kind: mlp, epochs: 1, dataset: ${dataset} }\n`);
    const r = runCli(['run', 's.yaml', '--dry-run'], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 2, r.stderr);
    assert.match(lines[1], message, file);
    assert.ok(!r.stderr.includes('TAIL') && !r.stderr.includes('HOME') && !r.stderr.includes('/usr/bin'), `${file}: ${r.stderr}`);
    if (file === 'environ' || file === '.env') assert.ok(!r.stderr.includes('sk-'), `${file}: no part of the key: ${r.stderr}`);
  }
});

test('a label of 20,000 classes passes every data check but not the memory bound: run and --dry-run refuse it before anything is allocated (exit 2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-classes-'));
  // One class a row: one-hot targets of 20,000 x 20,000 floats (1.6 GB), and their shuffled copy.
  writeFileSync(join(dir, 'many.csv'), `a,y\n${Array.from({ length: 20_000 }, (_, i) => `${i % 7},c${i}`).join('\n')}\n`);
  writeFileSync(join(dir, 'many.yaml'), 'name: many\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: mlp, epochs: 1, dataset: { csv: many.csv, label: y } }\n');
  const expected = /^lrsweep: many\.yaml: 1 problem:\n {2}trainer\.dataset: the mlp trainer would hold about [\d.]+ GB per worker \(one-hot targets of 20,000 rows x 20,000 classes: [\d.]+ GB\); its limit is 2 GB: train a model this size with a trainer module \(kind: module\) or your own program \(kind: command\)\n$/;
  for (const args of [['--dry-run'], ['--workers', '1']]) {
    const r = runCli(['run', 'many.yaml', ...args], { cwd: dir });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, expected);
    assert.equal(r.stdout, '');
    assert.equal(existsSync(join(dir, 'lrsweep.db')), false, 'nothing was written');
  }
  // The built-in synthetic data set is bounded the same way, at the key that sizes it.
  writeFileSync(join(dir, 'syn.yaml'), 'name: syn\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: mlp, epochs: 1, samples: 100000, classes: 100000 }\n');
  const syn = runCli(['run', 'syn.yaml', '--dry-run'], { cwd: dir });
  assert.equal(syn.status, 2, syn.stderr);
  assert.match(syn.stderr, /^ {2}trainer\.classes: the mlp trainer would hold about [\d.]+ GB per worker \(one-hot targets of 100,000 rows x 100,000 classes/m);
});
