// timm_cosine: timm's CosineLRScheduler (timm/scheduler/cosine_lr.py at
// huggingface/pytorch-image-models aa4b585), stepped as timm's train.py steps it: step_update after
// each update, step(epoch + 1) after each epoch; step 0 holds the constructor's value. Its own
// kernel (assembly/kinds.ts): warmup once from warmup_lr_init (added, not prefixed, unless
// warmup_prefix), cycle lengths t_initial * cycle_mul^i found through timm's floored float
// logarithm, peaks decayed by cycle_decay^i, k_decay, lr_min after cycle_limit cycles.
// Reproduced traps: the floored logarithm misplaces some cycle starts (t = 242 for t_initial 2,
// cycle_mul 3 gets lr_min where the restart belongs): the lint misplaced-restart names them, and
// fix_cycle_index (opt-in) places them. cycle_mul < 1 sums the cycles to t_initial / (1 -
// cycle_mul), where timm's math.log fails: steps from there are refused (the kind's end).
// Not reproduced: timm's noise (noise_range_t), which is random.

import { MAX_STEP, rules } from '../../core/rules.js';
import { kernels, type KernelExports } from '../../wasm/module.js';
import { fillSteps, type StepKernel } from '../../wasm/kinds.js';
import { countRule, defaultsOf, lengthRule, type KindInput, type KindLint, type KindParams, type OwnCurve, type ParameterDeclaration, type ScheduleKind } from './kind.js';
import { kernelCurve, stepsWithin } from './kernel-curve.js';
import { pyBool, pyFloat } from './python.js';

export const TIMM_COSINE_PARAMETERS = [
  { ref: 'lr', name: 'lr', flag: 'lr', type: 'number', rule: rules.nonNegative, help: "The optimizer's lr (the reference's base value): the peak" },
  { ref: 't_initial', name: 'tInitial', flag: 't-initial', type: 'integer', rule: lengthRule,
    help: 'Length of the first cycle, in epochs (t_in_epochs) or updates' },
  { ref: 'lr_min', name: 'lrMin', flag: 'lr-min', type: 'number', default: 0, rule: rules.nonNegative, help: 'Floor LR' },
  { ref: 'cycle_mul', name: 'cycleMul', flag: 'cycle-mul', type: 'number', default: 1, rule: rules.positive,
    help: 'Cycle length multiplier (real-valued)' },
  { ref: 'cycle_decay', name: 'cycleDecay', flag: 'cycle-decay', type: 'number', default: 1, rule: rules.nonNegative,
    help: 'Peak decay per cycle: peak = lr * cycle_decay^i' },
  { ref: 'cycle_limit', name: 'cycleLimit', flag: 'cycle-limit', type: 'integer', default: 1, rule: countRule,
    help: 'Cycles before the LR stays at lr_min (1: no restart)' },
  { ref: 'warmup_t', name: 'warmupT', flag: 'warmup-t', type: 'integer', default: 0, rule: countRule, help: 'Warmup length, once, in epochs or updates' },
  { ref: 'warmup_lr_init', name: 'warmupLrInit', flag: 'warmup-lr-init', type: 'number', default: 0, rule: rules.nonNegative,
    help: 'LR the warmup starts from' },
  { ref: 'warmup_prefix', name: 'warmupPrefix', flag: 'warmup-prefix', type: 'boolean', default: false, rule: rules.bool,
    help: 'Start the first cycle after the warmup (else the warmup covers its first warmup_t)' },
  { ref: 't_in_epochs', name: 'tInEpochs', flag: 't-in-epochs', type: 'boolean', default: true, rule: rules.bool,
    help: 'Count t in epochs (step(epoch)) rather than updates (step_update)' },
  { ref: 'updates_per_epoch', name: 'updatesPerEpoch', flag: 'updates-per-epoch', type: 'integer', default: 1, rule: lengthRule,
    help: "With t_in_epochs: training steps per epoch (each epoch's LR holds for that many steps)" },
  { ref: 'k_decay', name: 'kDecay', flag: 'k-decay', type: 'number', default: 1, rule: rules.positive,
    help: 'k-decay exponent: cos(pi * t_curr^k / t_i^k)' },
  { ref: 'fix_cycle_index', name: 'fixCycleIndex', flag: 'fix-cycle-index', type: 'boolean', default: false, rule: rules.bool, optIn: true,
    help: "Place the cycle starts timm's floored logarithm misplaces (timm puts lr_min where a restart belongs)" },
] as const satisfies readonly ParameterDeclaration[];

