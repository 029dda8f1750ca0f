/**
 * Pure decoding of Modbus registers and bits into raw point values. No I/O.
 *
 * Wire convention: Modbus application protocol v1.1b3 §4.2, "MODBUS uses a 'big-Endian'
 * representation for addresses and data items": the high byte of a register is sent first, and
 * modbus-serial hands us each register as (byte0 << 8) | byte1. How a value wider than one
 * register is spread over several is a vendor convention; points.ts names the four orders
 * (ABCD, CDAB, BADC, DCBA) by the order in which the value's bytes reach the wire.
 *
 * Calling rules: `regs` are exactly the point's registers (pointWidth(point) of them), as read;
 * the `…At` variants take a whole answer and the point's offset in it instead (the poll's path).
 * Floats may decode to NaN or ±Infinity; they are returned as they are and the caller (scaling)
 * marks them bad. Anything that cannot be a register read throws LinegateError('LG_DECODE').
 */
import { LinegateError } from '../../core/errors.js';
import { type ByteOrder, type DataType, isBitArea, type PointDef, pointWidth } from '../../core/points.js';

export type RawValue = number | boolean | string;

type Decoder = (bytes: Buffer, point: PointDef) => RawValue;

/** canonicalBytes' buffer for numeric types (≤ 4 registers); see there. */
const SCRATCH = Buffer.alloc(8);

/**
 * One decoder per data type; each reads big-endian bytes (A first) that `canonicalBytes` has
 * already put in order. 64-bit integers go through BigInt and then Number: above 2^53 the
 * result is rounded to the nearest double (e.g. uint64 2^64 − 1 reads as 2^64). Counters that
 * large do not occur on the machines we read; a value that needs every bit is not a number here.
 */
const DECODERS: Readonly<Record<DataType, Decoder>> = {
  bool: (b) => b.readUInt16BE(0) !== 0,
  bit: (b, p) => ((b.readUInt16BE(0) >> bitIndex(p)) & 1) === 1,
  int16: (b) => b.readInt16BE(0),
  uint16: (b) => b.readUInt16BE(0),
  int32: (b) => b.readInt32BE(0),
  uint32: (b) => b.readUInt32BE(0),
  float32: (b) => b.readFloatBE(0),
  int64: (b) => Number(b.readBigInt64BE(0)),
  uint64: (b) => Number(b.readBigUInt64BE(0)),
  float64: (b) => b.readDoubleBE(0),
  string: decodeString,
};

/** Decodes the registers of a holding/input point. */
export function decodeRegisters(point: PointDef, regs: readonly number[]): RawValue {
  const width = checkRegisterPoint(point);
  if (regs.length !== width) {
    throw decodeError(point, `(${point.type}) needs ${width} registers, got ${regs.length}`, {
      expected: width,
      got: regs.length,
    });
  }
  return decodeAt(point, regs, 0, width);
}

/**
 * decodeRegisters on the point's registers where they sit in a request's answer: `data[from]`
 * onwards, without copying them out. Throws LG_DECODE when `data` does not hold them all.
 */
export function decodeRegistersAt(point: PointDef, data: readonly number[], from: number): RawValue {
  const width = checkRegisterPoint(point);
  if (!Number.isInteger(from) || from < 0 || from + width > data.length) {
    throw decodeError(
      point,
      `(${point.type}) needs ${width} registers at ${from}, the answer holds ${data.length}`,
      {
        expected: width,
        from,
        got: data.length,
      },
    );
  }
  return decodeAt(point, data, from, width);
}

function decodeAt(point: PointDef, data: readonly number[], from: number, width: number): RawValue {
  for (let i = 0; i < width; i++) {
    const reg = data[from + i];
    if (!Number.isInteger(reg) || (reg as number) < 0 || (reg as number) > 0xffff) {
      throw decodeError(point, `register ${i} is ${String(reg)}, not an integer 0..65535`, {
        index: i,
        value: reg,
      });
    }
  }
  return DECODERS[point.type](canonicalBytes(point, data, from, width), point);
}

/**
 * Decodes the bits of a coil/discrete point (FC1/FC2). A bit point is one bit wide; modbus-serial
 * gives a boolean per bit.
 */
