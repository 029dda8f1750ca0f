/**
 * RETENTION AND SHEDDING POLICY of the local store. What the store lets go of, when, and how it
 * is counted. Nothing is ever deleted silently: every raw sample that leaves before every sink
 * has acked it is counted in the `counter` table (see counters.ts), per sink.
 *
 * 1. Age (run by `runAge()`, about once a minute from the store runner):
 *    - raw samples: deleted once older than `rawRetentionMs` (default 7 days), whether or not
 *      every sink has acked them. Those a sink had not yet acked are counted for that sink as
 *      dropped, reason `retention`. A sink that is behind never makes rows go earlier. Age is
 *      the time since the row was stored (seq-time.ts): a late sample gets the full window.
 *    - events (production, state, alarms): deleted once older than `eventRetentionMs` (default
 *      30 days, never less than the raw retention) AND acked by every registered sink. An
 *      unsent event is never deleted.
 *    - rollups: 1 min kept `rollupRetentionMs['1m']` (default 90 days), 1 h 2 years, 1 day
 *      forever (null = forever). Never deleted by the disk cap.
 *    - quarantine: rows quarantined longer ago than `quarantineRetentionMs` (default 30 days).
 *    - counters: never.
 * 2. Disk cap (checked after flushes by `enforceCap()`, every CAP_CHECK rows or second: sample-writer.ts): when the live database (pages in
 *    use + the WAL file) exceeds `maxBytes` (default 1 GiB), the OLDEST raw samples are shed in
 *    chunks until it is under 90 % of the cap (hysteresis: not a shed per flush). Events,
 *    rollups, quarantine and counters are never shed; if raw samples are gone and the cap is
 *    still exceeded, the store keeps writing and reports `overCap` (the disk-full path below
 *    still protects the card).
 *    The cap also follows the file system: the effective cap is the smaller of `maxBytes` and
 *    what the file could grow to while leaving `minFreeBytes` (default 8 MiB) writable, i.e.
 *    free space on the file system + SQLite's free pages. So on a card that fills up (the
 *    store's own growth, or anything else's) the oldest raw samples are shed BEFORE the file
 *    system is full. That reserve matters: in WAL mode a completely full file system cannot
 *    even commit the DELETE that would make room (the WAL must grow, and the checkpoint that
 *    would let it restart must grow the main file), so the SQLITE_FULL path below can only
 *    wait for space; the reserve keeps the store out of that state. Each chunk counts every shed sample (reason `shed`, sink '') and
 *    per sink those it had not acked. Deleted pages go to SQLite's freelist and are reused by
 *    the next writes: the file stays at about the cap, and no VACUUM ever rewrites the card.
 * 3. Disk full (SQLITE_FULL on a write, from the file system or `PRAGMA max_page_count`): the
 *    writer's transaction rolls back, `makeRoom()` sheds a chunk of the oldest raw samples
 *    (counted as above), and the write is retried once. If it is still full, the batch stays
 *    in the writer's memory (bounded by `maxPending`; beyond it the oldest samples in memory
 *    are dropped and counted, reason `memory`), the flush reports `full`, and the next flush
 *    (a second later) tries again: no exception, no crash loop, recovery as soon as space
 *    returns.
 *
 * All deletions are seq-prefix range deletes on rowids in chunks of `deleteChunkRows`, each
 * chunk one transaction together with its counts.
 */
import { statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from 'pino';
import { ALL_SINKS, type Counters, type LossReason } from './counters.js';
import { CARD_ONLY, type RawTables, seqEdgeSql } from './raw-tables.js';
import type { Resolution } from './rollup.js';
import type { SeqTimeline } from './seq-time.js';
import type { SinkRegistry } from './sinks.js';

const DAY_MS = 86_400_000;

export interface RetentionPolicy {
  readonly rawRetentionMs: number;
  readonly eventRetentionMs: number;
  readonly quarantineRetentionMs: number;
  /** null = keep forever. */
  readonly rollupRetentionMs: Readonly<Record<Resolution, number | null>>;
  readonly maxBytes: number;
  /** Space kept writable on the file system (free space + free pages); see the policy. */
  readonly minFreeBytes: number;
  /** After shedding, the database is below maxBytes × this. */
  readonly lowWaterRatio: number;
  readonly deleteChunkRows: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  rawRetentionMs: 7 * DAY_MS,
  eventRetentionMs: 30 * DAY_MS,
  quarantineRetentionMs: 30 * DAY_MS,
  rollupRetentionMs: Object.freeze({ '1m': 90 * DAY_MS, '1h': 730 * DAY_MS, '1d': null }),
  maxBytes: 1024 ** 3,
  minFreeBytes: 8 * 1024 ** 2,
  lowWaterRatio: 0.9,
  deleteChunkRows: 50_000,
});

