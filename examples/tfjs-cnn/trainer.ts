// A small convolutional net as an lrsweep trainer module: it tells shapes apart (circles,
// squares, triangles in 16x16 noisy images, see shapes.ts) and trains with fitWithCurve, which
// sets the trial's LR before every batch. Run it with sweep.yaml beside this file.
//
// Users of the published package write:
//   import { defineTrainer, fitWithCurve, fitSteps, OptionsError } from 'lrsweep';
// Inside the lrsweep repository the example imports the source instead, so it runs without a build.
import { defineTrainer, fitSteps, fitWithCurve, OptionsError } from '../../src/index.js';
import { drawShapes, SHAPES, SIZE } from './shapes.js';

const OPTIMIZERS = ['sgd', 'momentum', 'adam'] as const;

interface CnnOptions {
  /** Images generated; validation_fraction of them are held out. */
  samples: number;
  validation_fraction: number;
  epochs: number;
  batch_size: number;
  /** Filters of the first convolution; the second has twice as many. */
  filters: number;
  optimizer: (typeof OPTIMIZERS)[number];
  /** Standard deviation of the pixel noise (the shapes are 1 on a 0 background). */
  noise: number;
  /** The data set's seed: the same images for every trial. The trial's seed sets weights and batch order. */
  data_seed: number;
}

const DEFAULTS: CnnOptions = { samples: 800, validation_fraction: 0.2, epochs: 7, batch_size: 32, filters: 8, optimizer: 'momentum', noise: 0.3, data_seed: 0 };

const isInteger = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= max;
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(typeof v === 'object' && v !== null ? JSON.stringify(v) : v));

/** Checks every option and reports every problem at once; the sweep file is refused before anything runs. */
function parse(raw: unknown): CnnOptions {
  if (raw !== undefined && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new OptionsError([{ path: '', message: `must be a mapping of options (${Object.keys(DEFAULTS).join(', ')}), got ${show(raw)}` }]);
  }
  const given = (raw ?? {}) as Record<string, unknown>;
  const o = { ...DEFAULTS, ...given } as CnnOptions;
  const problems: { path: string; message: string }[] = [];
  const check = (key: keyof CnnOptions, ok: boolean, rule: string) => {
    if (!ok) problems.push({ path: key, message: `${rule}, got ${show(o[key])}` });
  };
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULTS)) problems.push({ path: key, message: `is not a known option (known: ${Object.keys(DEFAULTS).join(', ')})` });
  }
  check('samples', isInteger(o.samples, 10, 100_000), 'must be an integer from 10 to 100000');
  check('validation_fraction', typeof o.validation_fraction === 'number' && o.validation_fraction > 0 && o.validation_fraction < 1, 'must be a number between 0 and 1');
  check('epochs', isInteger(o.epochs, 1, 1000), 'must be an integer from 1 to 1000');
  check('batch_size', isInteger(o.batch_size, 1), 'must be an integer >= 1');
  check('filters', isInteger(o.filters, 1, 64), 'must be an integer from 1 to 64');
  check('optimizer', (OPTIMIZERS as readonly unknown[]).includes(o.optimizer), `must be one of ${OPTIMIZERS.join(', ')}`);
  check('noise', typeof o.noise === 'number' && o.noise >= 0 && Number.isFinite(o.noise), 'must be a number >= 0');
  check('data_seed', isInteger(o.data_seed, 0, 2 ** 32 - 1), 'must be an integer from 0 to 4294967295');
  if (problems.length) throw new OptionsError(problems);
  return o;
}

/** Rows held out for validation: at least one, and at least one left to train on. */
const validationRows = (o: CnnOptions) => Math.min(o.samples - 1, Math.max(1, Math.round(o.samples * o.validation_fraction)));
const trainingRows = (o: CnnOptions) => o.samples - validationRows(o);

export default defineTrainer<CnnOptions>({
  // Names lrsweep knows the goals of; a metric of your own needs one: { f1: 'maximize' }.
  metrics: ['train_loss', 'accuracy', 'val_loss', 'val_accuracy'],
  parse,
  // The LR curve's length: one LR per batch. fitWithCurve refuses a curve of another length.
  steps: (o) => fitSteps(trainingRows(o), { epochs: o.epochs, batchSize: o.batch_size }),
  async train(ctx) {
    // Build everything with ctx.tf: it is tfjs on the sweep's backend, ready. Importing tfjs
    // yourself would give another copy, whose tensors this one cannot use.
    const { tf, options: o, seed } = ctx;
    const images = drawShapes(o.samples, o.noise, o.data_seed);
    const train = trainingRows(o);
    const [x, y] = tf.tidy(() => [
      tf.tensor4d(images.pixels, [o.samples, SIZE, SIZE, 1]),
      tf.oneHot(tf.tensor1d(images.labels, 'int32'), SHAPES.length),
    ]);
    const [xTrain, xVal] = tf.split(x, [train, o.samples - train]);
    const [yTrain, yVal] = tf.split(y, [train, o.samples - train]);

    const init = (k: number) => tf.initializers.glorotUniform({ seed: seed + k });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [SIZE, SIZE, 1], filters: o.filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(0) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.conv2d({ filters: 2 * o.filters, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.flatten(),
        tf.layers.dense({ units: SHAPES.length, activation: 'softmax', kernelInitializer: init(2) }),
      ],
    });
    // The LR given here is replaced before every step by the curve's.
    const optimizer = o.optimizer === 'adam' ? tf.train.adam(ctx.curve[0]) : o.optimizer === 'momentum' ? tf.train.momentum(ctx.curve[0], 0.9) : tf.train.sgd(ctx.curve[0]);
    model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    try {
      // Reports train_loss, accuracy, val_loss, val_accuracy and lr after every epoch.
      await fitWithCurve(model, { x: xTrain, y: yTrain }, ctx, { epochs: o.epochs, batchSize: o.batch_size, validationData: { x: xVal, y: yVal } });
    } finally {
      // A worker trains many trials: free what this one made. (tfjs's momentum optimizer leaves
      // its learning-rate scalar behind on dispose(); SGD's own dispose() frees it.)
      const rate = (optimizer as unknown as { c?: { dispose(): void; isDisposed: boolean } }).c;
      optimizer.dispose();
      if (rate && !rate.isDisposed) rate.dispose();
      model.dispose();
      tf.dispose([x, y, xTrain, xVal, yTrain, yVal]);
    }
  },
});
