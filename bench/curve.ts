// Benchmark: the schedule engine. 10^6 steps warm (WASM f64, f32 vs the TS reference loop),
// curveInto against a C loop and against writing the bytes (curve-vs-c.ts), and a 10^8-step f32
// curve written to a .bin file in a child process, with its peak RSS.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillCurve } from '../src/wasm/engine.js';
import { ReferenceScheduler } from '../src/schedule/reference.js';
import { withDefaults, type ScheduleInput } from '../src/schedule/params.js';
import { toFamily } from '../src/schedule/family.js';
import { timeMs, verdict } from './measure.js';
import { benchCurveVsC } from './curve-vs-c.js';
import { benchCurveKinds } from './curve-kinds.js';

const PARAMS: ScheduleInput = { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 };
const N = 1_000_000;

/** A hand-tuned TS loop (constants hoisted per cycle), to show the engine is not only beating a slow baseline. */
function tightLoop(out: Float64Array, p: { first: number; m: number; max: number; min: number; w: number; gamma: number }): void {
  let length = p.first, s = 0, cycle = 0, amp = p.max - p.min;
  let scale = Math.PI / (length - p.w);
  for (let i = 0; i < out.length; i++) {
    if (i === 0) out[i] = p.min;
    else if (s < p.w) out[i] = (amp * s) / p.w + p.min;
    else out[i] = p.min + (amp * (1 + Math.cos(scale * (s - p.w)))) / 2;
    if (++s >= length) {
      s = 0;
      length = Math.trunc((length - p.w) * p.m) + p.w;
      cycle++;
      amp = p.max * p.gamma ** cycle - p.min;
      scale = Math.PI / (length - p.w);
    }
  }
}

export function benchCurve(): void {
  const family = toFamily(withDefaults(PARAMS));
  const f64 = new Float64Array(N);
  const f32 = new Float32Array(N);
  const ref = new Float64Array(N);
  // 20 warm-up calls: enough for V8 to tier the kernels up from Liftoff to TurboFan
  const wasm64 = timeMs(() => fillCurve(family, 0, f64), 15, 20);
  const wasm32 = timeMs(() => fillCurve(family, 0, f32), 15, 20);
  const reference = timeMs(() => {
    const r = new ReferenceScheduler(family);
    for (let i = 0; i < N; i++, r.step()) ref[i] = r.lr;
  }, 7, 2);
  const tight = timeMs(() => tightLoop(ref, { first: 37, m: 1.5, max: 0.1, min: 0.001, w: 5, gamma: 0.9 }), 7, 2);

  console.log('\n== Schedule engine: 10^6 steps, cawr first=37 m=1.5 w=5 gamma=0.9 (median, warm) ==');
  console.log(`WASM f64              ${wasm64.toFixed(2)} ms`);
  console.log(`WASM f32              ${wasm32.toFixed(2)} ms`);
  console.log(`TS reference loop     ${reference.toFixed(2)} ms`);
  console.log(`TS hand-tuned loop    ${tight.toFixed(2)} ms   (not the baseline; for context)`);
  const r64 = reference / wasm64;
  const r32 = reference / wasm32;
  console.log(`ratio f64: ${r64.toFixed(1)}x faster than the reference loop (target 2.5x: ${verdict(r64 >= 2.5)}); ${(tight / wasm64).toFixed(1)}x vs hand-tuned`);
  console.log(`ratio f32: ${r32.toFixed(1)}x faster than the reference loop (target 8x: ${verdict(r32 >= 8)}); ${(tight / wasm32).toFixed(1)}x vs hand-tuned`);

  benchCurveVsC();
  benchCurveKinds();

  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bench-'));
  const out = join(dir, 'curve.bin');
  const child = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(new URL('./big-curve.ts', import.meta.url)), out], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`big-curve failed: ${child.stderr}`);
  const result = JSON.parse(child.stdout) as { seconds: number; maxRssMb: number };
  const bytes = statSync(out).size;
  rmSync(dir, { recursive: true, force: true });
  console.log(`10^8 steps f32 -> .bin: ${result.seconds.toFixed(2)} s, ${(bytes / 2 ** 20).toFixed(0)} MiB written, peak RSS ${result.maxRssMb.toFixed(0)} MB (target < 256 MB: ${verdict(result.maxRssMb < 256)})`);
}
