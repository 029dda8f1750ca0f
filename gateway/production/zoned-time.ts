import { dateKnowsZone, isProcessZone, processZoneOffset } from './process-zone.js';

/**
 * Wall-clock time in an IANA time zone, from ICU's zone data (no tz database of our own): through
 * V8's Date for the process's own zone (process-zone.ts: far less RSS than Intl), through
 * Intl.DateTimeFormat for any other.
 * Vietnam has no DST; other zones do, so a local day may have 23 or 25 hours and a local time
 * may not exist (spring forward: moved forward by the gap) or exist twice (fall back: the
 * earlier instant is taken). Pure functions; the formatter per zone is cached.
 */

export interface LocalParts {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number; // 1..31
  readonly hour: number; // 0..23
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** True when the zone is known (to V8's Date, else to Intl; Date is tried first: no Intl object). */
export function isValidTimeZone(tz: string): boolean {
  if (dateKnowsZone(tz)) return true;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** Local calendar fields of an instant (from the cached offset). */
export function localParts(ts: number, tz: string): LocalParts {
  const d = new Date(ts + offsetAt(ts, tz));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
  };
}

function intlParts(ts: number, tz: string): LocalParts {
  const out: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(new Date(ts))) out[p.type] = p.value;
  return {
    year: Number(out.year),
    month: Number(out.month),
    day: Number(out.day),
    hour: Number(out.hour) % 24,
    minute: Number(out.minute),
    second: Number(out.second),
    weekday: WEEKDAYS[out.weekday ?? 'Sun'] ?? 0,
  };
}

const QUARTER = 900_000;
const offsets = new Map<string, Map<number, number>>();

/**
 * Offset of the zone from UTC at instant ts, in ms (local = utc + offset). Cached per quarter
 * hour: every zone changes its offset only on a quarter hour, and Intl is slow on a Pi.
 */
export function offsetAt(ts: number, tz: string): number {
  let cache = offsets.get(tz);
  if (!cache) {
    cache = new Map();
    offsets.set(tz, cache);
  }
  const q = Math.floor(ts / QUARTER);
  let off = cache.get(q);
  if (off === undefined) {
    const at = q * QUARTER;
    if (isProcessZone(tz)) off = processZoneOffset(at);
    else {
      const p = intlParts(at, tz);
      off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
    }
    if (cache.size > 20_000) cache.clear();
    cache.set(q, off);
  }
  return off;
}

/**
 * The instant at which the local clock shows `date` (YYYY-MM-DD) plus `minutes` after local
 * midnight (minutes may exceed 1440: the next day). A time that the clock skips (DST gap) maps
 * to the instant after the gap; a time shown twice maps to its first occurrence.
 */
export function zonedInstant(date: string, minutes: number, tz: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d) + minutes * 60_000;
  const before = offsetAt(wall - 14 * 3_600_000, tz);
  const after = offsetAt(wall + 14 * 3_600_000, tz);
  const candidates = [wall - before, wall - after].sort((a, b) => a - b);
  for (const t of candidates) if (localWallMs(t, tz) === wall) return t;
  // The clock skips this time (DST gap): the instant after the gap.
  return wall - before;
}

/** Local wall time of an instant, expressed as if it were UTC ms. */
export function localWallMs(ts: number, tz: string): number {
  return ts + offsetAt(ts, tz);
}

/** The local calendar date (YYYY-MM-DD) of an instant. */
export function localDate(ts: number, tz: string): string {
  const p = localParts(ts, tz);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

export function weekdayOf(date: string): number {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

export function isDateText(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  return addDays(s, 0) === s;
}

/** `HH:MM` → minutes after midnight (24:00 allowed = 1440). */
export function parseClock(s: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return Number.NaN;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  if (mi > 59 || h > 24 || (h === 24 && mi !== 0)) return Number.NaN;
  return h * 60 + mi;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
