// The wasm engine's cohort rules: a member's numbers do not depend on its mates or their count,
// bit for bit; a diverging member is fenced off; a stopped member leaves and its work is spared;
// the unit's signal stops training between steps; per-step losses are reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIMIZERS, mlpSteps, type MlpOptions } from '../../../src/train/mlp-options.js';
import { BENCH, SMALL, csvOptions, curve, tfjsCohort, wasmCohort } from './compare.js';

const PEAK = { sgd: 0.5, momentum: 0.1, adam: 0.03 } as const;
const SEED = 3;
const STEPS_PER_EPOCH = 10; // SMALL: 160 training rows / 16

/** Curve 0 with its LR at 1e20 from step 13: that step's loss is finite, its update ruins the weights (mlp-cohort.test.ts). */
const blowingUp = (c: MlpOptions) => curve(c, 0, PEAK[c.optimizer]).fill(1e20, 13);

for (const optimizer of OPTIMIZERS) {
  test(`${optimizer}: a member's numbers are the same alone, in a cohort of 2 or 7, at any place, bit for bit`, () => {
    for (const c of [{ ...SMALL, optimizer }, csvOptions('regression', { optimizer })]) {
      const mine = curve(c, 0, PEAK[optimizer] / 5);
      const others = Array.from({ length: 6 }, (_, j) => curve(c, j + 1, PEAK[optimizer] / 5));
      const [alone] = wasmCohort(c, SEED, [mine]);
      assert.deepStrictEqual(wasmCohort(c, SEED, [others[0], mine])[1], alone);
      assert.deepStrictEqual(wasmCohort(c, SEED, [...others.slice(0, 3), mine, ...others.slice(3)])[3], alone);
    }
  });

  test(`${optimizer}: a member whose LR blows up diverges at the tfjs engine's step, its metrics end there, and its mates are bit for bit the cohort without it`, () => {
    const c = { ...SMALL, optimizer };
    const [a, b] = [curve(c, 1, PEAK[optimizer]), curve(c, 2, PEAK[optimizer])];
    const withIt = wasmCohort(c, SEED, [a, blowingUp(c), b]);
    const without = wasmCohort(c, SEED, [a, b]);
    assert.deepStrictEqual([withIt[0], withIt[2]], without);
    const diverged = withIt[1];
    const at = diverged.divergedAt;
    assert.ok(at !== null && at >= 14, `diverged at ${at}: not before the first update with the huge LR`);
    assert.equal(at, tfjsCohort(c, SEED, [blowingUp(c)])[0].divergedAt, 'the step the tfjs engine reports');
    assert.equal(diverged.epochs.length, Math.floor(at / STEPS_PER_EPOCH) + 1, 'metrics end with the epoch holding that step');
    const last = diverged.epochs.at(-1)!;
    assert.ok(!Number.isFinite(last.train_loss), `train_loss ${last.train_loss}`);
    assert.ok(Number.isNaN(last.val_loss) && Number.isNaN(last.val_accuracy), JSON.stringify(last));
    assert.equal(last.val_mae, null);
    assert.equal(last.lr, 1e20);
  });

  test(`${optimizer}: a member stopped after epoch 2 is not trained again; its mates are bit for bit the cohort without it`, () => {
    const c = { ...SMALL, optimizer };
    const [a, x, b] = [0, 1, 2].map((id) => curve(c, id, PEAK[optimizer]));
    const controllers = [a, x, b].map(() => new AbortController());
    const stepsOf = [0, 0, 0];
    const results = wasmCohort(c, SEED, [a, x, b], {
      memberSignals: controllers.map((s) => s.signal),
      onEpoch: (member, e) => { if (member === 1 && e.epoch === 2) controllers[1].abort(); },
      onStep: (member) => stepsOf[member]++,
    });
    assert.deepStrictEqual([results[0], results[2]], wasmCohort(c, SEED, [a, b]));
    assert.deepStrictEqual(results[1].epochs, wasmCohort(c, SEED, [x])[0].epochs.slice(0, 2), 'the epochs before its stop, as it would have had them');
    assert.deepStrictEqual(stepsOf, [50, 2 * STEPS_PER_EPOCH, 50], 'its work is spared');
  });
}

test('a member stopped during an epoch does not report that epoch; one stopped before training reports nothing', () => {
  const c = { ...SMALL, optimizer: 'adam' as const };
  const curves = [0, 1].map((id) => curve(c, id, PEAK.adam));
  const early = new AbortController();
  early.abort();
  const mid = new AbortController();
  const results = wasmCohort(c, SEED, curves, {
    memberSignals: [early.signal, mid.signal],
    onStep: (member, step) => { if (member === 1 && step === 25) mid.abort(); },
  });
  assert.deepStrictEqual(results.map((r) => r.epochs.length), [0, 2]);
});

