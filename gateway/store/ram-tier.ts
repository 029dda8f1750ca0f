/**
 * The RAM tier (config `store.ramTier`, opt-in, for SD cards): raw samples are written to a
 * second SQLite file in a RAM file system (tmpfs: /run/linegate under systemd, /dev/shm),
 * attached as schema `ram`, instead of to the card. The card gets only what must outlive a
 * power cut: rows no sink has acked `spillAfterMs` after they were written (an outage, a slow
 * sink) are moved to `main.sample`, and at a clean close every row not acked is moved. Acked
 * rows stay in RAM `keepMs` for raw history, then only their rollups (on the card) remain.
 * The RAM file also holds the closed 1-minute rollups until their hour is packed into the card
 * (minute-blocks.ts), the 1m horizon (open-rollups.ts) and a copy of the sink cursors written
 * at every ack (sinks.ts; the card's copy is written hourly and at close: ram-duties.ts).
 *
 * What it trades (docs/sd-writes.md): a `kill -9` loses nothing (tmpfs outlives the process);
 * a power cut or a reboot without a clean stop loses the rows in RAM: those not yet acked
 * (at most `spillAfterMs` of them while a sink keeps up, since older ones are on the card), the
 * raw history of the last `keepMs` and the 1-minute rollups since the last hourly pack. An MQTT
 * QoS 1 PUBACK then means "in RAM", not "on the card".
 *
 * Shape: `sample` in SQL is a TEMP VIEW `main.sample UNION ALL ram.sample` (temp objects are
 * found before main ones), so readers that read rows by seq (outbox, rendering, history, the
 * rollup rebuild) read both tiers unchanged; SQLite merges the two rowid orders. Inserts,
 * deletes and min/max use the physical tables (raw-tables.ts). A row is in exactly one tier:
 * a move inserts into main and deletes from ram in one transaction; SQLite commits attached
 * WAL files one after the other, so a `kill -9` between the two can leave a row in both, and
 * `attachRamTier` removes the ram copy. Deletions stay a seq prefix of both tiers together
 * (row-counts.ts relies on it): rows leave RAM only when every sink has acked them, and then
 * the card's rows below them go too.
 *
 * Calling rules: `attachRamTier` once, right after the database is opened and migrated, before
 * any statement is prepared; then `maintain()` after each flush and `spillUnacked()` before close.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import { removeOrphanRamFiles } from './ram-orphans.js';
import type { RawTables } from './raw-tables.js';

export interface RamTierOptions {
  /** A directory on a RAM file system (tmpfs). Created if missing. */
  readonly dir: string;
  /** Rows not acked by every sink this long after they were written are moved to the card. */
  readonly spillAfterMs: number;
  /** Acked rows are kept in RAM this long (raw history), then deleted. */
  readonly keepMs: number;
  /** Bound of the RAM file's pages in use: over it, acked rows go at once, then unacked ones are moved to the card early. */
  readonly maxBytes: number;
}

export const RAM_TABLES: RawTables = Object.freeze({
  tables: ['main.sample', 'ram.sample'],
  insertInto: 'ram.sample',
  cursorMirror: 'ram.sink_cursor',
});

export interface RamTierStats {
  readonly file: string;
  /** Pages in use in the RAM file. */
  readonly bytes: number;
  readonly maxBytes: number;
  /** Rows moved to the card (not acked in time, or at close) since the start. */
  readonly spilled: number;
  /** Acked rows deleted from RAM (and the card) after `keepMs`, since the start. */
  readonly dropped: number;
  /** True when the RAM file was missing or unusable at start: the rows it held are gone. */
  readonly lostAtStart: boolean;
  /** True when it held rows of another store file (replaced by a restore), deleted at start. */
  readonly foreign: boolean;
  /** False when the directory is not on a RAM file system (the card gets the writes anyway). */
  readonly inRam: boolean;
}

export interface AttachedRamTier {
  readonly file: string;
  readonly lost: boolean;
  /** The RAM file held rows of another store file (replaced by a restore): they were deleted. */
  readonly foreign: boolean;
  /** RAM files of store files that no longer exist, removed from the directory (ram-orphans.ts). */
  readonly orphans: readonly string[];
  /** False when `dir` is not on a RAM file system (tmpfs, ramfs): the card gets the writes anyway. */
  readonly inRam: boolean;
}

