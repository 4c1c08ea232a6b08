// A fit thread (off-thread.ts starts one per fit): runs the fit its workerData names on its input
// and posts the result back once. A throw (a bug, an unknown job) ends the thread with the error,
// which the asking side receives as the fit's rejection.

import { parentPort, workerData } from 'node:worker_threads';
import { FIT_JOBS, type FitJob } from './jobs.js';

const { job, input } = workerData as { job: FitJob; input: unknown };
const run = (FIT_JOBS as Record<string, ((input: never) => unknown) | undefined>)[job];
if (!run) throw new Error(`no fit job ${JSON.stringify(job)} (jobs: ${Object.keys(FIT_JOBS).join(', ')})`);
parentPort!.postMessage(run(input as never));