test("the unit's signal stops training before the next step; the partial epoch is not reported", () => {
  const controller = new AbortController();
  const results = wasmCohort(SMALL, SEED, [curve(SMALL, 0, 0.1), curve(SMALL, 1, 0.1)], {
    signal: controller.signal,
    onStep: (member, step) => { if (step === 23 && member === 1) controller.abort(); },
  });
  assert.deepStrictEqual(results.map((r) => r.epochs.map((e) => e.epoch)), [[1, 2], [1, 2]]);
});

test('once every member has diverged the cohort stops, each member reported at its own step', () => {
  const steps = mlpSteps(SMALL);
  const early = new Float64Array(steps).fill(0.1).fill(1e30, 3);
  const late = new Float64Array(steps).fill(0.1).fill(1e30, 25);
  let calls = 0;
  const [first, second] = wasmCohort(SMALL, SEED, [early, late], { onStep: () => calls++ });
  assert.deepEqual([first.divergedAt, second.divergedAt], [4, 26]);
  assert.deepEqual([first.epochs.length, second.epochs.length], [1, 3]);
  assert.equal(calls, 5 + 27, 'no member trained past its divergence');
});

test("per-step losses: one per member and step, in the target's units, averaging to the epoch's train_loss", () => {
  for (const c of [SMALL, csvOptions('regression')] as MlpOptions[]) {
    const losses: number[][] = [[], []];
    const results = wasmCohort(c, SEED, [curve(c, 0, 0.05), curve(c, 1, 0.05)], { onStep: (member, step, loss) => { assert.equal(step, losses[member].length); losses[member].push(loss); } });
    const perEpoch = mlpSteps(c) / c.epochs;
    results.forEach((r, j) => {
      assert.equal(losses[j].length, mlpSteps(c));
      r.epochs.forEach((e, i) => {
        const mean = losses[j].slice(i * perEpoch, (i + 1) * perEpoch).reduce((s, v) => s + v, 0) / perEpoch;
        assert.ok(Math.abs(mean - e.train_loss) <= 1e-6 * e.train_loss, `${mean} vs ${e.train_loss}`);
      });
    });
  }
});

test('memory is laid out anew for each task: a small task gives the same numbers before and after a larger one on the same instance', () => {
  const c = { ...SMALL, optimizer: 'adam' as const };
  const lrs = [curve(c, 0, 0.03), curve(c, 1, 0.03)];
  const before = wasmCohort(c, SEED, lrs);
  const big = { ...BENCH, hidden: [128, 64], epochs: 1 };
  wasmCohort(big, 1, Array.from({ length: 40 }, (_, j) => curve(big, j, 0.05)));
  assert.deepStrictEqual(wasmCohort(c, SEED, lrs), before);
});

test('two members with equal curves get identical results, and a third curve gets its own', () => {
  const a = curve(SMALL, 0, PEAK.adam);
  const results = wasmCohort({ ...SMALL, optimizer: 'adam' }, SEED, [a, a.slice(), curve(SMALL, 1, PEAK.adam)]);
  assert.deepStrictEqual(results[0], results[1]);
  assert.notDeepStrictEqual(results[2].epochs, results[0].epochs);
});

test('a curve shorter than the training, or no curve at all, is refused with the numbers', () => {
  assert.throws(() => wasmCohort(SMALL, SEED, [curve(SMALL, 0, 0.1), new Float64Array(49)]), {
    message: 'LR curve 1 has 49 values; training takes 50 steps (epochs x ceil(training rows / batch_size))',
  });
  assert.throws(() => wasmCohort(SMALL, SEED, []), { message: 'a cohort needs at least one LR curve, got none' });
});

test('a cohort too big for a WebAssembly memory is refused with the sizes, before anything trains', () => {
  const c = { ...SMALL, hidden: [4096, 4096], optimizer: 'adam' as const };
  let steps = 0;
  assert.throws(() => wasmCohort(c, SEED, Array.from({ length: 30 }, (_, j) => curve(c, j, 0.01)), { onStep: () => steps++ }), {
    message: "the wasm MLP engine would need 5.64 GiB of WebAssembly memory for 30 members (192 MiB each); a module's memory holds 4 GiB at most: train fewer members at once",
  });
  assert.equal(steps, 0);
});

test('a cohort started from inside a cohort on the same thread is refused (it would overwrite the first one\'s memory)', () => {
  let inner: unknown = null;
  wasmCohort(SMALL, SEED, [curve(SMALL, 0, 0.1)], {
    onEpoch: () => {
      try { wasmCohort(SMALL, SEED, [curve(SMALL, 1, 0.1)]); } catch (e) { inner = e; }
    },
  });
  assert.equal((inner as Error).message, 'trainWasmCohort was called from inside a cohort it is training (onStep or onEpoch): one cohort at a time per thread');
  assert.equal(wasmCohort(SMALL, SEED, [curve(SMALL, 1, 0.1)])[0].epochs.length, 5, 'and the thread trains again afterwards');
});
