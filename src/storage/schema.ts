// The SQLite schema and its migrations. The README's "Schema" section documents these tables
// for users who query with plain SQL; keep the two in step. A new schema version is a new entry
// in MIGRATIONS, applied in order inside one transaction when lrsweep opens an older file.
// Migrations are history: each keeps the names and lists of its own time (V1_PARAM_COLUMNS),
// and later parameter columns are added by ensureParamColumns from the parameter table.

import type { Database } from 'better-sqlite3';
import { PARAM_COLUMNS } from '../schedule/params.js';
import { SchemaError } from './types.js';

const NOW = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

/** The parameter columns of schema version 1. */
const V1_PARAM_COLUMNS = ['first_cycle_steps', 'cycle_mult', 'max_lr', 'min_lr', 'warmup_steps', 'gamma', 't_0', 't_mult', 'eta_min', 'base_lr'];

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
  ${V1_PARAM_COLUMNS.map((c) => `${c} GENERATED ALWAYS AS (json_extract(params, '$.${c}')) VIRTUAL`).join(',\n  ')},
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

/** The reporting views as version 2 made them (version 6 drops and makes them again around its table rebuild). */
const V2_VIEWS = `
-- The built-in trainers' metrics per epoch, one column each, as version 1 had them.
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
-- best_trial_id / best_trial are the config's best repeat. One pass of window functions, so it
-- stays fast for sweeps of many thousands of trials.
CREATE VIEW ranked_configs AS
WITH per_trial AS (
  SELECT s.name AS sweep, s.goal, t.sweep_id, t.config_hash, t.params, t.objective, t.id, t.number,
         ROW_NUMBER() OVER (PARTITION BY t.sweep_id, t.config_hash
                            ORDER BY CASE s.goal WHEN 'maximize' THEN -t.objective ELSE t.objective END, t.id) AS nth
  FROM trials t JOIN sweeps s ON s.id = t.sweep_id
  WHERE t.state = 'complete' AND t.objective IS NOT NULL
), per_config AS (
  SELECT sweep, sweep_id, goal, config_hash, MIN(params) AS params, AVG(objective) AS mean_objective, COUNT(*) AS repeats,
         MAX(CASE WHEN nth = 1 THEN id END) AS best_trial_id, MAX(CASE WHEN nth = 1 THEN number END) AS best_trial
  FROM per_trial GROUP BY sweep_id, config_hash
)
SELECT sweep, sweep_id, config_hash, params, mean_objective, repeats, best_trial_id, best_trial,
       RANK() OVER (PARTITION BY sweep_id ORDER BY CASE goal WHEN 'maximize' THEN -mean_objective ELSE mean_objective END) AS rank
FROM per_config;
`;

