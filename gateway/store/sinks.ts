/**
 * Sink cursors (the `sink` table). A sink's outbox is every row of `sample` and `event` with
 * seq > cursor: no rows are copied per sink.
 *
 * Calling rules: `register` once per sink at start-up, before its outbox is used; it is
 * idempotent and keeps an existing cursor (`from` only matters the first time). A new sink
 * starts at the current end (`from: 'now'`, the default: it does not replay history) or at
 * the oldest row still kept (`from: 'start'`). `unregister` forgets a sink for good (its rows
 * then no longer hold anything back); do it when a sink is removed from the config.
 *
 * The live lane (table `sink_lane`, own migrations): while a sink replays a backlog, rows newer
 * than `from` are delivered in a second lane whose acks move `liveCursor`. The rows acked for a
 * sink are then (…, cursor] and (from, liveCursor]; the unsent ones (cursor, from] (the replay,
 * oldest first) and (liveCursor, …) (live, oldest first). cursor < from ≤ liveCursor. When the
 * replay reaches `from` the lane closes in the same transaction: cursor = liveCursor. Moving the
 * lane (`openLane` again) forgets what it had acked: those rows are sent again (identical rows,
 * allowed), never skipped.
 *
 * Deferred acks (`deferAcks`, the store's `ackPersistMs`): with no live lane open, an ack moves
 * the cursor in memory only; `persistAcks()` writes the cursors (the store does it every
 * `ackPersistMs` and at close). Every reader sees the cursor in memory. After a crash the
 * cursor is the last one written: the rows acked since then are offered again (identical rows,
 * at-least-once), none is skipped. It saves the card one page write per ack (docs/sd-writes.md).
 *
 * With the RAM tier (`raw.cursorMirror`) each deferred ack is also written at once to the RAM
 * file's copy of the cursors (tmpfs: a kill -9 then resends nothing, as without deferral) and
 * stays deferred for the card; a start reads the copy back (newer than the card's cursor unless
 * RAM was lost, a power cut: then the rows acked since the card's cursor are offered again).
 */
import type { Database, Statement } from 'better-sqlite3';
import { LinegateError } from '../core/errors.js';
import { type Migration, migrateComponent } from './migrations.js';
import { CARD_ONLY, type RawTables, seqEdgeSql } from './raw-tables.js';

const LANE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'live lane per sink',
    sql: `CREATE TABLE sink_lane (
      name TEXT PRIMARY KEY,
      live_from INTEGER NOT NULL,
      live_cursor INTEGER NOT NULL
    ) WITHOUT ROWID`,
  },
];

