import type { Database, Statement } from 'better-sqlite3';
import { type Migration, migrateComponent } from '../store/migrations.js';
import type { Totals } from './kpi.js';
import type { StateChange, TrackerSnapshot } from './tracker.js';

/**
 * Production tables in the store's SQLite file (component 'production'). Written in one
 * transaction per flush: bucket totals together with the counter marks that produced them,
 * so a power cut rolls both back and the next reading credits the difference exactly once.
 *
 * Calling rules: `ProductionRepo.open(db)` once after the store is open; one writer (the engine).
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'production buckets, trackers, states, stops, products',
    sql: `
CREATE TABLE production_tracker (
  machine  TEXT PRIMARY KEY,
  snapshot TEXT NOT NULL                 -- JSON TrackerSnapshot: cursor, counter marks, open stop
) WITHOUT ROWID;
-- One row per machine × production day × local hour × shift ('' = outside shifts).
CREATE TABLE production_bucket (
  machine     TEXT NOT NULL,
  day         TEXT NOT NULL,
  hour_start  INTEGER NOT NULL,
  shift       TEXT NOT NULL,
  product     TEXT,
  good        INTEGER NOT NULL,
  reject      INTEGER NOT NULL,
  mg          INTEGER NOT NULL,          -- weighed output in mg (exact sums)
  unweighed   INTEGER NOT NULL,
  run_ms      INTEGER NOT NULL,
  down_ms     INTEGER NOT NULL,
  planned_ms  INTEGER NOT NULL,
  offline_ms  INTEGER NOT NULL,
  ideal_units REAL NOT NULL,
  no_rate_ms  INTEGER NOT NULL,
  PRIMARY KEY (day, machine, hour_start, shift)
) WITHOUT ROWID;
CREATE TABLE production_state (
  machine    TEXT NOT NULL,
  ts         INTEGER NOT NULL,
  state      TEXT NOT NULL,
  previous   TEXT NOT NULL,
  fault_code INTEGER,
  PRIMARY KEY (machine, ts)
) WITHOUT ROWID;
CREATE TABLE production_stop (
  id        TEXT PRIMARY KEY,
  machine   TEXT NOT NULL,
  day       TEXT NOT NULL,
  start     INTEGER NOT NULL,
  end       INTEGER,                     -- NULL while the stop lasts
  down_ms   INTEGER NOT NULL,
  state     TEXT NOT NULL,
  reason    TEXT,
  comment   TEXT
) WITHOUT ROWID;
CREATE TABLE production_product (
  machine TEXT PRIMARY KEY,
  product TEXT NOT NULL,
  ts      INTEGER NOT NULL
) WITHOUT ROWID;
`,
  },
];

export interface BucketRow {
  readonly machine: string;
  readonly day: string;
  readonly hourStart: number;
  readonly shift: string;
  readonly product: string | null;
  readonly totals: Totals;
}

export interface StopRow {
  readonly id: string;
  readonly machine: string;
  readonly day: string;
  readonly start: number;
  readonly end: number | null;
  readonly downMs: number;
  readonly state: string;
  readonly reason: string | null;
  readonly comment: string | null;
}

interface RawBucket {
  machine: string;
  day: string;
  hour_start: number;
  shift: string;
  product: string | null;
  good: number;
  reject: number;
  mg: number;
  unweighed: number;
  run_ms: number;
  down_ms: number;
  planned_ms: number;
  offline_ms: number;
  ideal_units: number;
  no_rate_ms: number;
}

interface RawStop {
  id: string;
  machine: string;
  day: string;
  start: number;
  end: number | null;
  down_ms: number;
  state: string;
  reason: string | null;
  comment: string | null;
}

export interface FlushBatch {
  readonly buckets: readonly BucketRow[];
  readonly snapshots: readonly { machine: string; snapshot: TrackerSnapshot }[];
  readonly states: readonly StateChange[];
  readonly stops: readonly StopRow[];
}

export class ProductionRepo {
  private readonly upsertBucket: Statement;
  private readonly upsertTracker: Statement;
  private readonly insertState: Statement;
  private readonly upsertStop: Statement;

  private constructor(private readonly db: Database) {
    this.upsertBucket = db.prepare(`INSERT INTO production_bucket VALUES
      (@machine, @day, @hour_start, @shift, @product, @good, @reject, @mg, @unweighed, @run_ms, @down_ms, @planned_ms, @offline_ms, @ideal_units, @no_rate_ms)
      ON CONFLICT (day, machine, hour_start, shift) DO UPDATE SET product = excluded.product, good = excluded.good,
      reject = excluded.reject, mg = excluded.mg, unweighed = excluded.unweighed, run_ms = excluded.run_ms,
      down_ms = excluded.down_ms, planned_ms = excluded.planned_ms, offline_ms = excluded.offline_ms,
      ideal_units = excluded.ideal_units, no_rate_ms = excluded.no_rate_ms`);
    this.upsertTracker = db.prepare(
      'INSERT INTO production_tracker VALUES (?, ?) ON CONFLICT (machine) DO UPDATE SET snapshot = excluded.snapshot',
    );
    this.insertState = db.prepare('INSERT OR REPLACE INTO production_state VALUES (?, ?, ?, ?, ?)');
    this.upsertStop =
      db.prepare(`INSERT INTO production_stop VALUES (@id, @machine, @day, @start, @end, @down_ms, @state, @reason, @comment)
      ON CONFLICT (id) DO UPDATE SET end = excluded.end, down_ms = excluded.down_ms, state = excluded.state,
      reason = excluded.reason, comment = excluded.comment, day = excluded.day, start = excluded.start`);
  }

  static open(db: Database): ProductionRepo {
    migrateComponent(db, 'production', MIGRATIONS);
    return new ProductionRepo(db);
  }

  /** Everything of one flush, atomically. */
  write(batch: FlushBatch): void {
    this.db.transaction(() => {
      for (const b of batch.buckets) this.upsertBucket.run(toRaw(b));
      for (const s of batch.snapshots) this.upsertTracker.run(s.machine, JSON.stringify(s.snapshot));
      for (const c of batch.states) this.insertState.run(c.machine, c.ts, c.state, c.previous, c.faultCode);
      for (const s of batch.stops) this.saveStopRaw(s);
    })();
  }

  saveStops(stops: readonly StopRow[]): void {
    this.db.transaction(() => {
      for (const s of stops) this.saveStopRaw(s);
    })();
  }

  private saveStopRaw(s: StopRow): void {
    this.upsertStop.run({
      id: s.id,
      machine: s.machine,
      day: s.day,
      start: s.start,
      end: s.end,
      down_ms: s.downMs,
      state: s.state,
      reason: s.reason,
      comment: s.comment,
    });
  }

  /** Moves ms of downtime of a stored bucket to planned stop (sign 1) or back (−1). */
  moveDowntime(
    b: { machine: string; day: string; hourStart: number; shift: string },
    ms: number,
    sign: 1 | -1,
  ): void {
    this.db
      .prepare(
        'UPDATE production_bucket SET down_ms = down_ms - ?, planned_ms = planned_ms - ? WHERE day = ? AND machine = ? AND hour_start = ? AND shift = ?',
      )
      .run(sign * ms, sign * ms, b.day, b.machine, b.hourStart, b.shift);
  }

  snapshots(): Map<string, TrackerSnapshot> {
    const rows = this.db.prepare('SELECT machine, snapshot FROM production_tracker').all() as {
      machine: string;
      snapshot: string;
    }[];
    return new Map(rows.map((r) => [r.machine, JSON.parse(r.snapshot) as TrackerSnapshot]));
  }

  buckets(fromDay: string, toDay: string, machine?: string): BucketRow[] {
    const rows = (
      machine === undefined
        ? this.db.prepare('SELECT * FROM production_bucket WHERE day >= ? AND day <= ?').all(fromDay, toDay)
        : this.db
            .prepare('SELECT * FROM production_bucket WHERE day >= ? AND day <= ? AND machine = ?')
            .all(fromDay, toDay, machine)
    ) as RawBucket[];
    return rows.map(fromRaw);
  }

  stop(id: string): StopRow | null {
    const r = this.db.prepare('SELECT * FROM production_stop WHERE id = ?').get(id) as RawStop | undefined;
    return r ? stopFromRaw(r) : null;
  }

  stops(day: string, machine?: string): StopRow[] {
    const rows = (
      machine === undefined
        ? this.db.prepare('SELECT * FROM production_stop WHERE day = ? ORDER BY start').all(day)
        : this.db
            .prepare('SELECT * FROM production_stop WHERE day = ? AND machine = ? ORDER BY start')
            .all(day, machine)
    ) as RawStop[];
    return rows.map(stopFromRaw);
  }

  states(
    machine: string,
    from: number,
    to: number,
  ): { ts: number; state: string; previous: string; faultCode: number | null }[] {
    return (
      this.db
        .prepare(
          'SELECT ts, state, previous, fault_code FROM production_state WHERE machine = ? AND ts >= ? AND ts < ? ORDER BY ts',
        )
        .all(machine, from, to) as {
        ts: number;
        state: string;
        previous: string;
        fault_code: number | null;
      }[]
    ).map((r) => ({ ts: r.ts, state: r.state, previous: r.previous, faultCode: r.fault_code }));
  }

  products(): Map<string, string> {
    const rows = this.db.prepare('SELECT machine, product FROM production_product').all() as {
      machine: string;
      product: string;
    }[];
    return new Map(rows.map((r) => [r.machine, r.product]));
  }

  setProduct(machine: string, product: string, ts: number): void {
    this.db
      .prepare(
        'INSERT INTO production_product VALUES (?, ?, ?) ON CONFLICT (machine) DO UPDATE SET product = excluded.product, ts = excluded.ts',
      )
      .run(machine, product, ts);
  }
}

