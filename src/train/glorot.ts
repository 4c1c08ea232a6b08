// tfjs's seeded glorotUniform, bit for bit, without tfjs: the wasm engine starts every member from
// the weights the tfjs engine's `tf.initializers.glorotUniform({ seed })` gives a [fanIn, fanOut]
// kernel (tfjs-layers VarianceScaling with scale 1, mode fanAvg, distribution uniform).
// tfjs 4.22 computes it as:
//   limit = sqrt(3 * 1 / max(1, (fanIn + fanOut) / 2))        (float64)
//   randomUniform(shape, -limit, limit, seed): an Alea stream seeded with String(seed), each
//   value -limit + (limit - -limit) * alea(), in float64, stored row-major into a Float32Array
//   (round to nearest), which is what dataSync() returns.
// randomUniform fills its buffer in JavaScript on every backend (tfjs-core ops/random_uniform.ts),
// so the cpu and wasm backends give the same values (test/train/glorot.test.ts checks both).
// tfjs treats a null/undefined seed as Math.random(); 0 is an ordinary seed ("0").

import { alea } from '../core/random.js';

export function glorotUniform(seed: number, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(3 * (1.0 / Math.max(1, (fanIn + fanOut) / 2)));
  const min = -limit;
  const range = limit - min;
  const random = alea(seed.toString());
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = min + range * random();
  return values;
}
