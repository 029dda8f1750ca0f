/**
 * When rows were written, coarsely: the `seq_time` table holds one row per minute of writing,
 * (first seq written in that minute, write time); with the RAM tier one per hour (`segmentMs`),
 * read "minute" below as "segment". Age-based retention turns "older than X"
 * into "seq below B" with it, so deletions are seq-prefix range deletes on the rowid and the
 * raw table needs no ts index.
 *
 * Invariant kept by the writer: a new entry is started at the first flush of a writer and
 * whenever the wall-clock minute differs from the entry's minute (also when the clock steps
 * back, as on a Raspberry Pi without RTC after NTP sync). Therefore every row of a segment
 * [first_seq_k, first_seq_k+1) was written within the minute of entry k, whatever the clock
 * did, and `boundary(cutoff)` is exact to the minute and never too young.
 *
 * Age is the time since the row was *stored*, not its acquisition ts: a sample that arrives
 * late still gets the full retention to reach the sinks.
 */
import type { Database, Statement } from 'better-sqlite3';

export const MINUTE_MS = 60_000;

export class SeqTimeline {
  /** `segmentMs`: the unit of the entries (a minute; an hour with the RAM tier: one card write an hour). */
  private readonly insert: Statement<[number, number]>;
  private readonly iterate: Statement<[], { first_seq: number; ts: number }>;
  private readonly prune: Statement<[number]>;
  private lastMinute: number | null = null;

  constructor(
    db: Database,
    private readonly segmentMs = MINUTE_MS,
  ) {
    this.insert = db.prepare('INSERT OR IGNORE INTO seq_time (first_seq, ts) VALUES (?, ?)');
    this.iterate = db.prepare('SELECT first_seq, ts FROM seq_time ORDER BY first_seq');
    this.prune = db.prepare(
      'DELETE FROM seq_time WHERE first_seq < (SELECT max(first_seq) FROM seq_time WHERE first_seq <= ?)',
    );
  }

  /**
   * Inside the writer's transaction, before rows from `firstSeq` on are written at `now`.
   * Returns a token for `rolledBack` in case the transaction fails.
   */
  beforeWrite(firstSeq: number, now: number): number | null {
    const segment = Math.floor(now / this.segmentMs);
    const previous = this.lastMinute;
    if (segment !== previous) {
      this.insert.run(firstSeq, now);
      this.lastMinute = segment;
    }
    return previous;
  }

  /** The writer's transaction rolled back: forget the entry it may have started. */
  rolledBack(token: number | null): void {
    this.lastMinute = token;
  }

  /**
   * The smallest seq that must be kept so that nothing written at or after `cutoff` is
   * deleted: delete `seq < boundary`. Infinity when every row was written before `cutoff`.
   */
  boundary(cutoff: number): number {
    for (const e of this.iterate.iterate()) {
      const segmentEnd = Math.floor(e.ts / this.segmentMs) * this.segmentMs + this.segmentMs;
      if (segmentEnd > cutoff) return e.first_seq;
    }
    return Number.POSITIVE_INFINITY;
  }

  /**
   * Drops entries whose whole segment lies below `minLiveSeq` (the oldest row still kept, or
   * Infinity when none is). The newest entry is always kept: the writer may still be adding
   * rows to its segment.
   */
  pruneBelow(minLiveSeq: number): void {
    this.prune.run(Number.isFinite(minLiveSeq) ? minLiveSeq : Number.MAX_SAFE_INTEGER);
  }
}
