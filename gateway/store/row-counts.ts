/**
 * Row counts without walking the raw table: `count(*)` over a backlog of ten million samples
 * reads every leaf page of it (seconds on a Pi with an SD card, blocking the event loop while
 * the health endpoint waits). The seq space makes it arithmetic instead.
 *
 * Invariant (kept by the writer and retention.ts, checked by the property and disk-cap tests):
 * every seq from the smallest live sample seq up to the greatest seq ever written belongs to
 * exactly one live sample or one live event. It holds because the writer hands out seqs
 * contiguously and only in committed transactions (it re-reads the next seq after a rollback),
 * raw samples are only ever deleted as a seq prefix, and events are only deleted below the
 * raw-age boundary (event retention is never shorter than raw retention, and raw age
 * deletion runs first). So the samples with seq in (a, b] are (b - a) minus the events there,
 * and events are few (production, state, alarms), so counting them is cheap.
 */
import type { Database, Statement } from 'better-sqlite3';
import { CARD_ONLY, type RawTables, seqEdgeSql } from './raw-tables.js';

export class RowCounts {
  private readonly bounds: Statement<[], { lo: number | null; hi: number | null }>;
  private readonly eventsBetween: Statement<[number, number], { n: number }>;
  private readonly eventsAfterStmt: Statement<[number], { n: number }>;

  constructor(db: Database, raw: RawTables = CARD_ONLY) {
    // Two subqueries: SQLite answers a lone min() or max() from the b-tree edge, but scans
    // the whole table for min() and max() in one SELECT.
    this.bounds = db.prepare(`SELECT ${seqEdgeSql(raw, 'min')} AS lo, ${seqEdgeSql(raw, 'max')} AS hi`);
    this.eventsBetween = db.prepare('SELECT count(*) AS n FROM event WHERE seq > ? AND seq <= ?');
    this.eventsAfterStmt = db.prepare('SELECT count(*) AS n FROM event WHERE seq > ?');
  }

  /** Live samples with seq > cursor. */
  samplesAfter(cursor: number): number {
    const { lo, hi } = this.bounds.get() ?? { lo: null, hi: null };
    if (lo === null || hi === null || hi <= cursor) return 0;
    const from = Math.max(cursor, lo - 1);
    return hi - from - (this.eventsBetween.get(from, hi)?.n ?? 0);
  }

  /** Live events with seq > cursor. */
  eventsAfter(cursor: number): number {
    return this.eventsAfterStmt.get(cursor)?.n ?? 0;
  }

  /** All live samples. */
  samples(): number {
    return this.samplesAfter(0);
  }
}
