// The law trainer (law-trainer.ts) taking SLOW_MS of wall time a trial (asleep, not computing):
// long enough for a test to kill a run between trials.
import lawTrainer from './law-trainer.js';

export const SLOW_MS = 400;

export default {
  ...lawTrainer,
  train(ctx: Parameters<typeof lawTrainer.train>[0]) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SLOW_MS);
    lawTrainer.train(ctx);
  },
};
