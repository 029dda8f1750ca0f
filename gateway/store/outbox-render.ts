/**
 * Renders a range of `sample` rows as text in SQL, with a sink's LineTemplate (core/outbox.ts):
 * one BLOB per batch built by SQLite, no JS array or object per row. A replay into InfluxDB
 * spent about half of its CPU time making row objects and encoding them; this does both in
 * about a third of the time (`npm run bench:forward`).
 *
 * Series prefixes live in a table of the renderer's own in an attached in-memory database
 * (`render`: this connection only, never on the SD card), filled from the template's `prefix` for every committed series
 * (series ids only grow and are never reused: series.ts). A range that holds an event, a string
 * value or a series the template refuses is not rendered (null): the caller reads rows.
 *
 * Calling rules: one renderer per (connection, template); `render` runs on the store's
 * connection between its write transactions (it may insert into the TEMP table).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { LineTemplate } from '../core/outbox.js';
import { CARD_ONLY, type RawTables, seqRangeArgs, seqRangeSql } from './raw-tables.js';

export interface RenderedRange {
  readonly body: Buffer;
  readonly count: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
}

interface RenderResult {
  body: Buffer | null;
  n: number;
  first: number | null;
  last: number | null;
  known: number;
  top: unknown;
}

/** A text as an SQL string literal (template texts go in the SQL: bound ones are slower). */
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;

let tables = 0;

interface SeriesRow {
  id: number;
  machine: string;
  point: string;
}

/**
 * The statement for one template. Each line ends in a newline; the LEFT JOIN keeps `s` the
 * outer loop, so lines come in seq order. `known` < `n`: a series without a prefix; `top` is a
 * BLOB if any value is one (a string).
 */
function renderSql(t: LineTemplate, table: string, raw: RawTables): string {
  const q = (texts: LineTemplate['afterValue']) =>
    `CASE s.flags & 3 WHEN 0 THEN ${literal(texts.good)} WHEN 1 THEN ${literal(texts.uncertain)} ELSE ${literal(texts.bad)} END`;
  return `SELECT CAST(group_concat(CASE
    WHEN s.value IS NULL OR abs(s.value) > 1.7976931348623157e308 THEN concat(p.prefix, ${q(t.noValue)}, s.ts, char(10))
    WHEN s.flags & 4 THEN concat(p.prefix, ${literal(t.boolField)},
      CASE WHEN s.value <> 0 THEN ${literal(t.trueText)} ELSE ${literal(t.falseText)} END, ${q(t.afterValue)}, s.ts, char(10))
    ELSE concat(p.prefix, ${literal(t.numberField)}, s.value, ${q(t.afterValue)}, s.ts, char(10))
  END, '') AS BLOB) AS body,
  count(*) AS n, min(s.seq) AS first, max(s.seq) AS last, count(p.prefix) AS known, max(s.value) AS top
FROM (${seqRangeSql(raw, 'seq, ts, series, value, flags')}) s
LEFT JOIN render.${table} p ON p.series = s.series`;
}

export class SqlLineRenderer {
  private readonly render: Statement<[number[]], RenderResult>;
  private readonly newSeries: Statement<[number], SeriesRow>;
  private readonly unknownSeries: Statement<[], SeriesRow>;
  private readonly insertPrefix: Statement<[number, string | null]>;
  private readonly eventIn: Statement<[number, number], number>;
  private learned = 0;

  constructor(
    db: Database,
    private readonly template: LineTemplate,
    private readonly raw: RawTables = CARD_ONLY,
  ) {
    // An in-memory database of this connection: the prefixes never reach the SD card.
    const attached = db.pragma('database_list') as { name: string }[];
    if (!attached.some((d) => d.name === 'render')) db.exec("ATTACH DATABASE ':memory:' AS render");
    const table = `line_prefix_${++tables}`;
    db.exec(`CREATE TABLE render.${table} (series INTEGER PRIMARY KEY, prefix TEXT)`);
    this.render = db.prepare<[number[]], RenderResult>(renderSql(template, table, raw));
    this.newSeries = db.prepare('SELECT id, machine, point FROM series WHERE id > ? ORDER BY id');
    this.unknownSeries = db.prepare(
      `SELECT id, machine, point FROM series WHERE id NOT IN (SELECT series FROM render.${table}) ORDER BY id`,
    );
    this.insertPrefix = db.prepare(`INSERT OR REPLACE INTO render.${table} VALUES (?, ?)`);
    this.eventIn = db
      .prepare<[number, number], number>('SELECT seq FROM event WHERE seq > ? AND seq <= ? LIMIT 1')
      .pluck(true);
  }

  /**
   * The samples with seq in (after, upTo], at most `limit`, as text; null when that range holds
   * no sample, or anything the template cannot render (then read rows). An event in the range
   * before the last sample also gives null (a batch merges both tables by seq).
   */
  renderRange(after: number, limit: number, upTo: number): RenderedRange | null {
    this.learn(this.newSeries.all(this.learned));
    let r = this.render.get(seqRangeArgs(this.raw, after, upTo, limit)) as RenderResult;
    if (r.known < r.n) {
      // A prefix insert rolled back with a caller's transaction, say: learn what has no row.
      this.learn(this.unknownSeries.all());
      r = this.render.get(seqRangeArgs(this.raw, after, upTo, limit)) as RenderResult;
    }
    if (!r.n || r.body === null || r.first === null || r.last === null) return null;
    if (r.known < r.n || Buffer.isBuffer(r.top)) return null;
    if (this.eventIn.get(after, r.last) !== undefined) return null;
    return { body: r.body, count: r.n, firstSeq: r.first, lastSeq: r.last };
  }

  /** Prefixes of these series (committed ones: ids only grow and are never reused). */
  private learn(rows: readonly SeriesRow[]): void {
    for (const { id, machine, point } of rows) {
      let prefix: string | null;
      try {
        prefix = this.template.prefix(machine, point);
      } catch {
        prefix = null;
      }
      // A prefix with a newline would break the body's lines: the row way refuses such rows.
      this.insertPrefix.run(id, prefix !== null && !prefix.includes('\n') ? prefix : null);
      this.learned = Math.max(this.learned, id);
    }
  }
}
