/**
 * What a sink reads from the local store: rows not yet delivered to that sink, oldest first.
 * The store keeps one cursor per sink (no copy per sink). Calling rules: one runner per sink
 * calls `next()`, delivers the batch, then calls exactly one of `ack(batch)` (all delivered) or
 * `quarantine(batch, keys, reason)` followed by `ack(batch)` (the keys were refused for good and
 * are kept aside; the rest was delivered). A batch not acked is returned again by the next
 * `next()`: delivery is at-least-once, made idempotent by timestamps fixed at acquisition.
 */
export type RowKey = string;

export interface SampleRow {
  readonly key: RowKey;
  readonly kind: 'sample';
  readonly machine: string;
  readonly point: string;
  readonly value: number | boolean | string | null;
  readonly quality: 'good' | 'uncertain' | 'bad';
  readonly ts: number;
}

export interface EventRow {
  readonly key: RowKey;
  readonly kind: 'event';
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | boolean | string>>;
  readonly ts: number;
}

export type OutboxRow = SampleRow | EventRow;

export interface OutboxBatch {
  readonly sink: string;
  /**
   * The rows, oldest first. In a `rendered` batch they are read from the store only when first
   * asked for (a failure path: a split, a quarantine); the happy path never needs them.
   */
  readonly rows: readonly OutboxRow[];
  /** Set when the outbox rendered the batch itself with the sink's template (`rendering`). */
  readonly rendered?: RenderedBody;
}

/** A batch of samples the store rendered as text: one line per row, each ended by a newline. */
export interface RenderedBody {
  readonly body: Buffer;
  /** Rows (= lines) in the batch. */
  readonly count: number;
  readonly lastKey: RowKey;
}

/**
 * How a text sink writes a sample line, for an outbox that renders batches itself (in SQL, with
 * no JS object per row): `prefix(series)` + the value part + `ts` in ms + newline. Value part:
 * a number → `numberField` + the number in its shortest round-trip decimal form, which may
 * differ in spelling from JavaScript's (`60.0` for 60, `1.0e+21`) but not in value; a boolean
 * → `boolField` + `trueText`/`falseText`; then `afterValue[quality]`. Null, NaN and ±Infinity
 * → `noValue[quality]` only. Rows the template cannot render (strings, events, a series whose
 * `prefix` is null) make the batch an ordinary one. `prefix` must answer the same for a series
 * during the template's life (as a line encoder's tags); `id` names that life.
 */
export interface LineTemplate {
  readonly id: string;
  prefix(machine: string, point: string): string | null;
  readonly numberField: string;
  readonly boolField: string;
  readonly trueText: string;
  readonly falseText: string;
  readonly afterValue: Readonly<Record<SampleRow['quality'], string>>;
  readonly noValue: Readonly<Record<SampleRow['quality'], string>>;
}

export interface Outbox {
  readonly sink: string;
  next(limit: number): OutboxBatch;
  /**
   * Optional read-ahead: the oldest rows after `after`, a key of the last batch given and not
   * yet acked, so a sink can prepare the following batch while that one is in flight. Acks stay
   * in order: the batch `after` belongs to first, then this one. If the earlier batch is not
   * acked, drop this one (the next `next()` returns the same rows again).
   */
  nextAfter?(after: RowKey, limit: number): OutboxBatch;
  /**
   * Optional live lane, so live rows do not wait behind a replay. While more than
   * `backlogAbove` rows are unsent, the outbox keeps a second, durable lane: `next()` (and
   * `nextAfter` of its keys) then gives the backlog, oldest first, and `nextLive()` the rows
   * written since the lane opened, oldest first. Each lane is acked on its own, with the same
   * rules (`ack` knows a batch's lane). Empty when no lane is needed (then `next()` has it all).
   * A runner alternates: a batch of `next()`, then one of `nextLive()`.
   */
  nextLive?(limit: number, backlogAbove: number): OutboxBatch;
  /**
   * Optional: the same outbox (same cursors) whose reads render batches of samples with
   * `template` when they can (`OutboxBatch.rendered`); ack and quarantine as usual.
   */
  rendering?(template: LineTemplate): Outbox;
  ack(batch: OutboxBatch): void;
  quarantine(batch: OutboxBatch, keys: readonly RowKey[], reason: string): void;
  depth(): number;
  oldestUnsentTs(): number | null;
}
