// Benchmark: the kinds with their own kernel (timm_cosine, hf_cosine_restarts, wsd, one_cycle), 10^6 steps
// each in float64: the WASM kernel (curveInto, warm), the same formula as a C loop with glibc's
// libm (bench/curve-kinds-baseline.c, gcc -O2), and the reference's own Python stepping
// (scripts/golden/kinds.py --bench: timm's step_update, transformers' LambdaLR.step, on a torch
// SGD optimizer; Debian torch's own OneCycleLR.step for one_cycle), all in this run on the same
// schedules. A reference row whose source is absent (timm's, transformers' checkouts: kinds.py's
// TIMM_SRC, HF_SRC) says so and is skipped alone; the others are still measured. WASM and C are timed in CPU time (process.cpuUsage, CLOCK_PROCESS_CPUTIME_ID): on a
// shared machine wall time counts the time other processes held the core, and swung 3x between
// runs here.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScheduleInput } from '../src/schedule/params.js';
import { resolveSchedule } from '../src/schedule/schedule.js';
import { median } from './measure.js';

const N = 1_000_000;
/** Steps of the reference's Python loop actually timed (its time is scaled to N). */
const PY_STEPS = 100_000;

/** The schedules scripts/golden/kinds.py --bench and the C loop step, in lrsweep's terms. */
const CASES: Record<string, ScheduleInput> = {
  timm_cosine: { schedule: 'timm_cosine', lr: 0.1, tInitial: Math.floor(N / 7), lrMin: 1e-5, cycleMul: 2, cycleLimit: 10, warmupT: 100, warmupLrInit: 1e-6, tInEpochs: false },
  hf_cosine_restarts: { schedule: 'hf_cosine_restarts', lr: 0.1, numWarmupSteps: N / 100, numTrainingSteps: N, numCycles: 5 },
  wsd: { schedule: 'wsd', lr: 0.1, numWarmupSteps: N / 100, numDecaySteps: N / 5, numTrainingSteps: N, decayType: 'cosine', minLrRatio: 0.01 },
  one_cycle: { schedule: 'one_cycle', maxLr: 0.1, totalSteps: N } as ScheduleInput,
};

/** torch's OneCycleLR stepped PY_STEPS times on an SGD optimizer (total_steps N, as the WASM case). */
const TORCH_ONE_CYCLE = `
import sys, time, torch
n, total = int(sys.argv[1]), int(sys.argv[2])
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=total)
t0 = time.perf_counter()
for _ in range(n):
    opt.step(); s.step()
print(time.perf_counter() - t0)
`;

function cTimes(): Record<string, number> | string {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-ckinds-'));
  try {
    const binary = join(dir, 'curve-kinds-baseline');
    const gcc = spawnSync('gcc', ['-O2', '-o', binary, fileURLToPath(new URL('./curve-kinds-baseline.c', import.meta.url)), '-lm'], { encoding: 'utf8' });
    if (gcc.error || gcc.status !== 0) return `skipped: gcc ${gcc.error ? 'is not installed' : `failed: ${gcc.stderr.trim()}`}`;
    const run = spawnSync(binary, [String(N), '9'], { encoding: 'utf8' });
    if (run.status !== 0) return `failed: ${run.stderr}`;
    return JSON.parse(run.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The reference's Python stepping per kind, in ms for N steps, or why that row was not measured:
 * timm's and transformers' rows need their sources (kinds.py says which is absent), one_cycle
 * only Debian torch; each row stands or falls alone.
 */
function pythonTimes(): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const scaled = (s: number) => s * 1000 * (N / PY_STEPS);
  const why = (r: ReturnType<typeof spawnSync>) => `skipped: ${r.error?.message ?? String(r.stderr).trim().split('\n').pop()}`;
  const script = fileURLToPath(new URL('../scripts/golden/kinds.py', import.meta.url));
  // The first 10^5 of the 10^6 steps, timed and multiplied by 10: the whole takes minutes (LambdaLR.step costs tens of us)
  const run = spawnSync('/usr/bin/python3', [script, '--bench', String(PY_STEPS)], { encoding: 'utf8', timeout: 600_000 });
  const refs = ['timm_cosine', 'hf_cosine_restarts', 'wsd'];
  if (run.error || run.status !== 0) for (const k of refs) out[k] = why(run);
  else {
    const r = JSON.parse(run.stdout) as { seconds: Record<string, number>; skipped?: Record<string, string> };
    for (const k of refs) out[k] = r.seconds[k] !== undefined ? scaled(r.seconds[k]) : `skipped: ${r.skipped?.[k] ?? 'not measured'}`;
  }
  const torch = spawnSync('/usr/bin/python3', ['-c', TORCH_ONE_CYCLE, String(PY_STEPS), String(N)], { encoding: 'utf8', timeout: 600_000 });
  out.one_cycle = torch.error || torch.status !== 0 ? why(torch) : scaled(Number(torch.stdout.trim()));
  return out;
}

/** Median CPU milliseconds of `reps` runs of fn after `warmup` unmeasured runs. */
function cpuMs(fn: () => void, reps: number, warmup: number): number {
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const before = process.cpuUsage();
    fn();
    const used = process.cpuUsage(before);
    times.push((used.user + used.system) / 1000);
  }
  return median(times);
}

export function benchCurveKinds(): void {
  const out = new Float64Array(N);
  const wasm: Record<string, number> = {};
  for (const [name, p] of Object.entries(CASES)) {
    const s = resolveSchedule(p);
    wasm[name] = cpuMs(() => s.into(out), 9, 5);
  }
  const c = cTimes();
  const py = pythonTimes();
  console.log('\n== Own-kernel kinds: 10^6 steps f64 (WASM median warm, CPU time; C loop gcc -O2 glibc median, CPU time; reference Python stepping: 10^5 steps timed, x10) ==');
  for (const name of Object.keys(CASES)) {
    const cms = typeof c === 'string' ? null : c[name];
    const pms = typeof py[name] === 'number' ? py[name] : null;
    const vs = (x: number | null) => (x === null ? '' : ` (${(x / wasm[name]).toFixed(2)}x the WASM time)`);
    console.log(`${name.padEnd(20)} WASM ${wasm[name].toFixed(2)} ms | C ${cms === null ? c : `${cms.toFixed(2)} ms${vs(cms)}`} | ` +
      `reference Python ${pms === null ? py[name] ?? 'skipped: no reference' : `${pms.toFixed(0)} ms${vs(pms)}`}`);
  }
}
