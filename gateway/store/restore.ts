/**
 * `linegate restore`: checks a backup (integrity, format, config checksums), refuses while a
 * gateway runs on the data directory, then copies the database in with SQLite's backup API and
 * drops the backup's own tables. The database it replaces is moved aside, never deleted
 * (`linegate.db.before-restore-<time>`, with its -wal/-shm). Config files are written only when
 * asked (`configOut`), and an existing different file only with `force`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import { type BackupInfo, FILE_TABLE, integrityProblems, META_TABLE, readBackup } from './backup-format.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { DB_FILE_NAME } from './database.js';

export interface RestoreOptions {
  readonly file: string;
  readonly dataDir: string;
  /** Folder to write the packed config files into; omitted: they stay in the backup. */
  readonly configOut?: string;
  readonly force?: boolean;
  readonly now?: () => number;
}

export interface RestoreResult {
  readonly info: BackupInfo;
  readonly rows: number;
  /** Where the replaced database went, or null when there was none. */
  readonly movedAside: string | null;
  readonly configWritten: string[];
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  if (!existsSync(opts.file))
    throw new LinegateError('LG_BACKUP_INVALID', `${opts.file}: file not found`, { file: opts.file });
  const src = new Database(opts.file, { readonly: true, fileMustExist: true });
  try {
    const { info, files } = readBackup(src, opts.file);
    const lock = acquireDataDirLock(opts.dataDir); // refuses while a gateway runs on it
    try {
      const targets = files.map((f) => ({ ...f, path: join(opts.configOut ?? '', f.name) }));
      if (opts.configOut && !opts.force) {
        for (const t of targets)
          if (existsSync(t.path) && !readFileSync(t.path).equals(t.content))
            throw new LinegateError(
              'LG_BACKUP_TARGET',
              `${t.path} exists and differs; pass --force to replace it`,
              {
                file: t.path,
              },
            );
      }
      const dbPath = join(opts.dataDir, DB_FILE_NAME);
      const tmp = `${dbPath}.restoring`;
      rmSync(tmp, { force: true });
      await src.backup(tmp, { progress: () => 1 << 30 });
      const copy = new Database(tmp);
      let rows: number;
      try {
        copy.exec(`DROP TABLE ${META_TABLE}; DROP TABLE ${FILE_TABLE};`);
        // A new identity: a RAM tier file (ram-tier.ts) left by the database replaced is not its own.
        copy.exec('DROP TABLE IF EXISTS store_identity');
        copy.exec('VACUUM');
        const problems = integrityProblems(copy);
        if (problems.length > 0)
          throw new LinegateError(
            'LG_BACKUP_INVALID',
            `the restored copy fails the integrity check: ${problems[0]}`,
            {
              file: opts.file,
            },
          );
        rows = (copy.prepare('SELECT count(*) AS n FROM sample').get() as { n: number }).n;
        copy.pragma('journal_mode = WAL');
      } finally {
        copy.close();
      }
      let movedAside: string | null = null;
      if (existsSync(dbPath)) {
        const stamp = new Date((opts.now ?? Date.now)()).toISOString().replace(/[:.]/g, '-');
        movedAside = `${dbPath}.before-restore-${stamp}`;
        for (const suffix of ['', '-wal', '-shm'])
          if (existsSync(dbPath + suffix)) renameSync(dbPath + suffix, movedAside + suffix);
      }
      renameSync(tmp, dbPath);
      const configWritten: string[] = [];
      if (opts.configOut) {
        for (const t of targets) {
          mkdirSync(dirname(t.path), { recursive: true });
          writeFileSync(t.path, t.content);
          configWritten.push(t.path);
        }
      }
      return { info, rows, movedAside, configWritten };
    } finally {
      lock.release();
    }
  } finally {
    src.close();
  }
}
