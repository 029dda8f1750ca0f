import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { numberText } from './number-text.js';

const intl = {
  vi: new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 2 }),
  en: new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }),
};

describe('numberText', () => {
  it('prints Vietnamese and English numbers', () => {
    expect(numberText(1234.5, 'vi')).toBe('1.234,5');
    expect(numberText(1234.5, 'en')).toBe('1,234.5');
    expect(numberText(-12345678.9, 'vi')).toBe('-12.345.678,9');
    expect(numberText(85, 'vi')).toBe('85');
    expect(numberText(0.1 + 0.2, 'en')).toBe('0.3');
  });

  it('rounds as Intl does: half away from zero on the shortest decimal form', () => {
    expect(numberText(1.005, 'en')).toBe('1.01');
    expect(numberText(2.675, 'en')).toBe('2.68');
    expect(numberText(999.995, 'vi')).toBe('1.000');
    expect(numberText(0.005, 'en')).toBe('0.01');
    expect(numberText(0.0049, 'en')).toBe('0');
    expect(numberText(-0.001, 'en')).toBe('-0');
  });

  it('prints what Intl prints, edge cases included', () => {
    const edges = [0, -0, 1e21, 1.5e22, -1e21, 2 ** 53 + 2, 5e-7, 1e-7, 123456.785, NaN, Infinity, -Infinity];
    for (const v of edges) {
      expect(numberText(v, 'vi')).toBe(intl.vi.format(v));
      expect(numberText(v, 'en')).toBe(intl.en.format(v));
    }
  });

  it('prints what Intl prints for any double, and for values with few decimals', () => {
    const values = fc.oneof(
      fc.double({ noNaN: true }),
      fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 1000),
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 100 + 0.005),
    );
    fc.assert(
      fc.property(values, fc.constantFrom('vi' as const, 'en' as const), (v, lang) => {
        expect(numberText(v, lang)).toBe(intl[lang].format(v));
      }),
      { numRuns: 5000 },
    );
  });
});
