import { describe, expect, it } from 'vitest';
import { isLinegateError } from '../../core/errors.js';
import type { ByteOrder, DataType, PointDef, RegisterArea } from '../../core/points.js';
import { decodeBits, decodeRegisters } from './decode.js';

/*
 * Golden decode tables. Every row gives the bytes in the order they travel on the wire, written
 * out by hand, and the value worked out by hand. Conventions:
 * - Modbus application protocol v1.1b3 §4.2: big-endian, the high byte of a register goes first,
 *   so a register is (byte0 << 8) | byte1 (this is what `wire()` does, and what modbus-serial does).
 * - Multi-register orders, as in points.ts and in the vendors' "swap words / swap bytes" options
 *   (Kepware, Ignition, Schneider's CDAB floats), named by the order in which the value's bytes
 *   A (most significant) … D reach the wire:
 *     ABCD = A B C D, CDAB = C D A B, BADC = B A D C, DCBA = D C B A.
 *   For 64-bit values (bytes A…H): ABCD = A B C D E F G H, CDAB = G H E F C D A B (registers in
 *   reverse order), BADC = B A D C F E H G, DCBA = H G F E D C B A.
 * - IEEE 754: float32 123.456 = 0x42F6E979, 1.0 = 0x3F800000, -2.5 = 0xC0200000,
 *   NaN = 0x7FC00000, +Inf = 0x7F800000, -Inf = 0xFF800000; float64 1.5 = 0x3FF8000000000000,
 *   π = 0x400921FB54442D18, NaN = 0x7FF8000000000000, -Inf = 0xFFF0000000000000.
 */

/** Hex bytes as on the wire → registers, high byte first (Modbus §4.2). */
function wire(hex: string): number[] {
  const bytes = hex.split(' ').map((h) => Number.parseInt(h, 16));
  const regs: number[] = [];
  for (let i = 0; i < bytes.length; i += 2) regs.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  return regs;
}

function point(type: DataType, order: ByteOrder, extra: Partial<PointDef> = {}): PointDef {
  return { name: `p_${type}`, area: 'holding', address: 100, type, order, scale: 1, offset: 0, ...extra };
}

type Row = [order: ByteOrder, wire: string, expected: number | boolean | string];

describe('decodeRegisters: 16-bit integers (ABCD = CDAB, BADC = DCBA)', () => {
  it.each<Row>([
    ['ABCD', '12 34', 4660], // 0x1234
    ['CDAB', '12 34', 4660],
    ['BADC', '34 12', 4660],
    ['DCBA', '34 12', 4660],
    ['ABCD', 'FF FF', 65535],
    ['BADC', '00 80', 32768], // wire B=00 A=80 → 0x8000
    ['DCBA', 'FF 00', 255], // wire B=FF A=00 → 0x00FF
  ])('uint16 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('uint16', order), wire(bytes))).toBe(expected);
  });

  it.each<Row>([
    ['ABCD', 'FF FF', -1], // 0xFFFF
    ['ABCD', 'FF FE', -2], // 0xFFFE
    ['CDAB', 'FF FE', -2],
    ['BADC', 'FE FF', -2],
    ['DCBA', 'FE FF', -2],
    ['ABCD', '80 00', -32768], // 0x8000
    ['DCBA', '00 80', -32768],
    ['ABCD', '7F FF', 32767],
    ['BADC', 'FF 7F', 32767],
  ])('int16 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('int16', order), wire(bytes))).toBe(expected);
  });
});

