// The library entry: `import { curve, LrScheduler } from 'lrsweep'`.
export { curve, curveInto, curveChunks, countRestarts } from './schedule/curve.js';
export { LrScheduler, type SchedulerState } from './schedule/scheduler.js';
export { ReferenceScheduler, referenceCurve } from './schedule/reference.js';
export {
  resolveSchedule, scheduleProblems, requestProblems, MAX_STEP, DTYPES,
  type CurveRequest, type Dtype,
} from './schedule/validate.js';
export {
  CAWR_DEFAULTS, SGDR_DEFAULTS, PEAK_FLOORS, SCHEDULES, toFamily, withDefaults,
  type CawrInput, type SgdrInput, type ScheduleInput, type Schedule, type PeakFloor, type Family,
} from './schedule/params.js';
export { UsageError, ParamError, type Problem } from './errors.js';
export { runSweep, dryRun, type RunOptions, type RunReport, type Progress } from './sweep/run.js';
export { loadSweepFile, checkSweep } from './sweep/file.js';
export type { Sweep, ParamSpec } from './sweep/definition.js';
export { openSqlite } from './storage/sqlite.js';
export type { Storage, TrialRecord, TrialState, RankedConfig } from './storage/types.js';
export { decimateCurve, type CurvePoint } from './plot/decimate.js';
