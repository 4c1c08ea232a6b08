// lrsweep's side of `npm run bench search` as a process of its own, so that it runs beside Optuna's
// (which the bench's main process serves objective values to): every variant's curves on every
// objective, as JSON on stdout ({objective: {variant: [curve per seed]}}, then the CPU seconds it used).

import { searchObjectives } from './objectives.js';
import { VARIANTS } from './ours.js';

const seeds = Number(process.argv[2]);
const out: Record<string, Record<string, number[][]>> = {};
for (const obj of await searchObjectives()) {
  out[obj.name] = Object.fromEntries(VARIANTS.map((v) => [v.label, Array.from({ length: seeds }, (_, i) => v.run(obj, i + 1))]));
}
const cpu = process.cpuUsage();
process.stdout.write(JSON.stringify({ curves: out, cpuSeconds: (cpu.user + cpu.system) / 1e6 }));
