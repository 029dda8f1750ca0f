/**
 * A snapshot of the store for `GET /api/health` and the logs: size, rows, per-sink backlog and
 * every loss counted (see counters.ts and retention.ts for what each counter means).
 * Cost: a few pragmas, index lookups and counts over the small tables (events, quarantine,
 * series); raw rows and depths come from seq arithmetic (row-counts.ts), whatever the backlog.
 * Bytes written to the card are not measured here: the runtime reads /proc/self/io.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { Outbox } from '../core/outbox.js';
import { ALL_SINKS, type Counters } from './counters.js';
import type { RamTierStats } from './ram-tier.js';
import type { RawTables } from './raw-tables.js';
import type { Retention } from './retention.js';
import { RowCounts } from './row-counts.js';
import type { WriterStats } from './sample-writer.js';
import type { SinkRegistry } from './sinks.js';

export interface SinkStoreStats {
  readonly name: string;
  readonly cursor: number;
  /** Rows not yet acked (samples + events). */
  readonly depth: number;
  readonly oldestUnsentTs: number | null;
  /** Rows this sink will never get: shed by the disk cap / deleted by age before it acked them. */
  readonly dropped: { readonly shed: number; readonly retention: number; readonly ram: number };
  readonly quarantined: number;
}

export interface StoreStats {
  readonly path: string;
  /** Main file + WAL on disk. */
  readonly fileBytes: number;
  readonly walBytes: number;
  /** Pages in use + WAL: what the disk cap compares with maxBytes. */
  readonly usedBytes: number;
  readonly maxBytes: number;
  /** Free space on the file system (null: unknown) and the cap in force (see retention.ts). */
  readonly fsAvailBytes: number | null;
  readonly capBytes: number;
  /** Over the cap with no raw sample left to shed. */
  readonly overCap: boolean;
  readonly rawRows: number;
  readonly eventRows: number;
  readonly quarantineRows: number;
  readonly series: number;
  readonly sinks: readonly SinkStoreStats[];
  /** Raw samples shed by the disk cap since the database was created (sent or not). */
  readonly shed: number;
  /** Samples never stored: dropped from memory while the disk stayed full. */
  readonly droppedMemory: number;
  readonly writer: WriterStats;
  /** The RAM tier (store.ramTier): absent without one. */
  readonly ram?: RamTierStats;
}

export interface StatsDeps {
  readonly db: Database;
  readonly path: string;
  readonly sinks: SinkRegistry;
  readonly counters: Counters;
  readonly retention: Retention;
  readonly writer: () => WriterStats;
  readonly outbox: (sink: string) => Outbox;
  readonly rawTables?: RawTables;
  /** The RAM tier's figures, when there is one. */
  readonly ram?: () => RamTierStats;
}

export class StatsReader {
  private readonly q: {
    eventRows: Statement<[], { n: number }>;
    quarantine: Statement<[], { sink: string; n: number }>;
    series: Statement<[], { n: number }>;
  };

  private readonly rows: RowCounts;

  constructor(private readonly deps: StatsDeps) {
    const { db } = deps;
    this.rows = new RowCounts(db, deps.rawTables);
    this.q = {
      eventRows: db.prepare('SELECT count(*) AS n FROM event'),
      quarantine: db.prepare('SELECT sink, count(*) AS n FROM quarantine GROUP BY sink'),
      series: db.prepare('SELECT count(*) AS n FROM series'),
    };
  }

  read(): StoreStats {
    const { counters, retention, sinks } = this.deps;
    const usage = retention.usage();
    const all = counters.all();
    const count = (name: string, sink: string) => all.find((c) => c.name === name && c.sink === sink)?.n ?? 0;
    const quarantined = new Map(this.q.quarantine.all().map((r) => [r.sink, r.n]));
    const perSink = sinks.list().map(({ name, cursor }): SinkStoreStats => {
      const outbox = this.deps.outbox(name);
      return {
        name,
        cursor,
        depth: outbox.depth(),
        oldestUnsentTs: outbox.oldestUnsentTs(),
        dropped: { shed: count('shed', name), retention: count('retention', name), ram: count('ram', name) },
        quarantined: quarantined.get(name) ?? 0,
      };
    });
    return {
      path: this.deps.path,
      fileBytes: usage.fileBytes,
      walBytes: usage.walBytes,
      usedBytes: usage.usedBytes,
      maxBytes: retention.policy.maxBytes,
      fsAvailBytes: usage.fsAvailBytes,
      capBytes: usage.capBytes,
      overCap: retention.overCap,
      rawRows: this.rows.samples(),
      eventRows: this.q.eventRows.get()?.n ?? 0,
      quarantineRows: [...quarantined.values()].reduce((a, b) => a + b, 0),
      series: this.q.series.get()?.n ?? 0,
      sinks: perSink,
      shed: count('shed', ALL_SINKS),
      droppedMemory: count('memory', ALL_SINKS),
      writer: this.deps.writer(),
      ...(this.deps.ram ? { ram: this.deps.ram() } : {}),
    };
  }
}