export function decodeBits(point: PointDef, bits: readonly boolean[]): boolean {
  const width = checkBitPoint(point);
  if (bits.length !== width) {
    throw decodeError(point, `needs ${width} bit, got ${bits.length}`, { expected: width, got: bits.length });
  }
  return bitAt(point, bits, 0);
}

/** decodeBits on the point's bit where it sits in a request's answer (`data[from]`), no copy. */
export function decodeBitsAt(point: PointDef, data: readonly boolean[], from: number): boolean {
  const width = checkBitPoint(point);
  if (!Number.isInteger(from) || from < 0 || from + width > data.length) {
    throw decodeError(point, `needs ${width} bit at ${from}, the answer holds ${data.length}`, {
      expected: width,
      from,
      got: data.length,
    });
  }
  return bitAt(point, data, from);
}

function checkBitPoint(point: PointDef): number {
  if (!isBitArea(point.area)) {
    throw decodeError(point, `is a ${point.area} register point: decode it with decodeRegisters`, {
      area: point.area,
    });
  }
  return pointWidth(point);
}

function bitAt(point: PointDef, data: readonly boolean[], from: number): boolean {
  const bit = data[from];
  if (typeof bit !== 'boolean') {
    throw decodeError(point, `got ${String(bit)} where a bit (true/false) was expected`, { value: bit });
  }
  return bit;
}

/** True when the order swaps the two bytes inside each register (BADC, DCBA). */
function swapsBytes(order: ByteOrder): boolean {
  return order === 'BADC' || order === 'DCBA';
}

/** True when the order sends the low word first (CDAB, DCBA): the registers come reversed. */
function swapsWords(order: ByteOrder): boolean {
  return order === 'CDAB' || order === 'DCBA';
}

/**
 * Lays the registers out as the value's bytes, most significant first (A B C D …).
 * Word order is undone by reversing the registers (for 64-bit values too: CDAB means the four
 * registers arrive lowest first, bytes big-endian in each); byte order by swapping the two bytes
 * of every register. Strings have no word order: their registers are always read first to last.
 */
function canonicalBytes(point: PointDef, data: readonly number[], from: number, n: number): Buffer {
  // Numbers are at most 4 registers and read at offset 0 before the next decode: one scratch
  // buffer serves them all (no allocation per value). Strings get their own, of their length.
  const bytes = point.type === 'string' || n > 4 ? Buffer.allocUnsafe(n * 2) : SCRATCH;
  const reverse = point.type !== 'string' && swapsWords(point.order);
  const swap = swapsBytes(point.order); // writing a register little-endian swaps its two bytes
  for (let i = 0; i < n; i++) {
    const reg = data[from + (reverse ? n - 1 - i : i)] ?? 0;
    if (swap) bytes.writeUInt16LE(reg, i * 2);
    else bytes.writeUInt16BE(reg, i * 2);
  }
  return bytes;
}

/** Two characters per register, read as latin1; stops at the first NUL and drops trailing spaces. */
function decodeString(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return bytes.toString('latin1', 0, nul === -1 ? bytes.length : nul).replace(/ +$/, '');
}

function bitIndex(point: PointDef): number {
  const bit = point.bit;
  if (bit === undefined || !Number.isInteger(bit) || bit < 0 || bit > 15) {
    throw decodeError(point, `has type bit but no bit index 0..15 (got ${String(bit)})`, { bit });
  }
  return bit;
}

/** Checks that the point is a register point of a valid width; returns the width. */
function checkRegisterPoint(point: PointDef): number {
  if (isBitArea(point.area)) {
    throw decodeError(point, `is a ${point.area} point: decode it with decodeBits`, { area: point.area });
  }
  const width = pointWidth(point);
  if (!Number.isInteger(width) || width < 1) {
    throw decodeError(point, `has an invalid width of ${width} registers`, { length: point.length });
  }
  return width;
}

function decodeError(point: PointDef, what: string, context: Record<string, unknown>): LinegateError {
  return new LinegateError('LG_DECODE', `point "${point.name}" ${what}`, {
    point: point.name,
    area: point.area,
    address: point.address,
    type: point.type,
    ...context,
  });
}
