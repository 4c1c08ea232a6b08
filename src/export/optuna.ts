// `lrsweep export NAME --format optuna`: a sweep as an Optuna study in a SQLite file, so
// optuna.load_study and optuna-dashboard (importance, history, parallel coordinates) read it.
// One Optuna trial per lrsweep trial; parameters are the varied ones, with the distributions
// Optuna would have used; intermediate values are the per-epoch losses. Anchors (the predict
// sampler's) carry the user attr lrsweep_anchor (their name); those outside the sweep's space are
// ranked nowhere (sweep/ranking.ts) and are no point of the study's space, so they are left out
// of its trials (Optuna's best_trial would be one) and listed in the study attr
// lrsweep_unranked_anchors instead.

import { existsSync, renameSync, rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { TrialState } from '../core/trial.js';
import { lossMetricFor } from '../core/trial.js';
import type { Storage, SweepRecord, TrialRecord } from '../storage/types.js';
import { INTEGER_PARAMETERS } from '../schedule/params.js';
import type { ParamSpec, Sweep } from '../sweep/definition.js';
import { anchorMarks } from '../sweep/plan-check.js';
import { describeMethod } from '../sweep/samplers/index.js';
import { OPTUNA_ALEMBIC_VERSION, OPTUNA_DDL, OPTUNA_LIBRARY_VERSION, OPTUNA_SCHEMA_VERSION } from './optuna-schema.js';

interface Distribution {
  json: string;
  /** Optuna's internal representation: the value itself, or a categorical choice's index. */
  internal(value: unknown): number;
}

/** The distribution Optuna would report for a varied parameter. */
export function distributionOf(key: string, spec: ParamSpec): Distribution {
  const numeric = (v: unknown) => v as number;
  if ('values' in spec) {
    if (spec.values.every((v) => typeof v === 'number')) {
      const xs = spec.values as number[];
      const low = Math.min(...xs);
      const high = Math.max(...xs);
      if (INTEGER_PARAMETERS.has(key)) {
        return { json: JSON.stringify({ name: 'IntDistribution', attributes: { log: false, step: 1, low, high } }), internal: numeric };
      }
      return { json: JSON.stringify({ name: 'FloatDistribution', attributes: { step: null, low, high, log: false } }), internal: numeric };
    }
    const choices = spec.values;
    return {
      json: JSON.stringify({ name: 'CategoricalDistribution', attributes: { choices } }),
      internal: (v) => choices.indexOf(v as never),
    };
  }
  if (spec.distribution === 'int_uniform') {
    return { json: JSON.stringify({ name: 'IntDistribution', attributes: { log: false, step: 1, low: spec.min, high: spec.max } }), internal: numeric };
  }
  return {
    json: JSON.stringify({ name: 'FloatDistribution', attributes: { step: null, low: spec.min, high: spec.max, log: spec.distribution === 'log_uniform' } }),
    internal: numeric,
  };
}

const STATES: Record<TrialState, string> = {
  complete: 'COMPLETE', diverged: 'FAIL', pruned: 'PRUNED', failed: 'FAIL', interrupted: 'FAIL', waiting: 'WAITING', queued: 'WAITING', running: 'RUNNING',
};

/** Optuna's DATETIME text (SQLAlchemy on SQLite): "YYYY-MM-DD HH:MM:SS.ffffff". */
function datetime(iso: string | null): string | null {
  return iso === null ? null : `${iso.replace('T', ' ').replace('Z', '')}000`;
}

function valueType(v: number | null): [number | null, string] {
  if (v === null || Number.isNaN(v)) return [null, 'NAN'];
  if (v === Infinity) return [null, 'INF_POS'];
  if (v === -Infinity) return [null, 'INF_NEG'];
  return [v, 'FINITE'];
}

export async function exportOptuna(storage: Storage, sweep: SweepRecord, definition: Sweep, path: string): Promise<{ trials: number; unranked: number }> {
  const marks = anchorMarks(definition, sweep.steps);
  const anchorOf = (t: TrialRecord) => (t.origin === 'anchor' ? marks.get(t.configHash) : undefined);
  const all = await storage.trials(sweep.id);
  const unranked = all.filter((t) => anchorOf(t)?.inside === false);
  const trials = all.filter((t) => anchorOf(t)?.inside !== false);
  const points = await storage.points(trials.map((t) => t.id));
  const names = [...new Set([...points.values()].flatMap((ps) => ps.flatMap((p) => Object.keys(p.values))))];
  // Intermediate values: the objective itself when it is reported per epoch, else a loss.
  const metric = names.includes(definition.objective.metric) ? definition.objective.metric : lossMetricFor(definition.objective.metric, names);
  const distributions = Object.entries(definition.parameters).map(([key, spec]) => ({ key, d: distributionOf(key, spec) }));
  const partial = `${path}.partial`;
  rmSync(partial, { force: true });
  const db = new Database(partial);
  try {
    db.exec(OPTUNA_DDL);
    const insert = {
      trial: db.prepare('INSERT INTO trials (trial_id, number, study_id, state, datetime_start, datetime_complete) VALUES (?, ?, 1, ?, ?, ?)'),
      param: db.prepare('INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)'),
      value: db.prepare("INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, 0, ?, ?)"),
      intermediate: db.prepare('INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) VALUES (?, ?, ?, ?)'),
      userAttr: db.prepare('INSERT INTO trial_user_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)'),
      systemAttr: db.prepare('INSERT INTO trial_system_attributes (trial_id, "key", value_json) VALUES (?, ?, ?)'),
    };
    db.transaction(() => {
      db.prepare('INSERT INTO version_info (version_info_id, schema_version, library_version) VALUES (1, ?, ?)').run(OPTUNA_SCHEMA_VERSION, OPTUNA_LIBRARY_VERSION);
      db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(OPTUNA_ALEMBIC_VERSION);
      db.prepare('INSERT INTO studies (study_id, study_name) VALUES (1, ?)').run(sweep.name);
      db.prepare('INSERT INTO study_directions (direction, study_id, objective) VALUES (?, 1, 0)').run(sweep.goal === 'minimize' ? 'MINIMIZE' : 'MAXIMIZE');
      const studyAttr = db.prepare('INSERT INTO study_user_attributes (study_id, "key", value_json) VALUES (1, ?, ?)');
      studyAttr.run('lrsweep_metric', JSON.stringify(sweep.metric));
      studyAttr.run('lrsweep_definition', JSON.stringify(definition));
      studyAttr.run('lrsweep_sampler', JSON.stringify(describeMethod(definition.method)));
      if (unranked.length > 0) {
        studyAttr.run('lrsweep_unranked_anchors', JSON.stringify(unranked.map((t) => ({
          lrsweep_trial: t.number, name: anchorOf(t)!.name, config_hash: t.configHash, repeat: t.repeat, lrsweep_state: t.state, value: Number.isFinite(t.objective) ? t.objective : null, params: t.params,
        }))));
      }
      trials.forEach((t: TrialRecord, number) => {
        const id = number + 1;
        // Optuna fails a trial whose objective is NaN (a diverged one); so does this export.
        const state = STATES[t.state];
        const ended = state === 'COMPLETE' || state === 'FAIL' || state === 'PRUNED';
        insert.trial.run(id, number, state, datetime(t.startedAt), ended ? datetime(t.finishedAt) : null);
        // A sweep whose kind varies: a trial has its kind's parameters only (Optuna's conditional parameters).
        for (const { key, d } of distributions) if (t.params[key] !== undefined) insert.param.run(id, key, d.internal(t.params[key]), d.json);
        // A pruned trial's value is its last reported objective, as Optuna's tell() gives a pruned trial.
        if (state === 'COMPLETE' || (state === 'PRUNED' && t.objective !== null)) insert.value.run(id, ...valueType(t.objective));
        if (metric !== null) {
          for (const p of points.get(t.id) ?? []) {
            const v = p.values[metric];
            if (v !== undefined && p.epoch !== null) insert.intermediate.run(id, p.epoch, ...valueType(v));
          }
        }
        for (const [k, v] of Object.entries({ lrsweep_trial: t.number, config_hash: t.configHash, repeat: t.repeat, seed: t.seed, lrsweep_state: t.state, lrsweep_origin: t.origin })) {
          insert.userAttr.run(id, k, JSON.stringify(v));
        }
        const anchor = anchorOf(t);
        if (anchor) insert.userAttr.run(id, 'lrsweep_anchor', JSON.stringify(anchor.name));
        if (state === 'FAIL' && (t.error ?? null) !== null) insert.systemAttr.run(id, 'fail_reason', JSON.stringify(t.error));
        if (state === 'PRUNED' && (t.error ?? null) !== null) insert.userAttr.run(id, 'lrsweep_pruned', JSON.stringify(t.error));
      });
    })();
    db.close();
    if (existsSync(path)) rmSync(path);
    renameSync(partial, path);
    return { trials: trials.length, unranked: unranked.length };
  } catch (e) {
    if (db.open) db.close();
    rmSync(partial, { force: true });
    throw e;
  }
}
