/**
 * History reads for the API: one series over [from, to], at the finest resolution that gives
 * at most about `maxPoints` points (default 1000).
 *
 * Choice, finest first:
 * - raw, when the 1-minute rollups say the range holds at most maxPoints samples of the series
 *   and none of them has been deleted yet (by age or by the disk cap);
 * - 1m, 1h, 1d rollups, the first whose bucket count over the range is at most maxPoints and
 *   whose retention still covers `from`; 1d otherwise (it may then exceed maxPoints).
 * The raw table has no ts index (SD wear: see migrations.ts). A raw read takes the seq range of
 * the series' 1-minute buckets and scans that rowid range, filtering on series and ts: at most
 * maxPoints × (number of series) rows for data that arrived in time order. A sample arriving
 * much later than its neighbours widens its bucket's range and makes such reads slower, never
 * wrong.
 *
 * Points: raw → ts, value (numbers; booleans as 0/1; strings, null and NaN as null) in ts order;
 * rollups → bucket start as ts, value = average, min, max, last, count (numeric samples) and
 * delta (the sum of the deltas the caller stored, counters) when there are any.
 * The open buckets (in memory until they close, open-rollups.ts) are merged into both: into
 * the raw span (count and seq range) and into the rollup points.
 * A series never stored gives no points (not an error: a configured point may have no data yet).
 */
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import type { OpenRollups } from './open-rollups.js';
import { CARD_ONLY, type RawTables, seqEdgeSql } from './raw-tables.js';
import { bucketStart, RESOLUTION_MS, type Resolution, type RollupAgg } from './rollup.js';
import type { SeriesDictionary } from './series.js';
import { decodeValue } from './value-codec.js';

export interface HistoryQuery {
  readonly machine: string;
  readonly point: string;
  /** Epoch ms, inclusive. */
  readonly from: number;
  /** Epoch ms, inclusive. */
  readonly to: number;
  readonly maxPoints?: number;
}

export interface HistoryPoint {
  readonly ts: number;
  readonly value: number | null;
  readonly min?: number;
  readonly max?: number;
  readonly last?: number;
  readonly count?: number;
  readonly delta?: number;
}

export interface HistoryResult {
  readonly resolution: 'raw' | Resolution;
  readonly points: HistoryPoint[];
}

export interface HistoryDeps {
  readonly db: Database;
  readonly series: SeriesDictionary;
  /** Rollup retention, to skip a resolution that no longer covers `from`; null = forever. */
  readonly rollupRetentionMs: Readonly<Record<Resolution, number | null>>;
  readonly tzOffsetMinutes?: number;
  readonly now?: () => number;
  /** The writer's open buckets; without it only the tables are read. */
  readonly open?: Pick<OpenRollups, 'openAggs'>;
  /** Where raw rows are (default: the card only). */
  readonly rawTables?: RawTables;
  /** With the RAM tier: the closed minutes, rows and packed blocks merged (minute-blocks.ts). */
  readonly minutes?: { minutes(series: number, from: number, to: number): [number, RollupAgg][] };
}

interface RollupRow {
  bucket: number;
  n: number;
  vsum: number | null;
  vmin: number | null;
  vmax: number | null;
  vlast: number | null;
  dsum: number | null;
}

export const DEFAULT_MAX_POINTS = 1000;

export class History {
  private readonly tzOffsetMs: number;
  private readonly now: () => number;
  private readonly rawSpan: Statement<
    [number, number, number],
    { cnt: number | null; lo: number | null; hi: number | null }
  >;
  private readonly minRawSeq: Statement<[], { m: number | null }>;
  private readonly rawRows: Statement<
    [number, number, number, number, number],
    { seq: number; ts: number; value: number | Buffer | null; flags: number }
  >;
  private readonly rollupRows: Record<Resolution, Statement<[number, number, number], RollupRow>>;

  constructor(private readonly deps: HistoryDeps) {
    const { db } = deps;
    this.tzOffsetMs = (deps.tzOffsetMinutes ?? 0) * 60_000;
    this.now = deps.now ?? Date.now;
    this.rawSpan = db.prepare(
      'SELECT sum(cnt) AS cnt, min(first_seq) AS lo, max(last_seq) AS hi FROM rollup_1m WHERE bucket >= ? AND bucket <= ? AND series = ?',
    );
    this.minRawSeq = db.prepare(`SELECT ${seqEdgeSql(deps.rawTables ?? CARD_ONLY, 'min')} AS m`);
    this.rawRows = db.prepare(
      'SELECT seq, ts, value, flags FROM sample WHERE seq BETWEEN ? AND ? AND series = ? AND ts BETWEEN ? AND ?',
    );
    const rollup = (table: string) =>
      db.prepare<[number, number, number], RollupRow>(
        `SELECT bucket, n, vsum, vmin, vmax, vlast, dsum FROM ${table} WHERE bucket >= ? AND bucket <= ? AND series = ? ORDER BY bucket`,
      );
    this.rollupRows = { '1m': rollup('rollup_1m'), '1h': rollup('rollup_1h'), '1d': rollup('rollup_1d') };
  }