export type TimmCosineInput = KindInput<'timm_cosine', typeof TIMM_COSINE_PARAMETERS>;
export type TimmCosine = KindParams<'timm_cosine', typeof TIMM_COSINE_PARAMETERS>;
export const TIMM_COSINE_DEFAULTS = defaultsOf(TIMM_COSINE_PARAMETERS) as Omit<TimmCosine, 'schedule' | 'lr' | 'tInitial'>;

/** Steps per epoch as the kernel counts them (1 when t counts updates). */
const perEpoch = (s: TimmCosine) => (s.tInEpochs ? s.updatesPerEpoch : 1);

function configure(k: KernelExports, s: TimmCosine, fix = s.fixCycleIndex): void {
  k.configureTimm(s.lr, s.tInitial, s.lrMin, s.cycleMul, s.cycleDecay, s.cycleLimit, s.warmupT, s.warmupLrInit, s.warmupPrefix,
    perEpoch(s), s.kDecay, fix);
}

function kernel(s: TimmCosine, fix = s.fixCycleIndex): StepKernel {
  return { configure: (k) => configure(k, s, fix), fill: (k, ptr, start, n, wide) => k.fillTimm(ptr, start, n, wide) };
}

/** The reference's cycle index at epoch e (-1 in the warmup), as timm computes it or fixed. */
function cycleOfEpoch(s: TimmCosine, e: number, fix: boolean): number {
  const k = kernels();
  configure(k, s, fix);
  return k.timmCycleAt(e, fix);
}

/** Where cycle n starts, in epochs from the warmup's start (real-valued). */
function cycleStart(s: TimmCosine, n: number): number {
  const offset = s.warmupPrefix ? s.warmupT : 0;
  return offset + (s.cycleMul === 1 ? n * s.tInitial : (s.tInitial * (s.cycleMul ** n - 1)) / (s.cycleMul - 1));
}

/** The first epoch timm's math.log fails at (cycle_mul < 1), or null. */
function failingEpoch(s: TimmCosine): number | null {
  if (s.cycleMul >= 1) return null;
  // x = 1 - t / t_initial * (1 - cycle_mul) <= 0 from t = t_initial / (1 - cycle_mul) on, in the reference's float arithmetic
  const arg = (t: number) => 1 - (t / s.tInitial) * (1 - s.cycleMul);
  let t = Math.max(1, Math.floor(s.tInitial / (1 - s.cycleMul)) - 2);
  while (arg(t) > 0) t++;
  while (t > 1 && !(arg(t - 1) > 0)) t--;
  const epoch = s.warmupPrefix ? t + s.warmupT : Math.max(t, s.warmupT);
  return Math.max(epoch, 1);
}

/** The last schedule's misplaced epochs and how far they were looked for (extremes ask once per column). */
let misplacedCache: { key: string; end: number; epochs: number[] } | null = null;

/** Epochs whose cycle timm's floored logarithm gets wrong, below `endEpoch` (at most `limit`). */
function misplacedEpochs(s: TimmCosine, endEpoch: number, limit = 1000): number[] {
  if (s.cycleMul === 1) return [];
  const key = JSON.stringify(s);
  if (misplacedCache?.key === key && misplacedCache.end >= endEpoch) return misplacedCache.epochs.filter((e) => e < endEpoch);
  const epochs = findMisplaced(s, endEpoch, limit);
  misplacedCache = { key, end: endEpoch, epochs };
  return epochs;
}

