/**
 * Schema migrations, numbered. The applied version is SQLite's `PRAGMA user_version` (a field
 * in the file header, so it commits or rolls back with the migration's transaction: no
 * separate schema_version table to keep in step).
 *
 * Rules: a migration is never edited once released, only followed by a new one; each runs in
 * its own transaction together with the bump of user_version, so a crash or a failed statement
 * leaves the file at the previous version; running `migrate` again applies nothing (idempotent).
 * A file newer than this code is refused (LG_STORE_SCHEMA), never "repaired".
 *
 * Layout choices for an SD card (see README.md): integer ids for names (`series`), integer
 * millisecond timestamps, no index beyond the primary keys (every extra index is one more
 * B-tree page rewritten per flush), rollups keyed (bucket, series) so that one flush touches
 * only the last page or two of each rollup table instead of one page per series.
 */
import type { Database } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const rollupTable = (name: string) => `
CREATE TABLE ${name} (
  bucket    INTEGER NOT NULL,            -- bucket start, epoch ms
  series    INTEGER NOT NULL REFERENCES series (id),
  cnt       INTEGER NOT NULL,            -- samples of any kind in the bucket
  n         INTEGER NOT NULL,            -- numeric samples (number, boolean as 0/1), quality not bad
  vsum      REAL,                        -- sum of the n values (avg = vsum / n)
  vmin      REAL,
  vmax      REAL,
  vlast     REAL,                        -- value with the greatest ts among the n
  last_ts   INTEGER,
  dsum      REAL,                        -- sum of the deltas the caller passed (counters), else NULL
  first_seq INTEGER NOT NULL,            -- seq range of the bucket's raw rows: lets a raw history
  last_seq  INTEGER NOT NULL,            -- read scan a seq range instead of needing a ts index
  PRIMARY KEY (bucket, series)
) WITHOUT ROWID;`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'raw samples, events, rollups, sinks, quarantine, counters',
    sql: `
CREATE TABLE series (
  id      INTEGER PRIMARY KEY,
  machine TEXT NOT NULL,
  point   TEXT NOT NULL,
  UNIQUE (machine, point)
);
-- Raw samples. seq is the rowid (no separate index); the outbox cursors are seqs.
-- value: REAL affinity (whole numbers are stored as 0–8 byte integers by SQLite), strings as
-- UTF-8 BLOBs (a BLOB is never converted by affinity), NULL for null/NaN.
-- flags: bits 0–1 quality (0 good, 1 uncertain, 2 bad), bit 2 boolean, bit 3 NaN.
CREATE TABLE sample (
  seq    INTEGER PRIMARY KEY,
  ts     INTEGER NOT NULL,
  series INTEGER NOT NULL REFERENCES series (id),
  value  REAL,
  flags  INTEGER NOT NULL
);
-- Non-telemetry rows for the sinks (production, state, alarms). Shares the seq space with
-- sample; never shed by the disk cap, deleted by age only once every sink has acked them.
CREATE TABLE event (
  seq         INTEGER PRIMARY KEY,
  ts          INTEGER NOT NULL,
  measurement TEXT NOT NULL,
  tags        TEXT NOT NULL,               -- JSON object of strings
  fields      TEXT NOT NULL                -- JSON object of numbers, booleans, strings
);
${rollupTable('rollup_1m')}
${rollupTable('rollup_1h')}
${rollupTable('rollup_1d')}
-- One row per sink: every row with seq <= cursor has been delivered (or quarantined).
CREATE TABLE sink (
  name       TEXT PRIMARY KEY,
  cursor     INTEGER NOT NULL,
  created_ts INTEGER NOT NULL
) WITHOUT ROWID;
-- Rows a sink refused for good, with the row as JSON (names resolved) and the reason.
CREATE TABLE quarantine (
  sink   TEXT NOT NULL,
  seq    INTEGER NOT NULL,
  ts     INTEGER NOT NULL,                 -- the row's own ts
  at     INTEGER NOT NULL,                 -- when it was quarantined
  reason TEXT NOT NULL,
  row    TEXT NOT NULL,
  PRIMARY KEY (sink, seq)
) WITHOUT ROWID;
-- Loss accounting. sink '' = all rows; a sink name = rows that sink had not yet acked.
-- name: 'shed' (disk cap), 'retention' (deleted by age), 'memory' (never stored: disk full).
CREATE TABLE counter (
  name TEXT NOT NULL,
  sink TEXT NOT NULL,
  n    INTEGER NOT NULL,
  PRIMARY KEY (name, sink)
) WITHOUT ROWID;
-- When rows were written: one row per minute of writing (the first flush of each minute),
-- first seq written in that minute. Age-based retention deletes by seq prefix with it.
CREATE TABLE seq_time (
  first_seq INTEGER PRIMARY KEY,
  ts        INTEGER NOT NULL
);
`,
  },
];

