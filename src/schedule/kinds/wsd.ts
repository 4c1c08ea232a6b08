// wsd: Hugging Face's get_wsd_schedule (src/transformers/optimization.py; see
// scripts/golden/kinds.py for the commit): a LambdaLR, lr * factor, in three phases: warmup
// (linear, cosine or 1-sqrt) from min_lr_ratio, a constant stable phase, a decay (linear, cosine
// with num_cycles, or 1-sqrt) to min_lr_ratio, then min_lr_ratio. The stable length, when not
// given, is derived: num_training_steps - num_warmup_steps - num_decay_steps. Its own kernel
// (assembly/kinds.ts). Reproduced traps, each linted: a negative derived stable phase (the decay
// starts inside the warmup), a negative min_lr_ratio (a negative LR after the decay, max(0, .)
// only clamps the phases), a warmup reaching the total.

import { rules, type Rule } from '../../core/rules.js';
import type { StepKernel } from '../../wasm/kinds.js';
import { countRule, defaultsOf, type KindInput, type KindLint, type KindParams, type ParameterDeclaration, type ScheduleKind } from './kind.js';
import { kernelCurve, stepsWithin } from './kernel-curve.js';
import { pyFloat, pyString } from './python.js';

export const WSD_SHAPES = ['linear', 'cosine', '1-sqrt'] as const;

/** Largest |num_cycles|: the decay's cos argument, pi * num_cycles * 2 * progress, stays within the 2^19 pi where cos-rounded.ts is exact. */
const MAX_CYCLES = 2 ** 18;
const cyclesRule: Rule = (v) => (typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= MAX_CYCLES ? null
  : "must be a number from -2^18 to 2^18 (lrsweep's cos, which the reference's values need, is exact for the decay's arguments up to 2^19 pi)");

export const WSD_PARAMETERS = [
  { ref: 'lr', name: 'lr', flag: 'lr', type: 'number', rule: rules.nonNegative, help: "The optimizer's lr (the reference's base value): the peak" },
  { ref: 'num_warmup_steps', name: 'numWarmupSteps', flag: 'num-warmup-steps', type: 'integer', default: 0, rule: countRule,
    help: 'Warmup steps' },
  { ref: 'num_decay_steps', name: 'numDecaySteps', flag: 'num-decay-steps', type: 'integer', rule: countRule, help: 'Decay steps' },
  { ref: 'num_training_steps', name: 'numTrainingSteps', flag: 'num-training-steps', type: 'integer', default: null, rule: countRule,
    help: 'Total steps: the stable length is num_training_steps - num_warmup_steps - num_decay_steps unless num_stable_steps is given' },
  { ref: 'num_stable_steps', name: 'numStableSteps', flag: 'num-stable-steps', type: 'integer', default: null, rule: countRule,
    help: 'Stable steps (wins over num_training_steps, as in the reference)' },
  { ref: 'warmup_type', name: 'warmupType', flag: 'warmup-type', type: 'choice', choices: WSD_SHAPES, default: 'linear',
    rule: rules.oneOf(WSD_SHAPES), help: 'Warmup shape' },
  { ref: 'decay_type', name: 'decayType', flag: 'decay-type', type: 'choice', choices: WSD_SHAPES, default: 'cosine',
    rule: rules.oneOf(WSD_SHAPES), help: 'Decay shape' },
  { ref: 'min_lr_ratio', name: 'minLrRatio', flag: 'min-lr-ratio', type: 'number', default: 0, rule: rules.number,
    help: 'Where warmup starts and decay ends, as a ratio of lr' },
  { ref: 'num_cycles', name: 'numCycles', flag: 'num-cycles', type: 'number', default: 0.5, rule: cyclesRule,
    help: 'Waves of the cosine decay (0.5: one half wave, from lr down to lr * min_lr_ratio)' },
] as const satisfies readonly ParameterDeclaration[];

export type WsdInput = KindInput<'wsd', typeof WSD_PARAMETERS>;
export type Wsd = KindParams<'wsd', typeof WSD_PARAMETERS>;
export const WSD_DEFAULTS = defaultsOf(WSD_PARAMETERS) as Omit<Wsd, 'schedule' | 'lr' | 'numDecaySteps'>;

/** The stable length the reference uses: num_stable_steps, else derived from the total. */
function stableSteps(s: Wsd): number {
  return s.numStableSteps ?? s.numTrainingSteps! - s.numWarmupSteps - s.numDecaySteps;
}

const SHAPE_CODES: Record<(typeof WSD_SHAPES)[number], 'SHAPE_LINEAR' | 'SHAPE_COSINE' | 'SHAPE_ONE_MINUS_SQRT'> = {
  linear: 'SHAPE_LINEAR', cosine: 'SHAPE_COSINE', '1-sqrt': 'SHAPE_ONE_MINUS_SQRT',
};

