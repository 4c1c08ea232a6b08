// The LR range test on trainers whose divergence point is known: plain SGD on a quadratic with
// largest curvature a diverges for lr > 2 / a. In process (built-in, pool thread) and as a command.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse, rampCurve } from '../../src/sweep/range-test.js';
import { present, rangeTest } from '../../src/commands/range-test.js';
import { loadSweepFile } from '../../src/sweep/file.js';
import { runCli, startCli } from '../helpers/cli.js';
import { svgMarks } from '../helpers/svg.js';

const workspace = () => mkdtempSync(join(tmpdir(), 'lrsweep-range-'));

test('the ramp grows exponentially from min_lr to max_lr over the steps asked for, and stays at max_lr after', () => {
  const c = rampCurve(1e-4, 1, 5, 8);
  assert.deepEqual(Array.from(c, (x) => Number(x.toPrecision(12))), [1e-4, 1e-3, 1e-2, 1e-1, 1, 1, 1, 1]);
});

test('the analysis finds the steepest descent, the divergence and a suggestion below it, with its confidence', () => {
  // A loss that falls fastest around lr 1e-2 and blows up from lr 1.
  const lrs = rampCurve(1e-5, 10, 120, 120);
  const loss = Array.from(lrs, (lr) => (lr < 1 ? 2 / (1 + Math.exp(3 * (Math.log10(lr) + 2))) + 0.1 : 100 * lr));
  const r = analyse(Array.from(lrs, (lr, step) => ({ step, lr, loss: loss[step] })));
  assert.ok(r.diverged && r.diverged.lr >= 1 && r.diverged.lr < 2, JSON.stringify(r.diverged));
  assert.ok(r.steepest && r.steepest.lr > 3e-3 && r.steepest.lr < 3e-2, JSON.stringify(r.steepest));
  assert.equal(r.suggestedMaxLr, r.steepest!.lr);
  assert.equal(r.confidence, 'high');
  // Never diverged: medium, and it says to raise --max-lr. Never fell: low.
  const calm = analyse(Array.from(lrs.subarray(0, 90), (lr, step) => ({ step, lr, loss: loss[step] })));
  assert.equal(calm.diverged, null);
  assert.equal(calm.confidence, 'medium');
  assert.match(calm.reason, /raise --max-lr/);
  const flat = analyse(Array.from(lrs, (lr, step) => ({ step, lr, loss: 1 + 0.01 * Math.sin(step) })));
  assert.equal(flat.confidence, 'low');
  // A NaN is divergence at once.
  const nan = analyse([...Array.from(lrs.subarray(0, 50), (lr, step) => ({ step, lr, loss: loss[step] })), { step: 50, lr: lrs[50], loss: Number.NaN }]);
  assert.equal(nan.diverged?.step, 50);
});

