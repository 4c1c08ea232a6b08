// Registering a sweep: created, resumed unchanged, refused with what changed (offering --extend
// only when it would work), extended, and an older definition resumed with its legacy meaning.
// Its trials: added once each, completed after a cut, and not planned again once all are there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/storage/sqlite.js';
import { checkSweep } from '../../src/sweep/file.js';
import { registerSweep, registerTrials, trainerFilesChange } from '../../src/sweep/register.js';
import { plan } from '../../src/sweep/space.js';

const dir = mkdtempSync(join(tmpdir(), 'lrsweep-register-'));
let n = 0;
const base = { name: 'r', schedule: { first_cycle_steps: 20 }, parameters: { gamma: { values: [0.5, 1] } }, trainer: { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 } };
const register = async (s: ReturnType<typeof openSqlite>, raw: Record<string, unknown>, extend = false) => {
  const { sweep, written } = await checkSweep(raw);
  return registerSweep(s, sweep, { file: 'r.yaml', written, extend, steps: 20, trainerHash: null });
};

test('a new name is created; the same file resumes without rewriting it; a changed one is refused with what changed', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const first = await register(s, base);
  const again = await register(s, base);
  assert.equal(again.record.id, first.record.id);
  assert.equal((await s.getSweep('r'))!.updatedAt, first.record.updatedAt, 'nothing rewritten');
  await assert.rejects(register(s, { ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } } }), {
    name: 'DefinitionChangedError',
    message: `sweep "r" already exists in ${s.where} with another definition (parameters.gamma.values: [0.5,1] -> [0.5,0.9,1]): run with --extend to add the new configs, or give the sweep another name`,
  });
  await assert.rejects(register(s, { ...base, trainer: { ...base.trainer, epochs: 3 } }), {
    message: `sweep "r" already exists in ${s.where} with another definition (trainer.epochs: 2 -> 3): these changes make old and new trials incomparable, so give the sweep another name; none of its trials finished, so run --replace makes this file its definition`,
  });
  const extended = await register(s, { ...base, parameters: { gamma: { values: [0.5, 0.9, 1] } } }, true);
  assert.deepEqual((extended.sweep.parameters.gamma as { values: number[] }).values, [0.5, 0.9, 1]);
  assert.deepEqual(((await s.getSweep('r'))!.definition.parameters as Record<string, { values: number[] }>).gamma.values, [0.5, 0.9, 1]);
  await s.close();
});

test('--extend takes only changes that add configs: a file that drops trials the sweep has is refused, and not offered --extend', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const withTrials = async (raw: Record<string, unknown>, extend = false) => {
    const r = await register(s, raw, extend);
    await s.addTrials(r.record.id, [...plan(r.sweep, 20)].map((t) => ({ configHash: t.hash, repeat: t.repeat, params: t.config, seed: t.seed })));
    return r;
  };
  const three = { ...base, schedule: { first_cycle_steps: 20, max_lr: 0.1 }, parameters: { gamma: { values: [0.5, 0.9, 1] } }, repeats: 2 };
  await withTrials(three);
  const fewer = { ...three, parameters: { gamma: { values: [0.5, 1] } } };
  await assert.rejects(register(s, fewer), {
    message: `sweep "r" already exists in ${s.where} with another definition (parameters.gamma.values: [0.5,0.9,1] -> [0.5,1]): the file no longer has 2 of its trials ` +
      '(e.g. gamma=0.9, repeat 0), and a sweep keeps every trial it has: keep their values in the file, or give the sweep another name; none of its trials finished, so run --replace makes this file its definition',
  });
  await assert.rejects(register(s, fewer, true), {
    message: '--extend only adds configs, but the file no longer has 2 of its trials (e.g. gamma=0.9, repeat 0): keep their values in the file, or give the sweep another name; none of its trials finished, so run --replace makes this file its definition',
  });
  await assert.rejects(register(s, { ...three, repeats: 1 }, true), { message: /no longer has 3 of its trials \(e\.g\. gamma=0\.5, repeat 1\)/ });
  await assert.rejects(register(s, { ...three, schedule: { first_cycle_steps: 20, max_lr: 0.2 } }, true), { message: /no longer has 6 of its trials/ });
  // What only adds is offered --extend, and taken: more values and repeats, a fixed value made a parameter that keeps it.
  const more = { ...three, schedule: { first_cycle_steps: 20 }, parameters: { ...three.parameters, max_lr: { values: [0.1, 0.2] } }, repeats: 3 };
  await assert.rejects(register(s, more), { message: /run with --extend to add the new configs/ });
  const extended = await withTrials(more, true);
  assert.equal((await s.trials(extended.record.id)).length, 3 * 2 * 3);
  assert.deepEqual(((await s.getSweep('r'))!.definition.parameters as Record<string, { values: number[] }>).max_lr.values, [0.1, 0.2]);
  await s.close();
});

