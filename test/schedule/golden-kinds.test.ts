// Every kind with its own kernel equals its reference at every step of the golden vectors (timm's
// CosineLRScheduler, transformers' hard restarts and WSD, run by scripts/golden/kinds.py): bit for
// bit but where the reference's libm rounds incorrectly (KIND_TOLERANCE), in float32 the float64
// values rounded, any window the same bits as the curve from 0, and where the reference raised,
// the steps from there refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParamError } from '../../src/core/errors.js';
import { curve } from '../../src/schedule/curve.js';
import { resolveSchedule } from '../../src/schedule/schedule.js';
import { KIND_TOLERANCE, kindGolden, kindInput } from '../helpers/golden-kinds.js';

const golden = kindGolden();

test('the golden file records the references it ran, and covers each kind', () => {
  assert.match(golden.timm, /^huggingface\/pytorch-image-models@[0-9a-f]{40}$/);
  assert.match(golden.transformers.hard_restarts, /^huggingface\/transformers@[0-9a-f]{40}$/);
  for (const kind of ['timm_cosine', 'hf_cosine_restarts', 'wsd']) assert.ok(golden.cases.filter((c) => c.kind === kind).length >= 15, kind);
});

test('every value equals the reference: bit for bit for all but a few, those within the stated tolerance', () => {
  let values = 0;
  let differ = 0;
  for (const c of golden.cases) {
    const got = curve(kindInput(c), { steps: c.n });
    for (let i = 0; i < c.n; i++) {
      values++;
      if (Object.is(got[i], c.lrs[i])) continue;
      differ++;
      assert.ok(Math.abs(got[i] - c.lrs[i]) <= KIND_TOLERANCE * Math.abs(c.lrs[i]), `${c.id} step ${i}: ${got[i]} vs the reference's ${c.lrs[i]}`);
    }
  }
  assert.ok(values > 40_000, `${values} values`);
  // 11 measured when the vectors were made: a regression in any arithmetic shows as many more
  assert.ok(differ <= 20, `${differ} of ${values} values differ in the last bits`);
});

test('each kind is exact on its defining paths: the reference\'s values at the traps', () => {
  const byId = new Map(golden.cases.map((c) => [c.id, c]));
  // timm: t = 242 for t_initial 2, cycle_mul 3 is lr_min in the reference, and in ours
  const trap = byId.get('timm_cosine.floored-log-242')!;
  assert.equal(trap.lrs[242], 0);
  assert.ok(trap.lrs[243] > 0.09);
  const ours = curve(kindInput(trap), { steps: 244 });
  assert.equal(ours[242], 0);
  assert.equal(ours[243], trap.lrs[243]);
  // Python's %: a negative num_cycles runs each cycle upward (JavaScript's % would give the mirror)
  const negative = byId.get('hf_cosine_restarts.negative-cycles')!;
  assert.deepEqual(Array.from(curve(kindInput(negative), { steps: negative.n })), negative.lrs);
  const oursNegative = curve(kindInput(negative), { steps: negative.n });
  assert.ok(oursNegative[6] < oursNegative[7], 'upward within a cycle');
  // the hard 0 from num_training_steps on
  const hard = byId.get('hf_cosine_restarts.w10.T100.c3')!;
  assert.deepEqual(hard.lrs.slice(100), new Array(hard.n - 100).fill(0));
  const oursHard = curve(kindInput(hard), { steps: hard.n });
  assert.deepEqual(Array.from(oursHard.slice(100)), new Array(hard.n - 100).fill(0), 'ours: 0 from num_training_steps on');
  assert.ok(oursHard[99] > 0);
});

test('float32 curves are the float64 values rounded to float32', () => {
  for (const c of golden.cases.slice(0, 85)) {
    const f64 = curve(kindInput(c), { steps: c.n });
    const f32 = curve(kindInput(c), { steps: c.n, dtype: 'f32' });
    assert.deepEqual(f32, Float32Array.from(f64), c.id);
  }
});

test('any window has the same bits as the same steps of the curve from 0', () => {
  let seed = 7;
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  for (const c of golden.cases) {
    const full = curve(kindInput(c), { steps: c.n });
    for (let k = 0; k < 3; k++) {
      const start = next(c.n);
      const steps = 1 + next(c.n - start);
      assert.deepEqual(curve(kindInput(c), { start, steps }), full.subarray(start, start + steps), `${c.id} window ${start}+${steps}`);
    }
  }
});

test('where the reference raised, those steps are refused up front, naming the key, the rule and the value', () => {
  const raised = golden.cases.filter((c) => c.error);
  assert.ok(raised.length >= 2);
  for (const c of raised) {
    assert.equal(c.error!.type, 'ValueError', c.id);
    const schedule = resolveSchedule(kindInput(c));
    assert.equal(schedule.end, c.error!.index, `${c.id}: the first step that cannot be produced`);
    assert.equal(curve(schedule, { steps: c.n }).length, c.n);
    assert.throws(() => curve(schedule, { steps: c.n + 1 }), (e: unknown) => {
      assert.ok(e instanceof ParamError);
      assert.equal(e.problems[0].key, 'cycle_mul');
      assert.match(e.problems[0].message, /cycle_mul < 1 must leave the run inside .*cycle_mul=0\.(5|75)\b.*only steps before \d+ exist, got start=0/);
      return true;
    });
  }
});

test("far steps equal timm's _get_lr(t) called there; where it raises (a complex t_curr ** k_decay), the steps from there are refused", () => {
  assert.ok(golden.direct.length >= 10);
  for (const d of golden.direct) {
    const schedule = resolveSchedule(kindInput({ kind: d.kind, params: d.params } as never));
    if (d.error) {
      assert.equal(d.error.type, 'TypeError');
      assert.equal(schedule.end, d.t, 'the first step that cannot be produced');
      assert.throws(() => schedule.lrAt(d.t), /^ParamError: k_decay must be an integer where timm's floored logarithm puts an epoch a cycle too far .* only steps before 7246189263977 exist/);
      continue;
    }
    const got = schedule.lrAt(d.t);
    assert.ok(Math.abs(got - d.lr!) <= KIND_TOLERANCE * Math.abs(d.lr!), `t=${d.t}: ${got} vs timm's ${d.lr}`);
  }
});