function findMisplaced(s: TimmCosine, endEpoch: number, limit: number): number[] {
  const stop = Math.min(endEpoch, failingEpoch(s) ?? Infinity);
  const k = kernels();
  const out: number[] = [];
  let previous = -Infinity;
  for (let n = 1; out.length < limit && n < 100_000; n++) {
    const at = cycleStart(s, n);
    if (!(at < stop + 2) || at - previous < 1e-9) break; // past the end, or cycles below float resolution
    previous = at;
    for (let e = Math.max(1, Math.floor(at) - 1); e <= Math.floor(at) + 2 && e < stop; e++) {
      if (e < s.warmupT || out.includes(e)) continue;
      configure(k, s, false);
      const timm = k.timmCycleAt(e, false);
      if (timm !== k.timmCycleAt(e, true)) out.push(e);
    }
  }
  return out.sort((a, b) => a - b);
}

/**
 * The first epoch where timm's index is a cycle too far (t_curr < 0) with a fractional k_decay:
 * t_curr ** k_decay is a complex number in Python and math.cos raises. Null when there is none.
 */
function negativePowerEpoch(s: TimmCosine): number | null {
  if (Number.isInteger(s.kDecay) || s.cycleMul === 1) return null;
  const k = kernels();
  for (const e of misplacedEpochs(s, Math.floor(MAX_STEP / perEpoch(s)))) {
    configure(k, s, false);
    if (k.timmCycleAt(e, false) > k.timmCycleAt(e, true)) return e;
  }
  return null;
}

function valueAt(s: TimmCosine, step: number, fix: boolean): number {
  const one = new Float64Array(1);
  fillSteps(kernel(s, fix), step, one);
  return one[0];
}

function misplacedLint(s: TimmCosine, steps: number): KindLint[] {
  if (s.fixCycleIndex) return []; // placed: nothing to warn of
  const upe = perEpoch(s);
  const endEpoch = Math.ceil(steps / upe);
  const epochs = misplacedEpochs(s, endEpoch).filter((e) => valueAt(s, e * upe, false) !== valueAt(s, e * upe, true));
  if (epochs.length === 0) return [];
  const shown = epochs.slice(0, 5).map((e) => {
    const first = e * upe;
    const last = Math.min(first + upe, steps) - 1;
    const where = first === last ? `step ${first}` : `steps ${first} to ${last}`;
    return `${where} (lr ${valueAt(s, first, false)} where the cycle's own gives ${valueAt(s, first, true)})`;
  });
  const more = epochs.length > 5 ? ` and ${epochs.length - 5} more` : '';
  return [{
    rule: 'misplaced-restart',
    message: `timm's floored logarithm puts ${epochs.length === 1 ? 'an epoch' : `${epochs.length} epochs`} in the wrong cycle ` +
      `(cycle_mul=${s.cycleMul}, t_initial=${s.tInitial}): ${shown.join(', ')}${more}; lrsweep reproduces timm; ` +
      `set fix_cycle_index to place ${epochs.length === 1 ? 'it' : 'them'} in ${epochs.length === 1 ? 'its' : 'their'} own cycle`,
  }];
}

function breakpoints(s: TimmCosine, start: number, end: number, limit: number): number[] | null {
  const upe = perEpoch(s);
  const e0 = Math.floor(start / upe);
  const e1 = Math.ceil(end / upe) + 1;
  const epochs = new Set<number>([1, s.warmupT, s.warmupT + 1]);
  const stop = Math.min(e1, failingEpoch(s) ?? Infinity);
  let previous = -Infinity;
  // Equal cycles: from the first that can start near the window; others grow or shrink geometrically
  const first = s.cycleMul === 1 ? Math.max(1, Math.floor((e0 - (s.warmupPrefix ? s.warmupT : 0)) / s.tInitial) - 1) : 1;
  for (let n = first; n <= s.cycleLimit && n < first + 100_000; n++) {
    const at = cycleStart(s, n);
    if (!(at < stop)) break;
    if (at - previous < 1e-9) break;
    previous = at;
    if (at + 1 < e0) continue;
    epochs.add(Math.floor(at));
    epochs.add(Math.ceil(at));
    if (epochs.size > 2 * limit) return null;
  }
  for (const e of misplacedEpochs(s, e1)) if (e >= e0 - 1) epochs.add(e);
  return stepsWithin([...epochs].flatMap((e) => [e * upe, (e + 1) * upe]), start, end, limit);
}

