// The PostgreSQL schema and its migrations: the same tables, columns and views as the SQLite
// schema (schema.ts; the README's "Schema" section documents both), in PostgreSQL 15 SQL, inside
// one PostgreSQL schema (the URL's ?schema=, else public). Versions count as SQLite's do: the
// first PostgreSQL schema is version 2, SQLite's current one, so a version means the same tables
// on both backends. Migrations run in order in one transaction under an advisory lock, so two
// processes opening a new schema at once are safe.
//
// Differences from SQLite, each for a reason:
// - Times are timestamptz(3) (milliseconds, what SQLite's ISO strings keep), read back as ISO strings.
// - definition, params, provenance and process are `json`, not jsonb: json keeps the text as
//   written, so keys keep their order (the order `best`, `trials` and `show` print parameters in)
//   and a copy between backends is exact. Cast to jsonb for containment queries (params::jsonb @> ...).
// - metrics.value keeps NaN and infinities natively (SQLite keeps NaN as NULL).
// - Parameter columns are STORED generated columns (PostgreSQL has no virtual ones).
// - Claims use partial indexes on waiting trials (as SQLite's do since version 4).

import type { PoolClient } from 'pg';
import { PARAM_COLUMNS } from '../schedule/params.js';
import { SchemaError } from './types.js';

export const PG_SCHEMA_VERSION = 7;

/** A generated column for a schedule parameter: its number in params, or NULL when params has no number there. */
export function paramColumn(name: string): string {
  return `${name} double precision GENERATED ALWAYS AS (CASE WHEN json_typeof(params -> '${name}') = 'number' THEN (params ->> '${name}')::double precision END) STORED`;
}

const TIME = 'timestamptz(3)';

const V2 = `
CREATE TABLE sweeps (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  definition    json NOT NULL,
  file          text,
  metric        text NOT NULL,
  goal          text NOT NULL CHECK (goal IN ('minimize', 'maximize')),
  steps         bigint NOT NULL,
  trainer_hash  text,
  status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at    ${TIME} NOT NULL DEFAULT now(),
  updated_at    ${TIME} NOT NULL DEFAULT now()
);
CREATE TABLE runs (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sweep_id      bigint NOT NULL REFERENCES sweeps(id),
  pid           integer NOT NULL,
  host          text NOT NULL,
  workers       integer NOT NULL,
  backend       text NOT NULL,
  status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  started_at    ${TIME} NOT NULL DEFAULT now(),
  heartbeat_at  ${TIME} NOT NULL DEFAULT now(),
  ended_at      ${TIME}
);
CREATE INDEX runs_by_sweep ON runs (sweep_id);
CREATE TABLE trials (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  sweep_id     bigint NOT NULL REFERENCES sweeps(id),
  number       integer NOT NULL,
  config_hash  text NOT NULL,
  repeat       integer NOT NULL,
  params       json NOT NULL,
  seed         bigint NOT NULL,
  state        text NOT NULL DEFAULT 'waiting'
               CHECK (state IN ('waiting', 'queued', 'running', 'complete', 'diverged', 'failed', 'interrupted')),
  objective    double precision,
  run_id       bigint REFERENCES runs(id),
  attempts     integer NOT NULL DEFAULT 0,
  error        text,
  created_at   ${TIME} NOT NULL DEFAULT now(),
  started_at   ${TIME},
  finished_at  ${TIME},
  duration_ms  double precision,
  provenance   json,
  process      json,
  UNIQUE (sweep_id, config_hash, repeat),
  UNIQUE (sweep_id, number)
);
CREATE INDEX trials_by_state ON trials (sweep_id, state);
-- What claims read: waiting trials in number order.
CREATE INDEX trials_waiting ON trials (sweep_id, number) WHERE state = 'waiting';
-- What commits and releases read: the trials a run holds.
CREATE INDEX trials_held ON trials (run_id) WHERE state IN ('queued', 'running');
CREATE TABLE metrics (
  trial_id  bigint NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  attempt   integer NOT NULL,
  seq       integer NOT NULL,
  epoch     bigint,
  step      bigint,
  name      text NOT NULL,
  value     double precision,
  PRIMARY KEY (trial_id, attempt, seq, name)
);
-- The built-in trainers' metrics per epoch, one column each, as SQLite's version 1 had them.
CREATE VIEW epochs AS
SELECT m.trial_id, m.epoch,
       MAX(CASE m.name WHEN 'train_loss' THEN m.value END) AS train_loss,
       MAX(CASE m.name WHEN 'val_loss' THEN m.value END) AS val_loss,
       MAX(CASE m.name WHEN 'val_accuracy' THEN m.value END) AS val_accuracy,
       MAX(CASE m.name WHEN 'lr' THEN m.value END) AS lr
FROM metrics m JOIN trials t ON t.id = m.trial_id AND m.attempt = t.attempts
WHERE m.epoch IS NOT NULL
GROUP BY m.trial_id, m.epoch;
-- Complete trials with a numeric objective, best first within each sweep (rank 1 is best).
CREATE VIEW ranked_trials AS
SELECT s.name AS sweep, t.id AS trial_id, t.number, t.config_hash, t.repeat, t.objective, t.params,
       RANK() OVER (PARTITION BY t.sweep_id
                    ORDER BY CASE s.goal WHEN 'maximize' THEN -t.objective ELSE t.objective END) AS rank
FROM trials t JOIN sweeps s ON s.id = t.sweep_id
WHERE t.state = 'complete' AND t.objective IS NOT NULL;
-- Configs (all repeats of one config hash) by mean objective over their complete repeats;
-- best_trial_id / best_trial are the config's best repeat. One pass of window functions.
CREATE VIEW ranked_configs AS
WITH per_trial AS (
  SELECT s.name AS sweep, s.goal, t.sweep_id, t.config_hash, t.params, t.objective, t.id, t.number,
         ROW_NUMBER() OVER (PARTITION BY t.sweep_id, t.config_hash
                            ORDER BY CASE s.goal WHEN 'maximize' THEN -t.objective ELSE t.objective END, t.id) AS nth
  FROM trials t JOIN sweeps s ON s.id = t.sweep_id
  WHERE t.state = 'complete' AND t.objective IS NOT NULL
), per_config AS (
  SELECT MIN(sweep) AS sweep, sweep_id, MIN(goal) AS goal, config_hash, (array_agg(params) FILTER (WHERE nth = 1))[1] AS params,
         AVG(objective) AS mean_objective, COUNT(*) AS repeats,
         MAX(CASE WHEN nth = 1 THEN id END) AS best_trial_id, MAX(CASE WHEN nth = 1 THEN number END) AS best_trial
  FROM per_trial GROUP BY sweep_id, config_hash
)
SELECT sweep, sweep_id, config_hash, params, mean_objective, repeats, best_trial_id, best_trial,
       RANK() OVER (PARTITION BY sweep_id ORDER BY CASE goal WHEN 'maximize' THEN -mean_objective ELSE mean_objective END) AS rank
FROM per_config;
`;

