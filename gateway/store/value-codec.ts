/**
 * How a sample's value and quality fit in two small columns of the `sample` table (pure).
 *
 * value (REAL affinity): a number as is (SQLite stores whole numbers as 0–8 byte integers on
 * disk), a boolean as 0/1, a string as a UTF-8 BLOB (affinity never converts a BLOB, so "123"
 * stays text), null and NaN as NULL.
 * flags: bits 0–1 quality (0 good, 1 uncertain, 2 bad), bit 2 "boolean", bit 3 "NaN".
 * A good number has flags 0, which SQLite stores in zero bytes.
 * Lossy on purpose: -0 reads back as 0.
 */
import type { Quality, SampleValue } from '../core/sample.js';

const QUALITY_CODE: Readonly<Record<Quality, number>> = { good: 0, uncertain: 1, bad: 2 };
const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad'];
const FLAG_BOOL = 4;
const FLAG_NAN = 8;

export type StoredValue = number | Buffer | null;

export interface EncodedValue {
  readonly value: StoredValue;
  readonly flags: number;
}

export function encodeValue(value: SampleValue, quality: Quality): EncodedValue {
  const q = QUALITY_CODE[quality] ?? QUALITY_CODE.bad;
  if (typeof value === 'number') {
    return Number.isNaN(value) ? { value: null, flags: q | FLAG_NAN } : { value, flags: q };
  }
  if (typeof value === 'boolean') return { value: value ? 1 : 0, flags: q | FLAG_BOOL };
  if (typeof value === 'string') return { value: Buffer.from(value, 'utf8'), flags: q };
  return { value: null, flags: q };
}

/** encodeValue(value, quality).flags, without the object (the writer's per-row path). */
export function valueFlags(value: SampleValue, quality: Quality): number {
  const q = QUALITY_CODE[quality] ?? QUALITY_CODE.bad;
  if (typeof value === 'number') return Number.isNaN(value) ? q | FLAG_NAN : q;
  return typeof value === 'boolean' ? q | FLAG_BOOL : q;
}

/**
 * encodeValue(value, quality).value, with the UTF-8 Buffers of short strings kept for reuse:
 * state texts ("RUN", "STOP", …) repeat on every message, and a Buffer per row is an allocation
 * the store's writer does not need (SQLite copies a bound blob). Bounded: at most `max` texts of
 * at most 64 characters; when full, it starts over. The Buffers handed out must not be changed.
 */
export class TextBlobs {
  private readonly cache = new Map<string, Buffer>();

  constructor(private readonly max = 256) {}

  stored(value: SampleValue): StoredValue {
    if (typeof value === 'number') return Number.isNaN(value) ? null : value;
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (typeof value !== 'string') return null;
    if (value.length > 64) return Buffer.from(value, 'utf8');
    let b = this.cache.get(value);
    if (b === undefined) {
      if (this.cache.size >= this.max) this.cache.clear();
      // Its own memory, not a slice of Node's shared 8 KiB pool (a kept slice would pin the slab).
      b = Buffer.allocUnsafeSlow(Buffer.byteLength(value, 'utf8'));
      b.write(value, 'utf8');
      this.cache.set(value, b);
    }
    return b;
  }
}

export function decodeValue(value: unknown, flags: number): SampleValue {
  if (value === null || value === undefined) return flags & FLAG_NAN ? Number.NaN : null;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return value;
  const n = value as number;
  return flags & FLAG_BOOL ? n !== 0 : n;
}

export function decodeQuality(flags: number): Quality {
  return QUALITIES[flags & 3] ?? 'bad';
}

/**
 * The number a value contributes to rollups and history: numbers that are finite, booleans as
 * 0/1; strings, null, NaN and ±Infinity contribute nothing.
 */
export function numericValue(value: SampleValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}
