/**
 * 1-minute rollups with the RAM tier (ram-tier.ts): the closed minutes are written to
 * `ram.rollup_1m` (same layout as the card's table), and packed into the card once their hour
 * bucket has closed, one compressed row per (UTC hour, series) in `rollup_1m_block`
 * (rollup-block.ts). The card then gets ~1 150 small rows an hour instead of ~1 150 rows a minute
 * (docs/sd-writes.md). A late sample for a packed minute lands in `ram.rollup_1m` and is merged
 * into its block at the next pack; a clean close packs everything, the open hour included.
 *
 * Readers get one view of a series' minutes: the rows of `rollup_1m` (the TEMP VIEW over the
 * card's table, which holds the rows written before the RAM tier, and the RAM one) merged with
 * the blocks. What a power cut costs: the minutes in RAM (since the last pack, at most about an
 * hour and its grace) are gone, with the raw rows of the same time.
 *
 * Calling rules: `MinuteBlocks` after `attachRamTier` (which makes the RAM tables and the view);
 * `pack` on the store's connection, between the writer's transactions.
 */
import type { Database, Statement } from 'better-sqlite3';
import { migrateComponent } from './migrations.js';
import { emptyAgg, mergeAgg, type RollupAgg } from './rollup.js';
import { decodeBlock, encodeBlock } from './rollup-block.js';

const HOUR_MS = 3_600_000;
const utcHour = (bucket: number): number => Math.floor(bucket / HOUR_MS) * HOUR_MS;

/** A row of `rollup_1m` as SQLite gives it. */
interface MinuteRow {
  bucket: number;
  series: number;
  cnt: number;
  n: number;
  vsum: number | null;
  vmin: number | null;
  vmax: number | null;
  vlast: number | null;
  last_ts: number | null;
  dsum: number | null;
  first_seq: number;
  last_seq: number;
}

const COLUMNS = 'bucket, series, cnt, n, vsum, vmin, vmax, vlast, last_ts, dsum, first_seq, last_seq';

export function rowAgg(r: MinuteRow): RollupAgg {
  return {
    ...emptyAgg(r.first_seq),
    cnt: r.cnt,
    n: r.n,
    sum: r.vsum,
    min: r.vmin,
    max: r.vmax,
    last: r.vlast,
    lastTs: r.last_ts,
    dsum: r.dsum,
    lastSeq: r.last_seq,
  };
}

export class MinuteBlocks {
  private readonly stmt: {
    readonly ramBelow: Statement<[number], MinuteRow>;
    readonly deleteRamBelow: Statement<[number]>;
    readonly block: Statement<[number, number], Buffer>;
    readonly putBlock: Statement<[number, number, Buffer]>;
    readonly rows: Statement<[number, number, number], MinuteRow>;
    readonly rowsFrom: Statement<[number], MinuteRow>;
    readonly blocksOf: Statement<[number, number, number], { hour: number; data: Buffer }>;
    readonly blocksFrom: Statement<[number], { hour: number; series: number; data: Buffer }>;
    readonly deleteBlocks: Statement<[number]>;
    readonly ramMin: Statement<[], number | null>;
  };
  private readonly packTx: (below: number) => number;