// Version 3, as SQLite's: how many times a trial's worker was lost since the sweep was last run.
const V3 = 'ALTER TABLE trials ADD COLUMN lost integer NOT NULL DEFAULT 0';

// Version 4, as SQLite's: cohort claims walk one seed's waiting trials in number order (the
// waiting index alone made them visit every waiting trial when seeds differ per config); the
// best complete trial is one index probe; the highest number a sweep has given.
const V4 = `
CREATE INDEX trials_waiting_seed ON trials (sweep_id, seed, number) WHERE state = 'waiting';
CREATE INDEX trials_complete ON trials (sweep_id, objective) WHERE state = 'complete';
ALTER TABLE sweeps ADD COLUMN last_number integer NOT NULL DEFAULT 0;
UPDATE sweeps SET last_number = (SELECT COALESCE(MAX(number), 0) FROM trials WHERE trials.sweep_id = sweeps.id);
`;

// Version 5, as SQLite's: where each trial came from ('plan', 'startup', 'model').
const V5 = "ALTER TABLE trials ADD COLUMN origin text NOT NULL DEFAULT 'plan' CHECK (origin IN ('plan', 'startup', 'model'))";

// Version 6, as SQLite's: the pruned state. PostgreSQL alters the CHECK in place (V2 made it as
// a column constraint, which PostgreSQL names trials_state_check).
const V6 = `
ALTER TABLE trials DROP CONSTRAINT trials_state_check;
ALTER TABLE trials ADD CONSTRAINT trials_state_check
  CHECK (state IN ('waiting', 'queued', 'running', 'complete', 'diverged', 'pruned', 'failed', 'interrupted'));
`;

