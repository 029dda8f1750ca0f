import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { adoptProcessZone, dateKnowsZone, isProcessZone, processZoneOffset } from './process-zone.js';
import { offsetAt } from './zoned-time.js';

const initialTz = process.env.TZ;
afterEach(() => {
  if (initialTz === undefined) delete process.env.TZ;
  else process.env.TZ = initialTz;
});

/** The offset Intl gives (the reference: what zoned-time.ts used for every zone before). */
const formats = new Map<string, Intl.DateTimeFormat>();
function intlOffset(ts: number, tz: string): number {
  const f =
    formats.get(tz) ??
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  formats.set(tz, f);
  const p = Object.fromEntries(f.formatToParts(ts).map((x) => [x.type, Number(x.value)]));
  return (
    Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day, p.hour, p.minute, p.second) -
    Math.floor(ts / 1000) * 1000
  );
}

describe('process zone', () => {
  it('knows real zones and not unknown names or all-year UTC, and leaves TZ as it was', () => {
    delete process.env.TZ;
    expect(dateKnowsZone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(dateKnowsZone('Europe/Berlin')).toBe(true);
    expect(dateKnowsZone('Nowhere/Atlantis')).toBe(false);
    expect(dateKnowsZone('asia/ho_chi_minh')).toBe(false); // Intl takes it; Date would be UTC
    expect(dateKnowsZone('UTC')).toBe(false);
    expect(process.env.TZ).toBeUndefined();
    process.env.TZ = 'America/New_York';
    expect(dateKnowsZone('Asia/Tokyo')).toBe(true);
    expect(process.env.TZ).toBe('America/New_York');
  });

  it('adopts the site zone when TZ is not set, and never overrides an operator TZ', () => {
    delete process.env.TZ;
    expect(adoptProcessZone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(process.env.TZ).toBe('Asia/Ho_Chi_Minh');
    expect(isProcessZone('Asia/Ho_Chi_Minh')).toBe(true);
    expect(processZoneOffset(Date.UTC(2026, 10, 27))).toBe(7 * 3_600_000);
    // a reload with another zone moves an adopted TZ along
    expect(adoptProcessZone('Europe/Berlin')).toBe(true);
    expect(process.env.TZ).toBe('Europe/Berlin');
    // a zone Date does not know is not adopted: Intl answers for it
    expect(adoptProcessZone('UTC')).toBe(false);
    expect(process.env.TZ).toBe('Europe/Berlin');
    process.env.TZ = 'Asia/Bangkok'; // set by the operator
    expect(adoptProcessZone('Asia/Ho_Chi_Minh')).toBe(false);
    expect(process.env.TZ).toBe('Asia/Bangkok');
    expect(isProcessZone('Asia/Ho_Chi_Minh')).toBe(false);
  });

  it('gives the offsets Intl gives, DST and odd offsets included (1970–2100)', () => {
    const zones = [
      'Asia/Ho_Chi_Minh',
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kathmandu',
    ];
    for (const tz of zones) {
      process.env.TZ = tz;
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (s) => {
          const ts = s * 1000;
          expect(processZoneOffset(ts)).toBe(intlOffset(ts, tz));
        }),
        { numRuns: 400 },
      );
      // around this year's transitions, minute by minute over two days each side of them
      for (const month of [2, 9]) {
        const start = Date.UTC(new Date().getUTCFullYear(), month, 20);
        for (let ts = start; ts < start + 20 * 86_400_000; ts += 15 * 60_000)
          expect(processZoneOffset(ts)).toBe(intlOffset(ts, tz));
      }
    }
  });

  it('zoned-time takes the process zone from Date and answers as before', () => {
    process.env.TZ = 'Europe/Berlin';
    const summer = Date.UTC(2026, 6, 1, 12);
    const winter = Date.UTC(2026, 0, 1, 12);
    expect(offsetAt(summer, 'Europe/Berlin')).toBe(2 * 3_600_000);
    expect(offsetAt(winter, 'Europe/Berlin')).toBe(3_600_000);
    expect(offsetAt(summer, 'America/New_York')).toBe(-4 * 3_600_000); // through Intl
  });
});
