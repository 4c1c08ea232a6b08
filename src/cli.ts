#!/usr/bin/env -S node --single-threaded-gc
// --single-threaded-gc: tfjs training allocates many small objects; V8's concurrent GC threads
// then compete with the pool's workers for the cores (measured: 2 workers scaled 1.3-1.6x
// with them, about 1.8x without, and the same trials took 20% less CPU in all).
// The command-line entry: the registry of commands, and the one place that maps errors to exit
// codes and calls process.exit. Exit codes: 0 ok, 1 failure, 2 bad input (UsageError).

import yargs, { type ArgumentsCamelCase, type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Interrupted, UsageError } from './core/errors.js';
import { setQuit } from './core/interrupt.js';

/** What a command module exports for the registry. */
interface Command {
  command: string;
  describe: string;
  /** `args`: the command line, for help that depends on it (curve --schedule NAME --help). */
  builder(y: Argv, args: readonly string[]): Argv<any>;
  handler(argv: any): Promise<void>;
}

/** A command module, its handler's argument type checked against its builder's. */
const checked = <U>(m: {
  command: string; describe: string; builder: (y: Argv, args: readonly string[]) => Argv<U>; handler: (argv: ArgumentsCamelCase<U>) => Promise<void>;
}): Command => m;

// The registry of commands, in the order --help lists them: each module exports command, describe,
// builder and handler (the handler's argument type inferred from its own builder). A module is
// imported only when yargs needs it (commandsFor), so a command starts without the others' code.
const COMMANDS = {
  run: async () => checked(await import('./commands/run.js')),
  worker: async () => checked(await import('./commands/worker.js')),
  cancel: async () => checked(await import('./commands/cancel.js')),
  delete: async () => checked(await import('./commands/delete.js')),
  status: async () => checked(await import('./commands/status.js')),
  best: async () => checked(await import('./commands/best.js')),
  trials: async () => checked(await import('./commands/trials.js')),
  show: async () => checked(await import('./commands/show.js')),
  report: async () => checked(await import('./commands/report.js')),
  plot: async () => checked(await import('./commands/plot.js')),
  export: async () => checked(await import('./commands/export.js')),
  copy: async () => checked(await import('./commands/copy.js')),
  curve: async () => checked(await import('./commands/curve.js')),
  fit: async () => checked(await import('./commands/fit.js')),
  predict: async () => checked(await import('./commands/predict.js')),
  'range-test': async () => checked(await import('./commands/range-test.js')),
  replay: async () => checked(await import('./commands/replay.js')),
};

/**
 * The command modules these arguments need: the one a first argument names (yargs takes the
 * first positional as the command, and a first argument cannot be a flag's value), none for
 * `--version` alone, and otherwise all of them, for --help to list or yargs to suggest one.
 */
function commandsFor(args: string[]): (keyof typeof COMMANDS)[] {
  const names = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];
  const named = names.find((name) => name === args[0]);
  if (named) return [named];
  return args.length === 1 && args[0] === '--version' ? [] : names;
}

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

// A second Ctrl-C quits a command at once (core/interrupt.ts): the exit is this file's.
setQuit(() => process.exit(EXIT_INTERRUPTED));

// A closed pipe (`lrsweep ... | head`) is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(EXIT_OK);
    throw e;
  });
}

export async function main(args: string[]): Promise<number> {
  const parser = yargs(args)
    .scriptName('lrsweep')
    .usage('$0 <command> [options]\n\nLearning-rate schedules in WebAssembly, and sweeps over them.');
  const commands = await Promise.all(commandsFor(args).map((name) => COMMANDS[name]()));
  // yargs would run a command's handler and then render the command's whole help, kept for a
  // failure to print (.fail() below never prints it): 20 to 50 ms for curve's flags. So yargs
  // gets each command without its handler, and main calls the handler on the parsed arguments.
  for (const c of commands) parser.command(c.command, c.describe, (y: Argv) => c.builder(y, args));
  parser
    .demandCommand(1, 'Give a command: lrsweep <command> --help shows its options')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version()
    .epilog('Exit codes: 0 ok, 1 failure, 2 bad input (the message names the flag or key, the rule and the value), 130 a run stopped by Ctrl-C (run it again to resume).')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // yargs reports its own checks, and errors thrown in coerce functions, as YError.
      if (err && !(err instanceof UsageError) && err.name !== 'YError') throw err;
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: ..."): keep one line.
      throw err instanceof UsageError ? err : new UsageError((msg ?? err?.message ?? '').replace(/\s*\n\s*/g, ' '));
    });
  try {
    const argv = await parser.parseAsync();
    // strict() refused any other first positional, so it names one of these commands.
    await commands.find((c) => c.command.split(' ')[0] === argv._[0])!.handler(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT_OK;
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      process.stderr.write(`lrsweep: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof Interrupted) {
      process.stderr.write(`\nlrsweep: ${err.message}\n`);
      return EXIT_INTERRUPTED;
    }
    process.stderr.write(`lrsweep: ${err.message}\n`);
    if (process.env.LRSWEEP_DEBUG) process.stderr.write(`${err.stack}\n`);
    return EXIT_FAILURE;
  }
}

process.exitCode = await main(hideBin(process.argv));
