/**
 * Raw `sample` rows inserted several per statement: one multi-row INSERT of CHUNK rows instead
 * of CHUNK single-row ones (one statement step and one JS → native call per chunk). Measured on
 * the Pi-class VM (docs/mqtt.md, "Store write path"): ~1.7 µs per row instead of ~2.7 µs.
 *
 * Calling rules: inside the writer's transaction only. `begin()` at the start of each write
 * (forgets rows of a write that threw), `add()` per row in seq order, `finish()` before the
 * transaction commits: it inserts the rows still held (at most five statements: 16, 8, 4, 2, 1). A
 * failing statement throws from `add` or `finish`, inside the transaction, which then rolls back.
 * Values are bound as given: a Buffer is copied by SQLite when bound (better-sqlite3 binds
 * blobs transient), so a cached Buffer may be passed again.
 */
import type { Database, Statement } from 'better-sqlite3';

type Cell = number | Buffer | null;

const COLUMNS = 5;
/** Rows per multi-row statement: 32 measured best (8 and 64 slower per row). REST covers 0–31 left. */
export const CHUNK = 32;
/** Statements for the rows left at the end: the binary digits of 0–31. */
const REST = [16, 8, 4, 2, 1] as const;

function insertSql(table: string, rows: number): string {
  return `INSERT INTO ${table} (seq, ts, series, value, flags) VALUES ${Array.from(
    { length: rows },
    () => '(?, ?, ?, ?, ?)',
  ).join(', ')}`;
}

export class SampleInserter {
  private readonly big: Statement<[Cell[]]>;
  private readonly rest: Statement<[Cell[]]>[];
  /** Bind values of the rows held, CHUNK rows at most. */
  private readonly args: Cell[] = new Array(CHUNK * COLUMNS);
  private held = 0;

  /** `table`: where rows go (raw-tables.ts `insertInto`). */
  constructor(db: Database, table = 'main.sample') {
    this.big = db.prepare<[Cell[]]>(insertSql(table, CHUNK));
    this.rest = REST.map((rows) => db.prepare<[Cell[]]>(insertSql(table, rows)));
  }

  begin(): void {
    this.held = 0;
  }

  add(seq: number, ts: number, series: number, value: Cell, flags: number): void {
    const a = this.args;
    const b = this.held * COLUMNS;
    a[b] = seq;
    a[b + 1] = ts;
    a[b + 2] = series;
    a[b + 3] = value;
    a[b + 4] = flags;
    if (++this.held === CHUNK) {
      this.held = 0;
      this.big.run(a);
    }
  }

  finish(): void {
    const n = this.held;
    this.held = 0;
    let from = 0;
    REST.forEach((rows, i) => {
      if ((n & rows) === 0) return;
      (this.rest[i] as Statement<[Cell[]]>).run(this.args.slice(from * COLUMNS, (from + rows) * COLUMNS));
      from += rows;
    });
  }
}
