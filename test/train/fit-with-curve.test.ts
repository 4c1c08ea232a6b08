// fitWithCurve: the LR used at step i is curve[i] for every tfjs optimizer (shown by a
// one-weight model whose trajectory each optimizer's own update rule predicts), a zero curve moves
// nothing, batches follow the seed, reports come per epoch, and a stop ends training between batches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type * as tfjs from '@tensorflow/tfjs';
import { loadTf } from '../../src/train/backend.js';
import type { Metrics, Point, Tf } from '../../src/train/contract.js';
import { fitSteps, fitWithCurve, type FitContext } from '../../src/train/fit-with-curve.js';
import { learningRateSetter } from '../../src/train/learning-rate.js';
import { mulberry32 } from '../../src/core/random.js';

function context(tf: Tf, curve: Float64Array, o: { seed?: number; perStep?: boolean; signal?: AbortSignal } = {}) {
  const points: { point: Point; metrics: Metrics }[] = [];
  const ctx: FitContext = {
    tf, backend: 'wasm', curve, seed: o.seed ?? 7, perStep: o.perStep ?? false, signal: o.signal ?? new AbortController().signal,
    report: (point, metrics) => points.push({ point, metrics }),
  };
  return { ctx, points, epochs: () => points.filter((p) => 'epoch' in p.point) };
}

// y = 3x, a single weight w (no bias), mean squared error over four rows: the gradient is
// 2 (w - 3) mean(x^2). One batch per epoch, so each epoch is one step and the `metrics` callback
// reads w after every step.
const X = [1, 2, -1, 0.5];
const MEAN_X2 = X.reduce((s, x) => s + x * x, 0) / X.length;
const grad = (w: number) => 2 * (w - 3) * MEAN_X2;
const CURVE = Float64Array.from([0.05, 0.2, 0.01, 0.3, 0, 0.15, 0.08, 0.25, 0.02, 0.1, 0.4, 0.03]);

/** One optimizer's update rule, transcribed from tfjs-core 4.22 (dist/optimizers/*.js) in float64. */
type Rule = () => (w: number, lr: number) => number;
interface Case { make: (tf: Tf) => tfjs.Optimizer; rule: Rule }

function cases(epsilon: number): Record<string, Case> {
  return {
    sgd: { make: (tf) => tf.train.sgd(0.5), rule: () => (w, lr) => w - lr * grad(w) },
    momentum: {
      make: (tf) => tf.train.momentum(0.5, 0.9),
      rule: () => { let a = 0; return (w, lr) => { a = 0.9 * a + grad(w); return w - lr * a; }; },
    },
    'momentum (nesterov)': {
      make: (tf) => tf.train.momentum(0.5, 0.9, true),
      rule: () => { let a = 0; return (w, lr) => { const g = grad(w); a = 0.9 * a + g; return w - lr * (g + 0.9 * a); }; },
    },
    adam: {
      make: (tf) => tf.train.adam(0.5, 0.9, 0.999, 1e-7),
      rule: () => {
        let m = 0, v = 0, acc1 = 0.9, acc2 = 0.999;
        return (w, lr) => {
          const g = grad(w);
          m = 0.9 * m + 0.1 * g;
          v = 0.999 * v + 0.001 * g * g;
          const next = w - lr * (m / (1 - acc1)) / (Math.sqrt(v / (1 - acc2)) + 1e-7);
          acc1 *= 0.9;
          acc2 *= 0.999;
          return next;
        };
      },
    },
    adamax: {
      make: (tf) => tf.train.adamax(0.5, 0.9, 0.999, 1e-7, 0.1),
      rule: () => {
        let m = 0, u = 0, acc1 = 0.9, iteration = 0;
        return (w, lr) => {
          const g = grad(w);
          const rate = lr / (iteration * 0.1 + 1);
          m = 0.9 * m + 0.1 * g;
          u = Math.max(0.999 * u, Math.abs(g));
          const next = w - (rate / (1 - acc1)) * (m / (u + 1e-7));
          iteration++;
          acc1 *= 0.9;
          return next;
        };
      },
    },
    adagrad: {
      make: (tf) => tf.train.adagrad(0.5, 0.1),
      rule: () => { let acc = 0.1; return (w, lr) => { const g = grad(w); acc += g * g; return w - lr * g / Math.sqrt(acc + epsilon); }; },
    },
    adadelta: {
      make: (tf) => tf.train.adadelta(0.5, 0.95, 1e-6),
      rule: () => {
        // tfjs scales by the accumulated gradient from before this step (not the updated one).
        let accGrad = 0, accUpdate = 0;
        return (w, lr) => {
          const g = grad(w);
          const update = Math.sqrt(accUpdate + 1e-6) / Math.sqrt(accGrad + 1e-6) * g;
          accGrad = 0.95 * accGrad + 0.05 * g * g;
          accUpdate = 0.95 * accUpdate + 0.05 * update * update;
          return w - lr * update;
        };
      },
    },
    rmsprop: {
      make: (tf) => tf.train.rmsprop(0.5, 0.9, 0.5, 1e-7),
      rule: () => {
        let ms = 0, moment = 0;
        return (w, lr) => { const g = grad(w); ms = 0.9 * ms + 0.1 * g * g; moment = 0.5 * moment + lr * g / Math.sqrt(ms + 1e-7); return w - moment; };
      },
    },
    'rmsprop (centered)': {
      make: (tf) => tf.train.rmsprop(0.5, 0.9, 0.5, 1e-7, true),
      rule: () => {
        let ms = 0, mg = 0, moment = 0;
        return (w, lr) => {
          const g = grad(w);
          ms = 0.9 * ms + 0.1 * g * g;
          mg = 0.9 * mg + 0.1 * g;
          moment = 0.5 * moment + lr * g / Math.sqrt(ms - (mg * mg + 1e-7));
          return w - moment;
        };
      },
    },
  };
}

