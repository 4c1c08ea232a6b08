// `lrsweep curve` as a user runs it: files read back, stdout formats, summaries, bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { curve } from '../../src/schedule/curve.js';
import { runCli, startCli } from '../helpers/cli.js';

const FLAGS = ['--first-cycle-steps', '37', '--cycle-mult', '1.5', '--max-lr', '0.1', '--min-lr', '0.001', '--warmup-steps', '5', '--gamma', '0.9'];
const PARAMS = { schedule: 'cawr' as const, firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 };
const dir = mkdtempSync(join(tmpdir(), 'lrsweep-curve-'));

/** Parses a .npy file by hand, as numpy.load would: magic, version, header dict, raw data. */
function readNpy(path: string) {
  const b = readFileSync(path);
  assert.equal(b.subarray(0, 6).toString('latin1'), '\x93NUMPY');
  assert.deepEqual([b[6], b[7]], [1, 0]);
  const headerLength = b.readUInt16LE(8);
  assert.equal((10 + headerLength) % 64, 0, 'data starts 64-byte aligned');
  const header = b.subarray(10, 10 + headerLength).toString('latin1');
  assert.ok(header.endsWith('\n'));
  const m = header.match(/^\{'descr': '(<f[48])', 'fortran_order': False, 'shape': \((\d+),\), \} *\n$/);
  assert.ok(m, header);
  const data = b.subarray(10 + headerLength);
  const copy = new Uint8Array(data).buffer;
  const values = m[1] === '<f8' ? new Float64Array(copy) : new Float32Array(copy);
  assert.equal(values.length, Number(m[2]));
  return { descr: m[1], values };
}

test('--out FILE.npy writes a NumPy file with the curve, f64 and f32', () => {
  const f64 = join(dir, 'lr.npy');
  const r = runCli(['curve', ...FLAGS, '--steps', '5000', '--start', '100', '--out', f64]);
  assert.equal(r.status, 0, r.stderr);
  const a = readNpy(f64);
  assert.equal(a.descr, '<f8');
  assert.deepEqual(a.values, curve(PARAMS, { start: 100, steps: 5000 }));
  const f32 = join(dir, 'lr32.npy');
  assert.equal(runCli(['curve', ...FLAGS, '--steps', '777', '--dtype', 'f32', '--out', f32]).status, 0);
  const b = readNpy(f32);
  assert.equal(b.descr, '<f4');
  assert.deepEqual(b.values, curve(PARAMS, { steps: 777, dtype: 'f32' }));
});

test('--out FILE.csv, .json and .bin read back to the same values', () => {
  const want = curve(PARAMS, { start: 3, steps: 2000 });
  for (const ext of ['csv', 'json', 'bin']) {
    const path = join(dir, `lr.${ext}`);
    const r = runCli(['curve', ...FLAGS, '--steps', '2000', '--start', '3', '--out', path]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`wrote +${path.replace(/[.]/g, '\\.')} \\(${ext}\\)`));
    if (ext === 'bin') {
      assert.deepEqual(new Float64Array(new Uint8Array(readFileSync(path)).buffer), want);
    } else if (ext === 'json') {
      assert.deepEqual(Float64Array.from(JSON.parse(readFileSync(path, 'utf8'))), want);
    } else {
      const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
      assert.equal(lines[0], 'step,lr');
      assert.equal(lines.length, 2001);
      lines.slice(1).forEach((line, i) => {
        const [step, lr] = line.split(',');
        assert.equal(Number(step), 3 + i);
        assert.equal(Number(lr), want[i]);
      });
    }
  }
});

test('--out - writes json or csv to stdout and the summary to stderr', () => {
  const json = runCli(['curve', '--schedule', 'sgdr', '--t0', '10', '--t-mult', '2', '--base-lr', '0.1', '--steps', '40', '--out', '-']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout), Array.from(curve({ schedule: 'sgdr', t0: 10, tMult: 2, baseLr: 0.1 }, { steps: 40 })));
  assert.match(json.stderr, /^steps +40 /m);
  const csv = runCli(['curve', ...FLAGS, '--steps', '3', '--dtype', 'f32', '--out', '-', '--format', 'csv']);
  const want = curve(PARAMS, { steps: 3, dtype: 'f32' });
  const lines = csv.stdout.trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 3), ['step,lr', '0,0.001', '1,0.0208']); // float32 printed as float32, not as its f64 digits
  assert.equal(lines.length, 4);
  lines.slice(1).forEach((line, i) => assert.equal(Math.fround(Number(line.split(',')[1])), want[i]));
});

