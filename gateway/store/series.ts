/**
 * The `series` dictionary: (machine, point) ⇄ small integer id, so that every raw and rollup
 * row carries one or two bytes instead of two strings. Cached in memory; rows are never
 * deleted, so an id once seen stays valid.
 *
 * Calling rules: `idFor` may insert, and must run inside the caller's write transaction; after
 * that transaction the caller calls `commit()` (it committed) or `rollback()` (it rolled back,
 * so ids handed out in it are forgotten). Readers use `lookup` and `name`, which never write.
 * Several dictionaries over one database are fine (a miss in `name` reads the table).
 */
import type { Database, Statement } from 'better-sqlite3';

export interface SeriesName {
  readonly machine: string;
  readonly point: string;
}

export class SeriesDictionary {
  /** machine → point → id: two lookups, no key string built per sample (the writer's hot path). */
  private readonly byName = new Map<string, Map<string, number>>();
  private readonly byId = new Map<number, SeriesName>();
  private uncommitted: number[] = [];
  private readonly insert: Statement<[string, string]>;
  private readonly selectOne: Statement<[number], { machine: string; point: string }>;
  private readonly selectKey: Statement<[string, string], { id: number }>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO series (machine, point) VALUES (?, ?)');
    this.selectOne = db.prepare('SELECT machine, point FROM series WHERE id = ?');
    this.selectKey = db.prepare('SELECT id FROM series WHERE machine = ? AND point = ?');
    const all = db.prepare('SELECT id, machine, point FROM series').all() as {
      id: number;
      machine: string;
      point: string;
    }[];
    for (const r of all) this.remember(r.id, r.machine, r.point);
  }

  private remember(id: number, machine: string, point: string): void {
    let points = this.byName.get(machine);
    if (!points) {
      points = new Map();
      this.byName.set(machine, points);
    }
    points.set(point, id);
    this.byId.set(id, { machine, point });
  }

  /** The id of (machine, point), creating it. Inside a write transaction only. */
  idFor(machine: string, point: string): number {
    const known = this.byName.get(machine)?.get(point);
    if (known !== undefined) return known;
    const row = this.selectKey.get(machine, point);
    const id = row ? row.id : Number(this.insert.run(machine, point).lastInsertRowid);
    this.remember(id, machine, point);
    if (!row) this.uncommitted.push(id);
    return id;
  }

  /** The id of (machine, point) if it has ever been stored; never writes. */
  lookup(machine: string, point: string): number | undefined {
    const known = this.byName.get(machine)?.get(point);
    if (known !== undefined) return known;
    const row = this.selectKey.get(machine, point);
    if (row) this.remember(row.id, machine, point);
    return row?.id;
  }

  /** The names of an id; throws if the id does not exist (a broken invariant, not a user error). */
  name(id: number): SeriesName {
    const known = this.byId.get(id);
    if (known) return known;
    const row = this.selectOne.get(id);
    if (!row) throw new Error(`series ${id} is not in the dictionary`);
    this.remember(id, row.machine, row.point);
    return { machine: row.machine, point: row.point };
  }

  commit(): void {
    this.uncommitted = [];
  }

  rollback(): void {
    for (const id of this.uncommitted) {
      const name = this.byId.get(id);
      this.byId.delete(id);
      if (name) this.byName.get(name.machine)?.delete(name.point);
    }
    this.uncommitted = [];
  }

  get size(): number {
    return this.byId.size;
  }
}