describe('decodeRegisters: 32-bit integers', () => {
  it.each<Row>([
    // -2 = 0xFFFFFFFE: A=FF B=FF C=FF D=FE
    ['ABCD', 'FF FF FF FE', -2],
    ['CDAB', 'FF FE FF FF', -2],
    ['BADC', 'FF FF FE FF', -2],
    ['DCBA', 'FE FF FF FF', -2],
    // 305419896 = 0x12345678
    ['ABCD', '12 34 56 78', 305419896],
    ['CDAB', '56 78 12 34', 305419896],
    ['BADC', '34 12 78 56', 305419896],
    ['DCBA', '78 56 34 12', 305419896],
    // -2147483648 = 0x80000000
    ['ABCD', '80 00 00 00', -2147483648],
    ['CDAB', '00 00 80 00', -2147483648],
    ['BADC', '00 80 00 00', -2147483648],
    ['DCBA', '00 00 00 80', -2147483648],
  ])('int32 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('int32', order), wire(bytes))).toBe(expected);
  });

  it.each<Row>([
    ['ABCD', 'FF FF FF FF', 4294967295], // 0xFFFFFFFF, every order alike
    ['DCBA', 'FF FF FF FF', 4294967295],
    ['ABCD', '80 00 00 00', 2147483648], // 0x80000000, unsigned
    // 3735928559 = 0xDEADBEEF
    ['ABCD', 'DE AD BE EF', 3735928559],
    ['CDAB', 'BE EF DE AD', 3735928559],
    ['BADC', 'AD DE EF BE', 3735928559],
    ['DCBA', 'EF BE AD DE', 3735928559],
    // 65536 = 0x00010000: shows which register is the high word
    ['ABCD', '00 01 00 00', 65536],
    ['CDAB', '00 00 00 01', 65536],
    ['BADC', '01 00 00 00', 65536],
    ['DCBA', '00 00 01 00', 65536],
  ])('uint32 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('uint32', order), wire(bytes))).toBe(expected);
  });
});

describe('decodeRegisters: float32', () => {
  it.each<Row>([
    // 123.456 = 0x42F6E979 (the nearest float32, 123.45600128173828)
    ['ABCD', '42 F6 E9 79', Math.fround(123.456)],
    ['CDAB', 'E9 79 42 F6', Math.fround(123.456)],
    ['BADC', 'F6 42 79 E9', Math.fround(123.456)],
    ['DCBA', '79 E9 F6 42', Math.fround(123.456)],
    // 1.0 = 0x3F800000
    ['ABCD', '3F 80 00 00', 1],
    ['CDAB', '00 00 3F 80', 1],
    ['BADC', '80 3F 00 00', 1],
    ['DCBA', '00 00 80 3F', 1],
    // -2.5 = 0xC0200000
    ['ABCD', 'C0 20 00 00', -2.5],
    ['CDAB', '00 00 C0 20', -2.5],
    ['BADC', '20 C0 00 00', -2.5],
    ['DCBA', '00 00 20 C0', -2.5],
    // not finite: returned as is, the scaling step marks them bad
    ['ABCD', '7F C0 00 00', Number.NaN],
    ['CDAB', '00 00 7F C0', Number.NaN],
    ['BADC', '80 7F 00 00', Number.POSITIVE_INFINITY],
    ['DCBA', '00 00 80 FF', Number.NEGATIVE_INFINITY],
  ])('float32 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('float32', order), wire(bytes))).toBe(expected);
  });
});

