// `npm run bench`: every benchmark, each printing times and ratios measured in this one run.
import { benchCurve } from './curve.js';

const only = process.argv[2];
if (!only || only === 'curve') benchCurve();
