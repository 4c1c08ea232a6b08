// one_cycle: PyTorch's OneCycleLR (torch 1.13, torch/optim/lr_scheduler.py), and the momentum (or
// Adam's beta1) it cycles in reverse. Not a cycle family: two or three phases with fractional
// ends, so the kind computes its own curve (kind.ts OwnCurve) through assembly/one-cycle.ts.
//
// torch's arithmetic, which the phases below reproduce in float64 (JavaScript's doubles are
// Python's):
//   total = total_steps, or epochs * steps_per_epoch (total_steps wins when both are given)
//   initial_lr = max_lr / div_factor, min_lr = initial_lr / final_div_factor
//   two phases:   ends pct_start * total - 1, total - 1
//                 LR initial -> max -> min; momentum max -> base -> max
//   three phases: ends pct_start * total - 1, 2 * pct_start * total - 2, total - 1
//                 LR initial -> max -> initial -> min; momentum max -> base -> max -> max
// Step t takes the first phase whose end is >= t (the last takes the rest) and
// pct = (t - previous end) / (end - previous end), the first phase starting at 0. Steps 0 ..
// total exist (a loop of total training steps calls step() total times); torch raises after.
//
// Refused up front: a phase that some step of 0 .. total falls in and whose width is 0 (torch
// divides by zero there: pct_start 1.0 at step total, pct_start * total = 1 at step 0).
// Linted: three phases with pct_start > 0.5 (the second phase ends after the third begins, so
// the LR runs past its targets).

import { rules, type Rule } from '../../core/rules.js';
import { fillOneCycle, type OneCyclePhase, type OneCycleShape } from '../../wasm/one-cycle.js';
import { defaultsOf, lengthRule, type CrossProblem, type KindInput, type KindLint, type KindParams, type OwnCurve, type ParameterDeclaration, type ScheduleKind } from './kind.js';
import { pyBool, pyFloat, pyString } from './python.js';

export const ANNEAL_STRATEGIES = ['cos', 'linear'] as const;

const pctRule: Rule = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1 ? null : 'must be a number from 0 to 1');

export const ONE_CYCLE_PARAMETERS = [
  { ref: 'max_lr', name: 'maxLr', flag: 'max-lr', type: 'number', rule: rules.nonNegative, column: true,
    help: 'Peak LR' },
  { ref: 'total_steps', name: 'totalSteps', flag: 'total-steps', type: 'integer', default: null, rule: lengthRule, column: true,
    help: 'Steps in the cycle (or give epochs and steps_per_epoch)' },
  { ref: 'epochs', name: 'epochs', flag: 'epochs', type: 'integer', default: null, rule: lengthRule,
    help: 'With steps_per_epoch, the cycle is epochs * steps_per_epoch steps' },
  { ref: 'steps_per_epoch', name: 'stepsPerEpoch', flag: 'steps-per-epoch', type: 'integer', default: null, rule: lengthRule,
    help: 'With epochs, the cycle is epochs * steps_per_epoch steps' },
  { ref: 'pct_start', name: 'pctStart', flag: 'pct-start', type: 'number', default: 0.3, rule: pctRule, column: true,
    help: 'Fraction of the cycle spent raising the LR' },
  { ref: 'anneal_strategy', name: 'annealStrategy', flag: 'anneal-strategy', type: 'choice', choices: ANNEAL_STRATEGIES, default: 'cos',
    rule: rules.oneOf(ANNEAL_STRATEGIES), help: 'Annealing: cos or linear' },
  { ref: 'cycle_momentum', name: 'cycleMomentum', flag: 'cycle-momentum', type: 'boolean', default: true, rule: rules.bool,
    help: 'Cycle the momentum (or Adam beta1) inversely to the LR' },
  { ref: 'base_momentum', name: 'baseMomentum', flag: 'base-momentum', type: 'number', default: 0.85, rule: rules.nonNegative,
    help: 'Momentum at the LR peak' },
  { ref: 'max_momentum', name: 'maxMomentum', flag: 'max-momentum', type: 'number', default: 0.95, rule: rules.nonNegative,
    help: 'Momentum at the start and end' },
  { ref: 'div_factor', name: 'divFactor', flag: 'div-factor', type: 'number', default: 25, rule: rules.positive, column: true,
    help: 'initial_lr = max_lr / div_factor' },
  { ref: 'final_div_factor', name: 'finalDivFactor', flag: 'final-div-factor', type: 'number', default: 1e4, rule: rules.positive, column: true,
    help: 'min_lr = initial_lr / final_div_factor' },
  { ref: 'three_phase', name: 'threePhase', flag: 'three-phase', type: 'boolean', default: false, rule: rules.bool,
    help: 'A third phase: back down to initial_lr, then to min_lr (fastai style)' },
] as const satisfies readonly ParameterDeclaration[];