/** statfs f_type of tmpfs and ramfs (linux/magic.h). */
const RAM_FS_TYPES = new Set([0x01021994, 0x858458f6]);

/**
 * The store file's identity (a random id made once; `restore` drops it, so a restored file gets
 * a new one). The RAM file records the identity it belongs to: rows of another file (the one a
 * restore replaced) are never mixed in.
 */
function storeIdentity(db: Database): string {
  // Not a numbered migration on purpose: `restore` drops the table, and it comes back empty here.
  db.exec('CREATE TABLE IF NOT EXISTS store_identity (id TEXT NOT NULL)');
  const id = db.prepare('SELECT id FROM store_identity LIMIT 1').pluck().get() as string | undefined;
  if (id) return id;
  const fresh = randomUUID();
  db.prepare('INSERT INTO store_identity (id) VALUES (?)').run(fresh);
  return fresh;
}

/** The RAM file's name: one per store file, so two data directories never share it. */
function ramFileName(mainPath: string): string {
  return `ram-${createHash('sha256').update(mainPath).digest('hex').slice(0, 12)}.db`;
}

function attachFile(db: Database, file: string): void {
  db.prepare('ATTACH DATABASE ? AS ram').run(file);
  db.pragma('ram.journal_mode = WAL');
  db.pragma('ram.synchronous = OFF'); // RAM: an fsync buys nothing
  db.pragma('ram.cache_size = -512'); // the OS page cache holds the file anyway
  const check = (db.pragma('ram.quick_check') as { quick_check: string }[]).map((r) => r.quick_check);
  if (check.length !== 1 || check[0] !== 'ok')
    throw new Error(`quick_check: ${check.slice(0, 3).join('; ')}`);
}

const ROLLUP_COLUMNS = 'bucket, series, cnt, n, vsum, vmin, vmax, vlast, last_ts, dsum, first_seq, last_seq';

/** The RAM file's tables: raw rows, closed 1-minute rollups until their hour is packed into the
 * card (minute-blocks.ts), the 1m horizon that moves every minute (open-rollups.ts), the sink
 * cursors written at every ack (sinks.ts; the card gets them hourly), its owner. */