function oneWeightModel(tf: Tf, optimizer: tfjs.Optimizer) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 1, useBias: false, inputShape: [1], kernelInitializer: 'zeros' }));
  model.compile({ optimizer, loss: 'meanSquaredError' });
  return model;
}

/** w after each step when the rule runs with lrOf(i) at step i. */
function predicted(rule: Rule, lrOf: (i: number) => number): number[] {
  const update = rule();
  let w = 0;
  return Array.from(CURVE, (_, i) => (w = update(w, lrOf(i))));
}

const maxDiff = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));
const TOLERANCE = 2e-5; // float32 arithmetic over a dozen steps, weights of size ~3

for (const [name, c] of Object.entries(cases(1e-7))) {
  test(`${name}: the LR of step i is curve[i], as the optimizer's own update rule predicts step by step`, async () => {
    const tf = await loadTf('wasm');
    assert.equal(tf.backend().epsilon(), 1e-7, 'adagrad adds the backend epsilon');
    const optimizer = c.make(tf);
    const model = oneWeightModel(tf, optimizer);
    const x = tf.tensor2d(X, [4, 1]);
    const y = tf.tensor2d(X.map((v) => 3 * v), [4, 1]);
    const { ctx } = context(tf, CURVE);
    const result = await fitWithCurve(model, { x, y }, ctx, {
      epochs: CURVE.length, batchSize: 4, metrics: (m) => ({ w: m.getWeights()[0].dataSync()[0] }),
    });
    const observed = result.history.map((h) => h.w);
    const want = predicted(c.rule, (i) => CURVE[i]);
    assert.ok(maxDiff(observed, want) <= TOLERANCE * Math.max(1, ...want.map(Math.abs)), `observed ${observed}\nwanted   ${want}`);
    // The check can fail: the LR left at its initial value, or set one step late, is far off.
    assert.ok(maxDiff(observed, predicted(c.rule, () => 0.5)) > 100 * TOLERANCE, 'a constant LR gives another trajectory');
    assert.ok(maxDiff(observed, predicted(c.rule, (i) => CURVE[Math.max(0, i - 1)])) > 100 * TOLERANCE, 'an LR one step late gives another trajectory');
    assert.deepEqual(result.history.map((h) => h.lr), Array.from(CURVE));
    model.dispose();
    optimizer.dispose();
    tf.dispose([x, y]);
  });
}