describe('decodeRegisters: 64-bit', () => {
  it.each<Row>([
    // -2 = 0xFFFFFFFFFFFFFFFE
    ['ABCD', 'FF FF FF FF FF FF FF FE', -2],
    ['CDAB', 'FF FE FF FF FF FF FF FF', -2],
    ['BADC', 'FF FF FF FF FF FF FE FF', -2],
    ['DCBA', 'FE FF FF FF FF FF FF FF', -2],
    // min = 0x8000000000000000 = -2^63 (exact as a double)
    ['ABCD', '80 00 00 00 00 00 00 00', -(2 ** 63)],
    ['CDAB', '00 00 00 00 00 00 80 00', -(2 ** 63)],
    ['BADC', '00 80 00 00 00 00 00 00', -(2 ** 63)],
    ['DCBA', '00 00 00 00 00 00 00 80', -(2 ** 63)],
    // 0x001F2E3D4C5B6A79: eight different bytes, below 2^53 so exact
    ['ABCD', '00 1F 2E 3D 4C 5B 6A 79', 0x1f2e3d4c5b6a79],
    ['CDAB', '6A 79 4C 5B 2E 3D 00 1F', 0x1f2e3d4c5b6a79],
    ['BADC', '1F 00 3D 2E 5B 4C 79 6A', 0x1f2e3d4c5b6a79],
    ['DCBA', '79 6A 5B 4C 3D 2E 1F 00', 0x1f2e3d4c5b6a79],
  ])('int64 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('int64', order), wire(bytes))).toBe(expected);
  });

  it.each<Row>([
    // 2^53 = 0x0020000000000000 = 9007199254740992
    ['ABCD', '00 20 00 00 00 00 00 00', 9007199254740992],
    ['CDAB', '00 00 00 00 00 00 00 20', 9007199254740992],
    ['BADC', '20 00 00 00 00 00 00 00', 9007199254740992],
    ['DCBA', '00 00 00 00 00 00 20 00', 9007199254740992],
    // 2^63 = 0x8000000000000000: positive when unsigned
    ['ABCD', '80 00 00 00 00 00 00 00', 2 ** 63],
    // 2^64 − 1 does not fit a double: it rounds to 2^64 (documented precision loss above 2^53)
    ['CDAB', 'FF FF FF FF FF FF FF FF', 2 ** 64],
    // 2^53 + 1 = 0x0020000000000001 rounds to even, 2^53
    ['ABCD', '00 20 00 00 00 00 00 01', 2 ** 53],
    ['ABCD', '00 1F 2E 3D 4C 5B 6A 79', 0x1f2e3d4c5b6a79],
    ['CDAB', '6A 79 4C 5B 2E 3D 00 1F', 0x1f2e3d4c5b6a79],
    ['BADC', '1F 00 3D 2E 5B 4C 79 6A', 0x1f2e3d4c5b6a79],
    ['DCBA', '79 6A 5B 4C 3D 2E 1F 00', 0x1f2e3d4c5b6a79],
  ])('uint64 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('uint64', order), wire(bytes))).toBe(expected);
  });

  it.each<Row>([
    // 1.5 = 0x3FF8000000000000
    ['ABCD', '3F F8 00 00 00 00 00 00', 1.5],
    ['CDAB', '00 00 00 00 00 00 3F F8', 1.5],
    ['BADC', 'F8 3F 00 00 00 00 00 00', 1.5],
    ['DCBA', '00 00 00 00 00 00 F8 3F', 1.5],
    // π = 0x400921FB54442D18: eight different bytes
    ['ABCD', '40 09 21 FB 54 44 2D 18', Math.PI],
    ['CDAB', '2D 18 54 44 21 FB 40 09', Math.PI],
    ['BADC', '09 40 FB 21 44 54 18 2D', Math.PI],
    ['DCBA', '18 2D 44 54 FB 21 09 40', Math.PI],
    ['ABCD', '7F F8 00 00 00 00 00 00', Number.NaN],
    ['CDAB', '00 00 00 00 00 00 FF F0', Number.NEGATIVE_INFINITY],
    ['BADC', 'F0 7F 00 00 00 00 00 00', Number.POSITIVE_INFINITY],
    ['DCBA', '00 00 00 00 00 00 F8 7F', Number.NaN],
  ])('float64 %s [%s] → %s', (order, bytes, expected) => {
    expect(decodeRegisters(point('float64', order), wire(bytes))).toBe(expected);
  });
});

describe('decodeRegisters: bool and bit', () => {
  it.each<Row>([
    ['ABCD', '00 00', false],
    ['ABCD', '00 01', true],
    ['CDAB', '80 00', true],
    ['BADC', '00 00', false],
    ['BADC', '01 00', true],
    ['DCBA', 'FF FF', true],
  ])('bool %s [%s] → %s (any non-zero register)', (order, bytes, expected) => {
    expect(decodeRegisters(point('bool', order), wire(bytes))).toBe(expected);
  });

  // bit 0 = least significant bit of the register; BADC/DCBA swap the register's bytes first.
  it.each<[ByteOrder, string, number, boolean]>([
    ['ABCD', '00 01', 0, true], // register 0x0001
    ['ABCD', '00 01', 15, false],
    ['ABCD', '80 00', 15, true], // register 0x8000
    ['ABCD', '80 00', 0, false],
    ['ABCD', 'FF FE', 0, false], // 0xFFFE
    ['ABCD', 'FF FE', 1, true],
    ['CDAB', '00 01', 0, true],
    ['CDAB', '80 00', 15, true],
    ['CDAB', '80 00', 0, false],
    ['BADC', '01 00', 0, true], // wire 01 00 → swapped 0x0001
    ['BADC', '00 80', 15, true], // wire 00 80 → swapped 0x8000
    ['BADC', '00 01', 0, false], // wire 00 01 → swapped 0x0100: that is bit 8
    ['BADC', '00 01', 8, true],
    ['DCBA', '01 00', 0, true],
    ['DCBA', '00 80', 15, true],
    ['DCBA', '80 00', 15, false], // swapped 0x0080: bit 7
    ['DCBA', '80 00', 7, true],
  ])('bit %s [%s] bit %i → %s', (order, bytes, bit, expected) => {
    expect(decodeRegisters(point('bit', order, { bit }), wire(bytes))).toBe(expected);
  });
});

