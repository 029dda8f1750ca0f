/**
 * Loss accounting in the `counter` table, so that every sample the store ever lets go of is
 * counted, across restarts.
 *
 * Reasons:
 * - `shed`: raw samples deleted by the disk cap (oldest first). Sink '' counts all of them;
 *   a sink's row counts those among them that the sink had not yet acked.
 * - `retention`: raw rows deleted by age while a sink had not yet acked them (per sink only;
 *   rows every sink had acked are not a loss).
 * - `memory`: samples dropped from the writer's memory buffer while the disk stayed full; never
 *   stored, so lost for every sink and for history (sink '' only).
 * - `ram`: rows a sink had not acked that were only in the RAM tier (ram-tier.ts) when it was
 *   lost (power cut, reboot without a clean stop); per sink, counted at the next start. A
 *   lower bound: only the seqs up to the last one the card knows of (the minute's first seq in
 *   `seq_time`, the sink cursors) are known to have existed; the card is not told of each
 *   write, that is the point of the tier.
 *
 * Calling rules: `add` inside the transaction that deletes (or fails to store) the rows, so
 * the count and the deletion commit together.
 */
import type { Database, Statement } from 'better-sqlite3';

export type LossReason = 'shed' | 'retention' | 'memory' | 'ram';

/** The sink column value meaning "all rows, whatever the sinks". */
export const ALL_SINKS = '';

export interface CounterRow {
  readonly name: LossReason;
  readonly sink: string;
  readonly n: number;
}

export class Counters {
  private readonly upsert: Statement<[string, string, number]>;
  private readonly selectAll: Statement<[], CounterRow>;

  constructor(db: Database) {
    this.upsert = db.prepare(
      'INSERT INTO counter (name, sink, n) VALUES (?, ?, ?) ON CONFLICT (name, sink) DO UPDATE SET n = n + excluded.n',
    );
    this.selectAll = db.prepare('SELECT name, sink, n FROM counter');
  }

  add(name: LossReason, sink: string, n: number): void {
    if (n > 0) this.upsert.run(name, sink, n);
  }

  all(): CounterRow[] {
    return this.selectAll.all();
  }

  get(name: LossReason, sink: string = ALL_SINKS): number {
    return this.all().find((r) => r.name === name && r.sink === sink)?.n ?? 0;
  }
}
