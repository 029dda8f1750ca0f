/**
 * The backup file: ONE SQLite file, made with SQLite's online backup API from the live
 * `linegate.db` (a consistent snapshot taken while the gateway keeps writing), with two extra
 * tables holding the config files and what the backup is:
 *
 *   linegate_backup       (key, value)            format, createdAt, version, site, dataDir…
 *   linegate_backup_file  (name, sha256, content) the config file and its profile files,
 *                                                  names relative to the config's folder
 *
 * One file is easy to carry (USB stick, scp) and needs no tar; `sqlite3 backup.db .tables`
 * shows it. Restore drops both tables from the restored copy.
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';

export const BACKUP_FORMAT = '1';
export const META_TABLE = 'linegate_backup';
export const FILE_TABLE = 'linegate_backup_file';

export interface PackedFile {
  readonly name: string;
  readonly content: Buffer;
}

export interface BackupInfo {
  readonly format: string;
  readonly createdAt: string;
  readonly version: string;
  readonly site: string;
  readonly dataDir: string;
  readonly files: readonly { readonly name: string; readonly sha256: string; readonly bytes: number }[];
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

export function integrityProblems(db: Database): string[] {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).filter((r) => r !== 'ok');
}

/** Writes the meta and file tables into the backup copy (never into the live database). */
export function packInto(
  db: Database,
  meta: Omit<BackupInfo, 'files' | 'format'>,
  files: readonly PackedFile[],
): void {
  db.exec(`CREATE TABLE ${META_TABLE} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
           CREATE TABLE ${FILE_TABLE} (name TEXT PRIMARY KEY, sha256 TEXT NOT NULL, content BLOB NOT NULL);`);
  const putMeta = db.prepare(`INSERT INTO ${META_TABLE} (key, value) VALUES (?, ?)`);
  const putFile = db.prepare(`INSERT INTO ${FILE_TABLE} (name, sha256, content) VALUES (?, ?, ?)`);
  db.transaction(() => {
    putMeta.run('format', BACKUP_FORMAT);
    for (const [k, v] of Object.entries(meta)) putMeta.run(k, String(v));
    for (const f of files) putFile.run(f.name, sha256(f.content), f.content);
  })();
}

/** Reads and checks a backup: integrity, format, and every packed file against its checksum. */
export function readBackup(db: Database, file: string): { info: BackupInfo; files: PackedFile[] } {
  const bad = (why: string) => new LinegateError('LG_BACKUP_INVALID', `${file}: ${why}`, { file });
  let problems: string[];
  try {
    problems = integrityProblems(db);
  } catch (err) {
    throw bad(`not an SQLite database (${(err as Error).message})`);
  }
  if (problems.length > 0) throw bad(`integrity check failed: ${problems.slice(0, 3).join('; ')}`);
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (r) => r.name,
    ),
  );
  if (!tables.has(META_TABLE) || !tables.has(FILE_TABLE) || !tables.has('sample'))
    throw bad('not a linegate backup (made by `linegate backup`)');
  const meta = new Map(
    (db.prepare(`SELECT key, value FROM ${META_TABLE}`).all() as { key: string; value: string }[]).map(
      (r) => [r.key, r.value],
    ),
  );
  if (meta.get('format') !== BACKUP_FORMAT)
    throw bad(`backup format ${meta.get('format')} is not ${BACKUP_FORMAT}`);
  const rows = db.prepare(`SELECT name, sha256, content FROM ${FILE_TABLE} ORDER BY name`).all() as {
    name: string;
    sha256: string;
    content: Buffer;
  }[];
  for (const r of rows)
    if (sha256(r.content) !== r.sha256) throw bad(`packed file ${r.name} does not match its checksum`);
  return {
    info: {
      format: BACKUP_FORMAT,
      createdAt: meta.get('createdAt') ?? '',
      version: meta.get('version') ?? '',
      site: meta.get('site') ?? '',
      dataDir: meta.get('dataDir') ?? '',
      files: rows.map((r) => ({ name: r.name, sha256: r.sha256, bytes: r.content.length })),
    },
    files: rows.map((r) => ({ name: r.name, content: r.content })),
  };
}
