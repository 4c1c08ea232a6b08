// Benchmark: curveInto (10^6 steps into a caller's buffer already touched) against a plain C -O2
// loop compiled in this run, and against writing the same bytes (JS fill on the same array, C
// memset). Two cases: cycles that all differ (37/1.5/5/0.9) and cycles that are all equal
// (100/1/10/0.9, where the cosine factors come from one table).

import { curve, curveInto } from '../src/schedule/curve.js';
import type { CawrInput } from '../src/schedule/params.js';
import { compileBaseline, type CawrCase } from './c-baseline.js';
import { timeMs, verdict } from './measure.js';

const N = 1_000_000;
const REPS = 31;
const WARMUP = 20; // enough calls for V8 to tier the kernels up from Liftoff to TurboFan

const CASES: { label: string; c: CawrCase; equalCycles: boolean }[] = [
  { label: 'cawr 37/1.5/5/0.9, every cycle another length', c: { first: 37, mult: 1.5, maxLr: 0.1, minLr: 0.001, warmup: 5, gamma: 0.9 }, equalCycles: false },
  { label: 'cawr 100/1/10/0.9, all cycles equal', c: { first: 100, mult: 1, maxLr: 0.1, minLr: 0.001, warmup: 10, gamma: 0.9 }, equalCycles: true },
];

function params(c: CawrCase): CawrInput {
  return { schedule: 'cawr', firstCycleSteps: c.first, cycleMult: c.mult, maxLr: c.maxLr, minLr: c.minLr, warmupSteps: c.warmup, gamma: c.gamma };
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const ratio = (x: number) => `${x.toFixed(2)}x`;

export function benchCurveVsC(): void {
  console.log(`\n== curveInto vs C: ${N} steps into a buffer already touched (median of ${REPS}, warm) ==`);
  const c = compileBaseline();
  if ('skipped' in c) console.log(`C baseline skipped: ${c.skipped}; only the JS byte-writing baseline is shown`);
  const f64 = new Float64Array(N).fill(1);
  const f32 = new Float32Array(N).fill(1);
  try {
    for (const { label, c: k, equalCycles } of CASES) {
      const p = params(k);
      const ours64 = timeMs(() => curveInto(p, f64), REPS, WARMUP);
      const ours32 = timeMs(() => curveInto(p, f32), REPS, WARMUP);
      const fresh64 = timeMs(() => curve(p, { steps: N }), REPS, 5);
      const fresh32 = timeMs(() => curve(p, { steps: N, dtype: 'f32' }), REPS, 5);
      const fill64 = timeMs(() => f64.fill(0.5), REPS, 5);
      const fill32 = timeMs(() => f32.fill(0.5), REPS, 5);
      const base = 'skipped' in c ? null : c.run(k, N, 15);
      console.log(`${label}`);
      console.log(`  f64: curveInto ${ms(ours64)} (curve() with a fresh array ${ms(fresh64)}); writing the bytes: JS fill ${ms(fill64)}${base ? `, C memset ${ms(base.bytes64)}` : ''}`);
      if (base) {
        console.log(`       C loop (double, glibc cos) ${ms(base.f64)}: ours/C ${ratio(ours64 / base.f64)} (target <= 0.4x: ${verdict(ours64 / base.f64 <= 0.4)})`);
      }
      const bytes64 = `       ours/bytes ${ratio(ours64 / fill64)} of JS fill${base ? `, ${ratio(ours64 / base.bytes64)} of C memset` : ''}`;
      console.log(equalCycles ? `${bytes64} (target <= 3x of JS fill: ${verdict(ours64 / fill64 <= 3)})` : bytes64);
      console.log(`  f32: curveInto ${ms(ours32)} (curve() with a fresh array ${ms(fresh32)}); writing the bytes: JS fill ${ms(fill32)}${base ? `, C memset ${ms(base.bytes32)}` : ''}`);
      if (base) {
        console.log(`       C loop (double, glibc cos, float stores) ${ms(base.f32)}: ours/C ${ratio(ours32 / base.f32)} (target <= 0.12x: ${verdict(ours32 / base.f32 <= 0.12)})`);
        console.log(`       C loop (float, glibc cosf) ${ms(base.f32cosf)}: ours/C ${ratio(ours32 / base.f32cosf)} (target <= 0.12x: ${verdict(ours32 / base.f32cosf <= 0.12)})`);
      }
      const bytes32 = `       ours/bytes ${ratio(ours32 / fill32)} of JS fill${base ? `, ${ratio(ours32 / base.bytes32)} of C memset` : ''}`;
      console.log(equalCycles ? `${bytes32} (target <= 3x of JS fill: ${verdict(ours32 / fill32 <= 3)})` : bytes32);
    }
  } finally {
    if (!('skipped' in c)) c.dispose();
  }
}