export interface DeletedRows {
  readonly rows: number;
  /** Per sink: how many of the deleted rows it had not acked. */
  readonly unsentBySink: Readonly<Record<string, number>>;
}

export interface AgeResult {
  readonly raw: DeletedRows;
  readonly events: number;
  readonly rollups: number;
  readonly quarantine: number;
}

export interface DiskUsage {
  readonly pageSize: number;
  readonly pages: number;
  readonly freePages: number;
  readonly walBytes: number;
  /** Main file + WAL, as on disk. */
  readonly fileBytes: number;
  /** Pages in use + WAL: what the cap compares. */
  readonly usedBytes: number;
  /** Free space on the file system for this process (null when it cannot be read). */
  readonly fsAvailBytes: number | null;
  /** min(maxBytes, fileBytes + fsAvailBytes − minFreeBytes): what `usedBytes` may reach. */
  readonly capBytes: number;
}

/** Free bytes on the file system holding `path`, for an unprivileged process. */
export type FreeSpace = (path: string) => number | null;

export const statfsFreeSpace: FreeSpace = (path) => {
  try {
    const s = statfsSync(dirname(path));
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
};

export interface RetentionDeps {
  readonly db: Database;
  readonly path: string;
  readonly sinks: SinkRegistry;
  readonly counters: Counters;
  readonly timeline: SeqTimeline;
  readonly policy?: Partial<RetentionPolicy>;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Default: statfs of the data dir. */
  readonly freeSpace?: FreeSpace;
  /** Where raw rows are (default the card only): deletions cover every tier. */
  readonly rawTables?: RawTables;
  /** The RAM tier's packed 1-minute rollups (minute-blocks.ts), deleted with the 1m rows. */
  readonly minuteBlocks?: { deleteBefore(cutoff: number): number };
}

export class Retention {
  readonly policy: RetentionPolicy;
  /** True when the cap is exceeded and no raw sample is left to shed. */
  overCap = false;
  private readonly db: Database;
  private readonly deps: RetentionDeps;
  private readonly now: () => number;
  private readonly stmt: {
    chunkEnd: Statement<[number, number], { seq: number }>;
    maxSample: Statement<[], { m: number | null }>;
    minSample: Statement<[], { m: number | null }>;
    minEvent: Statement<[], { m: number | null }>;
    countThrough: Statement<[number], { n: number }>;
    countUnsent: Statement<[number, number], { n: number }>;
    deleteThrough: readonly Statement<[number]>[];
    lastSampleBelow: Statement<[number], { m: number | null }>;
    eventChunkEnd: Statement<[number, number], { seq: number }>;
    pageSize: Statement<[], number>;
    pageCount: Statement<[], number>;
    freelistCount: Statement<[], number>;
    lastEventBelow: Statement<[number], { m: number | null }>;
    deleteEventsThrough: Statement<[number]>;
    deleteQuarantine: Statement<[number]>;
    deleteRollup: Record<Resolution, readonly Statement<[number]>[]>;
  };

  constructor(deps: RetentionDeps) {
    this.deps = deps;
    this.db = deps.db;
    this.now = deps.now ?? Date.now;
    const merged = { ...DEFAULT_RETENTION, ...deps.policy };
    this.policy = Object.freeze({
      ...merged,
      // Never shorter than raw retention: row-counts.ts relies on events going after samples.
      eventRetentionMs: Math.max(merged.eventRetentionMs, merged.rawRetentionMs),
      rollupRetentionMs: Object.freeze({
        ...DEFAULT_RETENTION.rollupRetentionMs,
        ...deps.policy?.rollupRetentionMs,
      }),
    });
    const db = this.db;
    const raw = deps.rawTables ?? CARD_ONLY;
    this.stmt = {
      pageSize: db.prepare<[], number>('PRAGMA page_size').pluck(),
      pageCount: db.prepare<[], number>('PRAGMA page_count').pluck(),
      freelistCount: db.prepare<[], number>('PRAGMA freelist_count').pluck(),
      chunkEnd: db.prepare('SELECT seq FROM sample WHERE seq < ? ORDER BY seq LIMIT 1 OFFSET ?'),
      maxSample: db.prepare(`SELECT ${seqEdgeSql(raw, 'max')} AS m`),
      minSample: db.prepare(`SELECT ${seqEdgeSql(raw, 'min')} AS m`),
      minEvent: db.prepare('SELECT min(seq) AS m FROM event'),
      countThrough: db.prepare('SELECT count(*) AS n FROM sample WHERE seq <= ?'),
      countUnsent: db.prepare('SELECT count(*) AS n FROM sample WHERE seq > ? AND seq <= ?'),
      deleteThrough: raw.tables.map((t) => db.prepare(`DELETE FROM ${t} WHERE seq <= ?`)),
      lastSampleBelow: db.prepare('SELECT max(seq) AS m FROM sample WHERE seq < ?'),
      eventChunkEnd: db.prepare('SELECT seq FROM event WHERE seq < ? ORDER BY seq LIMIT 1 OFFSET ?'),
      lastEventBelow: db.prepare('SELECT max(seq) AS m FROM event WHERE seq < ?'),
      deleteEventsThrough: db.prepare('DELETE FROM event WHERE seq <= ?'),
      deleteQuarantine: db.prepare('DELETE FROM quarantine WHERE at < ?'),
      deleteRollup: {
        // With the RAM tier `rollup_1m` is a view over the card's table and the RAM one.
        '1m': (deps.minuteBlocks ? ['main.rollup_1m', 'ram.rollup_1m'] : ['main.rollup_1m']).map((t) =>
          db.prepare(`DELETE FROM ${t} WHERE bucket < ?`),
        ),
        '1h': [db.prepare('DELETE FROM rollup_1h WHERE bucket < ?')],
        '1d': [db.prepare('DELETE FROM rollup_1d WHERE bucket < ?')],
      },
    };
  }

  usage(): DiskUsage {
    // Prepared once: db.pragma() compiles a statement per call, and this runs after every flush.
    const pageSize = this.stmt.pageSize.get() as number;
    const pages = this.stmt.pageCount.get() as number;
    const freePages = this.stmt.freelistCount.get() as number;
    let walBytes = 0;
    try {
      walBytes = statSync(`${this.deps.path}-wal`).size;
    } catch {
      walBytes = 0; // no WAL file (yet): nothing to add
    }
    const fileBytes = pages * pageSize + walBytes;
    const fsAvailBytes = (this.deps.freeSpace ?? statfsFreeSpace)(this.deps.path);
    const { maxBytes, minFreeBytes } = this.policy;
    return {
      pageSize,
      pages,
      freePages,
      walBytes,
      fileBytes,
      usedBytes: (pages - freePages) * pageSize + walBytes,
      fsAvailBytes,
      capBytes:
        fsAvailBytes === null ? maxBytes : Math.min(maxBytes, fileBytes + fsAvailBytes - minFreeBytes),
    };
  }

  /** After a successful write: sheds the oldest raw samples while over the cap. */
  enforceCap(): DeletedRows {
    const { lowWaterRatio } = this.policy;
    let u = this.usage();
    if (u.usedBytes <= u.capBytes) {
      this.overCap = false;
      return { rows: 0, unsentBySink: {} };
    }
    this.checkpoint();
    u = this.usage();
    const total = new Tally();
    for (let i = 0; i < 1000 && u.usedBytes > u.capBytes * lowWaterRatio; i++) {
      const min = this.stmt.minSample.get()?.m ?? null;
      const max = this.stmt.maxSample.get()?.m ?? null;
      if (min === null || max === null) break;
      const estimatedRows = max - min + 1;
      const excess = u.usedBytes - u.capBytes * lowWaterRatio;
      const rows = Math.ceil((estimatedRows * excess) / Math.max(1, u.usedBytes - u.walBytes));
      total.add(this.shedOldest(Math.min(Math.max(rows, 256), this.policy.deleteChunkRows)));
      this.checkpoint();
      u = this.usage();
    }
    const maxBytes = u.capBytes;
    this.overCap = u.usedBytes > maxBytes;
    if (total.rows > 0) {
      this.deps.log?.warn(
        {
          shed: total.rows,
          unsentBySink: total.bySink,
          usedBytes: u.usedBytes,
          maxBytes,
          fsAvailBytes: u.fsAvailBytes,
        },
        'disk cap reached: oldest raw samples shed',
      );
    }
    if (this.overCap) {
      this.deps.log?.error(
        { usedBytes: u.usedBytes, maxBytes },
        'disk cap exceeded and no raw sample left to shed (events, rollups and quarantine are kept)',
      );
    }
    return total.result();
  }

  /** SQLITE_FULL on a write of `rowsWanted` rows: sheds a chunk of the oldest raw samples. */
  makeRoom(rowsWanted: number): DeletedRows {
    const rows = Math.min(Math.max(rowsWanted * 2, 1000), this.policy.deleteChunkRows);
    const result = this.shedOldest(rows);
    this.deps.log?.warn({ shed: result.rows, unsentBySink: result.unsentBySink }, 'disk full: shed');
    return result;
  }

  /** Sheds the `rows` oldest raw samples in one transaction, counted (reason `shed`). */
  shedOldest(rows: number): DeletedRows {
    return this.db.transaction(() => {
      const end =
        this.stmt.chunkEnd.get(Number.MAX_SAFE_INTEGER, Math.max(0, rows - 1))?.seq ??
        this.stmt.maxSample.get()?.m ??
        null;
      if (end === null) return { rows: 0, unsentBySink: {} };
      return this.deleteSamplesThrough(end, 'shed');
    })();
  }

  /** Deletes by age (see the policy above). Each chunk is its own transaction. */
  runAge(): AgeResult {
    const now = this.now();
    const p = this.policy;
    const { timeline, sinks } = this.deps;

    const raw = new Tally();
    const rawBoundary = Math.min(timeline.boundary(now - p.rawRetentionMs), Number.MAX_SAFE_INTEGER);
    for (;;) {
      const deleted = this.db.transaction(() => {
        const end =
          this.stmt.chunkEnd.get(rawBoundary, p.deleteChunkRows - 1)?.seq ??
          this.stmt.lastSampleBelow.get(rawBoundary)?.m ??
          null;
        return end === null ? null : this.deleteSamplesThrough(end, 'retention');
      })();
      if (!deleted || deleted.rows === 0) break;
      raw.add(deleted);
    }

    const cursors = sinks.list().map((s) => s.cursor);
    const ackedByAll = cursors.length ? Math.min(...cursors) + 1 : Number.MAX_SAFE_INTEGER;
    const eventBoundary = Math.min(
      timeline.boundary(now - p.eventRetentionMs),
      ackedByAll,
      Number.MAX_SAFE_INTEGER,
    );
    let events = 0;
    for (;;) {
      const n = this.db.transaction(() => {
        const end =
          this.stmt.eventChunkEnd.get(eventBoundary, p.deleteChunkRows - 1)?.seq ??
          this.stmt.lastEventBelow.get(eventBoundary)?.m ??
          null;
        return end === null ? 0 : this.stmt.deleteEventsThrough.run(end).changes;
      })();
      if (n === 0) break;
      events += n;
    }

    let rollups = 0;
    for (const res of ['1m', '1h', '1d'] as const) {
      const keep = p.rollupRetentionMs[res];
      if (keep === null) continue;
      for (const del of this.stmt.deleteRollup[res]) rollups += del.run(now - keep).changes;
      if (res === '1m') rollups += this.deps.minuteBlocks?.deleteBefore(now - keep) ?? 0;
    }
    const quarantine = this.stmt.deleteQuarantine.run(now - p.quarantineRetentionMs).changes;

    const minLive = Math.min(
      this.stmt.minSample.get()?.m ?? Number.POSITIVE_INFINITY,
      this.stmt.minEvent.get()?.m ?? Number.POSITIVE_INFINITY,
    );
    timeline.pruneBelow(minLive);

    const result = { raw: raw.result(), events, rollups, quarantine };
    if (raw.rows || events || rollups || quarantine) this.deps.log?.debug(result, 'retention');
    const dropped = Object.values(raw.bySink).reduce((a, b) => a + b, 0);
    if (dropped > 0) {
      this.deps.log?.warn(
        { unsentBySink: raw.bySink },
        'raw samples older than the retention were never sent',
      );
    }
    return result;
  }

  /** Inside a transaction: deletes samples with seq <= end, counting the loss per sink. */
  private deleteSamplesThrough(end: number, reason: LossReason): DeletedRows {
    const { counters, sinks } = this.deps;
    const rows = this.stmt.countThrough.get(end)?.n ?? 0;
    if (rows === 0) return { rows: 0, unsentBySink: {} };
    const unsentBySink: Record<string, number> = {};
    for (const { name, cursor } of sinks.list()) {
      const unsent = cursor < end ? (this.stmt.countUnsent.get(cursor, end)?.n ?? 0) : 0;
      unsentBySink[name] = unsent;
      counters.add(reason, name, unsent);
    }
    if (reason === 'shed') counters.add('shed', ALL_SINKS, rows);
    for (const del of this.stmt.deleteThrough) del.run(end);
    return { rows, unsentBySink };
  }

  private checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }
}

class Tally {
  rows = 0;
  readonly bySink: Record<string, number> = {};

  add(d: DeletedRows): void {
    this.rows += d.rows;
    for (const [sink, n] of Object.entries(d.unsentBySink)) this.bySink[sink] = (this.bySink[sink] ?? 0) + n;
  }

  result(): DeletedRows {
    return { rows: this.rows, unsentBySink: { ...this.bySink } };
  }
}