test('a zero curve leaves every weight of a small network untouched, for every optimizer', async () => {
  const tf = await loadTf('wasm');
  const random = mulberry32(3);
  const x = tf.tensor2d(Array.from({ length: 40 }, () => random() * 2 - 1), [10, 4]);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1, 2, 0], 'int32'), 3);
  for (const [name, c] of Object.entries(cases(1e-7))) {
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 5, inputShape: [4], activation: 'tanh', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }), biasInitializer: 'ones' }));
    model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    const optimizer = c.make(tf);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    const { ctx } = context(tf, new Float64Array(fitSteps(10, { epochs: 3, batchSize: 4 })));
    const { history } = await fitWithCurve(model, { x, y }, ctx, { epochs: 3, batchSize: 4 });
    assert.ok(history.every((h) => Number.isFinite(h.train_loss)), name);
    assert.deepEqual(model.getWeights().map((w) => w.dataSync()), before, `${name} moved a weight with a zero LR`);
    model.dispose();
    optimizer.dispose();
  }
  tf.dispose([x, y]);
});

/** A 3-class problem (the class is the sign pattern of two features) and a small compiled classifier. */
function classification(tf: Tf, rows: number, seed: number) {
  const random = mulberry32(seed);
  const features = Array.from({ length: rows * 2 }, () => random() * 2 - 1);
  const labels = Array.from({ length: rows }, (_, r) => (features[2 * r] > 0 ? (features[2 * r + 1] > 0 ? 0 : 1) : 2));
  return { x: tf.tensor2d(features, [rows, 2]), y: tf.oneHot(tf.tensor1d(labels, 'int32'), 3) };
}

