import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeNumber,
  decodeString,
  encodeNumber,
  encodeString,
  type NumericType,
  parseWordOrder,
  type WordOrder,
  withBit,
} from './word-codec.js';

// Golden values written by hand from the IEEE-754 / two's-complement bit patterns, not computed
// by the code under test.
describe('encodeNumber golden values', () => {
  it('float32 123.456 = 0x42F6E979 in all four orders', () => {
    expect(encodeNumber('float32', 123.456, 'ABCD')).toEqual([0x42f6, 0xe979]);
    expect(encodeNumber('float32', 123.456, 'CDAB')).toEqual([0xe979, 0x42f6]);
    expect(encodeNumber('float32', 123.456, 'BADC')).toEqual([0xf642, 0x79e9]);
    expect(encodeNumber('float32', 123.456, 'DCBA')).toEqual([0x79e9, 0xf642]);
  });

  it('float32 1.0 = 0x3F800000 and -2.5 = 0xC0200000', () => {
    expect(encodeNumber('float32', 1, 'ABCD')).toEqual([0x3f80, 0x0000]);
    expect(encodeNumber('float32', -2.5, 'CDAB')).toEqual([0x0000, 0xc020]);
  });

  it('uint32 0x12345678 in all four orders', () => {
    expect(encodeNumber('uint32', 0x12345678, 'ABCD')).toEqual([0x1234, 0x5678]);
    expect(encodeNumber('uint32', 0x12345678, 'CDAB')).toEqual([0x5678, 0x1234]);
    expect(encodeNumber('uint32', 0x12345678, 'BADC')).toEqual([0x3412, 0x7856]);
    expect(encodeNumber('uint32', 0x12345678, 'DCBA')).toEqual([0x7856, 0x3412]);
  });

  it('int16 and int32 negatives are two’s complement', () => {
    expect(encodeNumber('int16', -1, 'ABCD')).toEqual([0xffff]);
    expect(encodeNumber('int16', -1999, 'ABCD')).toEqual([0xf831]);
    expect(encodeNumber('int16', 0x1234, 'BADC')).toEqual([0x3412]);
    expect(encodeNumber('int16', 0x1234, 'CDAB')).toEqual([0x1234]);
    expect(encodeNumber('int32', -2, 'ABCD')).toEqual([0xffff, 0xfffe]);
    expect(encodeNumber('int32', -2, 'CDAB')).toEqual([0xfffe, 0xffff]);
  });

  it('64-bit values over four registers', () => {
    const v = 0x0102030405060708n;
    expect(encodeNumber('uint64', v, 'ABCD')).toEqual([0x0102, 0x0304, 0x0506, 0x0708]);
    expect(encodeNumber('uint64', v, 'CDAB')).toEqual([0x0708, 0x0506, 0x0304, 0x0102]);
    expect(encodeNumber('uint64', v, 'BADC')).toEqual([0x0201, 0x0403, 0x0605, 0x0807]);
    expect(encodeNumber('uint64', v, 'DCBA')).toEqual([0x0807, 0x0605, 0x0403, 0x0201]);
    expect(encodeNumber('int64', -1n, 'ABCD')).toEqual([0xffff, 0xffff, 0xffff, 0xffff]);
    expect(encodeNumber('float64', 1, 'ABCD')).toEqual([0x3ff0, 0, 0, 0]);
    expect(encodeNumber('float64', 1, 'CDAB')).toEqual([0, 0, 0, 0x3ff0]);
  });

  it('integers wrap like PLC registers', () => {
    expect(encodeNumber('uint16', 65536, 'ABCD')).toEqual([0]);
    expect(encodeNumber('uint16', 65537, 'ABCD')).toEqual([1]);
    expect(encodeNumber('uint32', 2 ** 32 + 5, 'CDAB')).toEqual([5, 0]);
    expect(encodeNumber('int16', 40000, 'ABCD')).toEqual([40000]);
    expect(decodeNumber('int16', [40000], 'ABCD')).toBe(40000 - 65536);
  });
});

describe('strings and bits', () => {
  it('two characters per register, high byte first for ABCD, low byte first for BADC', () => {
    expect(encodeString('TK4S', 3, 'ABCD')).toEqual([0x544b, 0x3453, 0x0000]);
    expect(encodeString('TK4S', 3, 'BADC')).toEqual([0x4b54, 0x5334, 0x0000]);
    expect(encodeString('ABCDEF', 2, 'ABCD')).toEqual([0x4142, 0x4344]);
    expect(decodeString([0x544b, 0x3453, 0x0000], 'ABCD')).toBe('TK4S');
    expect(decodeString([0x4b54, 0x5334, 0x2020], 'DCBA')).toBe('TK4S');
  });

  it('sets and clears one bit', () => {
    expect(withBit(0, 9, true)).toBe(0x0200);
    expect(withBit(0xffff, 0, false)).toBe(0xfffe);
    expect(withBit(0x0208, 3, false)).toBe(0x0200);
  });

  it('knows the order aliases of the profile schema', () => {
    expect(parseWordOrder('word-swap')).toBe('CDAB');
    expect(parseWordOrder('little-endian')).toBe('DCBA');
    expect(parseWordOrder('byte-swap')).toBe('BADC');
    expect(parseWordOrder('big')).toBe('ABCD');
    expect(parseWordOrder('sideways')).toBeUndefined();
  });
});

describe('round trips', () => {
  const orders: WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];
  const ranges: [NumericType, number, number][] = [
    ['int16', -32768, 32767],
    ['uint16', 0, 65535],
    ['int32', -2147483648, 2147483647],
    ['uint32', 0, 4294967295],
  ];

  it.each(orders)('integers survive encode → decode in %s', (order) => {
    for (const [type, min, max] of ranges) {
      fc.assert(
        fc.property(
          fc.integer({ min, max }),
          (v) => decodeNumber(type, encodeNumber(type, v, order), order) === v,
        ),
      );
    }
  });

  it.each(orders)('floats and 64-bit integers survive encode → decode in %s', (order) => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (v) => {
        return Object.is(decodeNumber('float64', encodeNumber('float64', v, order), order), v);
      }),
    );
    fc.assert(
      fc.property(fc.float({ noNaN: true }), (v) => {
        return Object.is(decodeNumber('float32', encodeNumber('float32', v, order), order), v);
      }),
    );
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        return decodeNumber('int64', encodeNumber('int64', v, order), order) === v;
      }),
    );
  });
});