  constructor(db: Database) {
    migrateComponent(db, 'rollup-blocks', [
      {
        version: 1,
        name: '1-minute rollups packed per hour and series (RAM tier)',
        sql: 'CREATE TABLE rollup_1m_block (hour INTEGER NOT NULL, series INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (hour, series)) WITHOUT ROWID',
      },
    ]);
    this.stmt = {
      ramBelow: db.prepare(`SELECT ${COLUMNS} FROM ram.rollup_1m WHERE bucket < ? ORDER BY series, bucket`),
      deleteRamBelow: db.prepare('DELETE FROM ram.rollup_1m WHERE bucket < ?'),
      block: db
        .prepare<[number, number], Buffer>(
          'SELECT data FROM main.rollup_1m_block WHERE hour = ? AND series = ?',
        )
        .pluck(),
      putBlock: db.prepare(
        'INSERT OR REPLACE INTO main.rollup_1m_block (hour, series, data) VALUES (?, ?, ?)',
      ),
      rows: db.prepare(`SELECT ${COLUMNS} FROM rollup_1m WHERE bucket >= ? AND bucket <= ? AND series = ?`),
      rowsFrom: db.prepare(`SELECT ${COLUMNS} FROM rollup_1m WHERE bucket >= ?`),
      blocksOf: db.prepare(
        'SELECT hour, data FROM main.rollup_1m_block WHERE hour >= ? AND hour <= ? AND series = ?',
      ),
      blocksFrom: db.prepare('SELECT hour, series, data FROM main.rollup_1m_block WHERE hour >= ?'),
      deleteBlocks: db.prepare('DELETE FROM main.rollup_1m_block WHERE hour < ?'),
      ramMin: db.prepare<[], number | null>('SELECT min(bucket) FROM ram.rollup_1m').pluck(),
    };
    this.packTx = db.transaction((below: number) => {
      const groups = new Map<string, { hour: number; series: number; minutes: Map<number, RollupAgg> }>();
      for (const r of this.stmt.ramBelow.iterate(below)) {
        const hour = utcHour(r.bucket);
        const key = `${hour}:${r.series}`;
        let g = groups.get(key);
        if (!g) {
          g = { hour, series: r.series, minutes: new Map() };
          groups.set(key, g);
        }
        g.minutes.set(r.bucket, rowAgg(r));
      }
      for (const g of groups.values()) {
        const old = this.stmt.block.get(g.hour, g.series);
        if (old) mergeInto(g.minutes, decodeBlock(g.hour, old));
        this.stmt.putBlock.run(g.hour, g.series, encodeBlock(g.hour, g.minutes));
      }
      this.stmt.deleteRamBelow.run(below);
      return groups.size;
    });
  }

  /** Packs the RAM minutes with bucket < `below` into the card's blocks; how many blocks were written. */
  pack(below: number): number {
    const min = this.stmt.ramMin.get() ?? null;
    return min === null || min >= below ? 0 : this.packTx(below);
  }

  /** A series' closed minutes with bucket in [from, to], rows and blocks merged, by bucket. */
  minutes(series: number, from: number, to: number): [number, RollupAgg][] {
    const byBucket = new Map<number, RollupAgg>();
    for (const b of this.stmt.blocksOf.iterate(utcHour(from), to, series)) {
      mergeInto(
        byBucket,
        decodeBlock(b.hour, b.data).filter(([m]) => m >= from && m <= to),
      );
    }
    mergeInto(
      byBucket,
      this.stmt.rows.all(from, to, series).map((r) => [r.bucket, rowAgg(r)]),
    );
    return [...byBucket].sort((x, y) => x[0] - y[0]);
  }

  /** Every closed minute with bucket >= from, rows and blocks (the open-hour rebuild at start). */
  *allFrom(from: number): Iterable<[number, number, RollupAgg]> {
    for (const b of this.stmt.blocksFrom.iterate(utcHour(from))) {
      for (const [m, a] of decodeBlock(b.hour, b.data)) if (m >= from) yield [m, b.series, a];
    }
    for (const r of this.stmt.rowsFrom.iterate(from)) yield [r.bucket, r.series, rowAgg(r)];
  }

  /** Retention: blocks whose whole hour is before `cutoff`. */
  deleteBefore(cutoff: number): number {
    return this.stmt.deleteBlocks.run(utcHour(cutoff)).changes;
  }
}

function mergeInto(into: Map<number, RollupAgg>, minutes: Iterable<[number, RollupAgg]>): void {
  for (const [bucket, a] of minutes) {
    const held = into.get(bucket);
    if (held) mergeAgg(held, a);
    else into.set(bucket, a);
  }
}
