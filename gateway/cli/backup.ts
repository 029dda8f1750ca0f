import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isLinegateError } from '../core/errors.js';
import { configFiles, createBackup } from '../store/backup.js';
import { restoreBackup } from '../store/restore.js';

export const BACKUP_HELP = `linegate backup / restore — the local database and the config, in one file

Usage:
  linegate backup FILE --config plant.yaml [--data-dir DIR] [--force]
  linegate restore FILE [--config plant.yaml | --data-dir DIR] [--config-out DIR] [--force]

backup   copies <dataDir>/linegate.db with SQLite's online backup API while the gateway keeps
         running (a consistent snapshot, nothing paused), checks the copy, and packs the config
         file and its profile files (profilesDirs) into the same file. FILE is an SQLite file.
restore  checks FILE (SQLite integrity check, format, config checksums), refuses while a
         gateway runs on the data directory, then puts the database in place. The database it
         replaces is kept as linegate.db.before-restore-<time>. The packed config files are
         written to --config-out DIR when given (an existing different file needs --force).

Options:
  -c, --config FILE     site config: where the data directory is (and, for backup, what to pack)
  -d, --data-dir DIR    data directory (overrides the config's dataDir / LINEGATE_DATA_DIR)
      --config-out DIR  restore: write the packed config files into DIR
  -f, --force           backup: replace FILE; restore: replace differing config files
  -h, --help            this text

Exit codes: 0 done, 1 refused or failed (a code and the reason on stderr), 2 bad command line.
Docs: docs/operations.md.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  'data-dir': { type: 'string', short: 'd' },
  'config-out': { type: 'string' },
  force: { type: 'boolean', short: 'f' },
  help: { type: 'boolean', short: 'h' },
} as const;

function usage(msg: string): number {
  process.stderr.write(`${msg}\n\n${BACKUP_HELP}\n`);
  return 2;
}

function failure(err: unknown): number {
  if (!isLinegateError(err)) throw err;
  process.stderr.write(`${err.code}: ${err.message}\n`);
  return 1;
}

/** `linegate backup|restore …args`; returns the exit code. */
export async function runBackupCommand(
  command: 'backup' | 'restore',
  args: string[],
  version: string,
): Promise<number> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true });
  } catch (err) {
    return usage((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${BACKUP_HELP}\n`);
    return 0;
  }
  const [file, ...extra] = positionals;
  if (!file || extra.length > 0) return usage(`${command}: give exactly one FILE`);
  try {
    if (command === 'backup') {
      if (!values.config) return usage('backup: --config is required (it is packed with the database)');
      const cfg = configFiles(values.config);
      const dataDir = values['data-dir'] ? resolve(values['data-dir']) : cfg.dataDir;
      const r = await createBackup({
        dataDir,
        out: file,
        files: cfg.files,
        site: cfg.site,
        version,
        force: values.force === true,
      });
      process.stdout.write(
        `${file}: backup of ${dataDir} — ${r.rows} raw samples, ${r.bytes} bytes, integrity ok; config: ${r.files.map((f) => f.name).join(', ')}\n`,
      );
      for (const f of cfg.notPacked) process.stdout.write(`not packed (outside the config's folder): ${f}\n`);
      return 0;
    }
    const dataDir = values['data-dir']
      ? resolve(values['data-dir'])
      : values.config
        ? configFiles(values.config).dataDir
        : resolve(process.env.LINEGATE_DATA_DIR ?? './data');
    const r = await restoreBackup({
      file,
      dataDir,
      force: values.force === true,
      ...(values['config-out'] ? { configOut: values['config-out'] } : {}),
    });
    process.stdout.write(
      `${dataDir}: restored from ${file} (made ${r.info.createdAt} by linegate ${r.info.version}, site ${r.info.site}) — ${r.rows} raw samples, integrity ok\n`,
    );
    if (r.movedAside) process.stdout.write(`the previous database was kept as ${r.movedAside}\n`);
    if (r.configWritten.length > 0) process.stdout.write(`config written: ${r.configWritten.join(', ')}\n`);
    else
      process.stdout.write(
        `config files in the backup: ${r.info.files.map((f) => f.name).join(', ')} (write them with --config-out DIR)\n`,
      );
    return 0;
  } catch (err) {
    return failure(err);
  }
}