function classifier(tf: Tf) {
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 8, inputShape: [2], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

test('each epoch reports the mean of its step losses, the compiled metrics, their validation values and the LR of its last step', async () => {
  const tf = await loadTf('wasm');
  const train = classification(tf, 50, 1);
  const val = classification(tf, 20, 2);
  const steps = fitSteps(50, { epochs: 3, batchSize: 16 });
  assert.equal(steps, 12); // 4 batches an epoch, the last of 2 rows
  const curve = Float64Array.from({ length: steps }, (_, i) => 0.05 + 0.01 * i);
  const model = classifier(tf);
  const { ctx, points, epochs } = context(tf, curve, { perStep: true });
  const result = await fitWithCurve(model, train, ctx, { epochs: 3, batchSize: 16, validationData: val });
  assert.equal(result.steps, 12);
  const reported = epochs();
  assert.deepEqual(reported.map((p) => p.point), [{ epoch: 1 }, { epoch: 2 }, { epoch: 3 }]);
  assert.deepEqual(Object.keys(reported[0].metrics), ['train_loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr']);
  const perStep = points.filter((p) => 'step' in p.point);
  assert.deepEqual(perStep.map((p) => p.point), Array.from({ length: 12 }, (_, step) => ({ step })));
  assert.deepEqual(perStep.map((p) => p.metrics.lr), Array.from(curve));
  reported.forEach(({ metrics }, e) => {
    const losses = perStep.slice(4 * e, 4 * e + 4).map((p) => p.metrics.train_loss);
    assert.ok(Math.abs(metrics.train_loss - losses.reduce((a, b) => a + b) / 4) < 1e-12);
    assert.equal(metrics.lr, curve[4 * e + 3]);
    assert.ok(metrics.accuracy >= 0 && metrics.accuracy <= 1 && metrics.val_accuracy >= 0 && metrics.val_accuracy <= 1);
  });
  // The last epoch's validation numbers are the trained model's.
  const [loss, accuracy] = (model.evaluate(val.x, val.y) as tfjs.Scalar[]).map((s) => s.dataSync()[0]);
  assert.equal(reported[2].metrics.val_loss, loss);
  assert.equal(reported[2].metrics.val_accuracy, accuracy);
  assert.deepEqual(result.history, reported.map((p) => p.metrics));
  model.dispose();
  tf.dispose([train.x, train.y, val.x, val.y]);
});

test('the batches come from the seed: the same seed gives the same numbers, another seed others', async () => {
  const tf = await loadTf('wasm');
  const data = classification(tf, 40, 3);
  const curve = new Float64Array(fitSteps(40, { epochs: 2, batchSize: 8 })).fill(0.2);
  const run = async (seed: number, shuffle = true) => {
    const model = classifier(tf);
    const { history } = await fitWithCurve(model, data, context(tf, curve, { seed }).ctx, { epochs: 2, batchSize: 8, shuffle });
    model.dispose();
    return history.map((h) => h.train_loss);
  };
  const a = await run(1);
  assert.deepEqual(await run(1), a);
  assert.notDeepEqual(await run(2), a);
  // Without shuffling the order is the rows' own, whatever the seed.
  assert.deepEqual(await run(1, false), await run(2, false));
  tf.dispose([data.x, data.y]);
});

test('a stop ends training before the next batch, with the step and the reason', async () => {
  const tf = await loadTf('wasm');
  const data = classification(tf, 40, 4);
  const curve = new Float64Array(fitSteps(40, { epochs: 3, batchSize: 10 })).fill(0.1);
  const controller = new AbortController();
  const { ctx, epochs } = context(tf, curve, { signal: controller.signal });
  const model = classifier(tf);
  await assert.rejects(fitWithCurve(model, data, ctx, {
    epochs: 3, batchSize: 10, metrics: () => { controller.abort(new Error('trial_timeout: the trial ran longer than 1 s')); return {}; },
  }), { message: 'stopped at step 4 of 12: trial_timeout: the trial ran longer than 1 s' });
  assert.equal(epochs().length, 1);
  model.dispose();
  tf.dispose([data.x, data.y]);
});

test('the loop lets timers run, so a stop sent while it trains arrives', async () => {
  const tf = await loadTf('wasm');
  const data = classification(tf, 20, 5);
  const steps = fitSteps(20, { epochs: 500, batchSize: 2 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('Ctrl-C')), 30);
  const model = classifier(tf);
  const error = await fitWithCurve(model, data, context(tf, new Float64Array(steps).fill(0.1), { signal: controller.signal }).ctx, { epochs: 500, batchSize: 2 })
    .then(() => null, (e: Error) => e);
  assert.ok(error, 'training ran to the end');
  const [, at] = /^stopped at step (\d+) of 5000: Ctrl-C$/.exec(error.message) ?? [];
  assert.ok(Number(at) > 0 && Number(at) < steps, error.message);
  model.dispose();
  tf.dispose([data.x, data.y]);
});

test('wrong use is refused with what to do: an uncompiled model, a curve of another length, an optimizer without a learning rate', async () => {
  const tf = await loadTf('wasm');
  const data = classification(tf, 10, 6);
  const bare = tf.sequential();
  bare.add(tf.layers.dense({ units: 3, inputShape: [2] }));
  await assert.rejects(fitWithCurve(bare, data, context(tf, new Float64Array(2)).ctx, { epochs: 1, batchSize: 5 }),
    { message: "fitWithCurve: compile the model with an optimizer and a loss first, e.g. model.compile({ optimizer: ctx.tf.train.sgd(0.1), loss: 'categoricalCrossentropy' })" });
  const model = classifier(tf);
  await assert.rejects(fitWithCurve(model, data, context(tf, new Float64Array(10)).ctx, { epochs: 2, batchSize: 4 }),
    { message: "fitWithCurve: 2 epochs of 10 rows in batches of 4 take 6 steps, but the trial's LR curve has 10: make the trainer's steps(options) return 6 (fitSteps(rows, { epochs, batchSize }) computes it)" });
  await assert.rejects(fitWithCurve(model, { x: data.x, y: tf.slice(data.y, 0, 9) }, context(tf, new Float64Array(2)).ctx, { epochs: 1, batchSize: 5 }),
    { message: 'fitWithCurve: every tensor of data must have the same number of rows, got 10 and 9' });
  const custom = { getClassName: () => 'MyOptimizer' } as unknown as tfjs.Optimizer;
  assert.throws(() => learningRateSetter(custom), { message: 'lrsweep cannot set the learning rate of optimizer MyOptimizer: it has neither setLearningRate() nor a numeric learningRate field' });
  model.dispose();
  bare.dispose();
  tf.dispose([data.x, data.y]);
});

test('a non-finite training loss ends training after its epoch is reported', async () => {
  const tf = await loadTf('wasm');
  const data = classification(tf, 20, 7);
  const curve = new Float64Array(fitSteps(20, { epochs: 5, batchSize: 10 })).fill(1e30);
  // A linear regression (a classifier's clipped cross-entropy would saturate instead).
  const model = tf.sequential();
  model.add(tf.layers.dense({ units: 3, inputShape: [2], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
  const { ctx, epochs } = context(tf, curve);
  const { steps, history } = await fitWithCurve(model, data, ctx, { epochs: 5, batchSize: 10 });
  assert.ok(history.length < 5 && !Number.isFinite(history.at(-1)!.train_loss), JSON.stringify(history));
  assert.equal(steps, 2 * history.length);
  assert.equal(epochs().length, history.length);
  model.dispose();
  tf.dispose([data.x, data.y]);
});
