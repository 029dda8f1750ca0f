/**
 * Writes rollup aggregates into rollup_1m / rollup_1h / rollup_1d (rollup.ts says what a row
 * holds): an upsert that merges with a row already there.
 */
import type { Database, Statement } from 'better-sqlite3';
import { RESOLUTIONS, type Resolution, type RollupAccumulator, type RollupAgg } from './rollup.js';

type UpsertArgs = [
  number,
  number,
  number,
  number,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number | null,
  number,
  number,
];

const upsertSql = (table: string) => `
INSERT INTO ${table} (bucket, series, cnt, n, vsum, vmin, vmax, vlast, last_ts, dsum, first_seq, last_seq)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (bucket, series) DO UPDATE SET
  cnt = cnt + excluded.cnt,
  n = n + excluded.n,
  vsum = coalesce(vsum + excluded.vsum, vsum, excluded.vsum),
  vmin = min(coalesce(vmin, excluded.vmin), coalesce(excluded.vmin, vmin)),
  vmax = max(coalesce(vmax, excluded.vmax), coalesce(excluded.vmax, vmax)),
  vlast = CASE WHEN excluded.last_ts IS NOT NULL AND (last_ts IS NULL OR excluded.last_ts >= last_ts)
               THEN excluded.vlast ELSE vlast END,
  last_ts = max(coalesce(last_ts, excluded.last_ts), coalesce(excluded.last_ts, last_ts)),
  dsum = coalesce(dsum + excluded.dsum, dsum, excluded.dsum),
  first_seq = min(first_seq, excluded.first_seq),
  last_seq = max(last_seq, excluded.last_seq)`;

/** Writes an accumulator's aggregates. Inside the writer's transaction. */
export class RollupWriter {
  private readonly upserts: Record<Resolution, Statement<UpsertArgs>>;

  /** `minuteTable`: where closed 1-minute rows go (the RAM tier's `ram.rollup_1m`, minute-blocks.ts). */
  constructor(db: Database, minuteTable = 'main.rollup_1m') {
    this.upserts = {
      '1m': db.prepare(upsertSql(minuteTable)),
      '1h': db.prepare(upsertSql('rollup_1h')),
      '1d': db.prepare(upsertSql('rollup_1d')),
    };
  }

  /** Upserts one aggregate (merged with a row already there). */
  writeOne(res: Resolution, bucket: number, series: number, a: Readonly<RollupAgg>): void {
    this.upserts[res].run(
      bucket,
      series,
      a.cnt,
      a.n,
      a.sum,
      a.min,
      a.max,
      a.last,
      a.lastTs,
      a.dsum,
      a.firstSeq,
      a.lastSeq,
    );
  }

  write(acc: RollupAccumulator): number {
    let rows = 0;
    for (const res of RESOLUTIONS) {
      for (const [bucket, series, a] of acc.entries(res)) {
        this.writeOne(res, bucket, series, a);
        rows++;
      }
    }
    return rows;
  }
}
