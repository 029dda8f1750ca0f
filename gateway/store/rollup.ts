/**
 * 1-minute, 1-hour and 1-day rollups: a flush aggregates its batch in memory per (bucket,
 * series); open-rollups.ts keeps the open buckets in memory and writes each row once, when its
 * bucket closes (a late sample for a closed bucket is upserted into its row).
 *
 * What a rollup row holds (see migrations.ts for the columns):
 * - cnt: every sample of the series in the bucket, whatever its value or quality;
 * - n, vsum, vmin, vmax, vlast (+ last_ts): over the numeric samples (finite numbers, booleans
 *   as 0/1) whose quality is not `bad`; strings, null, NaN and ±Infinity are left out. avg is
 *   vsum / n. vlast is the value with the greatest ts (a later write wins a tie);
 * - dsum: the sum of the `delta` numbers the caller passed with its samples (counter roles:
 *   the pipeline computes deltas, wraps included), NULL when none was passed. The store never
 *   derives deltas itself;
 * - first_seq/last_seq: the seq range of the bucket's raw rows (used by raw history reads).
 *
 * Buckets are aligned to UTC, shifted by `tzOffsetMinutes` for hours and days so that a day
 * bucket starts at local midnight (fixed offset: Vietnam has no daylight saving time).
 */
export type Resolution = '1m' | '1h' | '1d';
export const RESOLUTIONS: readonly Resolution[] = ['1m', '1h', '1d'];
export const RESOLUTION_MS: Readonly<Record<Resolution, number>> = {
  '1m': 60_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

export function bucketStart(ts: number, res: Resolution, tzOffsetMs = 0): number {
  const size = RESOLUTION_MS[res];
  const off = res === '1m' ? 0 : tzOffsetMs;
  return Math.floor((ts + off) / size) * size - off;
}

export interface RollupAgg {
  cnt: number;
  n: number;
  sum: number | null;
  min: number | null;
  max: number | null;
  last: number | null;
  lastTs: number | null;
  dsum: number | null;
  firstSeq: number;
  lastSeq: number;
}

export function emptyAgg(seq: number): RollupAgg {
  return {
    cnt: 0,
    n: 0,
    sum: null,
    min: null,
    max: null,
    last: null,
    lastTs: null,
    dsum: null,
    firstSeq: seq,
    lastSeq: seq,
  };
}

const addOpt = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : a + b);
const minOpt = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));
const maxOpt = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

/** Folds `b` into `a` (the same rules as the upsert below: a later or equal last_ts wins). */
export function mergeAgg(a: RollupAgg, b: Readonly<RollupAgg>): void {
  a.cnt += b.cnt;
  a.n += b.n;
  a.sum = addOpt(a.sum, b.sum);
  a.min = minOpt(a.min, b.min);
  a.max = maxOpt(a.max, b.max);
  if (b.lastTs !== null && (a.lastTs === null || b.lastTs >= a.lastTs)) {
    a.last = b.last;
    a.lastTs = b.lastTs;
  }
  a.dsum = addOpt(a.dsum, b.dsum);
  a.firstSeq = Math.min(a.firstSeq, b.firstSeq);
  a.lastSeq = Math.max(a.lastSeq, b.lastSeq);
}

/** A plain copy of an aggregate (of an accumulator's, which keeps its numbers apart). */
export function copyAgg(a: Readonly<RollupAgg>): RollupAgg {
  return {
    cnt: a.cnt,
    n: a.n,
    sum: a.sum,
    min: a.min,
    max: a.max,
    last: a.last,
    lastTs: a.lastTs,
    dsum: a.dsum,
    firstSeq: a.firstSeq,
    lastSeq: a.lastSeq,
  };
}

const SUM = 1;
const MIN = 2;
const MAX = 4;
const LAST = 8;
const LAST_TS = 16;
const DSUM = 32;

/**
 * An accumulator's aggregate: RollupAgg with its numbers in fields that only ever hold numbers
 * (which are null is kept in `has`). V8 then updates them in place; a field that may hold null
 * or a number gets a new heap box for every non-integer value written, and the open buckets
 * (1 000+ samples/s × 3 resolutions, each aggregate living for minutes) turned those boxes into
 * old-generation garbage, i.e. major GC work (docs/footprint.md).
 */
class Agg implements RollupAgg {
  cnt = 0;
  n = 0;
  firstSeq: number;
  lastSeq: number;
  /** The table generation this aggregate belongs to (SeriesTable: older = absent, reusable). */
  epoch: number;
  private has = 0;
  private s = 0.5;
  private lo = 0.5;
  private hi = 0.5;
  private lv = 0.5;
  private lt = 0.5;
  private d = 0.5;