test('--extend under budget.max_trials: more repeats that push trials past the cap name the cap that keeps them; leftovers of older changes are not the file\'s doing', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const capped = { ...base, parameters: { gamma: { values: [0.5, 0.9] } }, repeats: 2, budget: { max_trials: 4 } };
  const first = await register(s, capped);
  await s.addTrials(first.record.id, [...plan(first.sweep, 20)].map((t) => ({ configHash: t.hash, repeat: t.repeat, params: t.config, seed: t.seed })));
  // Repeats 3 under a cap of 4: gamma=0.5 takes 3 places, so gamma=0.9's repeat 1 falls past it.
  await assert.rejects(register(s, { ...capped, repeats: 3 }, true), {
    message: '--extend only adds configs, but budget.max_trials: 4 now stops before 1 of its trials (e.g. gamma=0.9, repeat 1): set budget.max_trials to 5 or more, or give the sweep another name; none of its trials finished, so run --replace makes this file its definition',
  });
  await assert.rejects(register(s, { ...capped, repeats: 3 }), { message: /set budget\.max_trials to 5 or more and run with --extend, or give the sweep another name; none of its trials finished, so run --replace makes this file its definition$/ });
  await register(s, { ...capped, repeats: 3, budget: { max_trials: 5 } }, true);
  // A sweep whose stored definition no longer plans some of its trials (an older lrsweep's
  // --extend could drop values): adding a value is still an addition.
  const old = (await s.getSweep('r'))!;
  await s.updateSweep(old.id, { definition: { ...old.definition, parameters: { gamma: { values: [0.5] } } }, file: old.file, steps: old.steps, trainerHash: null });
  const extended = await register(s, { ...capped, repeats: 3, budget: { max_trials: 5 }, parameters: { gamma: { values: [0.5, 0.7] } } }, true);
  assert.deepEqual((extended.sweep.parameters.gamma as { values: number[] }).values, [0.5, 0.7]);
  await s.close();
});

test('a definition stored before seeding existed resumes with per-config seeds when the file is silent, run after run, and counts as changed when the file asks for common ones', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const { sweep } = await checkSweep(base);
  const { seeding: _seeding, constraints: _c, lint: _l, ...old } = sweep as unknown as Record<string, unknown>;
  await s.createSweep({ name: 'r', definition: old, file: 'r.yaml', metric: 'val_loss', goal: 'minimize', steps: 20, trainerHash: null });
  for (let run = 0; run < 3; run++) {
    const resumed = await register(s, base);
    assert.deepEqual(resumed.sweep.seeding, { mode: 'per_config', base: 0 }, `run ${run}`);
    // Not written in: stored, per_config would read as chosen, and the silent file's default (common) as a change.
    assert.equal('seeding' in (await s.getSweep('r'))!.definition, false, `run ${run}`);
  }
  await assert.rejects(register(s, { ...base, seeding: { mode: 'common' } }), { message: /seeding\.mode: "per_config" -> "common"/ });
  // A file that says per_config means the same sweep, and from then on it is stored as chosen.
  await register(s, { ...base, seeding: { mode: 'per_config' } });
  assert.deepEqual((await s.getSweep('r'))!.definition.seeding, { mode: 'per_config', base: 0 });
  await s.close();
});