test('without --out it prints a summary: steps, restarts, min, max, time', () => {
  const r = runCli(['curve', ...FLAGS, '--steps', '1000']);
  assert.equal(r.status, 0, r.stderr);
  // Cycle lengths 37, 53, 77, 113, 167, 248, 369: restarts at 37, 90, 167, 280, 447, 695.
  assert.match(r.stdout, /^steps +1000 \(steps 0 to 999\)$/m);
  assert.match(r.stdout, /^restarts +6$/m);
  assert.match(r.stdout, /^min +0\.001$/m);
  assert.match(r.stdout, /^max +0\.1$/m);
  assert.match(r.stdout, /^time +\d+\.\d ms$/m);
});

test('the summary counts no restart where max_cycles ends the schedule: the LR stays at min_lr there, as fit lists it', () => {
  // Four cycles of 112 steps in 450: restarts at 112, 224 and 336; from step 448 the LR stays at min_lr.
  const schedule = ['--first-cycle-steps', '112', '--max-lr', '0.5', '--gamma', '0.5', '--no-lint'];
  const restarts = (...flags: string[]) => {
    const r = runCli(['curve', ...schedule, ...flags]);
    assert.equal(r.status, 0, r.stderr);
    return Number(/^restarts +(\d+)$/m.exec(r.stdout)?.[1]);
  };
  assert.equal(restarts('--max-cycles', '4', '--steps', '450'), 3);
  const fit = runCli(['fit', '--steps', '450', '--cycle-mult', '1', '--cycles', '4', '--slack', '5', '--max-lr', '0.5', '--format', 'json']);
  assert.equal(fit.status, 0, fit.stderr);
  assert.deepEqual(JSON.parse(fit.stdout).find((s: { first_cycle_steps: number }) => s.first_cycle_steps === 112).restarts, [112, 224, 336]);
  // Without max_cycles step 448 is a restart; a window after the end has none; one before it counts what it holds.
  assert.equal(restarts('--steps', '450'), 4);
  assert.equal(restarts('--max-cycles', '4', '--start', '448', '--steps', '100'), 0);
  assert.equal(restarts('--max-cycles', '4', '--start', '300', '--steps', '200'), 1);
  assert.equal(restarts('--max-cycles', '4', '--steps', '300'), 2);
  assert.equal(restarts('--max-cycles', '0', '--steps', '300'), 0);
});

