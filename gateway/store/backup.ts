/**
 * `linegate backup`: a consistent copy of the live database made with SQLite's online backup
 * API (better-sqlite3 `db.backup()`), safe while the gateway keeps writing (WAL: the copy is one
 * read snapshot; the gateway is never blocked), plus the config files packed into the same file
 * (backup-format.ts). Written to `<out>.partial` and renamed, so a cut-off backup never looks
 * complete.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'yaml';
import { LinegateError } from '../core/errors.js';
import { type BackupInfo, integrityProblems, type PackedFile, packInto, sha256 } from './backup-format.js';
import { DB_FILE_NAME } from './database.js';

/** What backup and restore need from a config file, read without validating it (no env needed). */
export interface ConfigFiles {
  readonly dataDir: string;
  readonly site: string;
  readonly files: PackedFile[];
  /** Profile files outside the config's folder: not packed, named so the user can copy them. */
  readonly notPacked: string[];
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(dir, f))
    .sort();
}

/**
 * The config file and the profile files it names (profilesDirs), with names relative to the
 * config's folder; dataDir resolved as the loader does (config, LINEGATE_DATA_DIR, ./data).
 */
export function configFiles(configFile: string, env: NodeJS.ProcessEnv = process.env): ConfigFiles {
  let text: Buffer;
  try {
    text = readFileSync(configFile);
  } catch (err) {
    throw new LinegateError('LG_CONFIG_READ', `${configFile}: ${(err as Error).message}`, {
      file: configFile,
    });
  }
  let raw: { dataDir?: unknown; site?: { id?: unknown }; profilesDirs?: unknown };
  try {
    raw = (parse(text.toString('utf8')) ?? {}) as typeof raw;
  } catch (err) {
    throw new LinegateError('LG_CONFIG_YAML', `${configFile}: ${(err as Error).message}`, {
      file: configFile,
    });
  }
  const base = dirname(resolve(configFile));
  const dataDir = resolve(
    base,
    typeof raw.dataDir === 'string' ? raw.dataDir : (env.LINEGATE_DATA_DIR ?? './data'),
  );
  const files: PackedFile[] = [{ name: basename(configFile), content: text }];
  const notPacked: string[] = [];
  const dirs = Array.isArray(raw.profilesDirs)
    ? raw.profilesDirs.filter((d): d is string => typeof d === 'string')
    : [];
  for (const d of dirs) {
    for (const f of yamlFiles(isAbsolute(d) ? d : resolve(base, d))) {
      const rel = relative(base, f);
      if (rel.startsWith('..') || isAbsolute(rel)) notPacked.push(f);
      else files.push({ name: rel, content: readFileSync(f) });
    }
  }
  return { dataDir, site: typeof raw.site?.id === 'string' ? raw.site.id : '', files, notPacked };
}

export interface BackupOptions {
  readonly dataDir: string;
  readonly out: string;
  readonly files: readonly PackedFile[];
  readonly site: string;
  readonly version: string;
  /** Replace an existing `out`. */
  readonly force?: boolean;
  readonly now?: () => number;
}

export async function createBackup(
  opts: BackupOptions,
): Promise<BackupInfo & { bytes: number; rows: number }> {
  if (existsSync(opts.out) && !opts.force)
    throw new LinegateError('LG_BACKUP_TARGET', `${opts.out} exists; choose another name or pass --force`, {
      file: opts.out,
    });
  const dbPath = join(opts.dataDir, DB_FILE_NAME);
  if (!existsSync(dbPath))
    throw new LinegateError('LG_STORE_OPEN', `no database at ${dbPath} (is the data directory right?)`, {
      dataDir: opts.dataDir,
    });
  const partial = `${opts.out}.partial`;
  rmSync(partial, { force: true });
  const src = new Database(dbPath, { fileMustExist: true, timeout: 10_000 });
  try {
    // All remaining pages in the second step: one read snapshot, never restarted by the
    // gateway's writes (a step-wise copy restarts whenever another connection writes).
    await src.backup(partial, { progress: () => 1 << 30 });
  } catch (err) {
    rmSync(partial, { force: true });
    throw new LinegateError('LG_BACKUP_TARGET', `cannot write ${partial}: ${(err as Error).message}`, {
      file: opts.out,
    });
  } finally {
    src.close();
  }
  const copy = new Database(partial);
  let rows = 0;
  const createdAt = new Date((opts.now ?? Date.now)()).toISOString();
  try {
    const problems = integrityProblems(copy);
    if (problems.length > 0)
      throw new LinegateError('LG_BACKUP_INVALID', `the copy fails the integrity check: ${problems[0]}`, {
        file: opts.out,
      });
    rows = (copy.prepare('SELECT count(*) AS n FROM sample').get() as { n: number }).n;
    packInto(copy, { createdAt, version: opts.version, site: opts.site, dataDir: opts.dataDir }, opts.files);
    copy.pragma('journal_mode = DELETE'); // a single self-contained file, no -wal beside it
  } catch (err) {
    copy.close();
    rmSync(partial, { force: true });
    throw err;
  }
  copy.close();
  renameSync(partial, opts.out);
  return {
    format: '1',
    createdAt,
    version: opts.version,
    site: opts.site,
    dataDir: opts.dataDir,
    files: opts.files.map((f) => ({ name: f.name, sha256: sha256(f.content), bytes: f.content.length })),
    bytes: statSync(opts.out).size,
    rows,
  };
}
