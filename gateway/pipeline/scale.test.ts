import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scaledValue, toEngineering } from './scale.js';

const p = (scale: number, offset = 0) => ({ scale, offset });

describe('toEngineering', () => {
  it.each([
    // [raw, scale, offset, expected] — expected worked out by hand in decimal
    [253, 0.1, 0, 25.3],
    [3, 0.1, 0, 0.3], // 0.30000000000000004 in doubles
    [6523, 0.01, -40, 25.23], // 25.230000000000004 in doubles
    [-2, 0.5, 0, -1],
    [1, 1 / 3, 0, 0.333333333333],
    [2731, 0.1, -273.15, -0.05], // cancellation: -0.049999999999954525 in doubles
    [100001, 0.01, -1000, 0.01], // cancellation: plain toPrecision(12) would leave 0.00999999999999
    [3, 0.1, -0.3, 0], // 5.55e-17 is noise, not a value
    [1234, 1, 0.5, 1234.5],
    [65535, 0.001, 0, 65.535],
  ])('%s × %s + %s = %s', (raw, scale, offset, expected) => {
    expect(toEngineering(p(scale, offset), raw)).toEqual({ value: expected, quality: 'good' });
  });

  it('keeps integers exact with scale 1 and offset 0, beyond 12 digits', () => {
    expect(toEngineering(p(1), 123456789012345)).toEqual({ value: 123456789012345, quality: 'good' });
    expect(toEngineering(p(1), 2 ** 53)).toEqual({ value: 2 ** 53, quality: 'good' });
    expect(toEngineering(p(1), 0.1 + 0.2).value).toBe(0.1 + 0.2); // untouched, not rounded
  });

  it('keeps integer arithmetic exact (integer raw, scale and offset)', () => {
    expect(toEngineering(p(10, 1), 123456789012345)).toEqual({ value: 1234567890123451, quality: 'good' });
    expect(toEngineering(p(-1, 0), 4294967295)).toEqual({ value: -4294967295, quality: 'good' });
  });

  it('returns plain 0, never -0', () => {
    expect(Object.is(toEngineering(p(-1), 0).value, 0)).toBe(true);
    expect(Object.is(toEngineering(p(-0.5), 0).value, 0)).toBe(true);
    expect(Object.is(toEngineering(p(1), -0).value, 0)).toBe(true);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('raw %s is bad', (raw) => {
    expect(toEngineering(p(1), raw)).toEqual({ value: null, quality: 'bad' });
    expect(toEngineering(p(0.1, 5), raw)).toEqual({ value: null, quality: 'bad' });
  });

  it('an overflow of the scaling is bad', () => {
    expect(toEngineering(p(10), 1e308)).toEqual({ value: null, quality: 'bad' });
    expect(toEngineering(p(0.5, Number.NaN), 3)).toEqual({ value: null, quality: 'bad' });
  });

  it('passes booleans and strings through unchanged', () => {
    expect(toEngineering(p(0.1, 7), true)).toEqual({ value: true, quality: 'good' });
    expect(toEngineering(p(0.1, 7), false)).toEqual({ value: false, quality: 'good' });
    expect(toEngineering(p(0.1, 7), 'TK4S')).toEqual({ value: 'TK4S', quality: 'good' });
    expect(toEngineering(p(0.1, 7), '')).toEqual({ value: '', quality: 'good' });
  });

  it('stays within 1e-11 of the exact result, relative to the largest term', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 32 }),
        fc.constantFrom(0.001, 0.01, 0.1, 0.5, 2.5, 1 / 3, 10),
        fc.constantFrom(0, -40, -273.15, 1000, 0.5),
        (raw, scale, offset) => {
          const { value, quality } = toEngineering(p(scale, offset), raw);
          expect(quality).toBe('good');
          const exact = raw * scale + offset;
          const largest = Math.max(Math.abs(raw * scale), Math.abs(offset), 1e-300);
          expect(Math.abs((value as number) - exact) / largest).toBeLessThan(1e-11);
        },
      ),
    );
  });

  it('a decimal scale gives the decimal result (raw × 10^-k)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -99999999, max: 99999999 }), fc.integer({ min: 1, max: 3 }), (raw, k) => {
        // The decimal string of raw with k digits after the point, built by hand from the digits.
        const digits = Math.abs(raw)
          .toString()
          .padStart(k + 1, '0');
        const text = `${raw < 0 ? '-' : ''}${digits.slice(0, -k)}.${digits.slice(-k)}`;
        expect(toEngineering(p(10 ** -k), raw).value).toBe(Number(text) === 0 ? 0 : Number(text));
      }),
    );
  });
});

describe('scaledValue (the poll path: the value alone, null for bad)', () => {
  it('is exactly toEngineering: null where it is bad, its value where it is good', () => {
    const raw = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 0, 2 ** 53, 1e308),
      fc.boolean(),
      fc.string({ maxLength: 4 }),
    );
    const scale = fc.oneof(fc.constantFrom(1, -1, 0.1, 10, -0.5, 1 / 3, Number.NaN), fc.double());
    const offset = fc.oneof(fc.constantFrom(0, -40, -273.15, 0.5, 1e308), fc.double());
    fc.assert(
      fc.property(raw, scale, offset, (r, s, o) => {
        const e = toEngineering(p(s, o), r);
        const v = scaledValue(p(s, o), r);
        expect(e.quality).toBe(v === null ? 'bad' : 'good');
        expect(Object.is(e.value, v)).toBe(true);
      }),
    );
  });
});
