#!/usr/bin/env -S node --single-threaded-gc
// --single-threaded-gc: tfjs training allocates many small objects; V8's concurrent GC threads
// then compete with the pool's workers for the cores (measured: 2 workers scaled 1.3-1.6x
// with them, about 1.8x without, and the same trials took 20% less CPU in all).
// The command-line entry: the registry of commands, and the one place that maps errors to exit
// codes and calls process.exit. Exit codes: 0 ok, 1 failure, 2 bad input (UsageError).

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { Interrupted, UsageError } from './core/errors.js';
import * as curve from './commands/curve.js';
import * as run from './commands/run.js';
import * as status from './commands/status.js';
import * as best from './commands/best.js';
import * as trials from './commands/trials.js';
import * as show from './commands/show.js';
import * as exportCommand from './commands/export.js';
import * as plot from './commands/plot.js';
import * as report from './commands/report.js';
import * as fit from './commands/fit.js';
import * as rangeTest from './commands/range-test.js';
import * as copy from './commands/copy.js';
import * as worker from './commands/worker.js';
import * as cancel from './commands/cancel.js';


export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

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
    .usage('$0 <command> [options]\n\nLearning-rate schedules in WebAssembly, and sweeps over them.')
    // The registry of commands, in the order --help lists them; each handler's argument type is
    // inferred from its own builder.
    .command(run.command, run.describe, run.builder, run.handler)
    .command(worker.command, worker.describe, worker.builder, worker.handler)
    .command(cancel.command, cancel.describe, cancel.builder, cancel.handler)
    .command(status.command, status.describe, status.builder, status.handler)
    .command(best.command, best.describe, best.builder, best.handler)
    .command(trials.command, trials.describe, trials.builder, trials.handler)
    .command(show.command, show.describe, show.builder, show.handler)
    .command(report.command, report.describe, report.builder, report.handler)
    .command(plot.command, plot.describe, plot.builder, plot.handler)
    .command(exportCommand.command, exportCommand.describe, exportCommand.builder, exportCommand.handler)
    .command(copy.command, copy.describe, copy.builder, copy.handler)
    .command(curve.command, curve.describe, curve.builder, curve.handler)
    .command(fit.command, fit.describe, fit.builder, fit.handler)
    .command(rangeTest.command, rangeTest.describe, rangeTest.builder, rangeTest.handler)
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
    await parser.parseAsync();
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
