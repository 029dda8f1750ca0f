/**
 * RAM tier hygiene: RAM files (ram-tier.ts) whose store file no longer exists — a data directory
 * deleted, a test's temp directory — would stay in tmpfs until the next reboot. At each start the
 * other `ram-*.db` files of the same directory are looked at: each names its store file
 * (`ram_meta.path`); a file whose store file is gone is removed. A file in use by another
 * gateway names a store file that exists, so it is left alone; one that cannot be read is too.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** Removes the orphaned RAM files of `dir` other than `own`; returns the names removed. */
export function removeOrphanRamFiles(dir: string, own: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    if (!/^ram-[0-9a-f]+\.db$/.test(name) || file === own) continue;
    let storePath: string | undefined;
    try {
      const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
      try {
        storePath = db.prepare("SELECT value FROM ram_meta WHERE key = 'path'").pluck().get() as
          | string
          | undefined;
      } finally {
        db.close();
      }
    } catch {
      continue; // unreadable or busy: not ours to judge
    }
    if (storePath === undefined || existsSync(storePath)) continue;
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
    removed.push(name);
  }
  return removed;
}