function cycleAt(s: TimmCosine, step: number): number {
  const e = Math.floor(step / perEpoch(s));
  if (e === 0) return 0;
  const i = cycleOfEpoch(s, e, s.fixCycleIndex);
  // From cycle_limit on the LR stays at lr_min: no more restarts
  return Math.max(0, Math.min(i, Math.max(s.cycleLimit - 1, 0)));
}

function endOf(s: TimmCosine): OwnCurve['end'] {
    const negative = negativePowerEpoch(s);
    const epoch = failingEpoch(s);
    if (negative !== null && (epoch === null || negative < epoch)) {
      const step = negative * perEpoch(s);
      return {
        step, key: 'k_decay', related: ['cycle_mul', 't_initial'],
        message: `k_decay must be an integer where timm's floored logarithm puts an epoch a cycle too far (t_curr < 0, and Python's ` +
          `t_curr ** k_decay is complex there: math.cos raises TypeError), so with k_decay=${s.kDecay} only steps before ${step} exist`,
      };
    }
    if (epoch === null) return null;
    const step = epoch * perEpoch(s);
    return {
      step, key: 'cycle_mul', related: ['t_initial'],
      message: `cycle_mul < 1 must leave the run inside the cycles' sum t_initial / (1 - cycle_mul) = ${s.tInitial / (1 - s.cycleMul)} ` +
        `(timm's math.log fails there: math domain error), so with cycle_mul=${s.cycleMul} only steps before ${step} exist`,
    };
  }

export const timmCosine = {
  name: 'timm_cosine',
  title: "timm CosineLRScheduler",
  parameters: TIMM_COSINE_PARAMETERS,
  keys: { peak: 'lr', floor: 'lrMin', length: 'tInitial', maxCycles: 'cycleLimit' },
  crossProblems: () => [],
  toFamily: null,
  ownCurve: (s) => kernelCurve({
    kernel: kernel(s),
    end: endOf(s),
    breakpoints: (a, b, limit) => breakpoints(s, a, b, limit),
    cycleAt: (step) => cycleAt(s, step),
    // warmup_lr_init where the warmup starts below lr_min
    floor: s.warmupT > 0 && s.warmupLrInit < s.lrMin ? { key: 'warmup_lr_init', value: s.warmupLrInit } : { key: 'lr_min', value: s.lrMin },
    lint: (steps) => misplacedLint(s, steps),
  }),
  nativeCall: (s) =>
    `CosineLRScheduler(optimizer, t_initial=${s.tInitial}, lr_min=${pyFloat(s.lrMin)}, cycle_mul=${pyFloat(s.cycleMul)}, ` +
    `cycle_decay=${pyFloat(s.cycleDecay)}, cycle_limit=${s.cycleLimit}, warmup_t=${s.warmupT}, warmup_lr_init=${pyFloat(s.warmupLrInit)}, ` +
    `warmup_prefix=${pyBool(s.warmupPrefix)}, t_in_epochs=${pyBool(s.tInEpochs)}, k_decay=${pyFloat(s.kDecay)})` +
    ` with the optimizer's lr=${pyFloat(s.lr)}; ${s.tInEpochs ? `step(epoch + 1) after each epoch of ${s.updatesPerEpoch} updates` : 'step_update(num_updates) after each update'}` +
    (s.fixCycleIndex ? ' (fix_cycle_index: lrsweep places restarts timm misplaces; timm has no such option)' : ''),
  lints: ['misplaced-restart'],
  fit: null,
} as const satisfies ScheduleKind<TimmCosine>;
