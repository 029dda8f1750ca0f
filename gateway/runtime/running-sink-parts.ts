/** The types of running-sink.ts and the encoding of a batch (pure). */

import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { ErrorCode } from '../core/errors.js';
import type { Outbox, OutboxBatch, OutboxRow, RowKey } from '../core/outbox.js';
import {
  bytesBody,
  type EncodedBatch,
  type EncodedLines,
  type LineWriter,
  linesBody,
  type RowEncoder,
  type WriteFailure,
} from '../sinks/types.js';
import type { BackoffPolicy } from './backoff.js';
import type { Clock } from './clock.js';

/** Raised for what a person must act on; `recovered` closes an `auth-failed` or `refused`. */
export interface SinkEvent {
  readonly sink: string;
  readonly kind: 'auth-failed' | 'refused' | 'recovered' | 'quarantined';
  readonly code?: ErrorCode;
  readonly message: string;
  readonly status?: number;
  /** `quarantined`: how many rows. */
  readonly count?: number;
  readonly ts: number;
}

export interface SinkStatus {
  readonly sink: string;
  readonly target: string;
  readonly state: 'stopped' | 'idle' | 'sending' | 'backing-off' | 'auth-failed' | 'refused';
  /** Rows waiting in the outbox (the batch being sent included). */
  readonly queueDepth: number;
  readonly oldestUnsentTs: number | null;
  readonly lastError: {
    readonly code: ErrorCode;
    readonly message: string;
    readonly status?: number;
    readonly ts: number;
  } | null;
  readonly lastSuccessTs: number | null;
  /** Rows delivered and acked since start. */
  readonly pointsSent: number;
  readonly linesQuarantined: number;
  /** Failed requests that will be (or were) tried again. */
  readonly retries: number;
  readonly requests: number;
}

export interface RunningSinkDeps {
  readonly outbox: Outbox;
  readonly encode: RowEncoder;
  readonly writer: LineWriter;
  readonly log: Logger;
  readonly onEvent?: (event: SinkEvent) => void;
  readonly clock?: Clock;
  /** For the backoff jitter; pass a fixed one in tests. */
  readonly random?: () => number;
  /** Rows per request; default 5000. */
  readonly batchSize?: number;
  /** How long to wait for new rows when the outbox is empty, unless `notify()`; default 1000. */
  readonly idlePollMs?: number;
  /** Retryable failures: delay = random × min(maxMs, baseMs × 2^attempt); default 1 s … 30 s. */
  readonly backoff?: BackoffPolicy;
  /** After 401/403 or another refusal of the whole request; default 60 000. */
  readonly slowRetryMs?: number;
  /** A server's Retry-After is honoured up to this; default 300 000. */
  readonly maxRetryAfterMs?: number;
  /** `stop()` lets a request in flight finish for this long, then aborts it; default 5000. */
  readonly stopTimeoutMs?: number;
  /**
   * Requests in flight: 1 (default), or 2 to send the next full batch of a backlog of samples
   * while the one before is answered. Acks stay in order either way.
   */
  readonly maxInFlight?: 1 | 2;
  /**
   * With an outbox that has a live lane (`nextLive`): above this many unsent rows, live rows go
   * out in their own lane, a live batch after each batch of the backlog; default `batchSize`.
   * `Infinity`: one lane (live rows wait behind the backlog).
   */
  readonly liveLaneAbove?: number;
}

/**
 * A batch with its records: `rows` (those encoded, in order) and their `body`; `refused`: rows
 * that could not be encoded, by reason.
 */
export interface Prepared {
  readonly batch: OutboxBatch;
  /** Rows in the body; for a batch the outbox rendered, read only when asked for (failures). */
  readonly rows: readonly OutboxRow[];
  /** Rows in the body, and the key of the batch's last row (undefined when empty). */
  readonly count: number;
  readonly lastKey: RowKey | undefined;
  /** No event rows (which a later row may rewrite): the batch may overlap the one before. */
  readonly samplesOnly: boolean;
  readonly body: EncodedLines;
  readonly refused: ReadonlyMap<string, RowKey[]>;
  /** maxInFlight 2: the first request of this batch, sent while the one before was in flight. */
  early?: Promise<WriteFailure | null>;
}

/** The rows of one request: indexes into `Prepared.rows`, or null for all of them (the body). */
export type Segment = readonly number[] | null;

/** How the delivery of one batch went so far: clean = every request answered 2xx. */
export interface Progress {
  clean: boolean;
}

export function refuseInto(refused: Map<string, RowKey[]>, reason: string, key: RowKey): void {
  const r = reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason;
  const keys = refused.get(r);
  if (keys) keys.push(key);
  else refused.set(r, [key]);
}

const MAX_REASON_CHARS = 2000;

/**
 * Encodes every row of a batch, with the encoder's batch form when it has one (one body, no
 * string per row); rows that cannot be encoded are refused (quarantined).
 */
