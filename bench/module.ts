// Benchmark: what a trainer module costs beyond the built-in trainer it wraps. The same MLP
// trials run twice on a warm machine: as `kind: mlp`, and as `kind: module` pointing at a file
// that re-exports the built-in definition. The difference per trial is the module path's own
// cost (loading it through tsx once per worker and in the main process, checking it).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweep } from '../dist/src/sweep/run.js';
import { verdict } from './measure.js';

const TRIALS = 40;
const OPTIONS = 'samples: 200, features: 4, hidden: [8], epochs: 2, batch_size: 32';

export async function benchModule(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'lrsweep-bench-module-'));
  const module = fileURLToPath(new URL('./fixtures/mlp-module.ts', import.meta.url));
  const body = (trainer: string) => `schedule: { first_cycle_steps: 10 }
parameters: { max_lr: { values: [${Array.from({ length: TRIALS }, (_, i) => (0.01 * (i + 1)).toFixed(2)).join(', ')}] } }
trainer: ${trainer}
budget: { cohort_size: 1 }
`;
  const seconds: number[] = [];
  for (const [name, trainer] of [['builtin', `{ kind: mlp, ${OPTIONS} }`], ['module', `{ kind: module, path: ${JSON.stringify(module)}, options: { ${OPTIONS} } }`]]) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, `name: ${name}\n${body(trainer)}`);
    const began = process.hrtime.bigint();
    const report = await runSweep({ file, db: join(dir, `${name}.db`), workers: 2 });
    seconds.push(Number(process.hrtime.bigint() - began) / 1e9);
    if (report.counts.complete !== TRIALS) throw new Error(`${name}: ${report.counts.complete} of ${TRIALS} trials complete`);
  }
  rmSync(dir, { recursive: true, force: true });
  const perTrial = ((seconds[1] - seconds[0]) * 1000) / TRIALS;
  console.log('\n== Module trainer overhead: the built-in MLP as kind mlp and as a module re-exporting it, 40 trials, 2 workers ==');
  console.log(`built-in ${seconds[0].toFixed(2)} s, module ${seconds[1].toFixed(2)} s: ${perTrial.toFixed(1)} ms a trial beyond the built-in (target < 30 ms: ${verdict(perTrial < 30)}; mostly the one-time tsx load, spread over the trials)`);
}
