// The command trainer: any program, fed the exact LR curve, reporting JSON metrics lines.
// The protocol it keeps with that program is the README's "Your own training code" section.
// The sweep engine calls, in order:
//   parseCommandTrainer (sweep file) -> resolveCommandTrainer -> checkCommandHost (run start)
//   -> endOrphans (records of earlier runs) -> prepareSweepDir
//   -> per trial: runCommandTrial -> commandOutcome -> cleanTrialDir (when complete).

export { parseCommandTrainer, resolveCommandTrainer, checkCommandHost, findProgram, COMMAND_DEFAULTS, CLEANUPS,
  type CommandTrainerConfig, type CommandTrainerOptions, type Cleanup, type ParseContext } from './options.js';
export { runCommandTrial, lrsweepEnv, type CommandResult, type RunHooks } from './run.js';
export { commandOutcome, type CommandOutcome } from './outcome.js';
export { prepareSweepDir, sweepDirOwner, prepareTrialDir, trialDir, trialFiles, cleanTrialDir, writeLrFile, DEFAULT_TRIAL_ROOT, trialRoot, sweepDirKey, ownsSweepDir,
  type CommandTrial, type TrialFiles } from './trial-dir.js';
export { endOrphans, processRecord, type ProcessRecord, type OrphanReport } from './orphans.js';
export { hashFiles, defaultFiles } from './files.js';
export { parseMetricsLine, type MetricsPoint } from './output.js';
export { expandEnv, PLACEHOLDERS } from './template.js';