function kernel(s: Wsd): StepKernel {
  const stable = stableSteps(s);
  return {
    configure: (k) => k.configureWsd(s.lr, s.numWarmupSteps, stable, s.numDecaySteps, k[SHAPE_CODES[s.warmupType]].value,
      k[SHAPE_CODES[s.decayType]].value, s.minLrRatio, s.numCycles),
    fill: (k, ptr, start, n, wide) => k.fillWsd(ptr, start, n, wide),
  };
}

function breakpoints(s: Wsd, start: number, end: number, limit: number): number[] | null {
  const w = s.numWarmupSteps, decayFrom = w + stableSteps(s), d = s.numDecaySteps;
  const out = [0, w, decayFrom, decayFrom + d];
  // A cosine decay of more than half a wave turns every half wave: at progress k / (2 num_cycles)
  const waves = 2 * Math.abs(s.numCycles);
  if (s.decayType === 'cosine' && waves > 1 && d > 0) {
    const k0 = Math.max(1, Math.floor(((start - decayFrom) / d) * waves));
    for (let k = k0; k < waves && decayFrom + (k * d) / waves < end; k++) {
      out.push(Math.floor(decayFrom + (k * d) / waves), Math.ceil(decayFrom + (k * d) / waves));
      if (out.length > 2 * limit + 4) return null;
    }
  }
  return stepsWithin(out, start, end, limit);
}

function lint(s: Wsd): KindLint[] {
  const out: KindLint[] = [];
  const stable = stableSteps(s);
  if (s.numStableSteps === null && stable < 0) {
    out.push({
      rule: 'negative-stable',
      message: `the derived stable phase num_training_steps - num_warmup_steps - num_decay_steps = ${s.numTrainingSteps} - ${s.numWarmupSteps} - ${s.numDecaySteps} ` +
        `= ${stable} is negative: the decay starts at step ${s.numWarmupSteps + stable}, inside the warmup, so it runs only ${Math.max(0, s.numDecaySteps + stable)} of its ${s.numDecaySteps} steps ` +
        `(the reference does the same; lower num_warmup_steps or num_decay_steps)`,
    });
  }
  if (s.minLrRatio < 0) {
    out.push({
      rule: 'negative-min-ratio',
      message: `min_lr_ratio=${s.minLrRatio} is negative: from step ${s.numWarmupSteps + stable + s.numDecaySteps} the LR is lr * min_lr_ratio = ${s.lr * s.minLrRatio} ` +
        `(the phases clamp at 0, the end does not)`,
    });
  }
  if (s.numTrainingSteps !== null && s.numWarmupSteps > 0 && s.numWarmupSteps >= s.numTrainingSteps) {
    out.push({
      rule: 'warmup-past-total',
      message: `num_warmup_steps=${s.numWarmupSteps} >= num_training_steps=${s.numTrainingSteps}: the whole run is warmup`,
    });
  }
  return out;
}

export const wsd = {
  name: 'wsd',
  title: 'Hugging Face get_wsd_schedule (warmup-stable-decay)',
  parameters: WSD_PARAMETERS,
  keys: { peak: 'lr', floor: null, length: 'numDecaySteps', maxCycles: null },
  crossProblems(s, ok) {
    if (ok('numTrainingSteps') && ok('numStableSteps') && s.numTrainingSteps === null && s.numStableSteps === null) {
      return [{
        key: 'numTrainingSteps', related: ['numStableSteps'],
        message: 'num_training_steps or num_stable_steps is required for schedule wsd (the reference raises ValueError without both), got neither',
      }];
    }
    return [];
  },
  toFamily: null,
  ownCurve: (s) => kernelCurve({
    kernel: kernel(s), end: null, breakpoints: (a, b, limit) => breakpoints(s, a, b, limit), cycleAt: () => 0,
    floor: { key: 'lr * min_lr_ratio', value: Math.min(s.lr * s.minLrRatio, s.lr * Math.max(0, s.minLrRatio)) },
    lint: () => lint(s),
  }),
  nativeCall: (s) =>
    `get_wsd_schedule(optimizer, num_warmup_steps=${s.numWarmupSteps}, num_decay_steps=${s.numDecaySteps}, ` +
    (s.numTrainingSteps !== null ? `num_training_steps=${s.numTrainingSteps}, ` : '') +
    (s.numStableSteps !== null ? `num_stable_steps=${s.numStableSteps}, ` : '') +
    `warmup_type=${pyString(s.warmupType)}, decay_type=${pyString(s.decayType)}, min_lr_ratio=${pyFloat(s.minLrRatio)}, ` +
    `num_cycles=${pyFloat(s.numCycles)}) with the optimizer's lr=${pyFloat(s.lr)}; scheduler.step() after each optimizer step`,
  lints: ['negative-stable', 'negative-min-ratio', 'warmup-past-total'],
  fit: null,
} as const satisfies ScheduleKind<Wsd>;