// Version 7, as SQLite's: the 'anchor' origin (the predict sampler's anchor runs; V5 made the
// origin CHECK as a column constraint, which PostgreSQL names trials_origin_check), and the claim
// order (predict --prioritise), with the waiting indexes leading with it.
const V7 = `
ALTER TABLE trials DROP CONSTRAINT trials_origin_check;
ALTER TABLE trials ADD CONSTRAINT trials_origin_check CHECK (origin IN ('plan', 'startup', 'model', 'anchor'));
ALTER TABLE trials ADD COLUMN claim_order integer NOT NULL DEFAULT 0;
DROP INDEX trials_waiting;
DROP INDEX trials_waiting_seed;
CREATE INDEX trials_waiting ON trials (sweep_id, claim_order, number) WHERE state = 'waiting';
CREATE INDEX trials_waiting_seed ON trials (sweep_id, seed, claim_order, number) WHERE state = 'waiting';
`;

export const PG_MIGRATIONS: { version: number; sql: string }[] = [
  { version: 2, sql: V2 }, { version: 3, sql: V3 }, { version: 4, sql: V4 }, { version: 5, sql: V5 }, { version: 6, sql: V6 }, { version: 7, sql: V7 },
];

/** Tables and views in the schema (search_path's first entry). */
export async function tablesIn(c: PoolClient): Promise<string[]> {
  const r = await c.query<{ name: string }>(`SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY c.relname COLLATE "C"`);
  return r.rows.map((x) => x.name);
}

/** The schema version: 0 when the schema has no lrsweep_meta (missing, empty, or not ours). */
export async function pgSchemaVersion(c: PoolClient): Promise<number> {
  const meta = await c.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 'lrsweep_meta'");
  if (meta.rowCount === 0) return 0;
  const r = await c.query<{ value: string }>("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'");
  return r.rows.length ? Number(r.rows[0].value) : 0;
}

/** Parameter columns the table declares that `trials` lacks yet (a parameter added after the schema was made). */
async function ensureParamColumns(c: PoolClient): Promise<void> {
  const r = await c.query<{ name: string }>(`SELECT attname AS name FROM pg_attribute
    WHERE attrelid = 'trials'::regclass AND attnum > 0 AND NOT attisdropped`);
  const have = new Set(r.rows.map((x) => x.name));
  for (const name of PARAM_COLUMNS) if (!have.has(name)) await c.query(`ALTER TABLE trials ADD COLUMN ${paramColumn(name)}`);
}

/** The advisory lock that serializes migrations of one schema (two keys: lrsweep's, and the schema name's hash). */
const LOCK = 'SELECT pg_advisory_xact_lock(1819440243, hashtext($1))';

/**
 * Brings the schema to PG_SCHEMA_VERSION, creating it when it is missing. Refuses a schema from a
 * newer lrsweep, and one holding tables that are not lrsweep's. `describe` names the store in
 * messages. The schema name is a checked lowercase SQL name (postgres.ts).
 */
export async function migratePg(c: PoolClient, schema: string, describe: string): Promise<void> {
  await c.query('BEGIN READ WRITE');
  try {
    await c.query(LOCK, [schema]);
    // Only when missing: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege even when it exists.
    if ((await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 0) await c.query(`CREATE SCHEMA "${schema}"`);
    const version = await pgSchemaVersion(c);
    if (version > PG_SCHEMA_VERSION) throw newerSchema(describe, version);
    if (version === 0) {
      const foreign = await tablesIn(c);
      if (foreign.length > 0) throw foreignSchema(describe, foreign);
      await c.query('CREATE TABLE lrsweep_meta (key text PRIMARY KEY, value text NOT NULL)');
    }
    for (const m of PG_MIGRATIONS) {
      if (m.version <= version) continue;
      await c.query(m.sql);
      await c.query("INSERT INTO lrsweep_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [String(m.version)]);
    }
    await ensureParamColumns(c);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => {});
    throw e;
  }
}

/** Whether the schema needs migrate() (older, or lacking a parameter column), without locking. */
export async function needsMigration(c: PoolClient, version: number): Promise<boolean> {
  if (version < PG_SCHEMA_VERSION) return true;
  const r = await c.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM pg_attribute
    WHERE attrelid = 'trials'::regclass AND attnum > 0 AND NOT attisdropped AND attname = ANY($1)`, [[...PARAM_COLUMNS]]);
  return r.rows[0].n < PARAM_COLUMNS.length;
}

export function newerSchema(describe: string, version: number): SchemaError {
  return new SchemaError(`--db: ${describe} has schema version ${version}, newer than this lrsweep's ${PG_SCHEMA_VERSION}: upgrade lrsweep`);
}

export function foreignSchema(describe: string, tables: string[]): SchemaError {
  return new SchemaError(`--db: ${JSON.stringify(describe)} is a PostgreSQL schema but not an lrsweep one (it has ${tables.slice(0, 5).join(', ')}${tables.length > 5 ? ', ...' : ''}); pass another --db, or another ?schema=NAME`);
}
