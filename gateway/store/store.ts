/**
 * The local store as one object: opens the database (database.ts), and wires the writer, the
 * outboxes, retention, history and stats over one connection.
 *
 * Calling rules: `Store.open` once per data directory and process (SQLite allows more, the
 * seq allocation does not: one writer per file). All methods are synchronous and must be
 * called from the one thread that opened it. `registerSink` each sink at start-up, then give
 * its outbox to its runner. Timers are not here: store-runner.ts calls `flush()` about once a
 * second and `maintain()` about once a minute. `close()` once, last: it flushes what is
 * buffered (as far as the disk allows) and closes the file; nothing may be called after it.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { LinegateError } from '../core/errors.js';
import { Counters } from './counters.js';
import { type OpenDatabaseOptions, openDatabase, type Recovery } from './database.js';
import { History, type HistoryQuery, type HistoryResult } from './history.js';
import { MinuteBlocks } from './minute-blocks.js';
import { StoreOutbox } from './outbox.js';
import { RamDuties } from './ram-duties.js';
import { attachRamTier, RAM_TABLES, RamTier, type RamTierOptions } from './ram-tier.js';
import { CARD_ONLY, type RawTables } from './raw-tables.js';
import {
  type AgeResult,
  type DeletedRows,
  type FreeSpace,
  Retention,
  type RetentionPolicy,
} from './retention.js';
import {
  type FlushResult,
  SampleWriter,
  type SampleWriterOptions,
  type StoreEvent,
  type StoreSample,
} from './sample-writer.js';
import { MINUTE_MS, SeqTimeline } from './seq-time.js';
import { SeriesDictionary } from './series.js';
import { type RegisterSinkOptions, SinkRegistry } from './sinks.js';
import { StatsReader, type StoreStats } from './stats.js';

const HOUR_MS = 3_600_000;

export interface StoreOptions
  extends Pick<OpenDatabaseOptions, 'dataDir' | 'fileName' | 'walAutocheckpointPages' | 'cacheKiB'>,
    Pick<SampleWriterOptions, 'maxBatch' | 'maxPending' | 'tzOffsetMinutes' | 'raw'> {
  /** Retention and disk cap; defaults in retention.ts (7 days raw, 1 GiB). */
  readonly retention?: Partial<RetentionPolicy>;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Free space on the data dir's file system; default statfs (retention.ts). */
  readonly freeSpace?: FreeSpace;
  /**
   * 0 (default): every sink ack is its own commit. > 0: acks move the cursors in memory and are
   * written by `flush()` at most this often and at `close()`; after a crash the rows acked
   * since are offered again (identical rows), fewer writes to the card (sinks.ts). Ignored with
   * the RAM tier: cursors go to RAM at each ack and to the card hourly and at close.
   */
  readonly ackPersistMs?: number;
  /** Raw samples in a RAM file first, on the card only when not acked in time (ram-tier.ts). */
  readonly ramTier?: RamTierOptions;
}

export interface MaintainResult {
  readonly age: AgeResult;
  readonly cap: DeletedRows;
}

export class Store {
  readonly path: string;
  /** Set when a corrupt file was found at open and moved aside: raise an event with it. */
  readonly recovered: Recovery | null;
  readonly writer: SampleWriter;
  readonly retention: Retention;
  private readonly series: SeriesDictionary;
  private readonly sinks: SinkRegistry;
  private readonly historyReader: History;
  private readonly statsReader: StatsReader;
  private readonly outboxes = new Map<string, StoreOutbox>();
  private readonly rawTables: RawTables;
  /** The RAM tier, when configured. */
  readonly ram: RamTier | null;
  private readonly ramDuties: RamDuties | null;
  private closed = false;
  private acksWrittenAt: number;

  private constructor(
    readonly db: Database,
    opened: { path: string; recovered: Recovery | null },
    private readonly opts: StoreOptions,
  ) {
    const now = opts.now ?? Date.now;
    this.path = opened.path;
    this.recovered = opened.recovered;
    // Before any statement is prepared: `sample` becomes the view over both tiers.
    const ram = opts.ramTier ? attachRamTier(db, this.path, opts.ramTier) : null;
    this.rawTables = ram ? RAM_TABLES : CARD_ONLY;
    this.ram = ram && opts.ramTier ? new RamTier(db, ram, opts.ramTier) : null;
    const blocks = ram ? new MinuteBlocks(db) : null;
    const rawTables = this.rawTables;
    this.series = new SeriesDictionary(db);
    // With the RAM tier acks are written to RAM at once (sinks.ts), to the card hourly and at close.
    this.sinks = new SinkRegistry(db, now, ram !== null || (opts.ackPersistMs ?? 0) > 0, rawTables);
    this.acksWrittenAt = now();
    const counters = new Counters(db);
    // With the RAM tier the card learns when rows were written once an hour, not once a minute.
    const timeline = new SeqTimeline(db, ram ? HOUR_MS : MINUTE_MS);
    this.retention = new Retention({
      db,
      path: this.path,
      sinks: this.sinks,
      counters,
      timeline,
      policy: opts.retention,
      now,
      log: opts.log,
      freeSpace: opts.freeSpace,
      rawTables,
      ...(blocks ? { minuteBlocks: blocks } : {}),
    });
    this.writer = new SampleWriter(db, {
      maxBatch: opts.maxBatch,
      maxPending: opts.maxPending,
      tzOffsetMinutes: opts.tzOffsetMinutes,
      raw: opts.raw,
      now,
      log: opts.log,
      series: this.series,
      counters,
      timeline,
      space: this.retention,
      rawTables,
      ...(blocks
        ? {
            minutes: {
              table: 'ram.rollup_1m',
              source: { horizonTable: 'ram.rollup_horizon', from: (b: number) => blocks.allFrom(b) },
            },
          }
        : {}),
    });
    this.historyReader = new History({
      db,
      series: this.series,
      rollupRetentionMs: this.retention.policy.rollupRetentionMs,
      tzOffsetMinutes: opts.tzOffsetMinutes,
      now,
      open: this.writer.openRollups,
      rawTables,
      ...(blocks ? { minutes: blocks } : {}),
    });
    this.statsReader = new StatsReader({
      db,
      path: this.path,
      sinks: this.sinks,
      counters,
      retention: this.retention,
      writer: () => this.writer.stats(),
      outbox: (name) => this.outbox(name),
      rawTables,
      ...(this.ram ? { ram: () => (this.ram as RamTier).stats() } : {}),
    });
    this.ramDuties =
      this.ram && blocks
        ? new RamDuties({
            db,
            ram: this.ram,
            blocks,
            sinks: this.sinks,
            writer: this.writer,
            persistAcks: () => this.persistAcks(now()),
            log: opts.log,
          })
        : null;
    if (ram?.lost) this.ramDuties?.countLoss(counters, ram.file);
    if (ram && ram.orphans.length > 0)
      opts.log?.info(
        { dir: opts.ramTier?.dir, removed: ram.orphans },
        'RAM tier: files of deleted stores removed',
      );
    if (ram && !ram.inRam)
      opts.log?.warn(
        { dir: opts.ramTier?.dir },
        'RAM tier directory is not on a RAM file system (tmpfs): the card still gets every write',
      );
    if (ram?.foreign)
      opts.log?.warn({ file: ram.file }, 'RAM tier held rows of a replaced database (restore): deleted');
  }

