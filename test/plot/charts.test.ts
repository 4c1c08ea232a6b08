// Chart files: well-formed SVG (parsed) with the marks they promise, and real PNGs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { pngSize, svgMarks } from '../helpers/svg.js';
import { finishedSweep } from '../helpers/sweep-db.js';
import { lossChart, lossDomainMax } from '../../src/plot/charts.js';
import { historyRows } from '../../src/plot/sweep-charts.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-charts-'));

const FLAGS = ['--first-cycle-steps', '37', '--cycle-mult', '1.5', '--warmup-steps', '5', '--gamma', '0.9'];

test('curve --plot FILE.svg draws the decimated curve as a line', () => {
  const svg = join(dir, 'curve.svg');
  const r = runCli(['curve', ...FLAGS, '--steps', '100000000', '--plot', svg, '--log']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^restarts +35$/m);
  assert.match(r.stdout, /^max +0\.1$/m);
  assert.equal(svgMarks(svg).line, 1);
  assert.match(readFileSync(svg, 'utf8'), /learning rate/);
});

test('curve --plot FILE.png writes a PNG of the chart size', () => {
  const png = join(dir, 'curve.png');
  assert.equal(runCli(['curve', ...FLAGS, '--steps', '5000', '--plot', png]).status, 0);
  const { width, height } = pngSize(png);
  assert.ok(width > 1000 && height > 400, `${width}x${height}`);
});

test('curve --plot - draws in the terminal', () => {
  const r = runCli(['curve', ...FLAGS, '--steps', '2000', '--plot', '-']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /┼/);
  assert.match(r.stdout, /steps 0 \.\. 1999/);
});

test('bad chart requests are exit 2 with the flag named, and write nothing', () => {
  const pdf = runCli(['curve', ...FLAGS, '--steps', '20', '--plot', join(dir, 'x.pdf')]);
  assert.equal(pdf.status, 2);
  assert.equal(pdf.stderr, `lrsweep: --plot must end in .svg or .png, got ${JSON.stringify(join(dir, 'x.pdf'))}\n`);
  const log = runCli(['curve', '--first-cycle-steps', '10', '--min-lr', '0', '--steps', '20', '--plot', '-', '--log']);
  assert.equal(log.status, 2);
  assert.equal(log.stderr, 'lrsweep: --log needs a floor above 0 (min_lr=0): a log axis cannot show 0\n');
});

test('lrsweep plot draws curves, losses and the landscape of a sweep, as SVG and PNG', async () => {
  const { dir: cwd, name } = await finishedSweep();
  const curves = join(cwd, 'curves.svg');
  assert.equal(runCli(['plot', name, '--kind', 'curves', '--top', '3', '--out', curves], { cwd }).status, 0);
  assert.equal(svgMarks(curves).line, 3);
  const losses = join(cwd, 'losses.svg');
  assert.equal(runCli(['plot', name, '--kind', 'losses', '--top', '4', '--out', losses], { cwd }).status, 0);
  assert.equal(svgMarks(losses).line, 4);
  const landscape = join(cwd, 'landscape.svg');
  const r = runCli(['plot', name, '--out', landscape], { cwd });
  assert.equal(r.status, 0, r.stderr);
  const marks = svgMarks(landscape);
  // Three heatmaps of 3x3, 3x2 and 3x2 cells, and one line per complete trial (36).
  assert.equal(marks.rect, 9 + 6 + 6);
  assert.equal(marks.line, 36);
  const history = join(cwd, 'history.svg');
  assert.equal(runCli(['plot', name, '--kind', 'history', '--out', history], { cwd }).status, 0);
  const h = svgMarks(history);
  // A point per complete trial and the best-so-far line.
  assert.deepEqual([h.symbol, h.line], [36, 1]);
  const png = join(cwd, 'landscape.png');
  assert.equal(runCli(['plot', name, '--out', png], { cwd }).status, 0);
  assert.ok(pngSize(png).width > 1000);
  const bad = runCli(['plot', name, '--out', join(cwd, 'x.jpg')], { cwd });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^lrsweep: --out must end in \.svg or \.png, got /);
});

test('the loss chart cuts its y axis above an early spike, says so, and leaves a plain learning curve alone', () => {
  const calm = [3, 2, 1.5, 1.2].map((value, i) => ({ series: 'a', epoch: i + 1, value }));
  assert.deepEqual(lossDomainMax(calm), { max: 3, clipped: false });
  const spiky = [...calm, ...[2.5, 1e6, 1.4, 1.1].map((value, i) => ({ series: 'b', epoch: i + 1, value }))];
  const { max, clipped } = lossDomainMax(spiky);
  assert.ok(clipped && max < 10 && max >= 3, `${max}`);
  const spec = JSON.stringify(lossChart(spiky, 'val_loss'));
  assert.match(spec, /y axis cut at/);
  assert.match(spec, /"domainMax":/);
});

test('heatmap labels are dark on bright cells and light on dark ones; parallel coordinates label every grid value', async () => {
  const { dir: cwd, name } = await finishedSweep();
  const landscape = join(cwd, 'landscape-labels.svg');
  assert.equal(runCli(['plot', name, '--out', landscape], { cwd }).status, 0);
  const svg = readFileSync(landscape, 'utf8');
  const fills = new Set([...svg.matchAll(/<text[^>]*fill="([^"]+)"[^>]*>[0-9.e-]+<\/text>/g)].map((m) => m[1]));
  assert.ok(fills.has('#111') && fills.has('white'), `cell label colors: ${[...fills].join(', ')}`);
  // The sweep's grid: cycle_mult 1, 1.5, 2; gamma 0.5, 0.8, 1; warmup_steps 0, 5: every value is labelled.
  const texts = new Set([...svg.matchAll(/<text[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]));
  for (const v of ['1.5', '0.8', '5']) assert.ok(texts.has(v), `parallel-coordinates label ${v}`);
});

test('the search history keeps the best so far in trial order, in the goal\'s direction', () => {
  const trials = [3, 1, 2, 5, 0.5].map((objective, i) => ({ trial: [2, 1, 3, 5, 4][i], objective, origin: i < 2 ? 'startup' : 'model' }));
  const rows = (goal: 'minimize' | 'maximize') => historyRows({ trials, record: { goal } } as unknown as Parameters<typeof historyRows>[0]);
  assert.deepEqual(rows('minimize').map((r) => [r.trial, r.objective, r.best]), [[1, 1, 1], [2, 3, 1], [3, 2, 1], [4, 0.5, 0.5], [5, 5, 0.5]]);
  assert.deepEqual(rows('maximize').map((r) => r.best), [1, 3, 3, 3, 5]);
  assert.deepEqual(rows('minimize').map((r) => r.origin), ['startup', 'startup', 'model', 'model', 'model']);
  // Anchors outside the space (trials 1 and 4 here) are shown, never the best so far (issue 19: not ranked).
  const anchored = historyRows({ trials, record: { goal: 'minimize' }, unranked: new Set([1, 4]) } as unknown as Parameters<typeof historyRows>[0]);
  assert.deepEqual(anchored.map((r) => [r.trial, r.objective, r.best]), [[1, 1, null], [2, 3, 3], [3, 2, 2], [4, 0.5, 2], [5, 5, 2]]);
});