// Version 2: trial numbers within a sweep; queued and diverged states; every reported metric per
// point and attempt (metrics, long format; epochs stays as a view); provenance and process records;
// a sweep's steps, trainer hash and status. v1 trials that completed with no objective (a NaN loss)
// become diverged, which is what they were.
const V2 = `
DROP VIEW ranked_trials;
DROP VIEW ranked_configs;
ALTER TABLE sweeps ADD COLUMN steps INTEGER;
ALTER TABLE sweeps ADD COLUMN trainer_hash TEXT;
ALTER TABLE sweeps ADD COLUMN status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled'));
CREATE TABLE trials_v2 (
  id           INTEGER PRIMARY KEY,
  sweep_id     INTEGER NOT NULL REFERENCES sweeps(id),
  number       INTEGER NOT NULL,
  config_hash  TEXT NOT NULL,
  repeat       INTEGER NOT NULL,
  params       TEXT NOT NULL CHECK (json_valid(params)),
  seed         INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'waiting'
               CHECK (state IN ('waiting', 'queued', 'running', 'complete', 'diverged', 'failed', 'interrupted')),
  objective    REAL,
  run_id       INTEGER REFERENCES runs(id),
  attempts     INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  created_at   TEXT NOT NULL DEFAULT ${NOW},
  started_at   TEXT,
  finished_at  TEXT,
  duration_ms  REAL,
  provenance   TEXT CHECK (provenance IS NULL OR json_valid(provenance)),
  process      TEXT CHECK (process IS NULL OR json_valid(process)),
  ${V1_PARAM_COLUMNS.map((c) => `${c} GENERATED ALWAYS AS (json_extract(params, '$.${c}')) VIRTUAL`).join(',\n  ')},
  UNIQUE (sweep_id, config_hash, repeat),
  UNIQUE (sweep_id, number)
);
INSERT INTO trials_v2 (id, sweep_id, number, config_hash, repeat, params, seed, state, objective, run_id, attempts, error,
                       created_at, started_at, finished_at, duration_ms)
SELECT id, sweep_id, ROW_NUMBER() OVER (PARTITION BY sweep_id ORDER BY id), config_hash, repeat, params, seed,
       CASE WHEN state = 'complete' AND objective IS NULL THEN 'diverged' ELSE state END, objective, run_id, attempts,
       CASE WHEN state = 'complete' AND objective IS NULL THEN COALESCE(error, 'diverged: the objective is not a number') ELSE error END,
       created_at, started_at, finished_at, duration_ms
FROM trials;
CREATE TABLE metrics (
  trial_id  INTEGER NOT NULL REFERENCES trials_v2(id) ON DELETE CASCADE,
  attempt   INTEGER NOT NULL,
  seq       INTEGER NOT NULL,
  epoch     INTEGER,
  step      INTEGER,
  name      TEXT NOT NULL,
  value     REAL,
  PRIMARY KEY (trial_id, attempt, seq, name)
) WITHOUT ROWID;
INSERT INTO metrics (trial_id, attempt, seq, epoch, step, name, value)
SELECT e.trial_id, t.attempts, e.epoch - 1, e.epoch, NULL, m.name,
       CASE m.name WHEN 'train_loss' THEN e.train_loss WHEN 'val_loss' THEN e.val_loss WHEN 'val_accuracy' THEN e.val_accuracy ELSE e.lr END
FROM epochs e JOIN trials t ON t.id = e.trial_id
CROSS JOIN (SELECT 'train_loss' AS name UNION ALL SELECT 'val_loss' UNION ALL SELECT 'val_accuracy' UNION ALL SELECT 'lr') m
WHERE m.name <> 'val_accuracy' OR e.val_accuracy IS NOT NULL;
DROP TABLE epochs;
DROP INDEX trials_by_state;
DROP TABLE trials;
ALTER TABLE trials_v2 RENAME TO trials;
CREATE INDEX trials_by_state ON trials (sweep_id, state);
${V2_VIEWS}`;

/** v1 stored no steps: compute them from the definition with version 1's two trainers. */
function v2Steps(db: Database): void {
  const rows = db.prepare('SELECT id, definition FROM sweeps WHERE steps IS NULL').all() as { id: number; definition: string }[];
  const set = db.prepare('UPDATE sweeps SET steps = ? WHERE id = ?');
  for (const row of rows) {
    const t = (JSON.parse(row.definition) as { trainer: Record<string, number | string> }).trainer;
    let steps = 0;
    if (t.kind === 'quadratic') steps = Number(t.epochs) * Number(t.steps_per_epoch);
    else if (t.kind === 'mlp') {
      const samples = t.dataset === 'iris' ? 150 : Number(t.samples);
      const rowsForTraining = samples - Math.max(1, Math.round(samples * Number(t.validation_fraction)));
      steps = Number(t.epochs) * Math.ceil(rowsForTraining / Number(t.batch_size));
    }
    set.run(steps, row.id);
  }
}

// Version 3: how many times a trial's worker was lost (its lease lapsed) since the sweep was last
// run, so that `lrsweep worker` gives up on a trial after a bounded number of lost attempts.
const V3 = `
ALTER TABLE trials ADD COLUMN lost INTEGER NOT NULL DEFAULT 0;
`;

