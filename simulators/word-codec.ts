/**
 * The simulator's own register encoders and decoders.
 *
 * Deliberately independent of gateway/sources and gateway/pipeline: if the gateway's decoder had a
 * bug, a shared implementation would make the simulator agree with it and the bug would never show
 * (see ARCHITECTURE.md, "simulators never import the gateway's decoders").
 *
 * Byte order names follow gateway/core/points.ts: the order in which the bytes A (most significant)
 * … D reach the wire. ABCD = big-endian, high word first; CDAB = low word first ("word swap");
 * BADC = bytes swapped inside each register; DCBA = fully little-endian. For 64-bit values the same
 * rule covers four registers; for 16-bit values only the byte swap matters.
 */

export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';

export type NumericType =
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'float32'
  | 'float64';

const BYTES: Readonly<Record<NumericType, number>> = {
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  uint64: 8,
  float32: 4,
  float64: 8,
};

export function isNumericType(type: string): type is NumericType {
  return Object.hasOwn(BYTES, type);
}

export function isFloatType(type: NumericType): boolean {
  return type === 'float32' || type === 'float64';
}

/** Registers a numeric type occupies. */
export function registersOf(type: NumericType): number {
  return BYTES[type] / 2;
}

const swapsWords = (order: WordOrder): boolean => order === 'CDAB' || order === 'DCBA';
const swapsBytes = (order: WordOrder): boolean => order === 'BADC' || order === 'DCBA';

/** Big-endian bytes → registers in the given order. */
function bytesToWords(bytes: Uint8Array, order: WordOrder): number[] {
  const words: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) {
    const hi = bytes[i] ?? 0;
    const lo = bytes[i + 1] ?? 0;
    words.push(swapsBytes(order) ? (lo << 8) | hi : (hi << 8) | lo);
  }
  return swapsWords(order) ? words.reverse() : words;
}

/** Registers in the given order → big-endian bytes. */
function wordsToBytes(words: readonly number[], order: WordOrder): Uint8Array {
  const ordered = swapsWords(order) ? [...words].reverse() : [...words];
  const bytes = new Uint8Array(ordered.length * 2);
  ordered.forEach((w, i) => {
    const hi = (w >> 8) & 0xff;
    const lo = w & 0xff;
    bytes[2 * i] = swapsBytes(order) ? lo : hi;
    bytes[2 * i + 1] = swapsBytes(order) ? hi : lo;
  });
  return bytes;
}

function toBigInt(raw: number | bigint): bigint {
  if (typeof raw === 'bigint') return raw;
  return Number.isFinite(raw) ? BigInt(Math.round(raw)) : 0n;
}

function toInt(raw: number | bigint): number {
  if (typeof raw === 'bigint') return Number(raw);
  return Number.isFinite(raw) ? Math.round(raw) : 0;
}

/**
 * Encode a raw (already scaled) value into registers. Integer types wrap modulo 2^bits the way a
 * PLC register does (a 16-bit counter at 65536 reads 0); floats are stored as they are.
 */
export function encodeNumber(type: NumericType, raw: number | bigint, order: WordOrder): number[] {
  const view = new DataView(new ArrayBuffer(BYTES[type]));
  switch (type) {
    case 'int16':
      view.setInt16(0, toInt(raw));
      break;
    case 'uint16':
      view.setUint16(0, toInt(raw));
      break;
    case 'int32':
      view.setInt32(0, toInt(raw));
      break;
    case 'uint32':
      view.setUint32(0, toInt(raw));
      break;
    case 'int64':
      view.setBigInt64(0, BigInt.asIntN(64, toBigInt(raw)));
      break;
    case 'uint64':
      view.setBigUint64(0, BigInt.asUintN(64, toBigInt(raw)));
      break;
    case 'float32':
      view.setFloat32(0, Number(raw));
      break;
    case 'float64':
      view.setFloat64(0, Number(raw));
      break;
  }
  return bytesToWords(new Uint8Array(view.buffer), order);
}

/** Decode registers into a raw value (64-bit integers come back as bigint). */
export function decodeNumber(type: NumericType, words: readonly number[], order: WordOrder): number | bigint {
  if (words.length !== registersOf(type)) {
    throw new RangeError(`${type} needs ${registersOf(type)} registers, got ${words.length}`);
  }
  const view = new DataView(wordsToBytes(words, order).buffer);
  switch (type) {
    case 'int16':
      return view.getInt16(0);
    case 'uint16':
      return view.getUint16(0);
    case 'int32':
      return view.getInt32(0);
    case 'uint32':
      return view.getUint32(0);
    case 'int64':
      return view.getBigInt64(0);
    case 'uint64':
      return view.getBigUint64(0);
    case 'float32':
      return view.getFloat32(0);
    case 'float64':
      return view.getFloat64(0);
  }
}

/**
 * Encode text into `length` registers, two characters each, NUL-padded. ABCD/CDAB put the first
 * character in the high byte of each register; BADC/DCBA in the low byte (gateway/core/points.ts).
 * Characters outside Latin-1 are replaced by '?'.
 */
export function encodeString(text: string, length: number, order: WordOrder): number[] {
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    const a = charByte(text, 2 * i);
    const b = charByte(text, 2 * i + 1);
    words.push(swapsBytes(order) ? (b << 8) | a : (a << 8) | b);
  }
  return words;
}

function charByte(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (Number.isNaN(code)) return 0;
  return code > 0xff ? 0x3f : code;
}

/** Decode a string, dropping trailing NULs and spaces. */
export function decodeString(words: readonly number[], order: WordOrder): string {
  let out = '';
  for (const w of words) {
    const hi = (w >> 8) & 0xff;
    const lo = w & 0xff;
    const [first, second] = swapsBytes(order) ? [lo, hi] : [hi, lo];
    out += String.fromCharCode(first, second);
  }
  return out.replace(/[\0 ]+$/u, '');
}

/** Set or clear bit `bit` (0 = least significant) of a 16-bit register value. */
export function withBit(word: number, bit: number, on: boolean): number {
  const mask = 1 << bit;
  return (on ? word | mask : word & ~mask) & 0xffff;
}

export function bitOf(word: number, bit: number): boolean {
  return ((word >> bit) & 1) === 1;
}

/** Every spelling of a byte order that profiles may use (config/point-schema.ts aliases). */
const ORDER_ALIASES: Readonly<Record<string, WordOrder>> = {
  ABCD: 'ABCD',
  AB: 'ABCD',
  big: 'ABCD',
  'big-endian': 'ABCD',
  BE: 'ABCD',
  'high-word-first': 'ABCD',
  CDAB: 'CDAB',
  'word-swap': 'CDAB',
  'low-word-first': 'CDAB',
  'little-endian-word-swap': 'CDAB',
  BADC: 'BADC',
  BA: 'BADC',
  'byte-swap': 'BADC',
  DCBA: 'DCBA',
  little: 'DCBA',
  'little-endian': 'DCBA',
  LE: 'DCBA',
};

export function parseWordOrder(text: string | undefined): WordOrder | undefined {
  if (text === undefined) return undefined;
  return ORDER_ALIASES[text];
}
