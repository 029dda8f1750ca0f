/**
 * The open rollup buckets, kept in memory and written ONCE, when they close (SD wear: an upsert
 * of every touched series into three tables at every flush was ~84 % of the bytes written).
 *
 * Rules, per resolution (1m, 1h, 1d), with a durable `horizon` (a bucket start):
 * - buckets starting before the horizon are closed: their rows are in the table, complete;
 *   a late sample for one of them is upserted at once (merged with the row), in its flush;
 * - buckets from the horizon on are open: in memory only, never in the table;
 * - at each flush the horizon moves to the bucket of `now - graceMs` (never back); the buckets
 *   it passes are written in that flush's transaction, then dropped from memory.
 * For 1m, `scanFrom` is a seq below every raw row of an open 1m bucket (the smallest first_seq
 * of the open buckets, or the next seq when none is open).
 *
 * Rebuild at open (after a stop or a crash): open 1m buckets from the raw rows seq ≥ scanFrom
 * whose 1m bucket is at or past the 1m horizon; open 1h buckets from the rollup_1m rows at or
 * past the 1h horizon plus the open 1m buckets; open 1d buckets likewise from rollup_1h + open
 * 1h. Raw rows do not hold the counter `delta`, so after a crash the delta sum of the minute
 * that was open is lost (counts, min, max, avg and last are rebuilt exactly); `closeMinutes()`
 * (on a clean stop) writes the open 1m buckets first, so a clean restart loses nothing.
 *
 * Calling rules: one per SampleWriter, which calls `plan` inside its flush transaction, then
 * `write(plan)` (same transaction) and, only after the commit, `apply(plan)`: a rolled-back
 * flush leaves memory unchanged; `apply` releases the plan's batch (its tables are reused by the
 * next batch: the plan and the batch must not be read after). `openAggs` is for history reads.
 */
import type { Database, Statement } from 'better-sqlite3';
import { migrateComponent } from './migrations.js';
import {
  bucketStart,
  copyAgg,
  emptyAgg,
  mergeAgg,
  RESOLUTION_MS,
  RESOLUTIONS,
  type Resolution,
  RollupAccumulator,
  type RollupAgg,
  type RollupWriter,
} from './rollup.js';
import { decodeQuality, decodeValue, numericValue } from './value-codec.js';

/** Buckets close this long after their end (samples stamped a little late still fold in). */
export const DEFAULT_CLOSE_GRACE_MS = 5_000;

const TABLE = {
  '1m': 'rollup_1m',
  '1h': 'rollup_1h',
  '1d': 'rollup_1d',
} as const satisfies Record<Resolution, string>;

export interface RollupPlan {
  readonly batch: RollupAccumulator;
  readonly horizon: Readonly<Record<Resolution, number>>;
  readonly scanFrom: number;
  readonly upserts: readonly (readonly [Resolution, number, number, RollupAgg])[];
}

/**
 * Where closed 1-minute rows live when they are not in the card's `rollup_1m` (the RAM tier,
 * minute-blocks.ts): the 1m horizon row goes to `horizonTable` (RAM) at each minute and to the
 * card only by `saveCardHorizon`; the open-hour rebuild reads closed minutes from `from`.
 */
export interface MinuteSource {
  readonly horizonTable: string;
  readonly from: (bucket: number) => Iterable<[number, number, RollupAgg]>;
}

interface HorizonRow {
  res: string;
  horizon: number;
  scan_from: number;
}

export class OpenRollups {
  private readonly open: RollupAccumulator;
  private horizon: Record<Resolution, number> = { '1m': 0, '1h': 0, '1d': 0 };
  private scanFrom = 1;
  private readonly saveHorizon: Statement<[string, number, number]>;
  private readonly saveMinuteHorizon: Statement<[string, number, number]>;

  constructor(
    private readonly db: Database,
    private readonly tzOffsetMs: number,
    private readonly graceMs = DEFAULT_CLOSE_GRACE_MS,
    private readonly minutes: MinuteSource | null = null,
  ) {
    migrateComponent(db, 'rollup-horizon', [
      {
        version: 1,
        name: 'horizon of the closed rollup buckets',
        sql: 'CREATE TABLE rollup_horizon (res TEXT PRIMARY KEY, horizon INTEGER NOT NULL, scan_from INTEGER NOT NULL) WITHOUT ROWID',
      },
    ]);
    this.open = new RollupAccumulator(tzOffsetMs);
    const upsert = (table: string) =>
      db.prepare<[string, number, number]>(
        `INSERT INTO ${table} (res, horizon, scan_from) VALUES (?, ?, ?) ON CONFLICT (res) DO UPDATE SET horizon = excluded.horizon, scan_from = excluded.scan_from`,
      );
    this.saveHorizon = upsert('main.rollup_horizon');
    this.saveMinuteHorizon = minutes ? upsert(minutes.horizonTable) : this.saveHorizon;
  }

