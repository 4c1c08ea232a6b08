// The library entry: `import { curve, LrScheduler, defineTrainer } from 'lrsweep'`.
export { curve, curveInto, curveChunks, countRestarts, momentumCurve } from './schedule/curve.js';
export { resolveSchedule, ResolvedSchedule } from './schedule/schedule.js';
export { LrScheduler, type SchedulerState } from './schedule/scheduler.js';
export { ReferenceScheduler, referenceCurve } from './schedule/reference.js';
export { scheduleProblems, MAX_STEP, DTYPES, type CurveRequest, type Dtype } from './schedule/validate.js';
export {
  CAWR_DEFAULTS, SGDR_DEFAULTS, CAWR_PARAMETERS, SGDR_PARAMETERS, PEAK_FLOORS, SCHEDULES, withDefaults,
  ONE_CYCLE_DEFAULTS, ONE_CYCLE_PARAMETERS, ANNEAL_STRATEGIES,
  type CawrInput, type SgdrInput, type OneCycleInput, type ScheduleInput, type ScheduleParams, type PeakFloor,
} from './schedule/params.js';
export { toFamily, type Family } from './schedule/family.js';
export type { CurvePoint } from './schedule/extremes.js';
export { UsageError, ParamError, type Problem } from './core/errors.js';
export { defineTrainer, OptionsError, type TrainerDefinition, type TrainContext, type CohortContext, type Metrics, type Point } from './train/contract.js';
export { fitWithCurve, fitSteps, type FitData, type FitWithCurveOptions, type FitResult, type FitContext } from './train/fit-with-curve.js';
export { runSweep, dryRun, type RunOptions, type RunReport, type Progress } from './sweep/run.js';
export { loadSweepFile, checkSweep } from './sweep/file.js';
export type { Sweep, ParamSpec } from './sweep/definition.js';
export { openStorage } from './storage/open.js';
export type { Storage, TrialRecord, SweepRecord, RankedConfig } from './storage/types.js';
export type { TrialState, MetricPoint, Goal } from './core/trial.js';
export { mulberry32, gaussian, permutation } from './core/random.js';
