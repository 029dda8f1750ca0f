/**
 * Sink cursors (the `sink` table). A sink's outbox is every row of `sample` and `event` with
 * seq > cursor: no rows are copied per sink.
 *
 * Calling rules: `register` once per sink at start-up, before its outbox is used; it is
 * idempotent and keeps an existing cursor (`from` only matters the first time). A new sink
 * starts at the current end (`from: 'now'`, the default: it does not replay history) or at
 * the oldest row still kept (`from: 'start'`). `unregister` forgets a sink for good (its rows
 * then no longer hold anything back); do it when a sink is removed from the config.
 */
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';

export interface RegisterSinkOptions {
  /** Where a new sink starts: 'now' (default) = only rows written from now on; 'start' = all rows kept. */
  readonly from?: 'start' | 'now';
}

export interface SinkCursor {
  readonly name: string;
  readonly cursor: number;
}

export class SinkRegistry {
  private readonly selectAll: Statement<[], SinkCursor>;
  private readonly selectOne: Statement<[string], { cursor: number }>;
  private readonly insert: Statement<[string, number, number]>;
  private readonly advance: Statement<[number, string]>;
  private readonly remove: Statement<[string]>;
  private readonly maxSeq: Statement<[], { m: number | null }>;

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.selectAll = db.prepare('SELECT name, cursor FROM sink ORDER BY name');
    this.selectOne = db.prepare('SELECT cursor FROM sink WHERE name = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO sink (name, cursor, created_ts) VALUES (?, ?, ?)');
    this.advance = db.prepare('UPDATE sink SET cursor = max(cursor, ?) WHERE name = ?');
    this.remove = db.prepare('DELETE FROM sink WHERE name = ?');
    this.maxSeq = db.prepare(
      'SELECT max(coalesce((SELECT max(seq) FROM sample), 0), coalesce((SELECT max(seq) FROM event), 0)) AS m',
    );
  }

  register(name: string, opts: RegisterSinkOptions = {}): void {
    if (name === '') throw new LinegateError('LG_STORE_SINK', 'a sink needs a name', {});
    const cursor = (opts.from ?? 'now') === 'now' ? (this.maxSeq.get()?.m ?? 0) : 0;
    this.insert.run(name, cursor, this.now());
  }

  unregister(name: string): void {
    this.remove.run(name);
  }

  has(name: string): boolean {
    return this.selectOne.get(name) !== undefined;
  }

  cursor(name: string): number {
    const row = this.selectOne.get(name);
    if (!row) {
      throw new LinegateError('LG_STORE_SINK', `sink "${name}" is not registered`, { sink: name });
    }
    return row.cursor;
  }

  /** Moves the cursor forward to `seq` (never back). Throws if the sink is not registered. */
  advanceTo(name: string, seq: number): void {
    if (this.advance.run(seq, name).changes === 0) {
      throw new LinegateError('LG_STORE_SINK', `sink "${name}" is not registered`, { sink: name });
    }
  }

  list(): SinkCursor[] {
    return this.selectAll.all();
  }
}
