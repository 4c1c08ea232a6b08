// hf_cosine_restarts: Hugging Face's get_cosine_with_hard_restarts_schedule_with_warmup
// (src/transformers/optimization.py, huggingface/transformers ad1fc96): a LambdaLR, so the LR is
// lr * factor; a linear warmup from 0, then num_cycles cosines of equal fractional length
// through Python's % (the divisor's sign: a negative num_cycles runs each cycle upward), and a
// hard 0 from num_training_steps on. Its own kernel (assembly/kinds.ts). Step 0 is LambdaLR's
// first value, lr * factor(0).

import { rules } from '../../core/rules.js';
import type { StepKernel } from '../../wasm/kinds.js';
import { countRule, defaultsOf, type KindInput, type KindLint, type KindParams, type ParameterDeclaration, type ScheduleKind } from './kind.js';
import { kernelCurve, stepsWithin } from './kernel-curve.js';
import { pyFloat } from './python.js';

export const HF_COSINE_RESTARTS_PARAMETERS = [
  { ref: 'lr', name: 'lr', flag: 'lr', type: 'number', rule: rules.nonNegative, help: "The optimizer's lr (the reference's base value): the peak" },
  { ref: 'num_warmup_steps', name: 'numWarmupSteps', flag: 'num-warmup-steps', type: 'integer', default: 0, rule: countRule,
    help: 'Linear warmup steps from 0' },
  { ref: 'num_training_steps', name: 'numTrainingSteps', flag: 'num-training-steps', type: 'integer', rule: countRule,
    help: 'Total steps: the LR is 0 from here on' },
  { ref: 'num_cycles', name: 'numCycles', flag: 'num-cycles', type: 'number', default: 1, rule: rules.number,
    help: "Cosine cycles after the warmup (negative runs each cycle upward, as Python's % does)" },
] as const satisfies readonly ParameterDeclaration[];

export type HfCosineRestartsInput = KindInput<'hf_cosine_restarts', typeof HF_COSINE_RESTARTS_PARAMETERS>;
export type HfCosineRestarts = KindParams<'hf_cosine_restarts', typeof HF_COSINE_RESTARTS_PARAMETERS>;
export const HF_COSINE_RESTARTS_DEFAULTS = defaultsOf(HF_COSINE_RESTARTS_PARAMETERS) as Omit<HfCosineRestarts, 'schedule' | 'lr' | 'numTrainingSteps'>;

function kernel(s: HfCosineRestarts): StepKernel {
  return {
    configure: (k) => k.configureHardRestarts(s.lr, s.numWarmupSteps, s.numTrainingSteps, s.numCycles),
    fill: (k, ptr, start, n, wide) => k.fillHardRestarts(ptr, start, n, wide),
  };
}

/** The reference's denominator: max(1, num_training_steps - num_warmup_steps). */
const span = (s: HfCosineRestarts) => Math.max(1, s.numTrainingSteps - s.numWarmupSteps);
/** The first step of the hard 0 (progress >= 1). */
const zeroFrom = (s: HfCosineRestarts) => s.numWarmupSteps + span(s);

function cycleAt(s: HfCosineRestarts, step: number): number {
  if (step < s.numWarmupSteps) return 0;
  const t = Math.min(step, zeroFrom(s) - 1); // the hard 0 is no restart
  return Math.floor(Math.abs(s.numCycles * ((t - s.numWarmupSteps) / span(s))));
}

function breakpoints(s: HfCosineRestarts, start: number, end: number, limit: number): number[] | null {
  const out = [0, s.numWarmupSteps, zeroFrom(s)];
  const cycles = Math.abs(s.numCycles);
  if (cycles > 0) {
    const period = span(s) / cycles;
    const k0 = Math.max(1, Math.floor((start - s.numWarmupSteps) / period));
    for (let k = k0; s.numWarmupSteps + k * period < Math.min(end, zeroFrom(s)); k++) {
      out.push(Math.floor(s.numWarmupSteps + k * period), Math.ceil(s.numWarmupSteps + k * period));
      if (out.length > 2 * limit + 3) return null;
    }
  }
  return stepsWithin(out, start, end, limit);
}

function lint(s: HfCosineRestarts): KindLint[] {
  if (s.numWarmupSteps < s.numTrainingSteps || s.numWarmupSteps === 0) return [];
  return [{
    rule: 'warmup-past-total',
    message: `num_warmup_steps=${s.numWarmupSteps} >= num_training_steps=${s.numTrainingSteps}: the warmup climbs to step ${s.numWarmupSteps}, ` +
      `which has lr=${s.lr}, and the LR is 0 from step ${zeroFrom(s)} on (no cosine, no restart)`,
  }];
}

export const hfCosineRestarts = {
  name: 'hf_cosine_restarts',
  title: 'Hugging Face get_cosine_with_hard_restarts_schedule_with_warmup',
  parameters: HF_COSINE_RESTARTS_PARAMETERS,
  keys: { peak: 'lr', floor: null, length: 'numTrainingSteps', maxCycles: null },
  crossProblems: () => [],
  toFamily: null,
  ownCurve: (s) => kernelCurve({
    kernel: kernel(s), end: null, breakpoints: (a, b, limit) => breakpoints(s, a, b, limit), cycleAt: (step) => cycleAt(s, step),
    floor: { key: "hf_cosine_restarts's floor (0)", value: 0 }, lint: () => lint(s),
  }),
  nativeCall: (s) =>
    `get_cosine_with_hard_restarts_schedule_with_warmup(optimizer, num_warmup_steps=${s.numWarmupSteps}, ` +
    `num_training_steps=${s.numTrainingSteps}, num_cycles=${Number.isInteger(s.numCycles) ? s.numCycles : pyFloat(s.numCycles)}) ` +
    `with the optimizer's lr=${pyFloat(s.lr)}; scheduler.step() after each optimizer step`,
  lints: ['warmup-past-total'],
  fit: null,
} as const satisfies ScheduleKind<HfCosineRestarts>;