// Version 4: indexes that start at the rows the run loop reads, so that a claim costs the same
// whether 10 or 10^6 of the sweep's trials are finished (the unique (sweep_id, number) index
// walked every finished trial to find the first waiting one), and the highest number a sweep has
// given, so that trials removed by `run --replace` never lend their numbers (and trial folders)
// to other configs.
const V4 = `
-- Claims: the first waiting trials in number order.
CREATE INDEX trials_waiting ON trials (sweep_id, number) WHERE state = 'waiting';
-- Cohort claims: the waiting trials with one seed, in number order.
CREATE INDEX trials_waiting_seed ON trials (sweep_id, seed, number) WHERE state = 'waiting';
-- The best single trial so far (the progress line): complete trials by objective.
CREATE INDEX trials_complete ON trials (sweep_id, objective) WHERE state = 'complete';
ALTER TABLE sweeps ADD COLUMN last_number INTEGER NOT NULL DEFAULT 0;
UPDATE sweeps SET last_number = (SELECT COALESCE(MAX(number), 0) FROM trials WHERE trials.sweep_id = sweeps.id);
`;

// Version 5: where each trial came from (an adaptive sampler creates trials as results arrive):
// 'plan' (planned from the sweep file, as every older trial was), 'startup' or 'model'.
const V5 = `
ALTER TABLE trials ADD COLUMN origin TEXT NOT NULL DEFAULT 'plan' CHECK (origin IN ('plan', 'startup', 'model'));
`;

// Version 6: a pruned state (a pruner stopped the trial early: its points are kept, its objective
// is the objective metric's last reported value, it is never ranked). SQLite cannot alter a CHECK,
// so the trials table is rebuilt (its columns as version 5 left them; later parameter columns come
// back through ensureParamColumns), with its indexes, and the views that read it made again.
const V6_TRIAL_COLUMNS = ['id', 'sweep_id', 'number', 'config_hash', 'repeat', 'params', 'seed', 'state', 'objective', 'run_id', 'attempts', 'error',
  'created_at', 'started_at', 'finished_at', 'duration_ms', 'provenance', 'process', 'lost', 'origin'].join(', ');
const V6 = `
DROP VIEW epochs;
DROP VIEW ranked_trials;
DROP VIEW ranked_configs;
CREATE TABLE trials_v6 (
  id           INTEGER PRIMARY KEY,
  sweep_id     INTEGER NOT NULL REFERENCES sweeps(id),
  number       INTEGER NOT NULL,
  config_hash  TEXT NOT NULL,
  repeat       INTEGER NOT NULL,
  params       TEXT NOT NULL CHECK (json_valid(params)),
  seed         INTEGER NOT NULL,
  state        TEXT NOT NULL DEFAULT 'waiting'
               CHECK (state IN ('waiting', 'queued', 'running', 'complete', 'diverged', 'pruned', 'failed', 'interrupted')),
  objective    REAL,
  run_id       INTEGER REFERENCES runs(id),
  attempts     INTEGER NOT NULL DEFAULT 0,
  error        TEXT,
  created_at   TEXT NOT NULL DEFAULT ${NOW},
  started_at   TEXT,
  finished_at  TEXT,
  duration_ms  REAL,
  provenance   TEXT CHECK (provenance IS NULL OR json_valid(provenance)),
  process      TEXT CHECK (process IS NULL OR json_valid(process)),
  ${V1_PARAM_COLUMNS.map((c) => `${c} GENERATED ALWAYS AS (json_extract(params, '$.${c}')) VIRTUAL`).join(',\n  ')},
  lost         INTEGER NOT NULL DEFAULT 0,
  origin       TEXT NOT NULL DEFAULT 'plan' CHECK (origin IN ('plan', 'startup', 'model')),
  UNIQUE (sweep_id, config_hash, repeat),
  UNIQUE (sweep_id, number)
);
INSERT INTO trials_v6 (${V6_TRIAL_COLUMNS}) SELECT ${V6_TRIAL_COLUMNS} FROM trials;
DROP TABLE trials;
ALTER TABLE trials_v6 RENAME TO trials;
CREATE INDEX trials_by_state ON trials (sweep_id, state);
CREATE INDEX trials_waiting ON trials (sweep_id, number) WHERE state = 'waiting';
CREATE INDEX trials_waiting_seed ON trials (sweep_id, seed, number) WHERE state = 'waiting';
CREATE INDEX trials_complete ON trials (sweep_id, objective) WHERE state = 'complete';
${V2_VIEWS}`;