function toRaw(b: BucketRow): RawBucket {
  const t = b.totals;
  return {
    machine: b.machine,
    day: b.day,
    hour_start: b.hourStart,
    shift: b.shift,
    product: b.product,
    good: t.good,
    reject: t.reject,
    mg: t.mg,
    unweighed: t.unweighed,
    run_ms: t.runMs,
    down_ms: t.downMs,
    planned_ms: t.plannedMs,
    offline_ms: t.offlineMs,
    ideal_units: t.idealUnits,
    no_rate_ms: t.noRateMs,
  };
}

function fromRaw(r: RawBucket): BucketRow {
  return {
    machine: r.machine,
    day: r.day,
    hourStart: r.hour_start,
    shift: r.shift,
    product: r.product,
    totals: {
      good: r.good,
      reject: r.reject,
      mg: r.mg,
      unweighed: r.unweighed,
      runMs: r.run_ms,
      downMs: r.down_ms,
      plannedMs: r.planned_ms,
      offlineMs: r.offline_ms,
      idealUnits: r.ideal_units,
      noRateMs: r.no_rate_ms,
    },
  };
}

function stopFromRaw(r: RawStop): StopRow {
  return {
    id: r.id,
    machine: r.machine,
    day: r.day,
    start: r.start,
    end: r.end,
    downMs: r.down_ms,
    state: r.state,
    reason: r.reason,
    comment: r.comment,
  };
}