  /** The card's copy of the 1m horizon (with a MinuteSource; when the RAM minutes are packed). */
  saveCardHorizon(): void {
    this.saveHorizon.run('1m', this.horizon['1m'], this.scanFrom);
  }

  /** Where the closed 1h buckets end: the 1m rows before it are final (minute-blocks.ts packs them). */
  get hourHorizon(): number {
    return this.horizon['1h'];
  }

  /** Reads the horizons (first run on an older file: everything in the tables counts as closed)
   * and rebuilds the open buckets. `nextSeq`: the writer's next seq. */
  load(nextSeq: number): void {
    const rows = this.db.prepare('SELECT res, horizon, scan_from FROM rollup_horizon').all() as HorizonRow[];
    if (rows.length === 0) {
      this.db.transaction(() => {
        for (const res of RESOLUTIONS) {
          const max = this.db.prepare(`SELECT max(bucket) AS b FROM ${TABLE[res]}`).get() as {
            b: number | null;
          };
          this.horizon[res] = max.b === null ? 0 : max.b + RESOLUTION_MS[res];
          this.saveHorizon.run(res, this.horizon[res], nextSeq);
        }
      })();
      this.scanFrom = nextSeq;
    }
    // The RAM copy of the 1m horizon is newer than the card's, when it is there (no power cut).
    const ram = this.minutes
      ? (this.db
          .prepare(`SELECT res, horizon, scan_from FROM ${this.minutes.horizonTable}`)
          .all() as HorizonRow[])
      : [];
    for (const r of [...rows, ...ram]) {
      if (r.res === '1m' || r.res === '1h' || r.res === '1d')
        this.horizon[r.res] = Math.max(this.horizon[r.res], r.horizon);
      if (r.res === '1m' && r.horizon >= this.horizon['1m']) this.scanFrom = r.scan_from;
    }
    this.rebuild();
  }

  /** The open buckets' aggregates of one series with bucket in [from, to], by bucket. */
  openAggs(res: Resolution, series: number, from: number, to: number): [number, RollupAgg][] {
    const out: [number, RollupAgg][] = [];
    for (const b of this.open.buckets(res)) {
      if (b < from || b > to) continue;
      const a = this.open.get(res, b, series);
      if (a) out.push([b, a]);
    }
    return out.sort((x, y) => x[0] - y[0]);
  }

  /** Whether a flush at `now` would close an open bucket (so an idle flush still writes). */
  due(now: number): boolean {
    for (const res of RESOLUTIONS) {
      const h = Math.max(this.horizon[res], bucketStart(now - this.graceMs, res, this.tzOffsetMs));
      if (this.open.buckets(res).some((b) => b < h)) return true;
    }
    return false;
  }

  /** Samples counted in the open buckets of `res`. */
  openSamples(res: Resolution): number {
    let n = 0;
    for (const b of this.open.buckets(res))
      this.open.forEachIn(res, b, (a) => {
        n += a.cnt;
      });
    return n;
  }

  /** Open aggregates held, per resolution (for stats and tests). */
  openCount(): Record<Resolution, number> {
    return { '1m': this.open.size('1m'), '1h': this.open.size('1h'), '1d': this.open.size('1d') };
  }

  /**
   * What a flush writes: `batch` holds the flush's samples (all resolutions); `now` moves the
   * horizons; `nextSeq` is the next seq after the flush. `closeAll1m` closes every open minute
   * (clean stop). Pure with respect to memory.
   */
  plan(batch: RollupAccumulator, now: number, nextSeq: number, closeAll1m = false): RollupPlan {
    const horizon = { ...this.horizon };
    const upserts: [Resolution, number, number, RollupAgg][] = [];
    for (const res of RESOLUTIONS) {
      let h = Math.max(this.horizon[res], bucketStart(now - this.graceMs, res, this.tzOffsetMs));
      if (closeAll1m && res === '1m') {
        for (const b of [...this.open.buckets(res), ...batch.buckets(res)])
          h = Math.max(h, b + RESOLUTION_MS[res]);
      }
      horizon[res] = h;
      const old = this.horizon[res];
      for (const b of batch.buckets(res)) {
        if (b >= h) continue;
        batch.forEachIn(res, b, (a, series) => {
          const held = b >= old ? this.open.get(res, b, series) : undefined;
          if (!held) {
            upserts.push([res, b, series, a]);
            return;
          }
          const merged = copyAgg(held);
          mergeAgg(merged, a);
          upserts.push([res, b, series, merged]);
        });
      }
      for (const b of this.open.buckets(res)) {
        if (b >= h) continue;
        this.open.forEachIn(res, b, (a, series) => {
          if (!batch.get(res, b, series)) upserts.push([res, b, series, a]);
        });
      }
    }
    let scanFrom = this.scanFrom;
    if (horizon['1m'] !== this.horizon['1m']) {
      scanFrom = nextSeq;
      for (const acc of [this.open, batch]) {
        for (const b of acc.buckets('1m')) {
          if (b < horizon['1m']) continue;
          acc.forEachIn('1m', b, (a) => {
            scanFrom = Math.min(scanFrom, a.firstSeq);
          });
        }
      }
    }
    return { batch, horizon, scanFrom, upserts };
  }

