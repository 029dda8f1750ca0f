/**
 * Buffers samples (and events) in memory and writes them in one transaction per `flush()`:
 * raw rows, the rollup rows of the buckets that closed (open buckets stay in memory until they
 * close: open-rollups.ts) and the seq-time entry, together.
 * Every sample is stored raw unless `raw.onChange` is set: then change-filter.ts decides (a
 * suppressed sample still counts in the rollups).
 *
 * Calling rules: one writer per database (it hands out the seqs). `append`/`appendEvents` any
 * time; they validate and throw LG_STORE_INVALID for the whole call before buffering anything.
 * `flush()` is called by one owner (store-runner.ts, about once a second, and once more on
 * stop); it writes up to `maxBatch` rows (events first, then samples in append order) and
 * leaves the rest for the next call. It does not throw for write failures: the result says
 * `full` (disk full, after one shed-and-retry; see retention.ts) or carries `error`, and the
 * rows stay in memory to be tried again. Memory is bounded by `maxPending` samples: beyond it
 * the oldest buffered samples are dropped and counted (reason `memory`). Events are never
 * dropped from memory (they are few).
 */
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import { ChangeFilter } from './change-filter.js';
import { ALL_SINKS, Counters } from './counters.js';
import { OpenRollups, type RollupPlan } from './open-rollups.js';
import { CARD_ONLY, seqEdgeSql } from './raw-tables.js';
import { RollupAccumulator, RollupWriter } from './rollup.js';
import { SampleInserter } from './sample-insert.js';
import {
  CAP_CHECK,
  type FlushResult,
  type SampleWriterOptions,
  type StoreEvent,
  type StoreSample,
  type WriterStats,
} from './sample-writer-types.js';
import { SeqTimeline } from './seq-time.js';
import { SeriesDictionary } from './series.js';
import { numericValue, TextBlobs, valueFlags } from './value-codec.js';

export {
  CAP_CHECK,
  type FlushResult,
  type RawStorage,
  type SampleWriterOptions,
  type SpaceKeeper,
  type StoreEvent,
  type StoreSample,
  type WriterStats,
} from './sample-writer-types.js';

export class SampleWriter {
  private samples: StoreSample[] = [];
  private events: StoreEvent[] = [];
  private nextSeq: number;
  private droppedUnsaved = 0;
  private droppedTotal = 0;
  private full = false;
  private last = { at: null as number | null, ms: null as number | null, rows: 0 };
  private lastError: WriterStats['lastError'] = null;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly tzOffsetMs: number;
  private readonly now: () => number;
  private readonly series: SeriesDictionary;
  private readonly counters: Counters;
  private readonly timeline: SeqTimeline;
  private readonly rollups: RollupWriter;
  private readonly filter: ChangeFilter | null;
  /** The open rollup buckets (memory), shared with history reads. */
  readonly openRollups: OpenRollups;
  /** Rows written since the last disk-cap check, and when it ran (checkCap). */
  private cap = { rows: 0, at: Number.NEGATIVE_INFINITY };
  private readonly inserter: SampleInserter;
  private readonly blobs = new TextBlobs();
  /** One transaction function for every write (better-sqlite3 wraps it once). */
  private readonly writeTx: (
    events: readonly StoreEvent[],
    samples: readonly StoreSample[],
    closeAll1m: boolean,
  ) => void;
  /** What the running write() and its transaction body share (seq, timeline token, rollup plan). */
  private readonly current: { seq: number; timelineToken: number | null; plan: RollupPlan | null } = {
    seq: 0,
    timelineToken: null,
    plan: null,
  };
  private readonly insertEvent: Statement<[number, number, string, string, string]>;
  private readonly selectNextSeq: Statement<[], { s: number }>;

