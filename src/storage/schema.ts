// The SQLite schema and its migrations. The README's "Schema" section documents these tables
// for users who query with plain SQL; keep the two in step. A new schema version is a new entry
// in MIGRATIONS, applied in order inside one transaction when a newer lrsweep opens the file.

import type { Database } from 'better-sqlite3';
import { SchemaError } from './types.js';

const NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

/** Schedule parameters exposed as columns of `trials` (read from its params JSON). */
const PARAM_COLUMNS = ['first_cycle_steps', 'cycle_mult', 'max_lr', 'min_lr', 'warmup_steps', 'gamma', 't_0', 't_mult', 'eta_min', 'base_lr'];

const V1 = `
CREATE TABLE sweeps (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  definition  TEXT NOT NULL CHECK (json_valid(definition)),
  file        TEXT,
  metric      TEXT NOT NULL,
  goal        TEXT NOT NULL CHECK (goal IN ('minimize', 'maximize')),
  created_at  TEXT NOT NULL DEFAULT ${NOW},
  updated_at  TEXT NOT NULL DEFAULT ${NOW}
);
CREATE TABLE runs (
  id            INTEGER PRIMARY KEY,
  sweep_id      INTEGER NOT NULL REFERENCES sweeps(id),
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  workers       INTEGER NOT NULL,
  backend       TEXT NOT NULL,
  status        TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'finished', 'interrupted', 'failed')),
  started_at    TEXT NOT NULL DEFAULT ${NOW},
  heartbeat_at  TEXT NOT NULL DEFAULT ${NOW},
  ended_at      TEXT
);
CREATE TABLE trials (
  id           INTEGER PRIMARY KEY,
  sweep_id     INTEGER NOT NULL REFERENCES sweeps(id),
  config_hash  TEXT NOT NULL,
  repeat       INTEGER NOT NULL,
  params       TEXT NOT NULL CHECK (json_valid(params)),
  seed         INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'running', 'complete', 'failed', 'interrupted')),
  objective    REAL,
  run_id       INTEGER REFERENCES runs(id),
  attempts     INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  created_at   TEXT NOT NULL DEFAULT ${NOW},
  started_at   TEXT,
  finished_at  TEXT,
  duration_ms  REAL,
  ${PARAM_COLUMNS.map((c) => `${c} GENERATED ALWAYS AS (json_extract(params, '$.${c}')) VIRTUAL`).join(',\n  ')},
  UNIQUE (sweep_id, config_hash, repeat)
);
CREATE INDEX trials_by_state ON trials (sweep_id, state);
CREATE TABLE epochs (
  trial_id      INTEGER NOT NULL REFERENCES trials(id) ON DELETE CASCADE,
  epoch         INTEGER NOT NULL,
  train_loss    REAL,
  val_loss      REAL,
  val_accuracy  REAL,
  lr            REAL NOT NULL,
  PRIMARY KEY (trial_id, epoch)
) WITHOUT ROWID;
-- Complete trials with a numeric objective, best first within each sweep (rank 1 is best).
CREATE VIEW ranked_trials AS
SELECT s.name AS sweep, t.id AS trial_id, t.config_hash, t.repeat, t.objective, t.params,
       RANK() OVER (PARTITION BY t.sweep_id
                    ORDER BY CASE s.goal WHEN 'maximize' THEN -t.objective ELSE t.objective END) AS rank
FROM trials t JOIN sweeps s ON s.id = t.sweep_id
WHERE t.state = 'complete' AND t.objective IS NOT NULL;
-- Configs (all repeats of one config hash) by mean objective over their complete repeats;
-- best_trial_id is the config's best repeat. One pass of window functions, so it stays fast
-- for sweeps of many thousands of trials.
CREATE VIEW ranked_configs AS
WITH per_trial AS (
  SELECT s.name AS sweep, s.goal, t.sweep_id, t.config_hash, t.params, t.objective, t.id,
         ROW_NUMBER() OVER (PARTITION BY t.sweep_id, t.config_hash
                            ORDER BY CASE s.goal WHEN 'maximize' THEN -t.objective ELSE t.objective END, t.id) AS nth
  FROM trials t JOIN sweeps s ON s.id = t.sweep_id
  WHERE t.state = 'complete' AND t.objective IS NOT NULL
), per_config AS (
  SELECT sweep, goal, config_hash, MIN(params) AS params, AVG(objective) AS mean_objective, COUNT(*) AS repeats,
         MAX(CASE WHEN nth = 1 THEN id END) AS best_trial_id
  FROM per_trial GROUP BY sweep_id, config_hash
)
SELECT sweep, config_hash, params, mean_objective, repeats, best_trial_id,
       RANK() OVER (PARTITION BY sweep ORDER BY CASE goal WHEN 'maximize' THEN -mean_objective ELSE mean_objective END) AS rank
FROM per_config;
`;

export const MIGRATIONS: { version: number; sql: string }[] = [{ version: 1, sql: V1 }];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lrsweep_meta'").get();
  if (!table) return 0;
  const row = db.prepare("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Brings the file to SCHEMA_VERSION; refuses files from a newer lrsweep. */
export function migrate(db: Database, path: string): void {
  const apply = db.transaction(() => {
    const version = schemaVersion(db);
    if (version > SCHEMA_VERSION) {
      throw new SchemaError(`${path} has schema version ${version}, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep`);
    }
    if (version === SCHEMA_VERSION) return;
    db.exec('CREATE TABLE IF NOT EXISTS lrsweep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    for (const m of MIGRATIONS) if (m.version > version) db.exec(m.sql);
    db.prepare("INSERT INTO lrsweep_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      .run(String(SCHEMA_VERSION));
  });
  apply.immediate();
}
