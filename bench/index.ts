// `npm run bench [curve|overhead|training|command]`: every benchmark, each printing times and ratios
// measured in this one run. Not tests: these machines are shared and noisy.
import { benchCurve } from './curve.js';
import { benchSweepOverhead, benchTraining } from './sweep.js';
import { benchCommand } from './command.js';

const only = process.argv[2];
if (!only || only === 'curve') benchCurve();
if (!only || only === 'overhead') await benchSweepOverhead();
if (!only || only === 'training') {
  console.log('\n== MLP training throughput: 24 trials x 500 steps (64-64 MLP, batch 32), tfjs wasm backend, warm pool ==');
  await benchTraining();
}
if (!only || only === 'command') await benchCommand();