test('on the quadratic (curvature 10), the test sees divergence just above 2/10 and suggests less; --write puts it in the sweep file', async () => {
  const dir = workspace();
  const file = join(dir, 'q.yaml');
  writeFileSync(file, '# my sweep\nname: q\nschedule: { first_cycle_steps: 100, max_lr: 5 }\nparameters: { gamma: { values: [0.5, 1] } }\ntrainer: { kind: quadratic, dim: 8, epochs: 3, steps_per_epoch: 100, curvature: 10, noise: 0.01 }\n');
  const svg = join(dir, 'range.svg');
  const out = await rangeTest({ file, minLr: 1e-4, maxLr: 10, backend: 'wasm', plot: svg, write: file });
  const r = out.result;
  assert.ok(r.diverged && r.diverged.lr > 0.2 && r.diverged.lr < 0.5, `diverged at ${r.diverged?.lr}`);
  // Below the divergence point, and well above the ramp's start (the loss fell fastest there, not at the first steps).
  assert.ok(r.suggestedMaxLr !== null && r.suggestedMaxLr < 0.2 && r.suggestedMaxLr > 1e-3, String(r.suggestedMaxLr));
  assert.equal(r.confidence, 'high');
  assert.ok(out.steps === 300 && r.points.length < 300, 'the test stops once the loss diverged');
  assert.equal(svgMarks(svg).line, 2, 'raw and smoothed loss');
  const text = readFileSync(file, 'utf8');
  assert.match(text, /^# my sweep/, 'comments are kept');
  const { sweep } = await loadSweepFile(file);
  assert.equal(sweep.schedule.max_lr, undefined, 'the fixed max_lr gave way to the parameter');
  const values = (sweep.parameters.max_lr as { values: number[] }).values;
  assert.equal(values.length, 3);
  assert.ok(Math.max(...values) <= r.suggestedMaxLr! * 1.01);
  // min_lr (the default 0.001, above the new candidates' range) was lowered, and the output says so.
  const floor = Number((Math.min(...values) / 10).toPrecision(2));
  assert.equal(sweep.schedule.min_lr, floor);
  assert.deepEqual(out.written?.floor, { key: 'min_lr', from: 0.001, to: floor });
  assert.match(present(out, 'table').stdout ?? '', new RegExp(`schedule\\.min_lr: 0\\.001 -> ${floor} \\(a tenth of the smallest max_lr`));
});

test('a command trainer reporting {"step": i, "train_loss": ...} lines gets the ramp in lr.npy and the same analysis', () => {
  const dir = workspace();
  // The quadratic again, as a program: reads lr.npy (float64 after its header) and steps SGD on
  // f(x) = 5 x^2 with a little gradient noise (without it, lr = 0.1 lands x on exactly 0).
  writeFileSync(join(dir, 'quad.mjs'), `import { readFileSync } from 'node:fs';
const b = readFileSync(process.env.LRSWEEP_LR_FILE);
const start = 10 + b.readUInt16LE(8);
const lrs = new Float64Array(b.buffer.slice(b.byteOffset + start, b.byteOffset + b.length));
let x = 1;
for (let i = 0; i < lrs.length; i++) {
  console.log(JSON.stringify({ step: i, train_loss: 5 * x * x }));
  x -= lrs[i] * (10 * x + 0.01 * Math.sin(i));
  if (!Number.isFinite(x)) break;
}
`);
  writeFileSync(join(dir, 'cmd.yaml'), `name: cmd\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: [${JSON.stringify(process.execPath)}, quad.mjs], steps: 400, metrics: [train_loss] }\nobjective: { metric: train_loss }\n`);
  const r = runCli(['range-test', 'cmd.yaml', '--min-lr', '1e-4', '--max-lr', '10', '--format', 'json'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  // Unstable from 0.2; seen once the loss has grown 4x above its lowest, which from this
  // program's tiny noise floor takes a few dozen steps of a ramp that grows 4% a step.
  assert.ok(out.diverged.lr > 0.2 && out.diverged.lr < 1, `diverged at ${out.diverged.lr}`);
  assert.ok(out.suggestedMaxLr < 0.2);
  // The test's folder is removed when it is done: nothing is left in the default trials folder.
  assert.equal(existsSync(join(dir, 'lrsweep-trials')), false, 'no lrsweep-trials/range-test-* left behind');
  // Unless the user named where it goes: then every test keeps a folder of its own, with its log.
  for (let i = 0; i < 2; i++) assert.equal(runCli(['range-test', 'cmd.yaml', '--min-lr', '1e-4', '--max-lr', '10', '--format', 'json', '--trials-dir', 'kept'], { cwd: dir }).status, 0);
  const folders = readdirSync(join(dir, 'kept')).filter((f) => f.startsWith('range-test-'));
  assert.equal(folders.length, 2, folders.join(', '));
  for (const f of folders) assert.ok(existsSync(join(dir, 'kept', f, '1', 'attempt-1.log')), f);
});

test('a command trainer\'s trial.json says its curve is the range test\'s exponential ramp, not a schedule kind', () => {
  const dir = workspace();
  // Reports a falling loss for every step of lr.npy, then stops.
  writeFileSync(join(dir, 'fall.mjs'), `const steps = 40;
for (let i = 0; i < steps; i++) console.log(JSON.stringify({ step: i, train_loss: 1 / (i + 1) }));
`);
  writeFileSync(join(dir, 'cmd.yaml'), `name: cmd\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: [${JSON.stringify(process.execPath)}, fall.mjs], steps: 40, metrics: [train_loss] }\nobjective: { metric: train_loss }\n`);
  const r = runCli(['range-test', 'cmd.yaml', '--min-lr', '0.001', '--max-lr', '1', '--steps', '20', '--format', 'json', '--trials-dir', 'kept'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const [folder] = readdirSync(join(dir, 'kept')).filter((f) => f.startsWith('range-test-'));
  const trial = JSON.parse(readFileSync(join(dir, 'kept', folder, '1', 'trial.json'), 'utf8'));
  assert.deepEqual(trial.params, { range_test: { ramp: 'exponential', min_lr: 0.001, max_lr: 1, steps: 20 } });
  assert.equal(trial.steps, 40);
});

test('Ctrl-C stops a range test: the command trainer\'s process is ended, exit 130, nothing written', async () => {
  const dir = workspace();
  // A trainer that reports slowly and records its pid, so the test can see it ended.
  writeFileSync(join(dir, 'slow.mjs'), `import { writeFileSync } from 'node:fs';
writeFileSync('pid', String(process.pid));
let i = 0;
setInterval(() => console.log(JSON.stringify({ step: i++, train_loss: 1 })), 50);
`);
  const sweep = `name: slow\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: command, run: [${JSON.stringify(process.execPath)}, slow.mjs], steps: 10000, metrics: [train_loss] }\nobjective: { metric: train_loss }\n`;
  writeFileSync(join(dir, 'slow.yaml'), sweep);
  const cli = startCli(['range-test', 'slow.yaml', '--steps', '5000', '--write', 'slow.yaml'], dir);
  const pidFile = join(dir, 'pid');
  for (let i = 0; i < 600 && !existsSync(pidFile); i++) await sleep(50);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  cli.child.kill('SIGINT');
  assert.equal(await cli.done, 130, cli.out().stderr);
  assert.match(cli.out().stderr, /range test interrupted: nothing was written/);
  assert.equal(readFileSync(join(dir, 'slow.yaml'), 'utf8'), sweep);
  const alive = () => { try { process.kill(pid, 0); return true; } catch { return false; } };
  for (let i = 0; i < 100 && alive(); i++) await sleep(50);
  assert.equal(alive(), false, 'the trainer process was ended');
});

test('bad range-test requests are exit 2 with the flag named', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'q.yaml'), 'name: q\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: quadratic, epochs: 1, steps_per_epoch: 50 }\n');
  const tooMany = runCli(['range-test', 'q.yaml', '--steps', '100'], { cwd: dir });
  assert.equal(tooMany.status, 2);
  assert.equal(tooMany.stderr, 'lrsweep: --steps 100 is more than the 50 steps the trainer takes: lower --steps, or give the trainer more epochs\n');
  const inverted = runCli(['range-test', 'q.yaml', '--min-lr', '1', '--max-lr', '0.1'], { cwd: dir });
  assert.equal(inverted.status, 2);
  assert.equal(inverted.stderr, 'lrsweep: --min-lr and --max-lr must satisfy 0 < min < max, got --min-lr 1, --max-lr 0.1\n');
  const missing = runCli(['range-test', 'nope.yaml'], { cwd: dir });
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, 'lrsweep: FILE: no such file: "nope.yaml" (a sweep file, or a trainer module .ts/.js)\n');
  // The --write target is checked before any training.
  const noTarget = runCli(['range-test', 'q.yaml', '--write', 'other.yaml'], { cwd: dir });
  assert.equal(noTarget.status, 2);
  assert.equal(noTarget.stderr, 'lrsweep: --write: no such file: other.yaml (the suggestion goes into an existing sweep file)\n');
  assert.equal(existsSync(join(dir, 'other.yaml')), false);
});

test('an absurd --max-lr is refused up front, naming the flag, instead of a divergence blamed on the trainer', () => {
  const dir = workspace();
  writeFileSync(join(dir, 'q.yaml'), 'name: q\nschedule: { first_cycle_steps: 10 }\ntrainer: { kind: quadratic, epochs: 1, steps_per_epoch: 50 }\n');
  const huge = runCli(['range-test', 'q.yaml', '--max-lr', '1e308'], { cwd: dir });
  assert.equal(huge.status, 2, huge.stderr);
  assert.equal(huge.stderr, 'lrsweep: --max-lr must be at most 1000000 (far past where any trainer diverges; the test stops there), got 1e+308\n');
  const tiny = runCli(['range-test', 'q.yaml', '--min-lr', '1e-320', '--max-lr', '100'], { cwd: dir });
  assert.equal(tiny.status, 2, tiny.stderr);
  assert.equal(tiny.stderr, "lrsweep: --min-lr 1e-320 is too small: the ramp's ratio --max-lr / --min-lr overflows (100 / 1e-320); raise --min-lr\n");
});

test('--write in the README\'s order (run, then range-test --write) keeps the file as written and says the sweep that ran will refuse it', () => {
  const dir = workspace();
  // Laid out as sweeps/quickstart.yaml is: a comment running on over lines, flow lists, a fixed max_lr.
  const sweep = `# my sweep
name: q
schedule:
  first_cycle_steps: 100     # one cycle a epoch: the comment runs on
                             # over a second line
  max_lr: 5
parameters:
  gamma: { values: [0.5, 1] }
trainer: { kind: quadratic, dim: 8, epochs: 3, steps_per_epoch: 100, curvature: 10, noise: 0.01 }
`;
  writeFileSync(join(dir, 'q.yaml'), sweep);
  assert.equal(runCli(['run', 'q.yaml'], { cwd: dir }).status, 0);
  const r = runCli(['range-test', 'q.yaml', '--min-lr', '1e-4', '--max-lr', '10', '--write', 'q.yaml'], { cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const values = /wrote q\.yaml: parameters\.max_lr: \{"values":\[([^\]]+)\]\}; schedule\.min_lr: 0\.001 -> (\S+) /.exec(r.stdout);
  assert.ok(values, r.stdout);
  const expected = sweep
    .replace('  max_lr: 5\n', `  min_lr: ${values[2]}\n`)
    .replace('  gamma: { values: [0.5, 1] }\n', `  gamma: { values: [0.5, 1] }\n  max_lr: { values: [${values[1].split(',').join(', ')}] }\n`);
  assert.equal(readFileSync(join(dir, 'q.yaml'), 'utf8'), expected, 'only the changed keys changed');
  assert.match(r.stderr, /^lrsweep: q\.yaml no longer matches sweep "q" in lrsweep\.db, which has run \(.+\): npx lrsweep run will refuse it as changed\. Give the sweep a new name \(name: in the file\), run with --extend if the change only adds configs, or start it over: npx lrsweep delete q, then run \(run --replace is refused once trials are complete or diverged; 2 are\)\n$/);
  // And so it does.
  const again = runCli(['run', 'q.yaml'], { cwd: dir });
  assert.equal(again.status, 2, again.stderr);
  assert.match(again.stderr, /already exists in lrsweep\.db with another definition/);
});
