// The law trainer (law-trainer.ts) as a lockstep trainer: it trains cohorts itself, each member
// reporting the law's window means for its own curve, and `members`, the size of its cohort (so a
// test sees which trials trained together).
import lawTrainer from './law-trainer.js';

export default {
  metrics: { train_loss: 'minimize', members: null },
  steps: lawTrainer.steps,
  usesTf: false,
  train(ctx: Parameters<typeof lawTrainer.train>[0]) {
    lawTrainer.train({ ...ctx, report: (point, metrics) => ctx.report(point, { ...metrics, members: 1 }) });
  },
  trainCohort(ctx: { curves: Float64Array[]; seed: number; report(member: number, point: { step: number }, metrics: Record<string, number>): void }) {
    ctx.curves.forEach((curve, k) => lawTrainer.train({
      curve, seed: ctx.seed, report: (point, metrics) => ctx.report(k, point, { ...metrics, members: ctx.curves.length }),
    }));
  },
};
