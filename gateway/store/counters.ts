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
 *
 * Calling rules: `add` inside the transaction that deletes (or fails to store) the rows, so
 * the count and the deletion commit together.
 */
import type { Database, Statement } from 'better-sqlite3';

export type LossReason = 'shed' | 'retention' | 'memory';

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
