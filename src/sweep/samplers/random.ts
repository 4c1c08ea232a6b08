// random: `trials` configs, each parameter drawn independently and uniformly (on its
// distribution's scale: valueAt). Config i is drawn from its own generator seeded by (seed, i), so
// raising `trials` keeps every config drawn before and adds new ones. A duplicate draw (two equal
// discrete draws) is dropped, not redrawn: random sweeps plan what they always have.

import { mulberry32 } from '../../core/random.js';
import type { Sweep } from '../definition.js';
import { sha256 } from '../hash.js';
import { baseConfig, valueAt, type Draw } from './draw.js';
import type { SamplerEntry } from './sampler.js';

/** The seed of config i's generator. */
export function streamSeed(seed: number, i: number): number {
  return sha256(`random:${seed}:${i}`).readUInt32LE(0);
}

function* draws(sweep: Sweep): Generator<Draw> {
  const keys = Object.keys(sweep.parameters).sort();
  for (let i = 0; i < (sweep.trials ?? 0); i++) {
    const rng = mulberry32(streamSeed(sweep.seed, i));
    const config = baseConfig(sweep);
    const origin: Record<string, number> = {};
    for (const k of keys) {
      config[k] = valueAt(sweep.parameters[k], rng());
      origin[k] = -1;
    }
    yield { config, origin };
  }
}

export const random: SamplerEntry = {
  name: 'random',
  summary: 'independent uniform draws',
  options: {},
  ranges: true,
  trials: 'required',
  create: (sweep) => ({ adaptive: false, redraws: false, count: () => sweep.trials ?? 0, draws: () => draws(sweep) }),
};
