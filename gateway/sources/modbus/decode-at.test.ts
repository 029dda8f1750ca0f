import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLinegateError } from '../../core/errors.js';
import type { ByteOrder, DataType, PointDef } from '../../core/points.js';
import { pointWidth } from '../../core/points.js';
import { decodeBits, decodeBitsAt, decodeRegisters, decodeRegistersAt } from './decode.js';

/*
 * The poll decodes each point where it sits in the request's answer (decodeRegistersAt /
 * decodeBitsAt) instead of copying its registers out first. These tests hold the in-place
 * variants to the copying ones (whose golden tables are in decode.test.ts) and to an independent
 * reference (DataView over the bytes laid out by hand), with decodes of different widths
 * interleaved: the numeric decoders share one scratch buffer, and a value left in it by a wider
 * decode must never show through in a narrower one.
 */

const ORDERS: readonly ByteOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];
const NUMERIC: readonly DataType[] = [
  'int16',
  'uint16',
  'int32',
  'uint32',
  'float32',
  'float64',
  'int64',
  'uint64',
];

function point(type: DataType, order: ByteOrder, address = 0): PointDef {
  return { name: `p_${type}`, area: 'holding', address, type, order, scale: 1, offset: 0 };
}

/** The value's bytes A… from the registers as they came, by hand: undo word order, then bytes. */
function reference(type: DataType, order: ByteOrder, regs: readonly number[]): number {
  const words = order === 'CDAB' || order === 'DCBA' ? [...regs].reverse() : [...regs];
  const bytes = new Uint8Array(words.length * 2);
  words.forEach((w, i) => {
    const [hi, lo] = [(w >> 8) & 0xff, w & 0xff];
    const swap = order === 'BADC' || order === 'DCBA';
    bytes[2 * i] = swap ? lo : hi;
    bytes[2 * i + 1] = swap ? hi : lo;
  });
  const v = new DataView(bytes.buffer);
  switch (type) {
    case 'int16':
      return v.getInt16(0);
    case 'uint16':
      return v.getUint16(0);
    case 'int32':
      return v.getInt32(0);
    case 'uint32':
      return v.getUint32(0);
    case 'float32':
      return v.getFloat32(0);
    case 'float64':
      return v.getFloat64(0);
    case 'int64':
      return Number(v.getBigInt64(0));
    default:
      return Number(v.getBigUint64(0));
  }
}

const same = (a: unknown, b: unknown) => Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));

describe('decodeRegistersAt: in place, as decodeRegisters on the copied registers', () => {
  it('gives the reference value at any offset, decodes of all widths interleaved', () => {
    const decode = fc.record({
      type: fc.constantFrom(...NUMERIC),
      order: fc.constantFrom(...ORDERS),
      before: fc.integer({ min: 0, max: 6 }),
      answer: fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 12, maxLength: 12 }),
    });
    fc.assert(
      fc.property(fc.array(decode, { minLength: 1, maxLength: 12 }), (decodes) => {
        for (const { type, order, before, answer } of decodes) {
          const p = point(type, order, before);
          const regs = answer.slice(before, before + pointWidth(p));
          const expected = reference(type, order, regs);
          expect(same(decodeRegistersAt(p, answer, before), expected)).toBe(true);
          expect(same(decodeRegisters(p, regs), expected)).toBe(true);
        }
      }),
    );
  });

  it('a narrow value after a wide one is not coloured by it', () => {
    const wide = point('float64', 'ABCD');
    const narrow = point('uint16', 'ABCD');
    expect(decodeRegistersAt(wide, [0xffff, 0xffff, 0xffff, 0xffff], 0)).toBeNaN();
    expect(decodeRegistersAt(narrow, [7, 0x1234], 1)).toBe(0x1234);
    expect(decodeRegistersAt(point('int32', 'CDAB'), [0, 0, 1, 0], 2)).toBe(1);
  });

  it('strings in place stop at the first NUL, as copied', () => {
    const p: PointDef = { ...point('string', 'ABCD', 1), length: 2 };
    const answer = [0x5858, 0x4f4b, 0x2000, 0x5959];
    expect(decodeRegistersAt(p, answer, 1)).toBe('OK');
    expect(decodeRegisters(p, answer.slice(1, 3))).toBe('OK');
  });

  it('refuses registers the answer does not hold, and values that are not registers', () => {
    const p = point('float32', 'ABCD');
    for (const from of [-1, 3, 1.5]) {
      let err: unknown;
      try {
        decodeRegistersAt(p, [1, 2, 3, 4], from);
      } catch (e) {
        err = e;
      }
      expect(isLinegateError(err, 'LG_DECODE')).toBe(true);
    }
    expect(() => decodeRegistersAt(p, [1, 2, 70000], 1)).toThrow(/register 1 is 70000/);
    expect(() => decodeRegistersAt(point('int16', 'ABCD'), [1, -1], 1)).toThrow(/register 0 is -1/);
  });
});

describe('decodeBitsAt', () => {
  const coil: PointDef = {
    name: 'c',
    area: 'coil',
    address: 0,
    type: 'bool',
    order: 'ABCD',
    scale: 1,
    offset: 0,
  };

  it('reads the bit at its offset, as decodeBits on the copied bit', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 40 }), fc.nat(), (bits, i) => {
        const from = i % bits.length;
        expect(decodeBitsAt(coil, bits, from)).toBe(bits[from]);
        expect(decodeBits(coil, bits.slice(from, from + 1))).toBe(bits[from]);
      }),
    );
  });

  it('refuses a bit outside the answer, a non-boolean, and a register point', () => {
    expect(() => decodeBitsAt(coil, [true], 1)).toThrow(/needs 1 bit at 1/);
    expect(() => decodeBitsAt(coil, [1 as unknown as boolean], 0)).toThrow(/where a bit/);
    expect(() => decodeBitsAt(point('bool', 'ABCD'), [true], 0)).toThrow(/decodeRegisters/);
  });
});
