// Writes bench predict's fixture from a recorded database: for every complete trial of the two
// sweeps (charlm-anchors, charlm-grid), its params, repeat, objective (val_loss) and train_loss
// window means as [step, loss] pairs (step: the 0-based index of the window's last step, lrsweep's
// convention; a recording whose script printed steps done, 1..T, is shifted by one here).
//   node --import tsx bench/record/dump.ts DB OUT.json
import { writeFileSync } from 'node:fs';
import { openStorage } from '../../src/storage/open.js';

const [db, out] = process.argv.slice(2);
if (!db || !out) throw new Error('usage: dump.ts DB OUT.json');
const storage = await openStorage(db, 'read');
const sweeps: Record<string, unknown[]> = {};
let steps = 0;
for (const name of ['charlm-anchors', 'charlm-grid']) {
  const sweep = await storage.getSweep(name);
  if (!sweep) throw new Error(`no sweep ${name} in ${db}`);
  steps = sweep.steps;
  const trials = (await storage.trials(sweep.id)).filter((t) => t.state === 'complete');
  const points = await storage.points(trials.map((t) => t.id));
  sweeps[name] = trials.map((t) => {
    const train = (points.get(t.id) ?? []).filter((p) => p.values.train_loss !== undefined && p.step !== null);
    const shift = train.length && train[train.length - 1].step === sweep.steps ? 1 : 0;
    return {
      config: t.configHash, repeat: t.repeat, seed: t.seed, params: t.params, objective: t.objective,
      train_loss: train.map((p) => [(p.step as number) - shift, Number(p.values.train_loss.toFixed(5))]),
    };
  });
}
await storage.close();
writeFileSync(out, `${JSON.stringify({
  about: 'bench/record/record.sh: a 12-character-context MLP language model on Python standard-library source (bench/record/charlm.py), AdamW, fresh batches, 2000 steps, common seeding; objective val_loss on a fixed held-out set; train_loss as 20-step window means',
  steps, metric: 'train_loss', objective: 'val_loss', sweeps,
})}\n`);
console.log(`wrote ${out}: ${Object.entries(sweeps).map(([k, v]) => `${k} ${v.length} trials`).join(', ')}`);