// Version 7, two changes:
// - An 'anchor' origin (the predict sampler's anchor runs, planned from the sweep file and
//   trained before the law's shortlist). SQLite cannot alter a CHECK, so the trials table is
//   rebuilt as version 6 rebuilt it (version 6's own statements, with the new origin CHECK and the
//   table's temporary name; its columns and indexes are what version 6 left), views made again.
// - A claim order (lrsweep predict --prioritise moves waiting trials to the front without
//   renumbering them): claims take waiting trials by (claim_order, number). Every trial starts at
//   0, so an older sweep's trials are claimed in number order as before. The waiting indexes lead
//   with it, so a claim still starts at the rows it returns.
const V6_ORIGIN_CHECK = "CHECK (origin IN ('plan', 'startup', 'model'))";
const V7 = V6.replace(V6_ORIGIN_CHECK, "CHECK (origin IN ('plan', 'startup', 'model', 'anchor'))").replaceAll('trials_v6', 'trials_v7') + `
ALTER TABLE trials ADD COLUMN claim_order INTEGER NOT NULL DEFAULT 0;
DROP INDEX trials_waiting;
DROP INDEX trials_waiting_seed;
CREATE INDEX trials_waiting ON trials (sweep_id, claim_order, number) WHERE state = 'waiting';
CREATE INDEX trials_waiting_seed ON trials (sweep_id, seed, claim_order, number) WHERE state = 'waiting';
`;

export const MIGRATIONS: { version: number; sql: string; after?: (db: Database) => void }[] = [
  { version: 1, sql: V1 },
  { version: 2, sql: V2, after: v2Steps },
  { version: 3, sql: V3 },
  { version: 4, sql: V4 },
  { version: 5, sql: V5 },
  { version: 6, sql: V6 },
  { version: 7, sql: V7 },
];
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1].version;

/** The schema version of an open database: 0 when it has no lrsweep_meta (empty, or not ours). */
export function schemaVersion(db: Database): number {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lrsweep_meta'").get();
  if (!table) return 0;
  const row = db.prepare("SELECT value FROM lrsweep_meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Tables of a database that lrsweep did not make: a non-empty file without lrsweep_meta is someone else's. */
export function foreignTables(db: Database): string[] {
  if (schemaVersion(db) > 0) return [];
  return (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name);
}

/** Parameter columns the table declares that `trials` lacks yet (a parameter added after the file was made). */
function ensureParamColumns(db: Database): void {
  const have = new Set((db.prepare('SELECT name FROM pragma_table_xinfo(?)').all('trials') as { name: string }[]).map((r) => r.name));
  for (const c of PARAM_COLUMNS) {
    if (!have.has(c)) db.exec(`ALTER TABLE trials ADD COLUMN ${c} GENERATED ALWAYS AS (json_extract(params, '$.${c}')) VIRTUAL`);
  }
}

/** Brings the file to SCHEMA_VERSION; refuses files from a newer lrsweep. */
export function migrate(db: Database, where: string): void {
  const version = schemaVersion(db);
  if (version > SCHEMA_VERSION) {
    throw new SchemaError(`${where} has schema version ${version}, newer than this lrsweep's ${SCHEMA_VERSION}: upgrade lrsweep`);
  }
  // Rebuilding tables needs foreign keys off, and that pragma is a no-op inside a transaction.
  db.pragma('foreign_keys = OFF');
  try {
    const apply = db.transaction(() => {
      if (schemaVersion(db) === SCHEMA_VERSION) return ensureParamColumns(db); // another process migrated first
      db.exec('CREATE TABLE IF NOT EXISTS lrsweep_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
      for (const m of MIGRATIONS) {
        if (m.version <= schemaVersion(db)) continue;
        db.exec(m.sql);
        m.after?.(db);
        db.prepare("INSERT INTO lrsweep_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
          .run(String(m.version));
      }
      ensureParamColumns(db);
      const broken = db.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration left ${broken.length} broken references in ${where}`);
    });
    apply.immediate();
  } finally {
    db.pragma('foreign_keys = ON');
  }
}
