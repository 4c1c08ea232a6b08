// The reporting views (ranked_trials, ranked_configs, epochs) are written once per dialect
// (schema.ts, postgres-schema.ts: migration history). This proves both backends rank alike: the
// same trials loaded into a SQLite file and a PostgreSQL schema give the same rows of each view and
// the same bestConfigs, with ties, both goals, repeats, and trials that must not count (diverged,
// failed, waiting, pruned: a pruned trial's objective is its last reported value, here better than
// every complete one, so a view that let it in would show). Objectives are binary fractions, so
// means are exact on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPostgres } from '../../src/storage/postgres.js';
import { openSqlite } from '../../src/storage/sqlite.js';
import type { Outcome, Storage } from '../../src/storage/types.js';
import { freshSchema, schemaUrl, sql, withPostgres } from './pg-server.js';

type Result = number | 'diverged' | 'failed' | 'waiting' | { pruned: number };

/** Per sweep: config -> each repeat's result. */
const SWEEPS: { name: string; goal: 'minimize' | 'maximize'; configs: Record<string, Result[]> }[] = [
  // a and b tie on their mean (1.0); c has a diverged repeat (its mean is its complete one);
  // d only failed, e only waits: neither is ranked. Trials 0.5 (a) and 0.5 (f) tie.
  // a's pruned repeat and g (pruned only) are not ranked.
  { name: 'low', goal: 'minimize', configs: { a: [1.5, 0.5, 1, { pruned: 0.0625 }], b: [0.25, 1.75], c: [2, 'diverged'], d: ['failed'], e: ['waiting'], f: [0.5], g: [{ pruned: 0.125 }] } },
  { name: 'high', goal: 'maximize', configs: { a: [0.75, 0.25], b: [1], c: [0.5, 'failed', 0.5], d: ['diverged'] } },
];

async function load(s: Storage): Promise<void> {
  for (const spec of SWEEPS) {
    const sweep = await s.createSweep({ name: spec.name, definition: {}, file: null, metric: 'val_loss', goal: spec.goal, steps: 10, trainerHash: null });
    const results = new Map<string, Result>();
    const trials = Object.entries(spec.configs).flatMap(([config, rs]) => rs.map((r, repeat) => {
      results.set(`${config}/${repeat}`, r);
      return { configHash: `hash-${config}`, repeat, params: { config, lr: config.charCodeAt(0) / 100 }, seed: 1 };
    }));
    await s.addTrials(sweep.id, trials);
    const run = await s.beginRun(sweep.id, { pid: 1, host: 'h', workers: 1, backend: 'wasm' });
    const ended = (await s.claimTrials(sweep.id, run, 100)).map((t) => ({ t, r: results.get(`${t.configHash.slice(5)}/${t.repeat}`)! })).filter((x) => x.r !== 'waiting');
    const outcomes = ended.map(({ t, r }): Outcome => (r === 'failed' ? { trialId: t.id, state: 'failed', error: 'boom', durationMs: 1 }
      : typeof r === 'object' ? { trialId: t.id, state: 'pruned', objective: r.pruned, durationMs: 1, note: 'pruned at step 10' }
      : { trialId: t.id, state: r === 'diverged' ? 'diverged' : 'complete', objective: r === 'diverged' ? null : (r as number), durationMs: 1 }));
    const points = ended.flatMap(({ t }, i) => [1, 2].map((epoch) => ({
      trialId: t.id, attempt: t.attempts, seq: epoch - 1,
      point: { epoch, step: epoch * 10, values: { train_loss: i + epoch / 4, val_loss: i + epoch / 8, val_accuracy: epoch / 16, lr: 0.5 } },
    })));
    await s.commit(run, { started: ended.map(({ t }) => ({ trialId: t.id })), points, outcomes });
    await s.releaseRun(run);
    await s.endRun(run, 'finished');
  }
}

/** The views' rows, by trial number rather than id, in one order, values as numbers and params decoded. */
const VIEWS = {
  ranked_trials: `SELECT sweep, number, config_hash, repeat, objective, params, rank FROM ranked_trials ORDER BY sweep, rank, number`,
  ranked_configs: `SELECT sweep, config_hash, params, mean_objective, repeats, best_trial, rank FROM ranked_configs ORDER BY sweep, rank, config_hash`,
  epochs: `SELECT s.name AS sweep, t.number, e.epoch, e.train_loss, e.val_loss, e.val_accuracy, e.lr
           FROM epochs e JOIN trials t ON t.id = e.trial_id JOIN sweeps s ON s.id = t.sweep_id ORDER BY s.name, t.number, e.epoch`,
};

function normal(rows: Record<string, unknown>[]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) =>
    [k, k === 'params' ? (typeof v === 'string' ? JSON.parse(v) : v) : typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v])));
}

async function report(s: Storage, view: (q: string) => Promise<Record<string, unknown>[]>) {
  const out: Record<string, unknown> = {};
  for (const [name, q] of Object.entries(VIEWS)) out[name] = normal(await view(q));
  for (const spec of SWEEPS) {
    const sweep = (await s.getSweep(spec.name))!;
    out[`best ${spec.name}`] = (await s.bestConfigs(sweep.id, 100)).map(({ bestTrialId: _, ...c }) => c);
    out[`best trial ${spec.name}`] = await s.bestTrialObjective(sweep.id);
  }
  return out;
}

withPostgres(() => {
  test('views: SQLite and PostgreSQL rank the same trials alike (ranked_trials, ranked_configs, epochs, bestConfigs)', async () => {
    const lite = openSqlite(join(mkdtempSync(join(tmpdir(), 'lrsweep-views-')), 'v.db'), { mode: 'write' });
    const schema = freshSchema();
    const pg = await openPostgres(schemaUrl(schema), { mode: 'write' });
    try {
      await load(lite);
      await load(pg);
      const fromLite = await report(lite, async (q) => lite.db.prepare(q).all() as Record<string, unknown>[]);
      const fromPg = await report(pg, (q) => sql(q, [], schema));
      // The data set is not degenerate: both goals, a tie of means, rows left out.
      const configs = fromLite.ranked_configs as { sweep: string; config_hash: string; rank: number }[];
      assert.deepEqual(configs.filter((c) => c.sweep === 'low').map((c) => [c.config_hash, c.rank]),
        [['hash-f', 1], ['hash-a', 2], ['hash-b', 2], ['hash-c', 4]]);
      assert.deepEqual(configs.filter((c) => c.sweep === 'high').map((c) => [c.config_hash, c.rank]), [['hash-b', 1], ['hash-a', 2], ['hash-c', 2]]);
      assert.equal(fromLite['best trial low'], 0.25, 'the best complete trial, not a pruned one');
      assert.deepEqual((fromLite['best low'] as { configHash: string; repeats: number }[]).find((c) => c.configHash === 'hash-a')?.repeats, 3);
      const ended = SWEEPS.flatMap((x) => Object.values(x.configs).flat()).filter((r) => r !== 'waiting').length;
      assert.equal((fromLite.epochs as unknown[]).length, 2 * ended, 'two epochs of every trial that ran');
      assert.deepEqual(fromPg, fromLite);
    } finally {
      await lite.close();
      await pg.close();
    }
  });
});
