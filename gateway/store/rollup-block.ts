/**
 * One hour of a series' 1-minute rollups as one compressed BLOB (the RAM tier's card format,
 * minute-blocks.ts): 60 rows of ~70 bytes each become one row whose size depends on how much
 * the values moved. A series that held its value all hour packs to a few dozen bytes.
 *
 * Layout before deflate (zlib, raw): version byte 1; a 64-bit bitmap of the minutes present
 * (bit i = minute i of the hour); then, for the k present minutes in order, column by column:
 * cnt and n as uint32, then sum, min, max, last, lastTs, dsum, firstSeq, lastSeq as float64
 * (null as NaN: aggregates never hold NaN, value-codec.ts), each XORed with the value before it
 * in its column so that repeated and nearby values turn into runs of zero bytes. The integer
 * columns go in as differences first (lastTs from its minute's start, firstSeq from the minute
 * before's, lastSeq from its own firstSeq): a steady poll makes them repeat exactly.
 *
 * Pure functions; `decodeBlock(hour, encodeBlock(hour, m))` gives back `m` exactly (test beside).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { emptyAgg, type RollupAgg } from './rollup.js';

const MINUTE_MS = 60_000;
const VERSION = 1;
const FLOATS = ['sum', 'min', 'max', 'last', 'lastTs', 'dsum', 'firstSeq', 'lastSeq'] as const;

const orNaN = (v: number | null): number => (v === null ? Number.NaN : v);
const orNull = (v: number): number | null => (Number.isNaN(v) ? null : v);

/** Packs the minutes (bucket start → aggregate) of the hour starting at `hour`. */
export function encodeBlock(hour: number, minutes: ReadonlyMap<number, Readonly<RollupAgg>>): Buffer {
  const order = [...minutes.keys()].sort((a, b) => a - b);
  let bitmap = 0n;
  for (const b of order) {
    const i = (b - hour) / MINUTE_MS;
    if (!Number.isInteger(i) || i < 0 || i >= 60)
      throw new RangeError(`minute ${b} is not in the hour ${hour}`);
    bitmap |= 1n << BigInt(i);
  }
  const k = order.length;
  const buf = Buffer.alloc(1 + 8 + k * 8 + k * FLOATS.length * 8);
  buf.writeUInt8(VERSION, 0);
  buf.writeBigUInt64LE(bitmap, 1);
  let at = 9;
  for (const col of ['cnt', 'n'] as const) {
    for (const b of order) {
      buf.writeUInt32LE((minutes.get(b) as RollupAgg)[col], at);
      at += 4;
    }
  }
  const bits = new BigUint64Array(1);
  const f = new Float64Array(bits.buffer);
  for (const col of FLOATS) {
    let prev = 0n;
    let prevFirst = 0;
    for (const b of order) {
      const a = minutes.get(b) as RollupAgg;
      f[0] =
        col === 'lastTs'
          ? orNaN(a.lastTs === null ? null : a.lastTs - b)
          : col === 'firstSeq'
            ? a.firstSeq - prevFirst
            : col === 'lastSeq'
              ? a.lastSeq - a.firstSeq
              : orNaN(a[col]);
      prevFirst = a.firstSeq;
      const cur = bits[0] as bigint;
      buf.writeBigUInt64LE(cur ^ prev, at);
      prev = cur;
      at += 8;
    }
  }
  return deflateRawSync(buf);
}

/** Unpacks a block: (bucket start, aggregate) in minute order. Throws on a malformed block. */
export function decodeBlock(hour: number, data: Buffer): [number, RollupAgg][] {
  const buf = inflateRawSync(data);
  if (buf.readUInt8(0) !== VERSION) throw new Error(`rollup block version ${buf.readUInt8(0)} unknown`);
  const bitmap = buf.readBigUInt64LE(1);
  const buckets: number[] = [];
  for (let i = 0; i < 60; i++) if ((bitmap >> BigInt(i)) & 1n) buckets.push(hour + i * MINUTE_MS);
  const k = buckets.length;
  if (buf.length !== 1 + 8 + k * 8 + k * FLOATS.length * 8)
    throw new Error('rollup block length does not match');
  const out: RollupAgg[] = buckets.map(() => emptyAgg(0));
  let at = 9;
  for (const col of ['cnt', 'n'] as const) {
    for (const a of out) {
      a[col] = buf.readUInt32LE(at);
      at += 4;
    }
  }
  const bits = new BigUint64Array(1);
  const f = new Float64Array(bits.buffer);
  for (const col of FLOATS) {
    let prev = 0n;
    let prevFirst = 0;
    out.forEach((a, i) => {
      prev ^= buf.readBigUInt64LE(at);
      bits[0] = prev;
      const v = f[0] as number;
      if (col === 'lastTs') a.lastTs = Number.isNaN(v) ? null : v + (buckets[i] as number);
      else if (col === 'firstSeq') a.firstSeq = prevFirst + v;
      else if (col === 'lastSeq') a.lastSeq = a.firstSeq + v;
      else a[col] = orNull(v);
      prevFirst = a.firstSeq;
      at += 8;
    });
  }
  return buckets.map((b, i) => [b, out[i] as RollupAgg]);
}
