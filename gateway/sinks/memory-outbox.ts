/**
 * The `Outbox` contract (core/outbox.ts, made precise in store/outbox.ts) in memory, strict: it
 * throws when a caller breaks the calling rules (acks a batch that is not the last one given,
 * quarantines keys outside the batch). For tests of sinks and runners; the store's SQLite
 * outbox is the real one.
 */
import type { Outbox, OutboxBatch, OutboxRow, RowKey } from '../core/outbox.js';

export interface QuarantinedRow {
  readonly row: OutboxRow;
  readonly reason: string;
}

export class MemoryOutbox implements Outbox {
  private rows: OutboxRow[] = [];
  private lastBatch: OutboxBatch | null = null;
  readonly quarantined: QuarantinedRow[] = [];
  /** Every row acked (delivered or quarantined), in ack order. */
  readonly acked: OutboxRow[] = [];
  nextCalls = 0;

  constructor(readonly sink = 'influx') {}

  append(...rows: OutboxRow[]): void {
    this.rows.push(...rows);
  }

  next(limit: number): OutboxBatch {
    this.nextCalls++;
    const batch: OutboxBatch = { sink: this.sink, rows: this.rows.slice(0, Math.max(0, limit)) };
    this.lastBatch = batch;
    return batch;
  }

  ack(batch: OutboxBatch): void {
    if (batch !== this.lastBatch) throw new Error('ack of a batch that is not the last one from next()');
    const head = this.rows.slice(0, batch.rows.length);
    if (head.some((row, i) => row !== batch.rows[i])) throw new Error('ack: the batch is not at the head');
    this.rows.splice(0, batch.rows.length);
    this.acked.push(...batch.rows);
    this.lastBatch = null;
  }

  quarantine(batch: OutboxBatch, keys: readonly RowKey[], reason: string): void {
    if (batch !== this.lastBatch)
      throw new Error('quarantine of a batch that is not the last one from next()');
    for (const key of keys) {
      const row = batch.rows.find((r) => r.key === key);
      if (!row) throw new Error(`quarantine: key ${key} is not in the batch`);
      // Idempotent like the store's: a key quarantined again (a batch that came back after a
      // failed ack) keeps its first reason.
      if (!this.quarantined.some((q) => q.row.key === key)) this.quarantined.push({ row, reason });
    }
  }

  depth(): number {
    return this.rows.length;
  }

  oldestUnsentTs(): number | null {
    return this.rows[0]?.ts ?? null;
  }
}
