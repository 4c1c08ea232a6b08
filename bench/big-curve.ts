// Child process of the curve benchmark: writes a 10^8-step f32 curve and reports its peak RSS.
import { runCurve } from '../src/commands/curve.js';

const out = process.argv[2];
const summary = await runCurve({
  params: { schedule: 'cawr', firstCycleSteps: 37, cycleMult: 1.5, maxLr: 0.1, minLr: 0.001, warmupSteps: 5, gamma: 0.9 },
  steps: 100_000_000, start: 0, dtype: 'f32', out,
});
// resourceUsage().maxRSS is in kilobytes.
console.log(JSON.stringify({ seconds: summary.seconds, maxRssMb: (process.resourceUsage().maxRSS * 1024) / 1e6 }));