  query(q: HistoryQuery): HistoryResult {
    const maxPoints = Math.max(1, Math.floor(q.maxPoints ?? DEFAULT_MAX_POINTS));
    if (!Number.isFinite(q.from) || !Number.isFinite(q.to) || q.to < q.from) {
      throw new LinegateError('LG_STORE_INVALID', `history: bad range ${q.from} … ${q.to}`, {
        machine: q.machine,
        point: q.point,
      });
    }
    const id = this.deps.series.lookup(q.machine, q.point);
    if (this.covers('1m', q.from)) {
      // Raw is complete for the range when the lowest seq of its 1-minute buckets still exists
      // (deletions only ever remove a seq prefix).
      const span = id === undefined ? null : this.span(id, bucketStart(q.from, '1m'), q.to);
      const count = span?.cnt ?? 0;
      const minSeq = this.minRawSeq.get()?.m ?? null;
      const complete = count === 0 || (span?.lo != null && minSeq !== null && span.lo >= minSeq);
      if (count <= maxPoints && complete) {
        if (id === undefined || !span || span.lo === null || span.hi === null) {
          return { resolution: 'raw', points: [] };
        }
        return { resolution: 'raw', points: this.raw(id, span.lo, span.hi, q) };
      }
    }
    const res = this.pickRollup(q, maxPoints);
    if (id === undefined) return { resolution: res, points: [] };
    const from = bucketStart(q.from, res, this.tzOffsetMs);
    const rows =
      res === '1m' && this.deps.minutes
        ? this.deps.minutes.minutes(id, from, q.to).map(([bucket, a]) => aggRow(bucket, a))
        : this.rollupRows[res].all(from, q.to, id);
    const open = this.deps.open?.openAggs(res, id, from, q.to) ?? [];
    if (open.length > 0) {
      // Open buckets are never in the table (open-rollups.ts), so this is a merge by bucket.
      for (const [bucket, a] of open) rows.push(aggRow(bucket, a));
      rows.sort((x, y) => x.bucket - y.bucket);
    }
    return { resolution: res, points: rows.map(rollupPoint) };
  }

  /** The 1m-rollup count and seq range of a series, open minutes included. */
  private span(
    id: number,
    from: number,
    to: number,
  ): { cnt: number | null; lo: number | null; hi: number | null } {
    const row = this.deps.minutes
      ? spanOf(this.deps.minutes.minutes(id, from, to))
      : this.rawSpan.get(from, to, id);
    let cnt = row?.cnt ?? null;
    let lo = row?.lo ?? null;
    let hi = row?.hi ?? null;
    for (const [, a] of this.deps.open?.openAggs('1m', id, from, to) ?? []) {
      cnt = (cnt ?? 0) + a.cnt;
      lo = lo === null ? a.firstSeq : Math.min(lo, a.firstSeq);
      hi = hi === null ? a.lastSeq : Math.max(hi, a.lastSeq);
    }
    return { cnt, lo, hi };
  }

  private pickRollup(q: HistoryQuery, maxPoints: number): Resolution {
    for (const res of ['1m', '1h'] as const) {
      const buckets = Math.floor((q.to - bucketStart(q.from, res, this.tzOffsetMs)) / RESOLUTION_MS[res]) + 1;
      if (buckets <= maxPoints && this.covers(res, q.from)) return res;
    }
    return '1d';
  }

  /** Whether the rollups of `res` are still kept back to `from`. */
  private covers(res: Resolution, from: number): boolean {
    const keep = this.deps.rollupRetentionMs[res];
    return keep === null || from >= this.now() - keep;
  }

  private raw(id: number, lo: number, hi: number, q: HistoryQuery): HistoryPoint[] {
    const rows = this.rawRows.all(lo, hi, id, q.from, q.to);
    rows.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    return rows.map((r) => {
      const v = decodeValue(r.value, r.flags);
      const value =
        typeof v === 'number' ? (Number.isNaN(v) ? null : v) : typeof v === 'boolean' ? (v ? 1 : 0) : null;
      return { ts: r.ts, value };
    });
  }
}

/** sum(cnt), min(first_seq), max(last_seq) of minutes, as the rawSpan statement gives them. */
function spanOf(minutes: readonly [number, RollupAgg][]): {
  cnt: number | null;
  lo: number | null;
  hi: number | null;
} {
  if (minutes.length === 0) return { cnt: null, lo: null, hi: null };
  let cnt = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const [, a] of minutes) {
    cnt += a.cnt;
    lo = Math.min(lo, a.firstSeq);
    hi = Math.max(hi, a.lastSeq);
  }
  return { cnt, lo, hi };
}

function aggRow(bucket: number, a: RollupAgg): RollupRow {
  return { bucket, n: a.n, vsum: a.sum, vmin: a.min, vmax: a.max, vlast: a.last, dsum: a.dsum };
}

function rollupPoint(r: RollupRow): HistoryPoint {
  const p: {
    ts: number;
    value: number | null;
    min?: number;
    max?: number;
    last?: number;
    count?: number;
    delta?: number;
  } = { ts: r.bucket, value: r.n > 0 && r.vsum !== null ? r.vsum / r.n : null, count: r.n };
  if (r.vmin !== null) p.min = r.vmin;
  if (r.vmax !== null) p.max = r.vmax;
  if (r.vlast !== null) p.last = r.vlast;
  if (r.dsum !== null) p.delta = r.dsum;
  return p;
}
