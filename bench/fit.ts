// Benchmark: `lrsweep fit` at a million steps. The search (binary search on the first cycle
// length, exact integer walks) against the honest baseline: trying every first cycle length with
// the same exact walk, which is what brute force (and the tests) do.
// Run alone: node --import tsx bench/fit.ts   (or register benchFit in bench/index.ts)

import { endOfCycles, cyclesNonEmpty, fitSchedules } from '../src/schedule/fit.js';
import { withDefaults } from '../src/schedule/params.js';
import { toFamily } from '../src/schedule/family.js';
import { timeMs } from './measure.js';

const STEPS = 1_000_000;
const MULTS = [1, 1.05, 1.1, 1.2, 1.5, 2];
const WARMUPS = [0, 100, 1000, 5000];
const CYCLES = [2, 3, 4, 5, 6, 7, 8, 9, 10];

/** Every first length of one (multiplier, warmup), every K: the exact ends. */
function scanAll(mult: number, warmup: number): number {
  const f = toFamily(withDefaults({ schedule: 'cawr', firstCycleSteps: warmup + 1, cycleMult: mult, warmupSteps: warmup }));
  let fits = 0;
  for (let first = warmup + 1; first <= STEPS; first++) {
    for (const k of CYCLES) if (endOfCycles(f, first, k, STEPS) === STEPS && cyclesNonEmpty(f, first, k)) fits++;
  }
  return fits;
}

export function benchFit(): void {
  const combos = MULTS.length * WARMUPS.length * CYCLES.length;
  console.log(`\n== fit: ${STEPS} steps, ${MULTS.length} cycle_mult x ${WARMUPS.length} warmup_steps x ${CYCLES.length} cycle counts = ${combos} combinations ==`);
  let listed = 0;
  const search = timeMs(() => {
    listed = fitSchedules({ schedule: 'cawr', steps: STEPS, cycleMults: MULTS, warmups: WARMUPS, cycles: CYCLES }).settings.length;
  }, 7, 2);
  console.log(`fitSchedules (binary search, engine final LRs, lints): ${search.toFixed(1)} ms, ${listed} settings`);
  // The baseline on one (multiplier, warmup) pair, scaled to all of them: it is slow.
  let fits = 0;
  const one = timeMs(() => {
    fits = scanAll(1.5, 100);
  }, 3, 1);
  const all = one * MULTS.length * WARMUPS.length;
  console.log(`every first length (cycle_mult 1.5, warmup 100, ${fits} fits): ${one.toFixed(1)} ms; x${MULTS.length * WARMUPS.length} pairs = ${(all / 1000).toFixed(1)} s`);
  console.log(`search vs every first length: ${(all / search).toFixed(0)}x`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchFit();
