/**
 * The SQLite outbox of one sink (implements core/outbox.ts `Outbox`): a cursor over the `sample`
 * and `event` tables, which share one seq space. `next()` reads rows after the cursor from both
 * tables and merges them by seq, so a batch is the oldest unsent rows in the order the store
 * wrote them (within one flush: that flush's events first, then its samples, in append order).
 * Nothing is copied per sink: two sinks read the same rows through two cursors.
 *
 * Calling rules (the contract in core/outbox.ts, made precise here):
 * - One runner per sink. It calls `next(limit)`, delivers the batch, then calls `ack(batch)`
 *   with that same, unmodified batch; rows it could not deliver for good are first passed to
 *   `quarantine(batch, keys, reason)` (any number of calls, each key of the batch at most once
 *   per reason) and then the batch is acked as a whole.
 * - A batch not acked comes back, the same rows first, from the next `next()` (also after a
 *   restart: the cursor is in the database). Delivery is at-least-once.
 * - `ack` moves the cursor to the batch's greatest seq in one statement (atomic; never
 *   backwards, so a stale second ack is harmless). Acking a batch that skipped rows (one not
 *   from `next()`) would skip them for this sink: don't.
 * - `quarantine` copies the rows (names resolved, as JSON) to the `quarantine` table for this
 *   sink only, in one transaction; the rows stay in the store for other sinks and for history.
 *   Quarantining the same key twice keeps the first reason (idempotent across a crash between
 *   `quarantine` and `ack`). It does not move the cursor.
 * - `nextAfter(key, limit)` reads ahead: the rows after `key` (or after the cursor, if that is
 *   further), for the batch that follows one still in flight; ack them in order.
 * - `nextLive(limit, backlogAbove)` (the live lane, sinks.ts): when more than `backlogAbove`
 *   rows are unsent and no lane is open, opens one at the last seq written (durably) and gives
 *   nothing yet; afterwards the rows after the lane's cursor. `next()` then stops at the lane's
 *   `from`. If the live lane itself falls more than `backlogAbove` behind (an outage goes on),
 *   it is moved to the last seq (what it had acked is sent again by the replay: identical rows).
 *   `ack` tells the lanes apart by seq (a batch above `from` is live). The live lane gives
 *   samples only and stops before the first event (events may be rewritten by a later row and
 *   must not overtake an older version in the replay): events after `from` wait for the replay.
 * - `depth()` is the number of unsent rows, exact, from seq arithmetic (row-counts.ts): cheap
 *   whatever the backlog. `oldestUnsentTs()` is the smaller acquisition ts of the
 *   first unsent sample and the first unsent event, null when nothing is unsent.
 * - Every method throws LG_STORE_SINK if the sink was unregistered meanwhile.
 * RowKey is the row's seq in decimal: opaque to sinks, unique across both tables.
 */
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import type {
  EventRow,
  LineTemplate,
  Outbox,
  OutboxBatch,
  OutboxRow,
  RenderedBody,
  RowKey,
  SampleRow,
} from '../core/outbox.js';
import { SqlLineRenderer } from './outbox-render.js';
import type { RawTables } from './raw-tables.js';
import { RowCounts } from './row-counts.js';
import type { SeriesDictionary } from './series.js';
import type { SinkRegistry } from './sinks.js';
import { decodeQuality, decodeValue } from './value-codec.js';

/** `sample` columns as `.raw()` arrays (no row object per row: half the read time). */
type RawSampleRow = [seq: number, ts: number, series: number, value: number | Buffer | null, flags: number];

/** `event` columns as `.raw()` arrays. */
type RawEventRow = [seq: number, ts: number, measurement: string, tags: string, fields: string];

export interface StoreOutboxDeps {
  readonly db: Database;
  readonly sink: string;
  readonly series: SeriesDictionary;
  readonly sinks: SinkRegistry;
  readonly now?: () => number;
  /** Render batches of samples with this template when they can be (`rendering`). */
  readonly template?: LineTemplate;
  /** Where raw rows are (default the card only; reads go through the `sample` view). */
  readonly rawTables?: RawTables;
}

/** Greatest limit `next` honours; larger asks are cut to it. */
export const MAX_BATCH_ROWS = 100_000;

export class StoreOutbox implements Outbox {
  readonly sink: string;
  private readonly db: Database;
  private readonly series: SeriesDictionary;
  private readonly sinks: SinkRegistry;
  private readonly now: () => number;
  private readonly nextSamples: Statement<[number, number], RawSampleRow>;
  private readonly nextEvents: Statement<[number, number], RawEventRow>;
  private readonly counts: RowCounts;
  private readonly firstSampleTs: Statement<[number], { ts: number }>;
  private readonly firstEventTs: Statement<[number], { ts: number }>;
  private readonly insertQuarantine: Statement<[string, number, number, number, string, string]>;
  private readonly renderer: SqlLineRenderer | null;