  /** Inside the flush transaction. */
  write(plan: RollupPlan, rollups: RollupWriter): number {
    for (const [res, b, series, a] of plan.upserts) rollups.writeOne(res, b, series, a);
    for (const res of RESOLUTIONS) {
      if (plan.horizon[res] !== this.horizon[res] || (res === '1m' && plan.scanFrom !== this.scanFrom)) {
        const save = res === '1m' ? this.saveMinuteHorizon : this.saveHorizon;
        save.run(res, plan.horizon[res], res === '1m' ? plan.scanFrom : 0);
      }
    }
    return plan.upserts.length;
  }

  /** After the commit. */
  apply(plan: RollupPlan): void {
    for (const res of RESOLUTIONS) {
      const old = this.horizon[res];
      for (const b of plan.batch.buckets(res)) {
        if (b < old) continue;
        plan.batch.forEachIn(res, b, (a, series) => this.open.merge(res, b, series, a));
      }
      this.horizon[res] = plan.horizon[res];
      for (const b of this.open.buckets(res)) if (b < plan.horizon[res]) this.open.deleteBucket(res, b);
    }
    this.scanFrom = plan.scanFrom;
    plan.batch.release(); // its aggregates are in the open buckets (or written): reused by the next batch
  }

  private rebuild(): void {
    const h1m = this.horizon['1m'];
    const raw = this.db.prepare('SELECT seq, ts, series, value, flags FROM sample WHERE seq >= ?');
    for (const r of raw.iterate(this.scanFrom) as Iterable<{
      seq: number;
      ts: number;
      series: number;
      value: unknown;
      flags: number;
    }>) {
      const b = bucketStart(r.ts, '1m');
      if (b < h1m) continue;
      const numeric = decodeQuality(r.flags) === 'bad' ? null : numericValue(decodeValue(r.value, r.flags));
      const one = new RollupAccumulator(this.tzOffsetMs);
      one.add(r.series, r.ts, r.seq, numeric, undefined);
      const a = one.get('1m', b, r.series);
      if (a) this.open.merge('1m', b, r.series, a);
      one.release();
    }
    this.rollUp('1m', '1h');
    this.rollUp('1h', '1d');
  }

  /** Open `upper` buckets from the closed `lower` rows past the upper horizon + open `lower`. */
  private rollUp(lower: Resolution, upper: Resolution): void {
    const h = this.horizon[upper];
    if (lower === '1m' && this.minutes) {
      for (const [bucket, series, a] of this.minutes.from(h))
        this.open.merge(upper, bucketStart(bucket, upper, this.tzOffsetMs), series, a);
      this.rollUpOpen(lower, upper, h);
      return;
    }
    const rows = this.db.prepare(
      `SELECT bucket, series, cnt, n, vsum, vmin, vmax, vlast, last_ts, dsum, first_seq, last_seq FROM ${TABLE[lower]} WHERE bucket >= ?`,
    );
    for (const r of rows.iterate(h) as Iterable<Record<string, number | null>>) {
      const a: RollupAgg = {
        ...emptyAgg(r.first_seq ?? 0),
        cnt: r.cnt ?? 0,
        n: r.n ?? 0,
        sum: r.vsum ?? null,
        min: r.vmin ?? null,
        max: r.vmax ?? null,
        last: r.vlast ?? null,
        lastTs: r.last_ts ?? null,
        dsum: r.dsum ?? null,
        lastSeq: r.last_seq ?? 0,
      };
      this.open.merge(upper, bucketStart(r.bucket ?? 0, upper, this.tzOffsetMs), r.series ?? 0, a);
    }
    this.rollUpOpen(lower, upper, h);
  }

  /** The open `lower` buckets folded into the open `upper` ones (rebuild). */
  private rollUpOpen(lower: Resolution, upper: Resolution, h: number): void {
    for (const b of this.open.buckets(lower)) {
      const ub = bucketStart(b, upper, this.tzOffsetMs);
      if (ub < h) continue;
      this.open.forEachIn(lower, b, (a, series) => this.open.merge(upper, ub, series, a));
    }
  }
}