export function prepareBatch(batch: OutboxBatch, encode: RowEncoder): Prepared {
  const { rendered } = batch;
  if (rendered) {
    return {
      batch,
      get rows() {
        return batch.rows;
      },
      body: bytesBody(rendered.body, rendered.count),
      refused: new Map(),
      count: rendered.count,
      lastKey: rendered.lastKey,
      samplesOnly: true,
    };
  }
  let encoded: EncodedBatch | undefined;
  if (encode.batch) {
    try {
      encoded = encode.batch(batch.rows);
    } catch {
      encoded = undefined; // the row by row way below finds and refuses the row that throws
    }
  }
  encoded ??= encodeRows(batch.rows, encode);
  const refused = new Map<string, RowKey[]>();
  for (const r of encoded.refused) refuseInto(refused, `cannot encode: ${r.reason}`, r.key);
  return {
    batch,
    rows: encoded.rows,
    body: encoded.body,
    refused,
    count: batch.rows.length,
    lastKey: batch.rows[batch.rows.length - 1]?.key,
    samplesOnly: batch.rows.every((r) => r.kind === 'sample'),
  };
}

function encodeRows(rows: readonly OutboxRow[], encode: RowEncoder): EncodedBatch {
  const written: OutboxRow[] = [];
  const lines: string[] = [];
  const refused: { key: RowKey; reason: string }[] = [];
  for (const row of rows) {
    let encoded: ReturnType<RowEncoder>;
    try {
      encoded = encode(row);
    } catch (err) {
      encoded = { ok: false, reason: (err as Error).message };
    }
    if (encoded.ok) {
      written.push(row);
      lines.push(encoded.line);
    } else refused.push({ key: row.key, reason: encoded.reason });
  }
  return { rows: written, body: linesBody(lines), refused };
}

/**
 * The rows after `after` (up to `batchSize`), read in slices with the event loop let through
 * between them (so the request in flight is not held up); null when the outbox fails (the loop
 * then reads them with next(), which reports the failure).
 */
export async function readAheadRows(
  deps: Pick<RunningSinkDeps, 'outbox' | 'log'>,
  after: RowKey,
  batchSize: number,
  stopping: () => boolean,
): Promise<OutboxRow[] | null> {
  const nextAfter = deps.outbox.nextAfter?.bind(deps.outbox);
  if (!nextAfter) return null;
  const rows: OutboxRow[] = [];
  let key = after;
  const slice = Math.max(1, Math.ceil(batchSize / 5));
  try {
    while (rows.length < batchSize && !stopping()) {
      await yieldToIo();
      const part = nextAfter(key, Math.min(slice, batchSize - rows.length)).rows;
      const lastRow = part[part.length - 1];
      if (!lastRow) break;
      for (const r of part) rows.push(r);
      key = lastRow.key;
    }
  } catch (err) {
    deps.log.debug({ err }, 'read-ahead failed');
    return null;
  }
  return rows;
}

/**
 * The batch after `after`, for a sink to prepare while the one before is in flight: from an
 * outbox that renders, in one go after the loop ran once (a rendered batch takes a few ms);
 * otherwise as rows, in slices (readAheadRows). Null on failure or stop (the loop then reads
 * it with next(), which reports a failure).
 */
export async function readAheadBatch(
  from: { readonly outbox: Outbox; readonly log: Logger; readonly rendering: boolean },
  after: RowKey,
  batchSize: number,
  stopping: () => boolean,
): Promise<OutboxBatch | null> {
  const { outbox, log } = from;
  if (!from.rendering) {
    const rows = await readAheadRows({ outbox, log }, after, batchSize, stopping);
    return rows ? { sink: outbox.sink, rows } : null;
  }
  await yieldToIo();
  if (stopping() || !outbox.nextAfter) return null;
  try {
    return outbox.nextAfter(after, batchSize);
  } catch (err) {
    log.debug({ err }, 'read-ahead failed');
    return null;
  }
}

/** One wait at a time, ended by its timer or by `end` (`onlyIdle`: only a wait marked idle). */
export class Waits {
  private current: { end: () => void; idle: boolean } | null = null;
  constructor(private readonly clock: Clock) {}

  wait(ms: number, idle: boolean): Promise<void> {
    return new Promise((resolve) => {
      const end = (): void => {
        timer.cancel();
        this.current = null;
        resolve();
      };
      const timer = this.clock.setTimeout(end, ms);
      this.current = { end, idle };
    });
  }

  end(onlyIdle: boolean): void {
    if (this.current && (this.current.idle || !onlyIdle)) this.current.end();
  }
}

/** Full jitter: uniform in [0, min(maxMs, baseMs × 2^attempt)]. */
export function fullJitter(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling * random());
}

/** Queue depth and oldest unsent row for `status()`; zero and null when the outbox fails. */
export function outboxStatus(
  deps: Pick<RunningSinkDeps, 'outbox' | 'log'>,
): Pick<SinkStatus, 'queueDepth' | 'oldestUnsentTs'> {
  try {
    return { queueDepth: deps.outbox.depth(), oldestUnsentTs: deps.outbox.oldestUnsentTs() };
  } catch (err) {
    deps.log.debug({ err }, 'outbox status failed');
    return { queueDepth: 0, oldestUnsentTs: null };
  }
}
