import { describe, expect, it } from 'vitest';
import { routeAlarm } from './route.js';
import { formatSiteTime, inWindow, siteMinutes, windowEnd } from './site-time.js';

const TZ = 'Asia/Ho_Chi_Minh';
/** 2026-11-27 at hh:mm in Hồ Chí Minh City (UTC+7). */
const at = (hh: number, mm = 0) => Date.UTC(2026, 10, 27, hh - 7, mm);

const config = {
  timezone: TZ,
  quietHours: null,
  routes: [
    { channels: ['tg-tea'], maxSeverity: 3 as const, lines: ['tea'], hours: null },
    { channels: ['mail-manager'], maxSeverity: 1 as const, lines: null, hours: null },
    { channels: ['tg-shift1'], maxSeverity: 4 as const, lines: null, hours: { from: 6 * 60, to: 14 * 60 } },
    { channels: ['tg-shift3'], maxSeverity: 4 as const, lines: null, hours: { from: 22 * 60, to: 6 * 60 } },
  ],
};

describe('routing', () => {
  it('by severity, line and shift hours (site time)', () => {
    const ch = (e: { severity: 1 | 2 | 3 | 4; line: string; ts: number }) =>
      routeAlarm(e, config)
        .map((r) => r.channel)
        .sort();
    expect(ch({ severity: 2, line: 'tea', ts: at(10) })).toEqual(['tg-shift1', 'tg-tea']);
    expect(ch({ severity: 1, line: 'rice', ts: at(15) })).toEqual(['mail-manager']);
    expect(ch({ severity: 4, line: 'tea', ts: at(23, 30) })).toEqual(['tg-shift3']);
    expect(ch({ severity: 4, line: 'tea', ts: at(5, 59) })).toEqual(['tg-shift3']);
    expect(ch({ severity: 4, line: 'tea', ts: at(6, 0) })).toEqual(['tg-shift1']);
  });

  it('quiet hours hold the less urgent until they end; urgent ones go at once', () => {
    const quiet = { ...config, quietHours: { from: 22 * 60, to: 6 * 60, maxSeverity: 1 as const } };
    const late = routeAlarm({ severity: 3, line: 'tea', ts: at(23, 10) }, quiet);
    expect(late.every((r) => r.due === Date.UTC(2026, 10, 27, 23, 0))).toBe(true); // 06:00 next day, site time
    const urgent = routeAlarm({ severity: 1, line: 'tea', ts: at(23, 10) }, quiet);
    expect(urgent.every((r) => r.due === at(23, 10))).toBe(true);
    const day = routeAlarm({ severity: 3, line: 'tea', ts: at(12) }, quiet);
    expect(day.every((r) => r.due === at(12))).toBe(true);
  });

  it('site time helpers', () => {
    expect(siteMinutes(at(0, 5), TZ)).toBe(5);
    expect(inWindow(at(13, 59), TZ, { from: 360, to: 840 })).toBe(true);
    expect(inWindow(at(14, 0), TZ, { from: 360, to: 840 })).toBe(false);
    expect(windowEnd(at(23, 10), TZ, 360)).toBe(at(30, 0));
    expect(formatSiteTime(at(14, 5), TZ, 'vi')).toBe('27/11/2026 14:05');
    expect(formatSiteTime(at(14, 5), TZ, 'en')).toBe('27/11/2026, 14:05');
  });
});
