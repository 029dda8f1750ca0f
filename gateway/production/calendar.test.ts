import { describe, expect, it } from 'vitest';
import { normaliseProduction } from '../../config/production.js';
import { Calendar } from './calendar.js';
import { localDate, zonedInstant } from './zoned-time.js';

const VN = (iso: string) => Date.parse(`${iso}+07:00`);

function calendar(extra: Record<string, unknown> = {}, tz = 'Asia/Ho_Chi_Minh') {
  return new Calendar(
    normaliseProduction(
      {
        dayStartsAt: '06:00',
        shifts: [
          { id: 'ca1', start: '06:00', end: '14:00', breaks: [{ start: '10:00', end: '10:30' }] },
          { id: 'ca2', start: '14:00', end: '22:00' },
          { id: 'ca3', start: '22:00', end: '06:00', breaks: [{ start: '01:00', end: '01:30' }] },
        ],
        ...extra,
      },
      tz,
    ),
  );
}

describe('zoned time', () => {
  it('maps local wall times to instants in Vietnam (UTC+7, no DST)', () => {
    expect(zonedInstant('2026-03-02', 6 * 60, 'Asia/Ho_Chi_Minh')).toBe(VN('2026-03-02T06:00:00'));
    expect(zonedInstant('2026-03-02', 25 * 60, 'Asia/Ho_Chi_Minh')).toBe(VN('2026-03-03T01:00:00'));
    expect(localDate(VN('2026-03-02T23:59:59'), 'Asia/Ho_Chi_Minh')).toBe('2026-03-02');
  });

  it('handles DST: a skipped hour moves forward, a repeated hour takes its first occurrence', () => {
    // Europe/Berlin 2026-03-29: 02:00 → 03:00. 2026-10-25: 03:00 → 02:00.
    expect(new Date(zonedInstant('2026-03-29', 150, 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T01:30:00.000Z',
    );
    expect(new Date(zonedInstant('2026-10-25', 150, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-25T00:30:00.000Z',
    );
    expect(new Date(zonedInstant('2026-10-25', 0, 'Europe/Berlin')).toISOString()).toBe(
      '2026-10-24T22:00:00.000Z',
    );
  });
});

describe('Calendar', () => {
  it('puts a shift that crosses midnight in the production day it starts in', () => {
    const c = calendar();
    const day = c.day('2026-03-02');
    expect(day.start).toBe(VN('2026-03-02T06:00:00'));
    expect(day.end).toBe(VN('2026-03-03T06:00:00'));
    const ca3 = day.shifts.find((s) => s.id === 'ca3');
    expect(ca3?.start).toBe(VN('2026-03-02T22:00:00'));
    expect(ca3?.end).toBe(VN('2026-03-03T06:00:00'));
    expect(ca3?.breaks[0]).toEqual({ start: VN('2026-03-03T01:00:00'), end: VN('2026-03-03T01:30:00') });
    // 02:00 on the 3rd belongs to production day 2 March, shift ca3.
    expect(c.dayOf(VN('2026-03-03T02:00:00'))).toBe('2026-03-02');
    expect(c.slot(VN('2026-03-03T02:00:00'))).toMatchObject({
      day: '2026-03-02',
      shift: 'ca3',
      planned: true,
    });
    expect(c.slot(VN('2026-03-03T01:10:00'))).toMatchObject({
      shift: 'ca3',
      planned: false,
      until: VN('2026-03-03T01:30:00'),
    });
  });

  it('plans 24 h − breaks on a working day and nothing on a non-working day', () => {
    const c = calendar({ nonWorkingDays: ['sun', '2026-03-03'] });
    const d = c.day('2026-03-02');
    expect(c.plannedMs(d.start, d.end)).toBe((24 * 60 - 60) * 60_000);
    const holiday = c.day('2026-03-03');
    expect(holiday.working).toBe(false);
    expect(c.plannedMs(holiday.start, holiday.end)).toBe(0);
    // 2026-03-08 is a Sunday.
    expect(c.day('2026-03-08').shifts).toEqual([]);
  });

  it('splits time at hours, shift edges and breaks', () => {
    const c = calendar();
    const pieces: string[] = [];
    c.split(VN('2026-03-02T09:45:00'), VN('2026-03-02T10:45:00'), (s, a, b) =>
      pieces.push(`${s.shift}:${s.planned ? 'P' : '-'}:${(b - a) / 60_000}`),
    );
    expect(pieces).toEqual(['ca1:P:15', 'ca1:-:30', 'ca1:P:15']);
  });

  it('has 23 local hours on a spring-forward day and 25 on a fall-back day', () => {
    const c = calendar({ dayStartsAt: '00:00', shifts: [] }, 'Europe/Berlin');
    expect(c.hours('2026-03-29')).toHaveLength(23);
    expect(c.hours('2026-10-25')).toHaveLength(25);
    expect(c.hours('2026-06-01')).toHaveLength(24);
    const d = c.day('2026-10-25');
    expect(c.plannedMs(d.start, d.end)).toBe(25 * 3_600_000);
  });
});
