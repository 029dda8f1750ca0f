/**
 * A number as alarm texts show it, without Intl (pure): at most two decimals, Vietnamese
 * "1.234,5" or English "1,234.5". Exactly what `Intl.NumberFormat('vi-VN' | 'en-US',
 * { maximumFractionDigits: 2 })` prints (number-text.test.ts compares them over random values),
 * but creating a NumberFormat pages ~6 MB of ICU's data into the gateway's RSS, which it keeps
 * for good (docs/footprint.md), for texts this simple.
 *
 * Rounding is Intl's: half away from zero on the number's shortest decimal form (1.005 → 1.01,
 * although the double is a hair below 1.005); a negative number that rounds to zero keeps its
 * sign ("-0").
 */
const SEPARATORS = { vi: { group: '.', decimal: ',' }, en: { group: ',', decimal: '.' } } as const;

export function numberText(v: number, lang: 'vi' | 'en'): string {
  if (Number.isNaN(v)) return 'NaN';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  if (!Number.isFinite(v)) return `${sign}∞`;
  const [int, frac] = roundTo2(Math.abs(v));
  const sep = SEPARATORS[lang];
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep.group);
  return `${sign}${grouped}${frac ? sep.decimal + frac : ''}`;
}

/** Integer digits and at most two fraction digits (no trailing zeros) of a finite a ≥ 0. */
function roundTo2(a: number): [string, string] {
  if (a >= 1e21) {
    // toString uses an exponent from 1e21 on: its digits, then zeros (as Intl prints them)
    const [m = '', e = '0'] = a.toString().split('e+');
    const digits = m.replace('.', '');
    return [digits + '0'.repeat(Number(e) - (digits.length - 1)), ''];
  }
  if (a < 0.005) return ['0', '']; // below the first rounding step (toString may use an exponent)
  const [int = '0', frac = ''] = a.toString().split('.');
  if (frac.length <= 2) return [int, frac.replace(/0+$/, '')];
  let digits = BigInt(int + frac.slice(0, 2));
  if (frac.charCodeAt(2) - 48 >= 5) digits += 1n;
  const s = digits.toString().padStart(3, '0');
  return [s.slice(0, -2), s.slice(-2).replace(/0+$/, '')];
}
