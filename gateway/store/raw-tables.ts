/**
 * Where the raw samples live: the card's `main.sample` only (the default), or that table plus
 * the RAM tier's `ram.sample` (ram-tier.ts). Readers that take rows in seq order read the name
 * `sample`, which is then a TEMP VIEW over both (temp objects are found before main ones);
 * what must name the physical tables (inserts, deletes, min/max from a b-tree edge) takes
 * its SQL from here.
 *
 * Calling rules: build the SQL once when preparing statements; the tables never change while
 * a connection is open.
 */

export interface RawTables {
  /** The physical tables, card first: `['main.sample']` or `['main.sample', 'ram.sample']`. */
  readonly tables: readonly string[];
  /** Where new rows are inserted. */
  readonly insertInto: string;
  /** The RAM tier's copy of the sink cursors (sinks.ts), newer than the card's when present. */
  readonly cursorMirror?: string;
}

export const CARD_ONLY: RawTables = Object.freeze({ tables: ['main.sample'], insertInto: 'main.sample' });

/**
 * A scalar subquery: the smallest (`min`) or greatest (`max`) seq over the tables, NULL when
 * all are empty. One lone min()/max() per table, so SQLite reads each from its b-tree edge
 * (a min() over the view would read every row).
 */
export function seqEdgeSql(t: RawTables, edge: 'min' | 'max', where = ''): string {
  const cond = where ? ` WHERE ${where}` : '';
  if (t.tables.length === 1) return `(SELECT ${edge}(seq) FROM ${t.tables[0]}${cond})`;
  const arms = t.tables.map((table) => `SELECT ${edge}(seq) AS m FROM ${table}${cond}`).join(' UNION ALL ');
  return `(SELECT ${edge}(m) FROM (${arms}))`;
}

/**
 * `SELECT <cols> … WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?` over the tables, written so
 * that SQLite merges the tiers' rowid orders (a compound with its own ORDER BY) instead of
 * sorting the whole range (a subquery over the view does that). Bind with `seqRangeArgs`.
 */
export function seqRangeSql(t: RawTables, cols: string): string {
  const arms = t.tables.map((table) => `SELECT ${cols} FROM ${table} WHERE seq > ? AND seq <= ?`);
  return `${arms.join(' UNION ALL ')} ORDER BY seq LIMIT ?`;
}

/** The bind values of `seqRangeSql`: (after, upTo] per table, then the limit. */
export function seqRangeArgs(t: RawTables, after: number, upTo: number, limit: number): number[] {
  const args: number[] = [];
  for (let i = 0; i < t.tables.length; i++) args.push(after, upTo);
  args.push(limit);
  return args;
}
