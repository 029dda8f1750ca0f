/**
 * A whole batch of outbox rows → one line protocol body, written byte by byte into one Buffer
 * (pure: no I/O, no clock). Same bytes as `encodeRow` per row joined with newlines (a test
 * checks it on random rows), but without a string per line, a join, or a UTF-8 conversion of
 * the body: each series' `measurement,tags` prefix is kept as UTF-8 bytes, and per sample only
 * the value, quality and time are written (whole numbers digit by digit). Events, strings and
 * anything unusual go through `encodeRow` and are copied in.
 *
 * Calling rules: `tagsFor` must answer the same for a series during the encoder's life (the
 * config is fixed for a run), as for `createLineEncoder`.
 */

import type { OutboxRow, RowKey, SampleRow } from '../../core/outbox.js';
import { type BatchEncoder, bytesBody, type EncodedBatch, type EncodeResult } from '../types.js';
import { SeriesCache } from './series-cache.js';

/** What the body encoder needs from line-protocol.ts (passed in, to keep one import direction). */
export interface BodyEncoderParts {
  /** A series' `measurement,tags` text, or why it cannot be written. */
  readonly prefix: (row: SampleRow) => { ok: true; text: string } | { ok: false; reason: string };
  /** Any row, the slow way. */
  readonly encodeRow: (row: OutboxRow) => EncodeResult;
}

/** First guess of bytes per line; the buffer grows when a batch needs more. */
const BYTES_PER_LINE = 192;

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');
const VALUE_BOOL_TRUE = ascii(' value_bool=true');
const VALUE_BOOL_FALSE = ascii(' value_bool=false');
const QUALITY_AFTER_VALUE: Readonly<Record<string, Buffer>> = {
  good: ascii(',quality="good" '),
  uncertain: ascii(',quality="uncertain" '),
  bad: ascii(',quality="bad" '),
};
const QUALITY_ONLY: Readonly<Record<string, Buffer>> = {
  good: ascii(' quality="good" '),
  uncertain: ascii(' quality="uncertain" '),
  bad: ascii(' quality="bad" '),
};
const NEWLINE = 10;
const MINUS = 45;
const ZERO = 48;
/** Whole numbers up to this are written digit by digit (String() gives the same digits). */
const MAX_DIGITS_INT = 1e15;

/** Room a sample line needs beyond its prefix: ` value_bool=false` + `,quality="uncertain" ` + digits. */
const SAMPLE_TAIL_BYTES = 96;

/**
 * Appends bytes to a growing Buffer. `room(n)` first, then the unchecked writes of at most n
 * bytes (one check per line instead of one per part).
 */
class ByteWriter {
  buf: Buffer;
  at = 0;
  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(Math.max(256, size));
  }
  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
  bytes(b: Buffer): void {
    this.buf.set(b, this.at); // a builtin copy: much faster than a loop over the bytes
    this.at += b.length;
  }
  /** Text known to be ASCII (number forms). */
  ascii(text: string): void {
    const { buf } = this;
    let at = this.at;
    for (let i = 0; i < text.length; i++) buf[at++] = text.charCodeAt(i);
    this.at = at;
  }
  /** Checks the room itself. */
  utf8(text: string): void {
    this.room(text.length * 3 + 1);
    this.at += this.buf.write(text, this.at, 'utf8');
  }
  /** A whole number with |n| < MAX_DIGITS_INT. */
  int(n: number): void {
    const { buf } = this;
    if (n < 0) {
      buf[this.at++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let at = this.at + digits;
    this.at = at;
    do {
      const q = Math.floor(n / 10);
      buf[--at] = ZERO + (n - q * 10);
      n = q;
    } while (n > 0);
  }
  number(v: number): void {
    if (Number.isInteger(v) && v < MAX_DIGITS_INT && v > -MAX_DIGITS_INT) this.int(v);
    else this.ascii(String(v)); // the shortest round-trip form (at most 25 characters)
  }
  byte(b: number): void {
    this.buf[this.at++] = b;
  }
}

/** A series' prefix as bytes, and the same followed by ` value=` (the common case in one copy). */
type Prefix = { readonly bytes: Buffer; readonly withValue: Buffer } | { readonly reason: string };

export function createBodyEncoder(parts: BodyEncoderParts): BatchEncoder {
  const prefixes = new SeriesCache<Prefix>();
  const prefixOf = (row: SampleRow): Prefix =>
    prefixes.get(row.machine, row.point, () => {
      const p = parts.prefix(row);
      return p.ok
        ? { bytes: Buffer.from(p.text, 'utf8'), withValue: Buffer.from(`${p.text} value=`, 'utf8') }
        : { reason: p.reason };
    });

  return (rows): EncodedBatch => {
    const w = new ByteWriter(rows.length * BYTES_PER_LINE);
    const written: OutboxRow[] = [];
    const refused: { key: RowKey; reason: string }[] = [];
    const slow = (row: OutboxRow): void => {
      const e = parts.encodeRow(row);
      if (!e.ok) {
        refused.push({ key: row.key, reason: e.reason });
        return;
      }
      w.utf8(e.line);
      w.byte(NEWLINE); // utf8() left room for it
      written.push(row);
    };
    for (const row of rows) {
      if (row.kind !== 'sample') {
        slow(row);
        continue;
      }
      const { value, ts } = row;
      const afterValue = QUALITY_AFTER_VALUE[row.quality];
      const prefix = prefixOf(row);
      // Strings, unknown qualities, odd timestamps: the slow way (same bytes).
      if (
        !('bytes' in prefix) ||
        typeof value === 'string' ||
        afterValue === undefined ||
        !Number.isInteger(ts) ||
        ts >= MAX_DIGITS_INT ||
        ts <= -MAX_DIGITS_INT
      ) {
        slow(row);
        continue;
      }
      w.room(prefix.withValue.length + SAMPLE_TAIL_BYTES);
      if (typeof value === 'number' && Number.isFinite(value)) {
        w.bytes(prefix.withValue);
        w.number(value);
        w.bytes(afterValue);
      } else if (typeof value === 'boolean') {
        w.bytes(prefix.bytes);
        w.bytes(value ? VALUE_BOOL_TRUE : VALUE_BOOL_FALSE);
        w.bytes(afterValue);
      } else {
        w.bytes(prefix.bytes);
        w.bytes(QUALITY_ONLY[row.quality] as Buffer);
      }
      w.int(ts);
      w.byte(NEWLINE);
      written.push(row);
    }
    return { rows: written, refused, body: bytesBody(w.buf.subarray(0, w.at), written.length) };
  };
}