export type OneCycleInput = KindInput<'one_cycle', typeof ONE_CYCLE_PARAMETERS>;
export type OneCycle = KindParams<'one_cycle', typeof ONE_CYCLE_PARAMETERS>;
export const ONE_CYCLE_DEFAULTS = defaultsOf(ONE_CYCLE_PARAMETERS) as Omit<OneCycle, 'schedule' | 'maxLr'>;

/** The cycle's length: total_steps, else epochs * steps_per_epoch (null when neither is given). */
function totalOf(s: OneCycle): number | null {
  if (s.totalSteps !== null) return s.totalSteps;
  return s.epochs !== null && s.stepsPerEpoch !== null ? s.epochs * s.stepsPerEpoch : null;
}

/** The phases as torch builds them, in its float64 arithmetic. */
function phasesOf(s: OneCycle): OneCycleShape & { total: number; initialLr: number; minLr: number } {
  const total = totalOf(s)!;
  const initialLr = s.maxLr / s.divFactor;
  const minLr = initialLr / s.finalDivFactor;
  const [mMax, mBase] = [s.maxMomentum, s.baseMomentum];
  const phase = (end: number, lrFrom: number, lrTo: number, momentumFrom: number, momentumTo: number): OneCyclePhase =>
    ({ end, lrFrom, lrTo, momentumFrom, momentumTo });
  const phases = s.threePhase
    ? [
      phase(s.pctStart * total - 1, initialLr, s.maxLr, mMax, mBase),
      phase(2 * s.pctStart * total - 2, s.maxLr, initialLr, mBase, mMax),
      phase(total - 1, initialLr, minLr, mMax, mMax),
    ]
    : [
      phase(s.pctStart * total - 1, initialLr, s.maxLr, mMax, mBase),
      phase(total - 1, s.maxLr, minLr, mBase, mMax),
    ];
  return { phases, linear: s.annealStrategy === 'linear', total, initialLr, minLr };
}

/** Steps 0 .. total that phase i takes (first, last), or null when it takes none. */
function phaseSteps(phases: readonly OneCyclePhase[], i: number, total: number): { first: number; last: number } | null {
  let first = 0;
  for (let j = 0; j < i; j++) first = Math.max(first, Math.floor(phases[j].end) + 1);
  const last = i === phases.length - 1 ? total : Math.min(total, Math.floor(phases[i].end));
  return first <= last ? { first, last } : null;
}

/** The first phase that a step falls in with zero width (torch divides by zero there), or null. */
function zeroWidthPhase(s: OneCycle): { phase: number; step: number } | null {
  const { phases, total } = phasesOf(s);
  for (let i = 0; i < phases.length; i++) {
    const from = i === 0 ? 0 : phases[i - 1].end;
    const steps = phaseSteps(phases, i, total);
    if (steps !== null && phases[i].end - from === 0) return { phase: i, step: steps.first };
  }
  return null;
}