  /** Opens (creating, migrating, or recovering from corruption) `<dataDir>/linegate.db`. */
  static open(opts: StoreOptions): Store {
    const opened = openDatabase({ ...opts });
    try {
      const store = new Store(opened.db, opened, opts);
      if (opened.recovered)
        opts.log?.error({ ...opened.recovered }, 'corrupt database moved aside, fresh one created');
      return store;
    } catch (err) {
      opened.db.close();
      throw err;
    }
  }

  append(samples: readonly StoreSample[]): void {
    this.writer.append(samples);
  }

  appendEvents(events: readonly StoreEvent[]): void {
    this.writer.appendEvents(events);
  }

  flush(): FlushResult {
    const r = this.writer.flush();
    const every = this.opts.ackPersistMs ?? 0;
    const now = (this.opts.now ?? Date.now)();
    if (!this.ram && every > 0 && now - this.acksWrittenAt >= every) this.persistAcks(now);
    this.ramDuties?.afterFlush(now);
    return r;
  }

  /** Writes the acks kept in memory (ackPersistMs); a failure keeps them for the next try. */
  private persistAcks(now: number): void {
    try {
      this.sinks.persistAcks();
      this.acksWrittenAt = now;
    } catch (err) {
      this.opts.log?.warn({ err }, 'sink cursors not written, trying again at the next flush');
    }
  }

  /** Creates the sink's cursor if new (see sinks.ts for `from`) and returns its outbox. */
  registerSink(name: string, opts: RegisterSinkOptions = {}): StoreOutbox {
    this.sinks.register(name, opts);
    return this.outbox(name);
  }

  /** Forgets a sink for good: its unsent rows no longer hold events back. */
  unregisterSink(name: string): void {
    this.sinks.unregister(name);
    this.outboxes.delete(name);
  }

  /** The outbox of a registered sink; throws LG_STORE_SINK otherwise. */
  outbox(name: string): StoreOutbox {
    let outbox = this.outboxes.get(name);
    if (!outbox) {
      if (!this.sinks.has(name)) {
        throw new LinegateError('LG_STORE_SINK', `sink "${name}" is not registered`, { sink: name });
      }
      outbox = new StoreOutbox({
        rawTables: this.rawTables,
        db: this.db,
        sink: name,
        series: this.series,
        sinks: this.sinks,
        now: this.opts.now,
      });
      this.outboxes.set(name, outbox);
    }
    return outbox;
  }

  sinkNames(): string[] {
    return this.sinks.list().map((s) => s.name);
  }

  history(q: HistoryQuery): HistoryResult {
    return this.historyReader.query(q);
  }

  /** Age retention, then the disk cap (see retention.ts). About once a minute. */
  maintain(): MaintainResult {
    const age = this.retention.runAge();
    const cap = this.retention.enforceCap();
    return { age, cap };
  }

  stats(): StoreStats {
    return this.statsReader.read();
  }

  /** `PRAGMA integrity_check` (reads the whole file: for tests and tools, not at run time). */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as { integrity_check: string }[]).map((r) => r.integrity_check);
  }

  /**
   * Flushes everything buffered (several transactions if more than maxBatch), then closes.
   * Returns how many buffered rows could not be written (disk full or I/O error).
   */
  close(): { readonly unwritten: number } {
    if (this.closed) return { unwritten: 0 };
    let unwritten = 0;
    try {
      while (this.writer.pending() > 0) {
        const r = this.writer.flush();
        if (r.written === 0) {
          unwritten = this.writer.pending();
          this.opts.log?.error(
            { unwritten, err: r.error },
            'store closed with rows that could not be written',
          );
          break;
        }
      }
      if (unwritten === 0) this.writer.closeMinutes();
      // A reboot empties RAM: every closed minute goes to the card, the open hour's too.
      if (unwritten === 0) this.ramDuties?.packAll();
      this.persistAcks((this.opts.now ?? Date.now)());
      this.ramDuties?.spillUnacked();
    } finally {
      this.closed = true;
      this.outboxes.clear();
      this.db.close();
    }
    return { unwritten };
  }

  get isOpen(): boolean {
    return !this.closed;
  }
}
