/**
 * Raw value → engineering value: value = raw × scale + offset (numeric points only). Pure.
 */
import type { PointDef } from '../core/points.js';

export interface EngineeringValue {
  readonly value: number | boolean | string | null;
  readonly quality: 'good' | 'bad';
}

/**
 * Significant digits kept when the arithmetic is not exact. A double carries 15–17; one multiply
 * and one add leave noise in the last two or three (0.1 × 253 = 25.300000000000004).
 */
const SIGNIFICANT_DIGITS = 12;

const BAD: EngineeringValue = Object.freeze({ value: null, quality: 'bad' });

/**
 * Scales a decoded value. Booleans and strings pass through unchanged. A number that is not
 * finite (NaN or ±Infinity from a float register, or an overflow of the scaling) is bad.
 * With scale 1 and offset 0 the raw number is returned untouched, so integers stay exact; with an
 * integer scale and offset and an integer raw value the result is exact as well and is not rounded.
 * Otherwise float noise is rounded away (see roundNoise).
 */
export function toEngineering(
  point: Pick<PointDef, 'scale' | 'offset'>,
  raw: number | boolean | string,
): EngineeringValue {
  const value = scaledValue(point, raw);
  return value === null ? BAD : { value, quality: 'good' };
}

/**
 * toEngineering's value alone, without an object per call (the poll path): null means bad (a raw
 * value is never null), anything else is the good engineering value.
 */
export function scaledValue(
  point: Pick<PointDef, 'scale' | 'offset'>,
  raw: number | boolean | string,
): number | boolean | string | null {
  if (typeof raw !== 'number') return raw;
  if (!Number.isFinite(raw)) return null;
  const { scale, offset } = point;
  if (scale === 1 && offset === 0) return plainZero(raw);
  const product = raw * scale;
  const value = product + offset;
  if (!Number.isFinite(value)) return null;
  if (Number.isInteger(raw) && Number.isInteger(scale) && Number.isInteger(offset)) return plainZero(value);
  return plainZero(roundNoise(value, product, offset));
}

/**
 * Rounds `value` to SIGNIFICANT_DIGITS digits counted from the largest term of the sum, not from
 * the value itself: when raw × scale nearly cancels the offset (raw 2731 × 0.1 − 273.15) the noise
 * of the terms is what must go, and it sits 12 digits below the largest of them.
 * Values beyond 12 significant digits (a 64-bit energy counter × 0.001) lose their last digits.
 */
function roundNoise(value: number, product: number, offset: number): number {
  if (value === 0) return 0;
  const largest = Math.max(Math.abs(product), Math.abs(offset), Math.abs(value));
  const digits = SIGNIFICANT_DIGITS - (decimalExponent(largest) - decimalExponent(value));
  // Less than one kept digit: the value is below the noise of its terms.
  if (digits < 1) return 0;
  return Number(value.toPrecision(digits));
}

/** The power of ten of the leading digit (123.4 → 2). Exact, unlike Math.floor(Math.log10(x)). */
function decimalExponent(x: number): number {
  return Number(x.toExponential().split('e')[1]);
}

function plainZero(value: number): number {
  // -0 (raw 0 × negative scale) would show as "-0" in some places; it is plain 0.
  return value === 0 ? 0 : value;
}
