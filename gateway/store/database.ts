/**
 * Opens the one SQLite file of the store (`<dataDir>/linegate.db`), checks it, and migrates it.
 *
 * - WAL mode with synchronous=NORMAL: a commit survives a crash of the process (kill -9); on a
 *   power cut the last commits (up to the last checkpoint) may be lost but the file stays
 *   consistent. One fsync per checkpoint instead of one per transaction: far less SD wear.
 * - `PRAGMA quick_check` at boot. A file that is not a database, or fails the check, is renamed
 *   aside to `linegate.db.corrupt-<timestamp>` (with its -wal and -shm) and a fresh one is
 *   created: collection resumes at once, and the result's `recovered` tells the caller to raise
 *   an event. quick_check reads every page, so it takes time proportional to the file (see
 *   README.md for figures).
 * - Any other failure (permissions, a directory in the way, the file locked, a schema newer
 *   than this code) throws LG_STORE_OPEN / LG_STORE_SCHEMA and moves nothing.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import { type MigrateResult, migrate } from './migrations.js';

export const DB_FILE_NAME = 'linegate.db';

export interface OpenDatabaseOptions {
  readonly dataDir: string;
  /** Default `linegate.db`. */
  readonly fileName?: string;
  /** Clock for the timestamp in the name of a file moved aside; default Date.now. */
  readonly now?: () => number;
  /** Checkpoint the WAL into the main file every this many pages (4 KiB each); default 1000. */
  readonly walAutocheckpointPages?: number;
  /** Truncate the WAL back to this size after a checkpoint; default 8 MiB. */
  readonly journalSizeLimitBytes?: number;
  /** Page cache, KiB; default 2048 (the hot pages are the tail of `sample` and what the sinks
   * read back; open rollups are in memory, open-rollups.ts). Each connection has its own. */
  readonly cacheKiB?: number;
}

/** A corrupt file found at boot and moved aside. */
export interface Recovery {
  readonly from: string;
  readonly movedTo: string;
  readonly reason: string;
}

export interface OpenedDatabase {
  readonly db: Database;
  readonly path: string;
  readonly recovered: Recovery | null;
  readonly migration: MigrateResult;
}

/** SQLite result codes that mean "this file is damaged", as opposed to "cannot open it". */
const CORRUPTION_CODES = new Set([
  'SQLITE_CORRUPT',
  'SQLITE_NOTADB',
  'SQLITE_CORRUPT_VTAB',
  'SQLITE_CORRUPT_SEQUENCE',
]);

export function isCorruptionError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CORRUPTION_CODES.has(code);
}

class CorruptFile extends Error {}

/** What a failed first open found: the connection is still open (see `openDatabase`). */
interface Corrupt {
  readonly corrupt: string;
  readonly db: Database;
}

function applyPragmas(db: Database, opts: OpenDatabaseOptions): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new Error(`journal_mode WAL refused (got ${String(mode)})`);
  db.pragma('synchronous = NORMAL');
  db.pragma(`wal_autocheckpoint = ${Math.trunc(opts.walAutocheckpointPages ?? 1000)}`);
  db.pragma(`journal_size_limit = ${Math.trunc(opts.journalSizeLimitBytes ?? 8 * 1024 * 1024)}`);
  db.pragma('foreign_keys = ON');
  // Sorts and temporary b-trees in RAM, never in temp files on the SD card.
  db.pragma('temp_store = MEMORY');
  db.pragma(`cache_size = -${Math.trunc(opts.cacheKiB ?? 2048)}`);
}

function check(db: Database): void {
  const rows = db.pragma('quick_check') as { quick_check: string }[];
  const messages = rows.map((r) => r.quick_check);
  if (messages.length !== 1 || messages[0] !== 'ok') {
    throw new CorruptFile(`quick_check: ${messages.slice(0, 5).join('; ')}`);
  }
}

function stamp(ms: number): string {
  // 2025-03-04T05-06-07-089Z: sortable, and valid in file names everywhere.
  return new Date(ms).toISOString().replace(/[:.]/g, '-');
}

function moveAside(path: string, now: number): string {
  let target = `${path}.corrupt-${stamp(now)}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.corrupt-${stamp(now)}-${i}`;
  // The main file last: if a rename fails half way, the next boot finds the file again.
  for (const suffix of ['-wal', '-shm', '']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

function tryOpen(path: string, opts: OpenDatabaseOptions): Database | Corrupt {
  let db: Database | null = null;
  try {
    db = new BetterSqlite3(path);
    applyPragmas(db, opts);
    check(db);
    return db;
  } catch (err) {
    // A corrupt file is returned still open: it must be renamed before the connection is
    // closed, because closing the last connection deletes the -wal and -shm by name.
    if (db && (err instanceof CorruptFile || isCorruptionError(err))) {
      return { corrupt: (err as Error).message, db };
    }
    db?.close();
    throw new LinegateError(
      'LG_STORE_OPEN',
      `cannot open ${path}: ${(err as Error).message}`,
      { file: path, sqlite: (err as { code?: string }).code },
      { cause: err },
    );
  }
}

/**
 * Opens (creating if needed) the store's database file, recovering from a corrupt one.
 * The caller owns the returned handle and closes it (`db.close()`) once, last.
 */
export function openDatabase(opts: OpenDatabaseOptions): OpenedDatabase {
  const now = opts.now ?? Date.now;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
  } catch (err) {
    throw new LinegateError(
      'LG_STORE_OPEN',
      `cannot create the data directory ${opts.dataDir}: ${(err as Error).message}`,
      { dir: opts.dataDir },
      { cause: err },
    );
  }
  const path = join(opts.dataDir, opts.fileName ?? DB_FILE_NAME);
  let recovered: Recovery | null = null;
  let db: Database;
  const first = tryOpen(path, opts);
  if ('corrupt' in first) {
    let movedTo: string;
    try {
      movedTo = moveAside(path, now());
    } catch (err) {
      throw new LinegateError(
        'LG_STORE_OPEN',
        `${path} is corrupt (${first.corrupt}) and cannot be moved aside: ${(err as Error).message}`,
        { file: path },
        { cause: err },
      );
    } finally {
      first.db.close();
    }
    recovered = { from: path, movedTo, reason: first.corrupt };
    const fresh = tryOpen(path, opts);
    if ('corrupt' in fresh) {
      fresh.db.close();
      throw new LinegateError(
        'LG_STORE_OPEN',
        `a fresh ${path} is corrupt too, after moving the old one aside: ${fresh.corrupt}`,
        { file: path, movedTo },
      );
    }
    db = fresh;
  } else {
    db = first;
  }
  try {
    const migration = migrate(db);
    return { db, path, recovered, migration };
  } catch (err) {
    db.close();
    throw err;
  }
}