  constructor(seq: number, epoch: number) {
    this.firstSeq = seq;
    this.lastSeq = seq;
    this.epoch = epoch;
  }

  /** Empty again, for reuse (its number fields keep their representation). */
  reset(seq: number, epoch: number): void {
    this.cnt = 0;
    this.n = 0;
    this.has = 0;
    this.firstSeq = seq;
    this.lastSeq = seq;
    this.epoch = epoch;
  }

  get sum(): number | null {
    return this.has & SUM ? this.s : null;
  }
  set sum(v: number | null) {
    if (v === null) this.has &= ~SUM;
    else {
      this.s = v;
      this.has |= SUM;
    }
  }
  get min(): number | null {
    return this.has & MIN ? this.lo : null;
  }
  set min(v: number | null) {
    if (v === null) this.has &= ~MIN;
    else {
      this.lo = v;
      this.has |= MIN;
    }
  }
  get max(): number | null {
    return this.has & MAX ? this.hi : null;
  }
  set max(v: number | null) {
    if (v === null) this.has &= ~MAX;
    else {
      this.hi = v;
      this.has |= MAX;
    }
  }
  get last(): number | null {
    return this.has & LAST ? this.lv : null;
  }
  set last(v: number | null) {
    if (v === null) this.has &= ~LAST;
    else {
      this.lv = v;
      this.has |= LAST;
    }
  }
  get lastTs(): number | null {
    return this.has & LAST_TS ? this.lt : null;
  }
  set lastTs(v: number | null) {
    if (v === null) this.has &= ~LAST_TS;
    else {
      this.lt = v;
      this.has |= LAST_TS;
    }
  }
  get dsum(): number | null {
    return this.has & DSUM ? this.d : null;
  }
  set dsum(v: number | null) {
    if (v === null) this.has &= ~DSUM;
    else {
      this.d = v;
      this.has |= DSUM;
    }
  }

  /** One sample (RollupAccumulator.add's rules). */
  addSample(ts: number, seq: number, numeric: number | null, delta: number | undefined): void {
    this.cnt++;
    if (seq < this.firstSeq) this.firstSeq = seq;
    if (seq > this.lastSeq) this.lastSeq = seq;
    if (numeric !== null) {
      const has = this.has;
      this.n++;
      this.s = has & SUM ? this.s + numeric : numeric;
      this.lo = has & MIN ? Math.min(this.lo, numeric) : numeric;
      this.hi = has & MAX ? Math.max(this.hi, numeric) : numeric;
      if (!(has & LAST_TS) || ts >= this.lt) {
        this.lv = numeric;
        this.lt = ts;
        this.has = has | SUM | MIN | MAX | LAST | LAST_TS;
      } else this.has = has | SUM | MIN | MAX;
    }
    if (delta !== undefined && Number.isFinite(delta)) {
      this.d = this.has & DSUM ? this.d + delta : delta;
      this.has |= DSUM;
    }
  }

  /** mergeAgg(this, b) for two accumulator aggregates, without going through null. */
  mergeFrom(b: Agg): void {
    this.cnt += b.cnt;
    this.n += b.n;
    const mine = this.has;
    const theirs = b.has;
    if (theirs & SUM) this.s = mine & SUM ? this.s + b.s : b.s;
    if (theirs & MIN) this.lo = mine & MIN ? Math.min(this.lo, b.lo) : b.lo;
    if (theirs & MAX) this.hi = mine & MAX ? Math.max(this.hi, b.hi) : b.hi;
    let has = mine | (theirs & (SUM | MIN | MAX | DSUM));
    if (theirs & LAST_TS && (!(mine & LAST_TS) || b.lt >= this.lt)) {
      this.lt = b.lt;
      this.lv = b.lv;
      has = (has & ~LAST) | (theirs & LAST) | LAST_TS;
    }
    if (theirs & DSUM) this.d = mine & DSUM ? this.d + b.d : b.d;
    this.has = has;
    if (b.firstSeq < this.firstSeq) this.firstSeq = b.firstSeq;
    if (b.lastSeq > this.lastSeq) this.lastSeq = b.lastSeq;
  }
}

