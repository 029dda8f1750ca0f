/**
 * What a sink is made of, as `runtime/running-sink` drives it: a pure encoder (row → record)
 * and a writer (records → one request → a classified answer). Neither holds timers, retries
 * or buffers; the runner owns those. These belong next to `core/source.ts` and can move to
 * `core/sink.ts` unchanged.
 */
import type { ErrorCode } from '../core/errors.js';
import type { LineTemplate, OutboxRow, RowKey } from '../core/outbox.js';

/** One row as one record (for InfluxDB: one line of line protocol), or why it cannot be. */
export type EncodeResult =
  | { readonly ok: true; readonly line: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Row → record. May carry `batch`: the same records for a whole batch at once, as one body
 * (the runner uses it when present; it must give byte for byte the lines `encode` gives).
 */
export type RowEncoder = ((row: OutboxRow) => EncodeResult) & {
  readonly batch?: BatchEncoder;
  /**
   * Optional: the same sample lines as a template, for an outbox that renders batches itself
   * (`Outbox.rendering`); numbers may be spelled differently but mean the same value.
   */
  readonly template?: LineTemplate;
};

/**
 * The records of one request: the body (each record followed by a newline) and, made only when
 * asked (error matching, splits), the records as strings. Records hold no raw newline.
 */
export interface EncodedLines {
  readonly count: number;
  bytes(): Buffer;
  lines(): readonly string[];
}

/** A batch encoded at once: the rows written, in order, their body, and the rows refused. */
export interface EncodedBatch {
  readonly rows: readonly OutboxRow[];
  readonly body: EncodedLines;
  readonly refused: readonly { readonly key: RowKey; readonly reason: string }[];
}

export type BatchEncoder = (rows: readonly OutboxRow[]) => EncodedBatch;

/** EncodedLines over records that are strings already. */
export function linesBody(lines: readonly string[]): EncodedLines {
  let bytes: Buffer | undefined;
  return {
    count: lines.length,
    lines: () => lines,
    bytes: () => {
      bytes ??= Buffer.from(lines.length === 0 ? '' : `${lines.join('\n')}\n`, 'utf8');
      return bytes;
    },
  };
}

/** EncodedLines over a body (records separated by newlines). */
export function bytesBody(bytes: Buffer, count: number): EncodedLines {
  let lines: readonly string[] | undefined;
  return {
    count,
    bytes: () => bytes,
    lines: () => {
      if (!lines) {
        const all = bytes.toString('utf8').split('\n');
        if (all[all.length - 1] === '') all.pop();
        lines = all;
      }
      return lines;
    },
  };
}

/** The answer to one write request, classified for the runner. */
export type WriteResult =
  | { readonly ok: true }
  /** Try the same records again later: 5xx, 408, 429, network error, timeout. */
  | {
      readonly ok: false;
      readonly kind: 'retry';
      /** From Retry-After (seconds or HTTP-date), when the server sent one. */
      readonly retryAfterMs?: number;
      /** Absent for network errors and timeouts. */
      readonly status?: number;
      readonly message: string;
      /** A more precise code than LG_SINK_UNREACHABLE for status and logs. */
      readonly code?: ErrorCode;
    }
  /**
   * The server refused some records for good (400, 422; 413 for a body too large).
   * `lines`: 0-based indexes in the request of the refused records; empty when the answer does
   * not say which (the runner then splits the request to find them). Whether the other records
   * were written depends on the server (InfluxDB 1.x writes them, 2.x writes none): the runner
   * sends them again either way, which overwrites (timestamps are fixed at acquisition).
   */
  | {
      readonly ok: false;
      readonly kind: 'bad-lines';
      readonly lines: readonly number[];
      readonly message: string;
    }
  /** 401/403: credentials wrong or lacking permission. */
  | {
      readonly ok: false;
      readonly kind: 'auth';
      readonly status: number;
      readonly message: string;
      /** Instead of LG_SINK_AUTH. */
      readonly code?: ErrorCode;
    }
  /** Any other refusal (404 database not found, 405…): nothing written, retry slowly. */
  | {
      readonly ok: false;
      readonly kind: 'fatal';
      readonly status: number;
      readonly message: string;
      /** Instead of LG_SINK_REFUSED (e.g. LG_MQTT_TLS). */
      readonly code?: ErrorCode;
    };

export type WriteFailure = Exclude<WriteResult, { ok: true }>;

/**
 * Sends records in one request. Calling rules: at most the runner's `maxInFlight` calls at a
 * time per writer (SINK_MAX_IN_FLIGHT: 2 for InfluxDB, 1 for the MQTT uplink); `signal` aborts the request (then the
 * result is a `retry`). Never throws: every failure is a classified result. Holds no timers
 * beyond the request's own timeout.
 */
export interface LineWriter {
  /** Where it writes, without credentials, for logs and status. */
  readonly target: string;
  write(lines: readonly string[], signal?: AbortSignal): Promise<WriteResult>;
  /** Optional: the same request from a body made already (no join, no copy). */
  writeBody?(body: EncodedLines, signal?: AbortSignal): Promise<WriteResult>;
  /** Releases a connection the writer holds; called once by the runner's `stop()`, after the last write. */
  close?(): Promise<void>;
}