function crossProblems(s: OneCycle, ok: (name: keyof OneCycle & string) => boolean): CrossProblem[] {
  const lengths = ok('totalSteps') && ok('epochs') && ok('stepsPerEpoch');
  if (!lengths) return [];
  if (totalOf(s) === null) {
    return [{ key: 'totalSteps', related: ['epochs', 'stepsPerEpoch'], message: 'total_steps is required for schedule one_cycle (or both epochs and steps_per_epoch)' }];
  }
  const out: CrossProblem[] = [];
  if (s.totalSteps !== null && s.epochs !== null && s.stepsPerEpoch !== null && s.epochs * s.stepsPerEpoch !== s.totalSteps) {
    out.push({
      key: 'totalSteps', related: ['epochs', 'stepsPerEpoch'],
      message: `total_steps must equal epochs * steps_per_epoch when all three are given (torch uses total_steps alone), got total_steps=${s.totalSteps}, epochs=${s.epochs}, steps_per_epoch=${s.stepsPerEpoch}`,
    });
  }
  if (ok('pctStart') && ok('maxLr') && ok('divFactor') && ok('finalDivFactor') && ok('threePhase')) {
    const zero = zeroWidthPhase(s);
    if (zero !== null) {
      out.push({
        key: 'pctStart', related: ['totalSteps'],
        message: `pct_start must leave every phase a width above 0 (torch divides by zero in phase ${zero.phase + 1} at step ${zero.step}), ` +
          `got pct_start=${s.pctStart}, total_steps=${totalOf(s)}${s.threePhase ? ', three_phase=true' : ''}`,
      });
    }
  }
  return out;
}

/** Steps whose values bound the curve over [a, b): each phase is monotone in its steps, so its edges, and step total (pct past 1). */
function candidates(shape: ReturnType<typeof phasesOf>, a: number, b: number): number[] {
  const out = [a, b - 1, shape.total - 1, shape.total];
  shape.phases.forEach((_, i) => {
    const steps = phaseSteps(shape.phases, i, shape.total);
    if (steps) out.push(steps.first, steps.last, steps.last - 1);
  });
  return out.filter((t) => t >= a && t < b);
}

/** Its lint: three phases with pct_start > 0.5 (the second phase ends after the third begins). */
function lint(s: OneCycle): KindLint[] {
  if (!s.threePhase || s.pctStart <= 0.5) return [];
  return [{
    rule: 'three-phase-late-peak',
    message: `three_phase with pct_start=${s.pctStart} > 0.5: the second phase ends at step ${2 * s.pctStart * totalOf(s)! - 2}, ` +
      `after the third begins, so the LR runs past initial_lr and the last phase runs backwards (torch accepts it; use pct_start <= 0.5)`,
  }];
}

function ownCurve(s: OneCycle): OwnCurve {
  const shape = phasesOf(s);
  return {
    end: { step: shape.total + 1, key: 'steps', message: `steps must end by step ${shape.total}: one_cycle has steps 0 to total_steps=${shape.total} (torch raises after)` },
    floor: { key: 'min_lr (max_lr / div_factor / final_div_factor)', value: shape.minLr },
    fill: (start, out) => fillOneCycle(shape, start, out, false),
    momentum: s.cycleMomentum ? (start, out) => fillOneCycle(shape, start, out, true) : null,
    candidates: (a, b) => candidates(shape, a, b),
    cycleAt: () => 0,
    lint: () => lint(s),
  };
}

/** The torch call that reproduces it; floats as Python floats (pct_start must be one). */
function nativeCall(s: OneCycle): string {
  const args = [`max_lr=${pyFloat(s.maxLr)}`];
  if (s.totalSteps !== null) args.push(`total_steps=${s.totalSteps}`);
  else args.push(`epochs=${s.epochs}`, `steps_per_epoch=${s.stepsPerEpoch}`);
  args.push(`pct_start=${pyFloat(s.pctStart)}`, `anneal_strategy=${pyString(s.annealStrategy)}`, `cycle_momentum=${pyBool(s.cycleMomentum)}`,
    `base_momentum=${pyFloat(s.baseMomentum)}`, `max_momentum=${pyFloat(s.maxMomentum)}`, `div_factor=${pyFloat(s.divFactor)}`,
    `final_div_factor=${pyFloat(s.finalDivFactor)}`, `three_phase=${pyBool(s.threePhase)}`);
  return `torch.optim.lr_scheduler.OneCycleLR(optimizer, ${args.join(', ')})`;
}

export const oneCycle = {
  name: 'one_cycle',
  title: 'PyTorch OneCycleLR',
  parameters: ONE_CYCLE_PARAMETERS,
  keys: { peak: 'maxLr', floor: null, length: 'totalSteps', maxCycles: null },
  crossProblems,
  toFamily: null,
  ownCurve,
  lints: ['three-phase-late-peak'],
  nativeCall,
  fit: null,
} as const satisfies ScheduleKind<OneCycle>;