test('a sweep another run created between our read and our write is resumed, not an error', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const { sweep, written } = await checkSweep(base);
  // A store whose first getSweep misses the sweep another process is creating right then.
  let calls = 0;
  const racing = new Proxy(s, {
    get(target, key, receiver) {
      if (key === 'getSweep') {
        return async (name: string) => {
          if (calls++ === 0) {
            await target.createSweep({ name, definition: sweep as unknown as Record<string, unknown>, file: 'r.yaml', metric: 'val_loss', goal: 'minimize', steps: 20, trainerHash: null });
            return null;
          }
          return target.getSweep(name);
        };
      }
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const r = await registerSweep(racing, sweep, { file: 'r.yaml', written, extend: false, steps: 20, trainerHash: null });
  assert.equal(r.record.name, 'r');
  assert.equal((await s.listSweeps()).length, 1);
  await s.close();
});

test('a change of the trainer files is described by 12 hex digits of each hash, without the sha256: prefix', () => {
  const a = `sha256:${'a'.repeat(64)}`;
  const b = `sha256:${'b'.repeat(64)}`;
  assert.deepEqual(trainerFilesChange(a, b), { path: 'trainer files', text: `the trainer's files changed (content hash ${'a'.repeat(12)} -> ${'b'.repeat(12)})` });
  assert.equal(trainerFilesChange(a, a), null);
  assert.equal(trainerFilesChange(null, b), null, 'an older lrsweep stored no hash: nothing to compare');
});

test('registerTrials: a resumed sweep that has every trial its plan can have writes nothing (no plan walk); one cut short is completed; --extend adds', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  let adds = 0;
  const counted = new Proxy(s, {
    get(target, key, receiver) {
      if (key === 'addTrials') return (...a: Parameters<typeof s.addTrials>) => (adds++, target.addTrials(...a));
      const v = Reflect.get(target, key, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const registerAll = async (raw: Record<string, unknown>, o: { extend?: boolean; stopAt?: number; batch?: number } = {}) => {
    const { sweep, written } = await checkSweep(raw);
    const r = await registerSweep(counted, sweep, { file: 'r.yaml', written, extend: o.extend ?? false, steps: 20, trainerHash: null });
    const stop = new AbortController();
    adds = 0;
    const added = await registerTrials(counted, r.record.id, r.sweep, 20, {
      resumed: r.resumed, batch: o.batch ?? 5, signal: stop.signal, onRegistering: (done) => { if (done >= (o.stopAt ?? Infinity)) stop.abort(); },
    });
    return { added, adds, resumed: r.resumed, total: (await s.trials(r.record.id)).length };
  };
  const grid = { ...base, parameters: { gamma: { values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6] } }, repeats: 2 };
  assert.deepEqual(await registerAll(grid, { stopAt: 5 }), { added: 5, adds: 1, resumed: false, total: 5 }, 'Ctrl-C after the first batch');
  assert.deepEqual(await registerAll(grid), { added: 7, adds: 3, resumed: true, total: 12 }, 'the cut registration is completed');
  assert.deepEqual(await registerAll(grid), { added: 0, adds: 0, resumed: true, total: 12 }, 'all there: nothing planned or written');
  assert.deepEqual(await registerAll({ ...grid, repeats: 3 }, { extend: true }), { added: 6, adds: 4, resumed: false, total: 18 }, '--extend adds');
  assert.deepEqual(await registerAll({ ...grid, repeats: 3 }), { added: 0, adds: 0, resumed: true, total: 18 });
  // A plan with fewer trials than its upper bound (sampled duplicates dropped) is walked again, and adds nothing.
  const sampled = { ...base, name: 'dup', method: 'random', trials: 8, parameters: { gamma: { values: [0.5, 1] } } };
  assert.deepEqual(await registerAll(sampled), { added: 2, adds: 1, resumed: false, total: 2 });
  assert.deepEqual(await registerAll(sampled), { added: 0, adds: 1, resumed: true, total: 2 });
  // Samples whose streams collide (seed 1351: 1300 samples, 1299 configs) are counted as the plan has them: skipped.
  const streams = { ...base, name: 'streams', method: 'random', seed: 1351, trials: 1300, parameters: { gamma: { min: 0.5, max: 1, distribution: 'uniform' } } };
  assert.deepEqual(await registerAll(streams, { batch: 500 }), { added: 1299, adds: 3, resumed: false, total: 1299 });
  assert.deepEqual(await registerAll(streams, { batch: 500 }), { added: 0, adds: 0, resumed: true, total: 1299 });
  await s.close();
});

test('a sweep whose kind varies: --extend adds a kind in front or at the end (the old kinds\' trials kept, the new kind\'s added); taking one out is refused, naming it', async () => {
  const s = openSqlite(join(dir, `r${n++}.db`), { mode: 'write' });
  const trainer = { kind: 'quadratic', epochs: 2, steps_per_epoch: 10 };
  const registerAll = async (raw: Record<string, unknown>, extend = false) => {
    const r = await register(s, raw, extend);
    await registerTrials(s, r.record.id, r.sweep, 20, { resumed: r.resumed });
    return { r, trials: (await s.trials(r.record.id)).map((t) => ({ number: t.number, hash: t.configHash, kind: t.params.schedule })) };
  };
  const cawr = { name: 'k', schedule: { first_cycle_steps: 20 }, parameters: { kind: { values: ['cawr'] }, cycle_mult: { values: [1, 2] } }, trainer };
  const before = (await registerAll(cawr)).trials;
  assert.deepEqual(before.map((t) => t.kind), ['cawr', 'cawr']);

  // sgdr in front: schedule.kind (stored as the first listed kind) is not part of what changed.
  const front = { ...cawr, schedule: { first_cycle_steps: 20, t_0: 10, base_lr: 0.05 }, parameters: { ...cawr.parameters, kind: { values: ['sgdr', 'cawr'] } } };
  await assert.rejects(register(s, front), {
    message: `sweep "k" already exists in ${s.where} with another definition (parameters.kind.values: ["cawr"] -> ["sgdr","cawr"]; schedule.base_lr: (not set) -> 0.05; schedule.t_0: (not set) -> 10): run with --extend to add the new configs, or give the sweep another name`,
  });
  const fronted = await registerAll(front, true);
  assert.deepEqual(fronted.trials.slice(0, 2), before, 'the cawr trials kept, numbers and configs');
  assert.deepEqual(fronted.trials.slice(2).map((t) => [t.number, t.kind]), [[3, 'sgdr']]);
  assert.equal(((await s.getSweep('k'))!.definition.schedule as { kind: string }).kind, 'sgdr', 'stored as the file has it: its first listed kind');
  // The same file again resumes its sweep, nothing rewritten.
  const stored = (await s.getSweep('k'))!.updatedAt;
  assert.equal((await register(s, front)).resumed, true);
  assert.equal((await s.getSweep('k'))!.updatedAt, stored);

  // wsd at the end.
  const end = { ...front, schedule: { ...front.schedule, lr: 0.05, num_training_steps: 20, num_decay_steps: 5 }, parameters: { ...front.parameters, kind: { values: ['sgdr', 'cawr', 'wsd'] } } };
  const ended = await registerAll(end, true);
  assert.deepEqual(ended.trials.slice(0, 3), fronted.trials);
  assert.deepEqual(ended.trials.slice(3).map((t) => [t.number, t.kind]), [[4, 'wsd']]);

  // Taking sgdr out drops its trial: refused, with the kind it drops (its own keys only), --extend or not.
  const { t_0: _t0, base_lr: _baseLr, ...others } = end.schedule;
  const without = { ...end, schedule: others, parameters: { ...end.parameters, kind: { values: ['cawr', 'wsd'] } } };
  await assert.rejects(register(s, without, true), {
    name: 'DefinitionChangedError',
    message: '--extend only adds configs, but the file no longer has 1 of its trials (e.g. kind="sgdr", repeat 0): keep their values in the file, or give the sweep another name; none of its trials finished, so run --replace makes this file its definition',
  });
  await assert.rejects(register(s, without), { message: /\(parameters\.kind\.values: \["sgdr","cawr","wsd"\] -> \["cawr","wsd"\];.*\): the file no longer has 1 of its trials \(e\.g\. kind="sgdr", repeat 0\)/ });
  assert.deepEqual(((await s.getSweep('k'))!.definition.parameters as Record<string, { values: string[] }>).kind.values, ['sgdr', 'cawr', 'wsd'], 'nothing written');

  // A sweep of one kind still refuses another kind as incomparable: every trial would change.
  await register(s, { ...cawr, name: 'one', parameters: { cycle_mult: { values: [1, 2] } } });
  await assert.rejects(register(s, { name: 'one', schedule: { kind: 'sgdr', t_0: 20, base_lr: 0.05 }, trainer }, true), { message: /would make old and new trials incomparable \(.*schedule\.kind: "cawr" -> "sgdr"/ });
  await s.close();
});