/** An open live lane: rows (from, cursor] are acked, rows > cursor are the live rows unsent. */
export interface LiveLane {
  readonly from: number;
  readonly cursor: number;
}

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
  private readonly selectLane: Statement<[string], { from: number; cursor: number }>;
  private readonly upsertLane: Statement<[string, number, number]>;
  private readonly advanceLane: Statement<[number, string]>;
  private readonly removeLane: Statement<[string]>;
  private readonly advanceAndClose: (name: string, seq: number) => void;
  private readonly persistAll: (cursors: readonly [string, number][]) => void;
  /** Acks in memory only (deferAcks), by sink: the cursor to write. */
  private readonly deferred = new Map<string, number>();
  private readonly mirrorUpsert: Statement<[string, number]> | null = null;
  private readonly mirrorDelete: Statement<[string]> | null = null;

  constructor(
    db: Database,
    private readonly now: () => number = Date.now,
    private readonly deferAcks = false,
    raw: RawTables = CARD_ONLY,
  ) {
    this.selectAll = db.prepare('SELECT name, cursor FROM sink ORDER BY name');
    this.selectOne = db.prepare('SELECT cursor FROM sink WHERE name = ?');
    this.insert = db.prepare('INSERT OR IGNORE INTO sink (name, cursor, created_ts) VALUES (?, ?, ?)');
    this.advance = db.prepare('UPDATE sink SET cursor = max(cursor, ?) WHERE name = ?');
    this.remove = db.prepare('DELETE FROM sink WHERE name = ?');
    this.maxSeq = db.prepare(
      `SELECT max(coalesce(${seqEdgeSql(raw, 'max')}, 0), coalesce((SELECT max(seq) FROM event), 0)) AS m`,
    );
    migrateComponent(db, 'sink-lanes', LANE_MIGRATIONS);
    this.selectLane = db.prepare(
      'SELECT live_from AS "from", live_cursor AS cursor FROM sink_lane WHERE name = ?',
    );
    this.upsertLane = db.prepare(
      'INSERT INTO sink_lane (name, live_from, live_cursor) VALUES (?, ?, ?) ' +
        'ON CONFLICT (name) DO UPDATE SET live_from = excluded.live_from, live_cursor = excluded.live_cursor',
    );
    this.advanceLane = db.prepare('UPDATE sink_lane SET live_cursor = max(live_cursor, ?) WHERE name = ?');
    this.removeLane = db.prepare('DELETE FROM sink_lane WHERE name = ?');
    this.advanceAndClose = db.transaction((name: string, seq: number) => {
      if (this.advance.run(seq, name).changes === 0) {
        throw new LinegateError('LG_STORE_SINK', `sink "${name}" is not registered`, { sink: name });
      }
      const lane = this.selectLane.get(name);
      if (lane && seq >= lane.from) {
        this.advance.run(lane.cursor, name);
        this.removeLane.run(name);
      }
    });
    this.persistAll = db.transaction((cursors: readonly [string, number][]) => {
      for (const [name, seq] of cursors) this.advance.run(seq, name);
    });
    if (raw.cursorMirror) {
      const mirror = raw.cursorMirror;
      this.mirrorUpsert = db.prepare<[string, number]>(
        `INSERT INTO ${mirror} (name, cursor) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET cursor = max(cursor, excluded.cursor)`,
      );
      this.mirrorDelete = db.prepare(`DELETE FROM ${mirror} WHERE name = ?`);
      const card = new Map(this.selectAll.all().map((s) => [s.name, s.cursor]));
      for (const m of db.prepare(`SELECT name, cursor FROM ${mirror}`).all() as SinkCursor[]) {
        const c = card.get(m.name);
        if (c !== undefined && m.cursor > c) this.deferred.set(m.name, m.cursor);
      }
    }
  }

  register(name: string, opts: RegisterSinkOptions = {}): void {
    if (name === '') throw new LinegateError('LG_STORE_SINK', 'a sink needs a name', {});
    const cursor = (opts.from ?? 'now') === 'now' ? (this.maxSeq.get()?.m ?? 0) : 0;
    this.insert.run(name, cursor, this.now());
  }

  unregister(name: string): void {
    this.deferred.delete(name);
    this.mirrorDelete?.run(name);
    this.remove.run(name);
    this.removeLane.run(name);
  }

  has(name: string): boolean {
    return this.selectOne.get(name) !== undefined;
  }

  cursor(name: string): number {
    const row = this.selectOne.get(name);
    if (!row) {
      throw new LinegateError('LG_STORE_SINK', `sink "${name}" is not registered`, { sink: name });
    }
    return Math.max(row.cursor, this.deferred.get(name) ?? 0);
  }

  /**
   * Moves the cursor forward to `seq` (never back); when that reaches the live lane's `from`,
   * the lane closes (cursor = its cursor), in one transaction. Throws if the sink is not registered.
   */
  advanceTo(name: string, seq: number): void {
    const pending = this.deferred.get(name) ?? 0;
    if (this.deferAcks && !this.selectLane.get(name)) {
      this.cursor(name); // refuses an unregistered sink
      if (seq > pending) {
        this.deferred.set(name, seq);
        this.mirrorUpsert?.run(name, seq);
      }
      return;
    }
    this.advanceAndClose(name, Math.max(seq, pending));
    this.deferred.delete(name);
  }

  /** Writes the acks kept in memory (deferAcks), in one transaction; how many sinks moved. */
  persistAcks(): number {
    const cursors = [...this.deferred];
    if (cursors.length === 0) return 0;
    this.persistAll(cursors);
    this.deferred.clear();
    return cursors.length;
  }

  /**
   * Closes every live lane without moving a cursor (their rows are offered again). For a lost
   * RAM tier: the writer reuses seqs above the cursors, which a lane must not count as acked.
   */
  dropAllLanes(): void {
    for (const { name } of this.selectAll.all()) this.removeLane.run(name);
  }

  /** The sink's open live lane, or null. */
  lane(name: string): LiveLane | null {
    return this.selectLane.get(name) ?? null;
  }

  /** Opens (or moves) the live lane at `from`: rows after it are live, none of them acked yet. */
  openLane(name: string, from: number): void {
    this.cursor(name);
    this.persistAcks(); // a lane's bounds are read against the written cursor
    this.upsertLane.run(name, from, from);
  }

  /** Moves the live lane's cursor forward to `seq` (never back); nothing when no lane is open. */
  advanceLive(name: string, seq: number): void {
    this.advanceLane.run(seq, name);
  }

  /** The greatest seq written (sample or event), 0 for an empty store. */
  lastSeq(): number {
    return this.maxSeq.get()?.m ?? 0;
  }

  list(): SinkCursor[] {
    return this.selectAll
      .all()
      .map((s) => ({ name: s.name, cursor: Math.max(s.cursor, this.deferred.get(s.name) ?? 0) }));
  }
}
