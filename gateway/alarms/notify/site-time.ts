/** Site-local wall time, pure (Asia/Ho_Chi_Minh by default: UTC+7, no daylight saving). */

const cache = new Map<string, Intl.DateTimeFormat>();

function parts(ts: number, tz: string): Record<string, string> {
  let f = cache.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    cache.set(tz, f);
  }
  return Object.fromEntries(f.formatToParts(ts).map((p) => [p.type, p.value]));
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
