import { localParts } from '../../production/zoned-time.js';

/**
 * Site-local wall time, pure (Asia/Ho_Chi_Minh by default: UTC+7, no daylight saving), from the
 * production calendar's zone offsets (zoned-time.ts: no Intl object for the site's own zone).
 */

const pad = (n: number) => String(n).padStart(2, '0');

function parts(
  ts: number,
  tz: string,
): { year: string; month: string; day: string; hour: string; minute: string } {
  const p = localParts(ts, tz);
  return {
    year: String(p.year),
    month: pad(p.month),
    day: pad(p.day),
    hour: pad(p.hour),
    minute: pad(p.minute),
  };
}

/** Minutes since the site's midnight. */
export function siteMinutes(ts: number, tz: string): number {
  const p = parts(ts, tz);
  return Number(p.hour) * 60 + Number(p.minute);
}

/** Is the site time of ts inside [from, to) (minutes; to < from wraps past midnight)? */
export function inWindow(ts: number, tz: string, w: { from: number; to: number }): boolean {
  const m = siteMinutes(ts, tz);
  return w.from <= w.to ? m >= w.from && m < w.to : m >= w.from || m < w.to;
}

/** The first instant at or after ts whose site time is `to` (end of a window). */
export function windowEnd(ts: number, tz: string, to: number): number {
  const m = siteMinutes(ts, tz);
  const ahead = (to - m + 1440) % 1440;
  return Math.floor(ts / 60_000) * 60_000 + ahead * 60_000;
}

/** "27/11/2026 10:05" (vi) or "27/11/2026, 10:05" (en, day first as on site). */
export function formatSiteTime(ts: number, tz: string, lang: 'vi' | 'en'): string {
  const p = parts(ts, tz);
  return `${p.day}/${p.month}/${p.year}${lang === 'vi' ? '' : ','} ${p.hour}:${p.minute}`;
}