function createRamTables(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS ram.sample (
    seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, series INTEGER NOT NULL, value REAL, flags INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS ram.rollup_1m (
    bucket INTEGER NOT NULL, series INTEGER NOT NULL, cnt INTEGER NOT NULL, n INTEGER NOT NULL,
    vsum REAL, vmin REAL, vmax REAL, vlast REAL, last_ts INTEGER, dsum REAL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, PRIMARY KEY (bucket, series)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ram.rollup_horizon (
    res TEXT PRIMARY KEY, horizon INTEGER NOT NULL, scan_from INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ram.sink_cursor (name TEXT PRIMARY KEY, cursor INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS ram.ram_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;`);
}

/** Marks the RAM file as this store file's; rows of another one (a restore replaced it) are
 * deleted, never mixed in. Returns whether there were such rows. */
function claimRamFile(db: Database, mainPath: string): boolean {
  const identity = storeIdentity(db);
  const owner = db.prepare("SELECT value FROM ram.ram_meta WHERE key = 'store'").pluck().get() as
    | string
    | undefined;
  // The store file's path, for ram-orphans.ts.
  db.prepare("INSERT OR REPLACE INTO ram.ram_meta (key, value) VALUES ('path', ?)").run(mainPath);
  if (owner === identity) return false;
  if (owner !== undefined)
    db.exec(
      'DELETE FROM ram.sample; DELETE FROM ram.rollup_1m; DELETE FROM ram.rollup_horizon; DELETE FROM ram.sink_cursor',
    );
  db.prepare("INSERT OR REPLACE INTO ram.ram_meta (key, value) VALUES ('store', ?)").run(identity);
  return owner !== undefined;
}

/** `sample` and `rollup_1m` as TEMP VIEWs over both tiers (found before the main tables). */
function createViews(db: Database): void {
  db.exec(`CREATE TEMP VIEW sample AS
    SELECT seq, ts, series, value, flags FROM main.sample
    UNION ALL SELECT seq, ts, series, value, flags FROM ram.sample;
  CREATE TEMP VIEW rollup_1m AS
    SELECT ${ROLLUP_COLUMNS} FROM main.rollup_1m UNION ALL SELECT ${ROLLUP_COLUMNS} FROM ram.rollup_1m;`);
}

/**
 * Attaches (creating if needed) the RAM file and defines the `sample` view over both tiers.
 * A RAM file that cannot be used (corrupt) is deleted and started afresh, reported as lost.
 */
export function attachRamTier(db: Database, mainPath: string, opts: RamTierOptions): AttachedRamTier {
  const file = join(opts.dir, ramFileName(mainPath));
  let lost = false;
  let foreign = false;
  let orphans: string[] = [];
  try {
    mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
    // Missing while the store has written rows before: RAM was emptied (a power cut, a reboot).
    lost = !existsSync(file) && db.prepare('SELECT 1 FROM seq_time LIMIT 1').get() !== undefined;
    try {
      attachFile(db, file);
    } catch {
      if (db.prepare("SELECT 1 FROM pragma_database_list WHERE name = 'ram'").get()) db.exec('DETACH ram');
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
      lost = true;
      attachFile(db, file);
    }
    createRamTables(db);
    foreign = claimRamFile(db, mainPath);
    orphans = removeOrphanRamFiles(opts.dir, file);
    // A move cut by kill -9 between the two commits: the card's copy wins.
    db.exec('DELETE FROM ram.sample WHERE EXISTS (SELECT 1 FROM main.sample m WHERE m.seq = ram.sample.seq)');
    createViews(db);
  } catch (err) {
    throw new LinegateError(
      'LG_STORE_OPEN',
      `cannot use the RAM tier ${file}: ${(err as Error).message}`,
      { file, dir: opts.dir },
      { cause: err },
    );
  }
  return { file, lost, foreign, orphans, inRam: RAM_FS_TYPES.has(statfsSync(opts.dir).type) };
}

/**
 * After a lost RAM tier: how many rows the sink had not acked are known to be gone, i.e. the
 * seqs in (cursor, top] that are neither on the card nor events, `top` being the last seq the
 * card knows was handed out (a lower bound: the writer goes on from top + 1). Once, at start.
 */
export function rowsLostWithRam(db: Database, cursor: number, top: number): number {
  if (top <= cursor) return 0;
  const onCard = db
    .prepare('SELECT count(*) FROM main.sample WHERE seq > ? AND seq <= ?')
    .pluck()
    .get(cursor, top) as number;
  const events = db
    .prepare('SELECT count(*) FROM event WHERE seq > ? AND seq <= ?')
    .pluck()
    .get(cursor, top) as number;
  return top - cursor - onCard - events;
}

interface Mark {
  readonly at: number;
  readonly seq: number;
}

export class RamTier {
  /** (time, greatest seq written by then), oldest first: which rows are how old. */
  private readonly marks: Mark[] = [];
  /** The greatest seq found in RAM at start, and when this tier first ran (first maintain). */
  private readonly found: number;
  private startedAt: number | null = null;
  private spilled = 0;
  private dropped = 0;
  private droppedThrough = 0;
  private readonly stmt: {
    readonly ramMax: Statement<[], number | null>;
    readonly cardMin: Statement<[], number | null>;
    readonly pages: Statement<[], number>;
    readonly freePages: Statement<[], number>;
    readonly pageSize: Statement<[], number>;
  };
  private readonly move: (after: number, through: number) => number;
  private readonly drop: (through: number) => number;

  constructor(
    db: Database,
    private readonly attached: AttachedRamTier,
    private readonly opts: RamTierOptions,
  ) {
    this.stmt = {
      ramMax: db.prepare<[], number | null>('SELECT max(seq) FROM ram.sample').pluck(),
      cardMin: db.prepare<[], number | null>('SELECT min(seq) FROM main.sample').pluck(),
      pages: db.prepare<[], number>('PRAGMA ram.page_count').pluck(),
      freePages: db.prepare<[], number>('PRAGMA ram.freelist_count').pluck(),
      pageSize: db.prepare<[], number>('PRAGMA ram.page_size').pluck(),
    };
    const copy = db.prepare<[number, number]>(
      'INSERT OR IGNORE INTO main.sample (seq, ts, series, value, flags) SELECT seq, ts, series, value, flags FROM ram.sample WHERE seq > ? AND seq <= ?',
    );
    const remove = db.prepare<[number, number]>('DELETE FROM ram.sample WHERE seq > ? AND seq <= ?');
    this.move = db.transaction((after: number, through: number) => {
      const n = copy.run(after, through).changes;
      remove.run(after, through);
      return n;
    });
    const dropRam = db.prepare<[number]>('DELETE FROM ram.sample WHERE seq <= ?');
    const dropCard = db.prepare<[number]>('DELETE FROM main.sample WHERE seq <= ?');
    this.drop = db.transaction((through: number) => {
      const n = dropRam.run(through).changes;
      // Touch the card only when it holds rows below: most of the time it holds none.
      const cardMin = this.stmt.cardMin.get() ?? null;
      return n + (cardMin !== null && cardMin <= through ? dropCard.run(through).changes : 0);
    });
    this.found = this.stmt.ramMax.get() ?? 0;
  }

  /**
   * After a flush. `acked`: every row with seq <= acked is acked by every sink (Infinity with
   * no sink); `lastSeq`: the greatest seq written so far. Moves what is due to the card and
   * deletes what is acked and older than keepMs; returns the rows moved.
   */
  maintain(now: number, acked: number, lastSeq: number): number {
    this.startedAt ??= now;
    const last = this.marks.at(-1)?.seq ?? this.found;
    if (lastSeq > last) this.marks.push({ at: now, seq: lastSeq });
    const horizon = Math.max(this.opts.spillAfterMs, this.opts.keepMs);
    while (this.marks.length > 1 && (this.marks[1] as Mark).at <= now - horizon) this.marks.shift();

    let moved = 0;
    // Rows found at start are of unknown age: old enough to be moved to the card if not acked,
    // kept for raw history as if written at start.
    const due = this.writtenBy(now - this.opts.spillAfterMs, Number.NEGATIVE_INFINITY);
    if (acked < due) moved += this.moveToCard(acked, due);
    this.dropThrough(Math.min(acked, this.writtenBy(now - this.opts.keepMs, this.startedAt)));
    if (this.bytes() > this.opts.maxBytes) {
      this.dropThrough(Math.min(acked, lastSeq));
      if (this.bytes() > this.opts.maxBytes && acked < lastSeq) moved += this.moveToCard(acked, lastSeq);
    }
    return moved;
  }

  /** Before a clean close: every row not acked by every sink goes to the card. */
  spillUnacked(acked: number): number {
    const max = this.stmt.ramMax.get() ?? null;
    return max !== null && acked < max ? this.moveToCard(acked, max) : 0;
  }

  stats(): RamTierStats {
    return {
      file: this.attached.file,
      bytes: this.bytes(),
      maxBytes: this.opts.maxBytes,
      spilled: this.spilled,
      dropped: this.dropped,
      lostAtStart: this.attached.lost,
      foreign: this.attached.foreign,
      inRam: this.attached.inRam,
    };
  }

  /** The greatest seq written at or before `t` (0: none), the rows found at start counting as written at `foundAt`. */
  private writtenBy(t: number, foundAt: number): number {
    let seq = foundAt <= t ? this.found : 0;
    for (const m of this.marks) {
      if (m.at > t) break;
      seq = m.seq;
    }
    return seq;
  }

  private moveToCard(after: number, through: number): number {
    const n = this.move(Math.max(0, after), through);
    this.spilled += n;
    return n;
  }

  private dropThrough(through: number): void {
    if (!Number.isFinite(through) || through <= this.droppedThrough) return;
    this.dropped += this.drop(through);
    this.droppedThrough = through;
  }

  private bytes(): number {
    return (
      ((this.stmt.pages.get() as number) - (this.stmt.freePages.get() as number)) *
      (this.stmt.pageSize.get() as number)
    );
  }
}