  constructor(private readonly deps: StoreOutboxDeps) {
    const { db } = deps;
    this.db = db;
    this.sink = deps.sink;
    this.series = deps.series;
    this.sinks = deps.sinks;
    this.now = deps.now ?? Date.now;
    this.nextSamples = db
      .prepare<[number, number], RawSampleRow>(
        'SELECT seq, ts, series, value, flags FROM sample WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .raw(true);
    this.nextEvents = db
      .prepare<[number, number], RawEventRow>(
        'SELECT seq, ts, measurement, tags, fields FROM event WHERE seq > ? ORDER BY seq LIMIT ?',
      )
      .raw(true);
    this.counts = new RowCounts(db, deps.rawTables);
    this.firstSampleTs = db.prepare('SELECT ts FROM sample WHERE seq > ? ORDER BY seq LIMIT 1');
    this.firstEventTs = db.prepare('SELECT ts FROM event WHERE seq > ? ORDER BY seq LIMIT 1');
    this.insertQuarantine = db.prepare(
      'INSERT OR IGNORE INTO quarantine (sink, seq, ts, at, reason, row) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.renderer = deps.template ? new SqlLineRenderer(db, deps.template, deps.rawTables) : null;
  }

  rendering(template: LineTemplate): Outbox {
    return new StoreOutbox({ ...this.deps, template });
  }

  next(limit: number): OutboxBatch {
    const cursor = this.sinks.cursor(this.sink);
    const lane = this.sinks.lane(this.sink);
    if (!lane) return this.read(cursor, limit);
    if (cursor < lane.from) {
      const batch = this.read(cursor, limit, lane.from);
      if (batch.rows.length > 0) return batch;
      // Nothing left up to `from` (retention or shedding took it): the replay is done.
      this.sinks.advanceTo(this.sink, lane.from);
      return this.read(this.sinks.cursor(this.sink), limit);
    }
    return this.read(Math.max(cursor, lane.cursor), limit);
  }

  nextAfter(after: RowKey, limit: number): OutboxBatch {
    const cursor = this.sinks.cursor(this.sink);
    const seq = seqOf(after);
    const lane = this.sinks.lane(this.sink);
    if (lane && seq <= lane.from && cursor < lane.from)
      return this.read(Math.max(cursor, seq), limit, lane.from);
    return this.read(Math.max(cursor, seq, lane && cursor >= lane.from ? lane.cursor : 0), limit);
  }

  nextLive(limit: number, backlogAbove: number): OutboxBatch {
    const cursor = this.sinks.cursor(this.sink);
    const lane = this.sinks.lane(this.sink);
    const unsentAfter = (seq: number) => this.counts.samplesAfter(seq) + this.counts.eventsAfter(seq);
    if (!lane || cursor >= lane.from) {
      if (unsentAfter(cursor) > backlogAbove) this.sinks.openLane(this.sink, this.sinks.lastSeq());
      return { sink: this.sink, rows: [] };
    }
    if (unsentAfter(lane.cursor) > backlogAbove) {
      this.sinks.openLane(this.sink, this.sinks.lastSeq());
      return { sink: this.sink, rows: [] };
    }
    // Samples only, up to the first event: an event may be rewritten by a later row (a
    // production period, an alarm), so it must not overtake an older version still in the
    // replay. The lane waits there until the replay reaches it and the lane closes.
    const batch = this.read(lane.cursor, limit);
    if (batch.rendered) return batch; // samples only
    const firstEvent = batch.rows.findIndex((r) => r.kind === 'event');
    return firstEvent < 0 ? batch : { sink: this.sink, rows: batch.rows.slice(0, firstEvent) };
  }

  /** Rows with seq in (cursor, upTo], oldest first, at most `limit`; rendered when it can be. */
  private read(cursor: number, limit: number, upTo = Number.MAX_SAFE_INTEGER): OutboxBatch {
    const n = Math.max(0, Math.min(MAX_BATCH_ROWS, Math.floor(limit)));
    if (n === 0) return { sink: this.sink, rows: [] };
    const r = this.renderer?.renderRange(cursor, n, upTo);
    if (r) return new RenderedBatch(this.sink, r, () => this.readRows(cursor, r.count, r.lastSeq));
    return this.readRows(cursor, n, upTo);
  }

  private readRows(cursor: number, n: number, upTo: number): OutboxBatch {
    let samples = this.nextSamples.all(cursor, n);
    let events = this.nextEvents.all(cursor, n);
    if (upTo < Number.MAX_SAFE_INTEGER) {
      samples = samples.filter((r) => r[0] <= upTo);
      events = events.filter((r) => r[0] <= upTo);
    }
    if (events.length === 0) return { sink: this.sink, rows: samples.map((s) => this.sampleRow(s)) };
    const rows: OutboxRow[] = [];
    let i = 0;
    let j = 0;
    while (rows.length < n && (i < samples.length || j < events.length)) {
      const s = samples[i];
      const e = events[j];
      if (s && (!e || s[0] < e[0])) {
        rows.push(this.sampleRow(s));
        i++;
      } else if (e) {
        rows.push(eventRow(e));
        j++;
      }
    }
    return { sink: this.sink, rows };
  }

  ack(batch: OutboxBatch): void {
    this.checkBatch(batch);
    let max = 0;
    let min = Number.MAX_SAFE_INTEGER;
    if (batch instanceof RenderedBatch) {
      min = batch.firstSeq;
      max = batch.lastSeq;
    } else
      for (const row of batch.rows) {
        const seq = seqOf(row.key);
        if (seq > max) max = seq;
        if (seq < min) min = seq;
      }
    if (max === 0) {
      this.sinks.cursor(this.sink); // still refuses an unregistered sink
      return;
    }
    const lane = this.sinks.lane(this.sink);
    if (lane && min > lane.from && this.sinks.cursor(this.sink) < lane.from)
      this.sinks.advanceLive(this.sink, max);
    else this.sinks.advanceTo(this.sink, max);
  }

  quarantine(batch: OutboxBatch, keys: readonly RowKey[], reason: string): void {
    this.checkBatch(batch);
    const byKey = new Map(batch.rows.map((r) => [r.key, r]));
    const rows = keys.map((key) => {
      const row = byKey.get(key);
      if (!row) {
        throw new LinegateError('LG_STORE_SINK', `quarantine: key ${key} is not in the batch`, {
          sink: this.sink,
          key,
        });
      }
      return row;
    });
    this.sinks.cursor(this.sink);
    const at = this.now();
    this.db.transaction(() => {
      for (const row of rows) {
        this.insertQuarantine.run(this.sink, seqOf(row.key), row.ts, at, reason, JSON.stringify(row));
      }
    })();
  }

  depth(): number {
    const cursor = this.sinks.cursor(this.sink);
    const after = (seq: number) => this.counts.samplesAfter(seq) + this.counts.eventsAfter(seq);
    const lane = this.sinks.lane(this.sink);
    // Minus what the live lane has acked: (from, lane cursor].
    if (lane && cursor < lane.from) return after(cursor) - (after(lane.from) - after(lane.cursor));
    return after(lane ? Math.max(cursor, lane.cursor) : cursor);
  }

  oldestUnsentTs(): number | null {
    const cursor = this.unsentFrom();
    const s = this.firstSampleTs.get(cursor);
    const e = this.firstEventTs.get(cursor);
    if (!s && !e) return null;
    return Math.min(s?.ts ?? Number.POSITIVE_INFINITY, e?.ts ?? Number.POSITIVE_INFINITY);
  }

  /** The seq after which the oldest unsent row is. */
  private unsentFrom(): number {
    const cursor = this.sinks.cursor(this.sink);
    const lane = this.sinks.lane(this.sink);
    return lane && cursor >= lane.from ? Math.max(cursor, lane.cursor) : cursor;
  }

  private checkBatch(batch: OutboxBatch): void {
    if (batch.sink !== this.sink) {
      throw new LinegateError(
        'LG_STORE_SINK',
        `a batch of sink "${batch.sink}" was given to the outbox of "${this.sink}"`,
        { sink: this.sink, batchSink: batch.sink },
      );
    }
  }

  private sampleRow(r: RawSampleRow): SampleRow {
    const [seq, ts, series, value, flags] = r;
    const { machine, point } = this.series.name(series);
    return {
      key: String(seq),
      kind: 'sample',
      machine,
      point,
      value: decodeValue(value, flags),
      quality: decodeQuality(flags),
      ts,
    };
  }
}

/** A batch the store rendered; its rows are read only if asked for (failure paths). */
class RenderedBatch implements OutboxBatch {
  readonly rendered: RenderedBody;
  readonly firstSeq: number;
  readonly lastSeq: number;
  private cached: readonly OutboxRow[] | null = null;

  constructor(
    readonly sink: string,
    range: { body: Buffer; count: number; firstSeq: number; lastSeq: number },
    private readonly readRows: () => OutboxBatch,
  ) {
    this.rendered = { body: range.body, count: range.count, lastKey: String(range.lastSeq) };
    this.firstSeq = range.firstSeq;
    this.lastSeq = range.lastSeq;
  }

  get rows(): readonly OutboxRow[] {
    this.cached ??= this.readRows().rows;
    return this.cached;
  }
}

function eventRow(r: RawEventRow): EventRow {
  const [seq, ts, measurement, tags, fields] = r;
  return {
    key: String(seq),
    kind: 'event',
    measurement,
    tags: JSON.parse(tags) as Record<string, string>,
    fields: JSON.parse(fields) as Record<string, number | boolean | string>,
    ts,
  };
}

/** The seq of a RowKey; throws LG_STORE_SINK for a key this store did not hand out. */
export function seqOf(key: RowKey): number {
  const seq = Number(key);
  if (!Number.isSafeInteger(seq) || seq <= 0) {
    throw new LinegateError('LG_STORE_SINK', `"${key}" is not a row key of this store`, { key });
  }
  return seq;
}
