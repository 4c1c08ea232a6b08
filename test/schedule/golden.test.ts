// Every golden case on the step() path with a fresh start (last_epoch = -1), for both engines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curve } from '../../src/schedule/curve.js';
import { referenceCurve } from '../../src/schedule/reference.js';
import { withDefaults } from '../../src/schedule/params.js';
import { toFamily } from '../../src/schedule/family.js';
import { cycleAt } from '../../src/wasm/engine.js';
import { F32_TOLERANCE, firstMismatch, goldenCases, paramsOf, scaleOf } from '../helpers/golden.js';

const cases = goldenCases();

test('the fixtures hold the golden step cases of both references', () => {
  assert.ok(cases.filter((c) => c.impl === 'katsura').length >= 100);
  assert.ok(cases.filter((c) => c.impl === 'torch').length >= 5);
  assert.ok(cases.filter((c) => c.error).length >= 5);
});

for (const c of cases) {
  test(`golden ${c.id}: WASM f64, WASM f32 and the TS reference match`, () => {
    const params = paramsOf(c);
    const S = scaleOf(c);
    assert.equal(firstMismatch(curve(params, { steps: c.n }), c.lrs, S), null, 'wasm f64');
    assert.equal(firstMismatch(curve(params, { steps: c.n, dtype: 'f32' }), c.lrs, S, F32_TOLERANCE), null, 'wasm f32');
    assert.equal(firstMismatch(referenceCurve(toFamily(withDefaults(params)), c.n), c.lrs, S), null, 'reference');
  });
}

test('restarts fall exactly where the reference restarts (warmup cycles start at exactly min_lr)', () => {
  const withWarmup = cases.filter((c) => c.impl === 'katsura' && (c.params.warmup_steps as number) > 0);
  assert.ok(withWarmup.length > 20);
  for (const c of withWarmup) {
    const family = toFamily(withDefaults(paramsOf(c)));
    const ours: number[] = [];
    let previous = 0;
    for (let t = 1; t < c.n; t++) {
      const cycle = cycleAt(family, t);
      if (cycle !== previous) ours.push(t);
      previous = cycle;
    }
    const theirs = c.lrs.flatMap((v, t) => (t > 0 && v === c.params.min_lr ? [t] : []));
    assert.deepEqual(ours, theirs, c.id);
    const values = curve(paramsOf(c), { steps: c.n });
    for (const t of ours) assert.equal(values[t], c.params.min_lr, `${c.id} step ${t}`);
  }
});

test('where the reference raised, the values before it match and asking for one more is a clear error', () => {
  const raised = cases.filter((c) => c.error);
  for (const c of raised) {
    assert.equal(c.error!.index, c.n);
    const params = paramsOf(c);
    assert.equal(firstMismatch(curve(params, { steps: c.n }), c.lrs, scaleOf(c)), null, c.id);
    assert.throws(() => curve(params, { steps: c.n + 1 }), {
      name: 'ParamError',
      message: new RegExp(`^cycle_mult=${c.params.cycle_mult} shrinks cycle \\d+ to zero length at step ${c.n} `),
    });
    assert.throws(() => curve(params, { start: c.n, steps: 1 }), { name: 'ParamError' });
  }
});