  constructor(
    private readonly db: Database,
    private readonly opts: SampleWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, opts.maxBatch ?? 50_000);
    this.maxPending = Math.max(this.maxBatch, opts.maxPending ?? 500_000);
    this.tzOffsetMs = (opts.tzOffsetMinutes ?? 0) * 60_000;
    this.now = opts.now ?? Date.now;
    this.series = opts.series ?? new SeriesDictionary(db);
    this.counters = opts.counters ?? new Counters(db);
    this.timeline = opts.timeline ?? new SeqTimeline(db);
    this.rollups = new RollupWriter(db, opts.minutes?.table);
    this.filter = opts.raw?.onChange
      ? new ChangeFilter({ deadband: Math.max(0, opts.raw.deadband), heartbeatMs: opts.raw.heartbeatMs })
      : null;
    const rawTables = opts.rawTables ?? CARD_ONLY;
    this.inserter = new SampleInserter(db, rawTables.insertInto);
    this.writeTx = db.transaction((events, samples, closeAll1m) =>
      this.writeRows(events, samples, closeAll1m),
    );
    this.insertEvent = db.prepare(
      'INSERT INTO event (seq, ts, measurement, tags, fields) VALUES (?, ?, ?, ?, ?)',
    );
    // Never reuse a seq a cursor, a quarantined row or a seq-time entry may still name.
    this.selectNextSeq = db.prepare(`SELECT 1 + max(
      coalesce(${seqEdgeSql(rawTables, 'max')}, 0), coalesce((SELECT max(seq) FROM event), 0),
      coalesce((SELECT max(cursor) FROM sink), 0), coalesce((SELECT max(seq) FROM quarantine), 0),
      coalesce((SELECT max(first_seq) FROM seq_time), 0)${
        rawTables.cursorMirror ? `, coalesce((SELECT max(cursor) FROM ${rawTables.cursorMirror}), 0)` : ''
      }) AS s`);
    this.nextSeq = this.readNextSeq();
    this.openRollups = new OpenRollups(db, this.tzOffsetMs, undefined, opts.minutes?.source ?? null);
    this.openRollups.load(this.nextSeq);
  }

  /** The seq the next committed row will get. */
  get seqToWrite(): number {
    return this.nextSeq;
  }

  append(samples: readonly StoreSample[]): void {
    for (const s of samples) {
      if (!Number.isFinite(s.ts)) {
        throw new LinegateError('LG_STORE_INVALID', `sample ts is not a number: ${String(s.ts)}`, {
          machine: s.machine,
          point: s.point,
        });
      }
    }
    for (const s of samples) this.samples.push(s);
    this.bound();
  }

  appendEvents(events: readonly StoreEvent[]): void {
    for (const e of events) validateEvent(e);
    for (const e of events) this.events.push(e);
  }

  pending(): number {
    return this.samples.length + this.events.length;
  }

  flush(): FlushResult {
    const t0 = performance.now();
    const events = this.events.slice(0, this.maxBatch);
    const samples = this.samples.slice(0, this.maxBatch - events.length);
    if (events.length === 0 && samples.length === 0 && !this.openRollups.due(this.now())) {
      return this.result(0, 0, 0, false, 0, t0);
    }
    let shed = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        this.write(events, samples);
        break;
      } catch (err) {
        this.afterRollback();
        const full = (err as { code?: string }).code === 'SQLITE_FULL';
        if (full && attempt === 0 && this.opts.space) {
          try {
            shed += this.opts.space.makeRoom(samples.length + events.length).rows;
            continue;
          } catch (shedErr) {
            this.opts.log?.debug({ err: shedErr }, 'shedding on a full disk failed');
          }
        }
        return this.failed(err, full, shed, t0);
      }
    }
    this.events.splice(0, events.length);
    this.samples.splice(0, samples.length);
    this.droppedUnsaved = 0;
    if (this.full) this.opts.log?.info({ pending: this.pending() }, 'disk has room again: writing resumed');
    this.full = false;
    this.lastError = null;
    shed += this.checkCap(events.length + samples.length);
    this.last = { at: this.now(), ms: performance.now() - t0, rows: events.length + samples.length };
    return this.result(events.length + samples.length, samples.length, events.length, false, shed, t0);
  }

  stats(): WriterStats {
    return {
      pendingSamples: this.samples.length,
      pendingEvents: this.events.length,
      full: this.full,
      lastFlushAt: this.last.at,
      lastFlushMs: this.last.ms,
      lastFlushRows: this.last.rows,
      droppedFromMemory: this.droppedTotal,
      lastError: this.lastError,
      unchangedNotStored: this.filter?.suppressed() ?? 0,
    };
  }

  /**
   * Writes the open 1-minute buckets (clean stop, after the last flush), so that a restart
   * rebuilds every rollup exactly (open-rollups.ts). Failures are logged, not thrown.
   */
  closeMinutes(): void {
    try {
      this.write([], [], true);
    } catch (err) {
      this.afterRollback();
      this.opts.log?.warn({ err }, 'writing the open 1-minute rollups at stop failed');
    }
  }

  private write(events: readonly StoreEvent[], samples: readonly StoreSample[], closeAll1m = false): void {
    const w = this.current;
    w.seq = this.nextSeq;
    w.timelineToken = null;
    w.plan = null;
    this.filter?.begin();
    try {
      this.writeTx(events, samples, closeAll1m);
    } catch (err) {
      this.timeline.rolledBack(w.timelineToken);
      this.filter?.rollback();
      throw err;
    }
    this.filter?.commit();
    this.series.commit();
    this.nextSeq = w.seq;
    if (w.plan) this.openRollups.apply(w.plan);
  }

  /** The body of write()'s transaction (wrapped once in the constructor); state in `current`. */
  private writeRows(
    events: readonly StoreEvent[],
    samples: readonly StoreSample[],
    closeAll1m: boolean,
  ): void {
    const w = this.current;
    let seq = w.seq;
    w.timelineToken = this.timeline.beforeWrite(seq, this.now());
    for (const e of events) {
      this.insertEvent.run(
        seq++,
        Math.round(e.ts),
        e.measurement,
        JSON.stringify(e.tags),
        JSON.stringify(e.fields),
      );
    }
    const acc = new RollupAccumulator(this.tzOffsetMs);
    const rows = this.inserter;
    rows.begin();
    for (const s of samples) {
      const id = this.series.idFor(s.machine, s.point);
      const ts = Math.round(s.ts);
      const numeric = s.quality === 'bad' ? null : numericValue(s.value);
      if (this.filter && !this.filter.keep(id, ts, s.value, s.quality)) {
        acc.add(id, ts, seq, numeric, s.delta); // held value: counted, no raw row, no seq
        continue;
      }
      rows.add(seq, ts, id, this.blobs.stored(s.value), valueFlags(s.value, s.quality));
      acc.add(id, ts, seq, numeric, s.delta);
      seq++;
    }
    rows.finish();
    w.seq = seq;
    w.plan = this.openRollups.plan(acc, this.now(), seq, closeAll1m);
    this.openRollups.write(w.plan, this.rollups);
    this.counters.add('memory', ALL_SINKS, this.droppedUnsaved);
  }

  /**
   * The disk cap (retention.ts `enforceCap`: a stat, a statfs and three PRAGMAs) after a flush
   * that brings the rows written since the last check to CAP_CHECK.rows, or CAP_CHECK.ms after
   * the last check: with a commit per MQTT group (hundreds a second) checking every flush cost
   * ~2 % of the gateway's CPU. The file can overshoot the cap by at most that many rows (about
   * 200 KiB with the WAL), well inside the free-space reserve (minFreeBytes, 8 MiB).
   */
  private checkCap(rows: number): number {
    const space = this.opts.space;
    if (!space) return 0;
    this.cap.rows += rows;
    const now = this.now();
    if (this.cap.rows < CAP_CHECK.rows && now - this.cap.at < CAP_CHECK.ms && now >= this.cap.at) return 0;
    this.cap = { rows: 0, at: now };
    try {
      return space.enforceCap().rows;
    } catch (err) {
      this.opts.log?.warn({ err }, 'disk cap check failed');
      return 0;
    }
  }

  private afterRollback(): void {
    this.series.rollback();
    try {
      this.nextSeq = this.readNextSeq();
    } catch {
      // Reading failed too (I/O): keep the in-memory value, which is still unused.
    }
  }

  private failed(err: unknown, full: boolean, shed: number, t0: number): FlushResult {
    const error = new LinegateError(
      full ? 'LG_STORE_FULL' : 'LG_STORE_IO',
      full
        ? 'the disk is full: the batch stays in memory and is retried at the next flush'
        : `writing the batch failed: ${(err as Error).message}`,
      { file: this.db.name, pending: this.pending(), sqlite: (err as { code?: string }).code },
      { cause: err },
    );
    const changed = this.full !== full || this.lastError?.code !== error.code;
    this.full = full;
    this.lastError = { code: error.code, message: error.message, ts: this.now() };
    if (changed) this.opts.log?.error({ err: error, pending: this.pending() }, 'store write failed');
    this.bound();
    return { ...this.result(0, 0, 0, full, shed, t0), error };
  }

  /** Keeps at most maxPending samples in memory, dropping the oldest (counted). */
  private bound(): void {
    const over = this.samples.length - this.maxPending;
    if (over <= 0) return;
    this.samples.splice(0, over);
    this.droppedUnsaved += over;
    this.droppedTotal += over;
    this.opts.log?.warn(
      { dropped: over, total: this.droppedTotal },
      'memory buffer full: oldest samples dropped',
    );
  }

  private readNextSeq(): number {
    return this.selectNextSeq.get()?.s ?? 1;
  }

  private result(
    written: number,
    samples: number,
    events: number,
    full: boolean,
    shed: number,
    t0: number,
  ): FlushResult {
    return { written, samples, events, pending: this.pending(), full, shed, ms: performance.now() - t0 };
  }
}

function validateEvent(e: StoreEvent): void {
  const bad = (why: string) =>
    new LinegateError('LG_STORE_INVALID', `event "${e.measurement}": ${why}`, { measurement: e.measurement });
  if (typeof e.measurement !== 'string' || e.measurement === '') throw bad('the measurement is empty');
  if (!Number.isFinite(e.ts)) throw bad(`ts is not a number: ${String(e.ts)}`);
  for (const [k, v] of Object.entries(e.tags)) {
    if (typeof v !== 'string') throw bad(`tag ${k} is not a string`);
  }
  const fields = Object.entries(e.fields);
  if (fields.length === 0) throw bad('an event needs at least one field');
  for (const [k, v] of fields) {
    const ok =
      typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok) throw bad(`field ${k} is not a finite number, a boolean or a string`);
  }
}