/**
 * The aggregates of one bucket by series. An aggregate whose `epoch` is not the table's is
 * absent: `clear()` empties the table in O(1) and keeps its map and aggregates for reuse (a
 * flush's batch touches the same few hundred series every time; allocating them anew was a
 * quarter of the gateway's allocation under load: docs/footprint.md).
 */
class SeriesTable {
  readonly aggs = new Map<number, Agg>();
  /** The first `live` entries: this epoch's aggregates and their series, in the order first
   * touched (the arrays keep their length across epochs: no regrowth per batch). */
  readonly liveAggs: Agg[] = [];
  readonly liveSeries: number[] = [];
  live = 0;
  epoch = 0;

  touch(series: number, a: Agg): void {
    this.liveAggs[this.live] = a;
    this.liveSeries[this.live] = series;
    this.live++;
  }

  clear(): void {
    this.epoch++;
    this.live = 0;
  }
}

/** Cleared tables, reused by the next batch (a flush's batch: 3 resolutions, rarely 2 buckets). */
const spareTables: SeriesTable[] = [];
const MAX_SPARE_TABLES = 8;

/** Aggregates samples per resolution, bucket and series (pure, in memory): one flush's batch,
 * or the open buckets (open-rollups.ts). */
export class RollupAccumulator {
  private readonly maps: Record<Resolution, Map<number, SeriesTable>> = {
    '1m': new Map(),
    '1h': new Map(),
    '1d': new Map(),
  };

  constructor(private readonly tzOffsetMs = 0) {}

  /** `numeric`: the value's number if it counts for stats (see the header), else null. */
  add(series: number, ts: number, seq: number, numeric: number | null, delta: number | undefined): void {
    for (const res of RESOLUTIONS) {
      this.agg(res, bucketStart(ts, res, this.tzOffsetMs), series, seq).addSample(ts, seq, numeric, delta);
    }
  }

  /** Folds a whole aggregate into (res, bucket, series). */
  merge(res: Resolution, bucket: number, series: number, from: Readonly<RollupAgg>): void {
    const into = this.agg(res, bucket, series, from.firstSeq);
    if (from instanceof Agg) into.mergeFrom(from);
    else mergeAgg(into, from);
  }

  get(res: Resolution, bucket: number, series: number): RollupAgg | undefined {
    const t = this.maps[res].get(bucket);
    const a = t?.aggs.get(series);
    return a !== undefined && a.epoch === t?.epoch ? a : undefined;
  }

  /** Bucket starts held for `res`, in insertion order. */
  buckets(res: Resolution): number[] {
    return [...this.maps[res].keys()];
  }

  /** Calls `fn` for each series' aggregate in (res, bucket); `fn` must not add to that same bucket. */
  forEachIn(res: Resolution, bucket: number, fn: (agg: RollupAgg, series: number) => void): void {
    const t = this.maps[res].get(bucket);
    if (!t) return;
    const { liveAggs, liveSeries, live } = t;
    for (let i = 0; i < live; i++) fn(liveAggs[i] as Agg, liveSeries[i] as number);
  }

  deleteBucket(res: Resolution, bucket: number): void {
    this.maps[res].delete(bucket);
  }

  size(res: Resolution): number {
    let n = 0;
    for (const t of this.maps[res].values()) n += t.live;
    return n;
  }

  /**
   * Empties the accumulator and hands its tables to the next one (a batch, after the open
   * buckets took its aggregates). Nothing read from it before may be used after.
   */
  release(): void {
    for (const res of RESOLUTIONS) {
      for (const t of this.maps[res].values()) {
        t.clear();
        if (spareTables.length < MAX_SPARE_TABLES) spareTables.push(t);
      }
      this.maps[res].clear();
    }
  }

  private agg(res: Resolution, bucket: number, series: number, seq: number): Agg {
    let t = this.maps[res].get(bucket);
    if (t === undefined) {
      t = spareTables.pop() ?? new SeriesTable();
      this.maps[res].set(bucket, t);
    }
    let a = t.aggs.get(series);
    if (a === undefined) {
      a = new Agg(seq, t.epoch);
      t.aggs.set(series, a);
      t.touch(series, a);
    } else if (a.epoch !== t.epoch) {
      a.reset(seq, t.epoch);
      t.touch(series, a);
    }
    return a;
  }

  *entries(res: Resolution): Generator<[number, number, RollupAgg]> {
    for (const [bucket, t] of this.maps[res]) {
      for (let i = 0; i < t.live; i++) yield [bucket, t.liveSeries[i] as number, t.liveAggs[i] as Agg];
    }
  }
}

export { RollupWriter } from './rollup-writer.js';