export const SCHEMA_VERSION: number = MIGRATIONS.reduce((v, m) => Math.max(v, m.version), 0);

export interface MigrateResult {
  readonly from: number;
  readonly to: number;
  readonly applied: readonly number[];
}

/** Brings the schema to the newest version. Call once after opening, before anything else. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): MigrateResult {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migrations must be numbered 1, 2, 3…: got ${m.version}`);
  });
  const latest = sorted.length;
  const from = db.pragma('user_version', { simple: true }) as number;
  if (from > latest) {
    throw new LinegateError(
      'LG_STORE_SCHEMA',
      `the database has schema version ${from}, this linegate knows up to ${latest}`,
      { file: db.name, version: from, known: latest },
    );
  }
  const applied: number[] = [];
  for (const m of sorted) {
    if (m.version <= from) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        db.pragma(`user_version = ${m.version}`);
      })();
    } catch (err) {
      throw new LinegateError(
        'LG_STORE_SCHEMA',
        `migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
        { file: db.name, version: m.version },
        { cause: err },
      );
    }
    applied.push(m.version);
  }
  return { from, to: Math.max(from, latest), applied };
}

/**
 * Tables owned by a part of the gateway other than the sample store (production, alarms, audit,
 * users): each part keeps its own numbered migrations under its own name, so the parts can grow
 * their schemas independently of each other and of the store's `user_version`. Same rules as
 * `migrate`: never edit a released migration, one transaction per migration with the bump of
 * the part's version, a part newer than this code is refused.
 */
export function migrateComponent(
  db: Database,
  component: string,
  migrations: readonly Migration[],
): MigrateResult {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  sorted.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`${component} migrations must be numbered 1, 2, 3…: got ${m.version}`);
  });
  db.exec(
    'CREATE TABLE IF NOT EXISTS component_version (name TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID',
  );
  const row = db.prepare('SELECT version FROM component_version WHERE name = ?').get(component) as
    | { version: number }
    | undefined;
  const from = row?.version ?? 0;
  const latest = sorted.length;
  if (from > latest) {
    throw new LinegateError(
      'LG_STORE_SCHEMA',
      `the database has ${component} schema version ${from}, this linegate knows up to ${latest}`,
      { file: db.name, component, version: from, known: latest },
    );
  }
  const bump = db.prepare(
    'INSERT INTO component_version (name, version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET version = excluded.version',
  );
  const applied: number[] = [];
  for (const m of sorted) {
    if (m.version <= from) continue;
    try {
      db.transaction(() => {
        db.exec(m.sql);
        bump.run(component, m.version);
      })();
    } catch (err) {
      throw new LinegateError(
        'LG_STORE_SCHEMA',
        `${component} migration ${m.version} (${m.name}) failed: ${(err as Error).message}`,
        { file: db.name, component, version: m.version },
        { cause: err },
      );
    }
    applied.push(m.version);
  }
  return { from, to: Math.max(from, latest), applied };
}