describe('decodeRegisters: string', () => {
  // ASCII T=54 K=4B 4=34 S=53 A=41 B=42 C=43 a=61 f=66; latin1 é=E9; space=20
  it.each<[ByteOrder, string, string]>([
    ['ABCD', '54 4B 34 53 00 00', 'TK4S'], // high byte first, NUL padded
    ['CDAB', '54 4B 34 53 00 00', 'TK4S'], // strings have no word order
    ['BADC', '4B 54 53 34 00 00', 'TK4S'], // low byte first
    ['DCBA', '4B 54 53 34 00 00', 'TK4S'],
    ['ABCD', '54 4B 34 00 00 00', 'TK4'], // odd length, NUL inside a register
    ['BADC', '4B 54 00 34 00 00', 'TK4'],
    ['ABCD', '54 4B 34 53 20 20', 'TK4S'], // trailing spaces trimmed
    ['ABCD', '41 42 09 20 00 00', 'AB\t'], // only spaces are trimmed, not a tab (09)
    ['ABCD', '20 41 42 20 00 00', ' AB'], // leading space kept
    ['ABCD', '41 00 42 43 00 00', 'A'], // stops at the first NUL
    ['ABCD', '00 41 42 43 44 45', ''],
    ['ABCD', '43 61 66 E9 00 00', 'Café'], // bytes ≥ 0x80 kept as latin1
    ['BADC', '61 43 E9 66 00 00', 'Café'],
    ['DCBA', '42 41 44 43 46 45', 'ABCDEF'], // no NUL at all
  ])('string %s [%s] → %j', (order, bytes, expected) => {
    expect(decodeRegisters(point('string', order, { length: 3 }), wire(bytes))).toBe(expected);
  });

  it('reads a one-register string when no length is given', () => {
    expect(decodeRegisters(point('string', 'ABCD'), wire('4F 4B'))).toBe('OK');
  });
});

function expectDecodeError(fn: () => unknown, context: Record<string, unknown>): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(isLinegateError(caught, 'LG_DECODE'), String(caught)).toBe(true);
  if (isLinegateError(caught)) expect(caught.context).toMatchObject(context);
}

describe('decodeRegisters: errors', () => {
  it.each<[DataType, number[]]>([
    ['float32', [0x42f6]],
    ['float32', [0x42f6, 0xe979, 0]],
    ['int16', []],
    ['uint64', [0, 0, 0]],
    ['float64', [0, 0, 0, 0, 0]],
  ])('%s with %j registers: wrong register count', (type, regs) => {
    expectDecodeError(() => decodeRegisters(point(type, 'ABCD'), regs), {
      point: `p_${type}`,
      got: regs.length,
    });
  });

  it('string with a wrong register count', () => {
    expectDecodeError(() => decodeRegisters(point('string', 'ABCD', { length: 4 }), wire('41 42 43 44')), {
      expected: 4,
      got: 2,
    });
  });

  it.each([65536, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('register value %s is refused', (bad) => {
    expectDecodeError(() => decodeRegisters(point('int32', 'ABCD'), [0, bad]), {
      point: 'p_int32',
      index: 1,
    });
  });

  it.each([undefined, 16, -1, 1.5])('bit point with bit index %s is refused', (bit) => {
    expectDecodeError(() => decodeRegisters(point('bit', 'ABCD', { bit }), [1]), { point: 'p_bit' });
  });

  it('refuses a coil point', () => {
    expectDecodeError(() => decodeRegisters(point('bool', 'ABCD', { area: 'coil' }), [1]), { area: 'coil' });
  });
});

describe('decodeBits', () => {
  const coil = (area: RegisterArea): PointDef => point('bool', 'ABCD', { name: 'run', area });

  it.each<[RegisterArea, boolean]>([
    ['coil', true],
    ['coil', false],
    ['discrete', true],
    ['discrete', false],
  ])('%s bit %s', (area, bit) => {
    expect(decodeBits(coil(area), [bit])).toBe(bit);
  });

  it.each([[[]], [[true, false]]])('refuses %j (one bit expected)', (bits) => {
    expectDecodeError(() => decodeBits(coil('coil'), bits), { point: 'run', got: bits.length });
  });

  it('refuses a value that is not a boolean', () => {
    expectDecodeError(() => decodeBits(coil('discrete'), [1 as unknown as boolean]), { value: 1 });
  });

  it('refuses a register point', () => {
    expectDecodeError(() => decodeBits(point('bool', 'ABCD'), [true]), { area: 'holding' });
  });
});