test('the summary of the longest curve (2^52 steps) comes from the cycle structure, without computing every step', { timeout: 60_000 }, () => {
  const r = runCli(['curve', ...FLAGS, '--steps', String(2 ** 52), '--no-lint']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^steps +${2 ** 52} \\(steps 0 to ${2 ** 52 - 1}\\)$`, 'm'));
  assert.match(r.stdout, /^restarts +\d+$/m);
  assert.match(r.stdout, /^min +\d/m);
});

test('the summary\'s min and max equal those of every value computed, f64 and f32, from step 0 and from a later window', () => {
  const shapes: [string[], Record<string, unknown>][] = [
    [FLAGS, PARAMS],
    [['--first-cycle-steps', '50', '--cycle-mult', '0.9', '--warmup-steps', '10', '--gamma', '0.97', '--max-lr', '0.3', '--min-lr', '0.01'],
      { schedule: 'cawr', firstCycleSteps: 50, cycleMult: 0.9, warmupSteps: 10, gamma: 0.97, maxLr: 0.3, minLr: 0.01 }],
    [['--first-cycle-steps', '1000', '--warmup-steps', '999', '--max-cycles', '3', '--gamma', '0.5'],
      { schedule: 'cawr', firstCycleSteps: 1000, warmupSteps: 999, maxCycles: 3, gamma: 0.5 }],
    [['--schedule', 'sgdr', '--t0', '7', '--t-mult', '3', '--base-lr', '0.2', '--eta-min', '0.0003'], { schedule: 'sgdr', t0: 7, tMult: 3, baseLr: 0.2, etaMin: 0.0003 }],
  ];
  for (const [flags, params] of shapes) {
    for (const dtype of ['f64', 'f32'] as const) {
      for (const [start, steps] of [[0, 20_000], [1234, 5000]]) {
        const r = runCli(['curve', ...flags, '--steps', String(steps), '--start', String(start), '--dtype', dtype, '--no-lint']);
        assert.equal(r.status, 0, r.stderr);
        const values = curve(params as never, { start, steps, dtype });
        const read = (name: string) => {
          const v = Number(new RegExp(`^${name} +(\\S+)$`, 'm').exec(r.stdout)![1]);
          return dtype === 'f32' ? Math.fround(v) : v;
        };
        const what = `${flags.join(' ')} ${dtype} from ${start}`;
        assert.equal(read('min'), values.reduce((a, b) => Math.min(a, b)), what);
        assert.equal(read('max'), values.reduce((a, b) => Math.max(a, b)), what);
      }
    }
  }
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  test(`${signal} stops a long --out write at once and removes the .partial file (exit 130)`, { timeout: 120_000 }, async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lrsweep-curve-stop-'));
    // 10^8 float64 values: 800 MB if it ran to the end.
    const cli = startCli(['curve', '--first-cycle-steps', '37', '--steps', String(1e8), '--out', 'lr.npy', '--no-lint'], cwd);
    const partial = join(cwd, 'lr.npy.partial');
    for (let i = 0; i < 1200 && !existsSync(partial) && cli.child.exitCode === null; i++) await sleep(25);
    assert.ok(existsSync(partial), `the write began: ${cli.out().stderr}`);
    cli.child.kill(signal);
    assert.equal(await cli.done, 130, cli.out().stderr);
    assert.equal(cli.out().stderr, '\nlrsweep: curve interrupted: nothing was written (lr.npy.partial removed)\n');
    assert.deepEqual(readdirSync(cwd), [], 'neither lr.npy nor lr.npy.partial');
  });
}

const badInput: [string, string[], string][] = [
  ['a rule broken', ['curve', '--first-cycle-steps', '40', '--warmup-steps', '50', '--steps', '10'],
    'lrsweep: warmup_steps must be smaller than first_cycle_steps, got warmup_steps=50, first_cycle_steps=40'],
  ['a flag that is not a number', ['curve', '--first-cycle-steps', 'ten', '--steps', '10'], 'lrsweep: --first-cycle-steps must be a number, got "ten"'],
  ['a flag of the other schedule', ['curve', '--first-cycle-steps', '10', '--t-mult', '2', '--steps', '10'],
    'lrsweep: --t-mult is a parameter of --schedule sgdr, not of --schedule cawr'],
  ['an unknown flag', ['curve', '--first-cycle-steps', '10', '--steps', '10', '--warmup', '3'], 'lrsweep: Unknown argument: warmup'],
  ['a missing length', ['curve', '--steps', '10'], 'lrsweep: --first-cycle-steps is required for --schedule cawr'],
  ['steps past a zero-length cycle', ['curve', '--first-cycle-steps', '10', '--cycle-mult', '0.7', '--steps', '30'],
    'lrsweep: cycle_mult=0.7 shrinks cycle 5 to zero length at step 24 (the reference divides by zero there), so only steps before 24 exist, got start=0, steps=30'],
  ['--format without --out -', ['curve', '--first-cycle-steps', '10', '--steps', '10', '--format', 'csv'],
    'lrsweep: --format goes with --out - (it sets the format of stdout), got --format csv without --out'],
  ['a bad extension', ['curve', '--first-cycle-steps', '10', '--steps', '10', '--out', 'OUT.txt'],
    'lrsweep: --out must end in .csv, .json, .npy or .bin (the extension picks the format), got "OUT.txt"'],
  ['a bad dtype', ['curve', '--first-cycle-steps', '10', '--steps', '10', '--dtype', 'f16'],
    'lrsweep: Invalid values: Argument: dtype, Given: "f16", Choices: "f64", "f32"'],
];

for (const [name, args, message] of badInput) {
  test(`bad input (${name}): exit code 2, one line naming the problem, nothing written`, () => {
    const cwd = mkdtempSync(join(tmpdir(), 'lrsweep-bad-'));
    const r = runCli([...args, ...(args.includes('--out') || args.includes('--format') ? [] : ['--out', 'OUT.csv'])], { cwd });
    assert.equal(r.status, 2);
    assert.ok(r.stderr.startsWith(message), r.stderr);
    assert.equal(r.stderr, `${message}\n`);
    assert.doesNotMatch(r.stderr, /\n {4}at /, 'no stack trace');
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(cwd), []);
  });
}

test('a write that cannot happen leaves no file behind and exits 1; a missing directory is bad input (exit 2)', () => {
  const blocker = join(dir, 'a-file');
  writeFileSync(blocker, 'not a directory');
  const r = runCli(['curve', ...FLAGS, '--steps', '10', '--out', join(blocker, 'lr.csv')]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `lrsweep: cannot write ${join(blocker, 'lr.csv')}: ENOTDIR (not a directory)\n`);
  const missing = runCli(['curve', ...FLAGS, '--steps', '10', '--out', join(dir, 'no-such-dir', 'lr.csv')]);
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `lrsweep: --out: the directory ${JSON.stringify(join(dir, 'no-such-dir'))} does not exist (for ${JSON.stringify(join(dir, 'no-such-dir', 'lr.csv'))})\n`);
  assert.equal(existsSync(join(dir, 'no-such-dir')), false);
});

test('--help lists the schedule flags and examples', () => {
  const r = runCli(['curve', '--help']);
  assert.equal(r.status, 0);
  for (const flag of ['--first-cycle-steps', '--cycle-mult', '--warmup-steps', '--gamma', '--t-mult', '--steps', '--dtype', '--out', 'Examples:']) {
    assert.ok(r.stdout.includes(flag), flag);
  }
});

test("--help gives a shared flag each kind's own help and default; --schedule NAME --help shows that kind's flags only", () => {
  const all = runCli(['curve', '--help']).stdout.replace(/\s+/g, ' ');
  assert.match(all, /--max-lr cawr: Peak LR of the first cycle \[default: 0\.1\] one_cycle: Peak LR \(required\)/);
  assert.match(all, /--num-cycles hf_cosine_restarts: .*\[default: 1\] wsd: .*\[default: 0\.5\]/);
  assert.match(all, /--lr timm_cosine, hf_cosine_restarts, wsd: .* \(required\)/);
  const r = runCli(['curve', '--schedule', 'one_cycle', '--help']);
  assert.equal(r.status, 0);
  const one = r.stdout.slice(0, r.stdout.indexOf('Examples:')).replace(/\s+/g, ' ');
  assert.match(one, /one_cycle \(PyTorch OneCycleLR\): --max-lr Peak LR \(required\) --total-steps/);
  for (const flag of ['--first-cycle-steps', '--t0', '--lr ', '--num-cycles', '--allow-min-above-max']) assert.ok(!one.includes(flag), `${flag} hidden`);
  assert.ok(!one.includes('[default: 0.1]'), "cawr's max_lr default is not shown for one_cycle");
  assert.match(runCli(['curve', '--schedule=wsd', '--help']).stdout.replace(/\s+/g, ' '), /--num-cycles Waves of the cosine decay .*\[default: 0\.5\]/);
  // the hidden flags are still taken, and refused as another kind's
  const other = runCli(['curve', '--schedule', 'one_cycle', '--max-lr', '0.1', '--total-steps', '10', '--steps', '11', '--first-cycle-steps', '5']);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /--first-cycle-steps is a parameter of --schedule cawr, not of --schedule one_cycle/);
});
