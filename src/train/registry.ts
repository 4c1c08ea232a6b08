// The known trainers: a kind names a spec (main thread) and a lazily loaded implementation
// (workers), so validating a sweep file never loads tfjs.

import { mlpSpec } from './mlp-spec.js';
import { quadraticSpec } from './quadratic.js';
import type { TrainerImpl, TrainerSpec } from './types.js';

interface Entry {
  spec: TrainerSpec<any>;
  load(): Promise<TrainerImpl<any>>;
}

export const TRAINERS: Record<string, Entry> = {
  mlp: { spec: mlpSpec, load: async () => (await import('./mlp.js')).mlpTrainer },
  quadratic: { spec: quadraticSpec, load: async () => (await import('./quadratic.js')).quadraticTrainer },
};

export const TRAINER_KINDS = Object.keys(TRAINERS);

export function trainerEntry(kind: string): Entry {
  const entry = TRAINERS[kind];
  if (!entry) throw new Error(`unknown trainer kind ${JSON.stringify(kind)}; known: ${TRAINER_KINDS.join(', ')}`);
  return entry;
}
