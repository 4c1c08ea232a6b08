// trainer.engine for kind mlp: wasm by default for a new sweep, which stores it; a sweep stored
// before the key (no engine in its trainer section) resumes with tfjs while its file is silent,
// run after run, without counting as changed or having the key written in; the trials record
// the engine they trained with. --backend picks tfjs's backend, so an explicit one is refused
// for a sweep on the wasm engine, before anything is written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/storage/sqlite.js';
import { checkSweep } from '../../src/sweep/file.js';
import { registerSweep } from '../../src/sweep/register.js';
import { runSweep } from '../../src/sweep/run.js';
import { backendProblem } from '../../src/sweep/training.js';
import { runRangeTest } from '../../src/sweep/range-test.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-engine-'));
let n = 0;
const trainer = { kind: 'mlp', samples: 60, features: 3, hidden: [4], epochs: 2, batch_size: 16 };
const base = { name: 'e', schedule: { first_cycle_steps: 4 }, parameters: { gamma: { values: [0.5, 1] } }, trainer };
const register = async (s: ReturnType<typeof openSqlite>, raw: Record<string, unknown>) => {
  const { sweep, written } = await checkSweep(raw);
  return registerSweep(s, sweep, { file: 'e.yaml', written, extend: false, steps: 8, trainerHash: null });
};
/** The definition an lrsweep before trainer.engine stored for this file: the same, without the key. */
async function storeOld(s: ReturnType<typeof openSqlite>, raw: Record<string, unknown>) {
  const { sweep } = await checkSweep(raw);
  const { engine: _engine, ...oldTrainer } = sweep.trainer;
  await s.createSweep({ name: sweep.name, definition: { ...sweep, trainer: oldTrainer }, file: 'e.yaml', metric: 'val_loss', goal: 'minimize', steps: 8, trainerHash: null });
}

test('trainer.engine is wasm or tfjs (wasm when not given), and a new sweep stores it', async () => {
  assert.equal((await checkSweep(base)).sweep.trainer.engine, 'wasm');
  assert.equal((await checkSweep({ ...base, trainer: { ...trainer, engine: 'tfjs' } })).sweep.trainer.engine, 'tfjs');
  await assert.rejects(checkSweep({ ...base, trainer: { ...trainer, engine: 'gpu' } }), (e: Error & { problems: string[] }) => {
    assert.deepEqual(e.problems, ['trainer.engine: must be one of wasm, tfjs, got "gpu"']);
    return true;
  });
  const s = openSqlite(join(dir, `e${n++}.db`), { mode: 'write' });
  await register(s, base);
  assert.equal(((await s.getSweep('e'))!.definition.trainer as Record<string, unknown>).engine, 'wasm');
  // A file that later says tfjs is another definition: the trials would not compare under one engine.
  await assert.rejects(register(s, { ...base, trainer: { ...trainer, engine: 'tfjs' } }), { message: /trainer\.engine: "wasm" -> "tfjs"/ });
  await s.close();
});

test('a sweep stored before trainer.engine resumes with tfjs when the file is silent, run after run, unchanged and without the key written in', async () => {
  const s = openSqlite(join(dir, `e${n++}.db`), { mode: 'write' });
  await storeOld(s, base);
  const stored = await s.getSweep('e');
  for (let run = 0; run < 3; run++) {
    const resumed = await register(s, base);
    assert.equal(resumed.resumed, true, `run ${run}: the same sweep, not a changed one`);
    assert.equal(resumed.sweep.trainer.engine, 'tfjs', `run ${run}`);
    const now = (await s.getSweep('e'))!;
    assert.equal('engine' in (now.definition.trainer as Record<string, unknown>), false, `run ${run}`);
    assert.equal(now.updatedAt, stored!.updatedAt, `run ${run}: nothing rewritten`);
  }
  // Asking for the wasm engine changes what its trials compute: refused, saying so.
  await assert.rejects(register(s, { ...base, trainer: { ...trainer, engine: 'wasm' } }), { name: 'DefinitionChangedError', message: /trainer\.engine: "tfjs" -> "wasm"/ });
  // Saying tfjs means the same sweep; from then on it is stored as chosen.
  assert.equal((await register(s, { ...base, trainer: { ...trainer, engine: 'tfjs' } })).resumed, true);
  assert.equal(((await s.getSweep('e'))!.definition.trainer as Record<string, unknown>).engine, 'tfjs');
  await s.close();
});

test('trials record the engine they trained with: tfjs (and its backend) for a sweep stored before the key, wasm (no backend) for a new one', async () => {
  const file = join(dir, 'engine.yaml');
  writeFileSync(file, JSON.stringify(base));
  const db = join(dir, `e${n++}.db`);
  const s = openSqlite(db, { mode: 'write' });
  await storeOld(s, base);
  await s.close();
  await runSweep({ file, db, workers: 1 });
  writeFileSync(file, JSON.stringify({ ...base, name: 'fresh' }));
  await runSweep({ file, db, workers: 1 });
  const r = openSqlite(db, { mode: 'read' });
  try {
    for (const [name, provenance] of [['e', { engine: 'tfjs', backend: 'wasm' }], ['fresh', { engine: 'wasm' }]] as const) {
      const trials = await r.trials((await r.getSweep(name))!.id);
      assert.equal(trials.length, 2);
      for (const t of trials) {
        assert.equal(t.state, 'complete', `${name}: ${t.error}`);
        const p = t.provenance as Record<string, unknown>;
        assert.deepEqual({ engine: p.engine, backend: p.backend }, { engine: provenance.engine, backend: 'backend' in provenance ? provenance.backend : undefined }, name);
      }
    }
  } finally {
    await r.close();
  }
});

test('an explicit --backend other than wasm is refused for a sweep on the wasm engine, before anything is written; it applies to one on tfjs', async () => {
  const file = join(dir, 'backend.yaml');
  writeFileSync(file, JSON.stringify({ ...base, name: 'b' }));
  const db = join(dir, `e${n++}.db`);
  await assert.rejects(runSweep({ file, db, workers: 1, backend: 'cpu' }), {
    name: 'UsageError',
    message: '--backend cpu: picks tfjs\'s backend, but this sweep trains with trainer.engine wasm, which does not run on tfjs: set trainer.engine: tfjs to train on tfjs\'s cpu backend, or leave out --backend',
  });
  assert.equal(existsSync(db), false, 'nothing written: the database file is not even created');
  const { sweep } = await checkSweep({ ...base, trainer: { ...trainer, engine: 'tfjs' } });
  assert.equal(backendProblem(sweep.trainer, 'cpu'), null);
  assert.equal(backendProblem((await checkSweep(base)).sweep.trainer, 'wasm'), null, 'the default backend, which every run passes');
  // The range test too, before anything is trained.
  const loaded = await checkSweep({ ...base, trainer: { ...trainer, epochs: 5 } });
  await assert.rejects(runRangeTest(loaded.trainer, { minLr: 1e-4, maxLr: 1, steps: 10, backend: 'tensorflow', trialsDir: dir }), { name: 'UsageError', message: /^--backend tensorflow: picks tfjs's backend, but this sweep trains with trainer.engine wasm/ });
});
