// `npm run bench [curve|fit|overhead|training|cohort|grid|small-sweep|command|module|distributed|startup|scale|pruning|predict|search]`: every benchmark, each printing times
// and ratios measured in this one run. Not tests: these machines are shared and noisy.
import { benchCohort } from './cohort.js';
import { benchCurve } from './curve.js';
import { benchSweepOverhead, benchTraining } from './sweep.js';
import { benchGrid } from './grid.js';
import { benchSmallSweep } from './small-sweep.js';
import { benchCommand } from './command.js';
import { benchFit } from './fit.js';
import { benchModule } from './module.js';
import { benchDistributed } from './distributed.js';
import { benchStartup } from './startup.js';
import { benchScale } from './scale.js';
import { benchPruning } from './pruning.js';
import { benchPredict } from './predict.js';
import { benchSearch } from './search.js';

const only = process.argv[2];
if (!only || only === 'curve') benchCurve();
if (!only || only === 'fit') benchFit();
if (!only || only === 'overhead') await benchSweepOverhead();
if (!only || only === 'training') {
  console.log('\n== MLP training throughput: 24 trials x 500 steps (64-64 MLP, batch 32), engine wasm (the default), warm pool ==');
  await benchTraining();
}
if (!only || only === 'cohort') {
  console.log('\n== The MLP\'s engines in lockstep cohorts: trial-steps per CPU second, one thread (wasm engine, tfjs engine on its wasm backend, PyTorch) ==');
  await benchCohort();
}
if (!only || only === 'cohort' || only === 'grid') await benchGrid();
if (!only || only === 'cohort' || only === 'small-sweep') await benchSmallSweep();
if (!only || only === 'command') await benchCommand();
if (!only || only === 'module') await benchModule();
if (!only || only === 'distributed') await benchDistributed();
if (!only || only === 'startup') benchStartup();
// Several minutes and a few GB of disk: only when named.
if (only === 'scale') await benchScale();
// Replays recorded sweeps and runs Optuna in Python: only when named.
if (only === 'pruning') await benchPruning();
// A fit per repeat on a recorded sweep, and 10^4 predictions of 10^4 steps: only when named.
if (only === 'predict') await benchPredict();
// Several minutes of CPU (Optuna's side in Python, lrsweep's beside it): only when named.
if (only === 'search') await benchSearch();
