// A module trainer whose training loss is the Multi-Power Law itself (fixed parameters) plus a
// little seeded noise, reported as 10-step window means: a recorded sweep for `lrsweep predict`
// in seconds, where the law is known to hold. Its objective is the last window's train_loss.
import { mulberry32, gaussian } from '../../src/core/random.js';
import { lossCurve, prepareCurve } from '../../src/predict/law.js';

export const TRUTH = { L0: 1.5, A: 0.8, alpha: 0.4, B: 0.3, C: 0.02, beta: 0.6, gamma: 0.4 };
export const STEPS = 600;
export const MAX_LR = 0.01;
const WINDOW = 10;

export default {
  metrics: { train_loss: 'minimize' },
  steps: () => STEPS,
  usesTf: false,
  train(ctx: { curve: Float64Array; seed: number; report(point: { step: number }, metrics: Record<string, number>): void }) {
    const law = lossCurve(TRUTH, prepareCurve(ctx.curve, MAX_LR));
    const random = mulberry32(ctx.seed);
    for (let end = WINDOW; end <= STEPS; end += WINDOW) {
      let sum = 0;
      for (let t = end - WINDOW; t < end; t++) sum += law[t];
      ctx.report({ step: end - 1 }, { train_loss: sum / WINDOW + 0.001 * gaussian(random) });
    }
  },
};
