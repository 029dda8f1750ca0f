import type { ProductionConfig } from '../../config/production.js';
import { shiftMinutes } from '../../config/production.js';
import type { LocalText } from '../core/points.js';
import { addDays, localParts, offsetAt, weekdayOf, zonedInstant } from './zoned-time.js';

/**
 * The shift calendar: production days, shifts (may cross midnight), breaks, non-working days,
 * local hours, in the configured time zone. Pure: instants in, instants out; day plans are
 * cached (a few hundred bytes a day).
 *
 * A production day D runs from D at dayStartsAt (local) to D+1 at dayStartsAt. A shift belongs
 * to the production day in which it starts. Planned production time is shift time minus breaks;
 * everything else (no shift, breaks, non-working days) is planned stop.
 */
export interface ShiftPlan {
  readonly id: string;
  readonly name: LocalText;
  readonly start: number;
  readonly end: number;
  readonly breaks: readonly { readonly start: number; readonly end: number }[];
}

export interface DayPlan {
  readonly date: string;
  readonly start: number;
  readonly end: number;
  readonly working: boolean;
  /** Empty on a non-working day. */
  readonly shifts: readonly ShiftPlan[];
}

/** Where an instant falls: the slot ends at `until` (the next boundary of any kind). */
export interface Slot {
  readonly day: string;
  /** Start of the local clock hour. */
  readonly hourStart: number;
  /** Shift id, '' outside every shift. */
  readonly shift: string;
  /** Inside a shift and not in a break: planned production time. */
  readonly planned: boolean;
  readonly until: number;
}

const HOUR = 3_600_000;

export class Calendar {
  private readonly plans = new Map<string, DayPlan>();

  constructor(readonly config: ProductionConfig) {}

  get timezone(): string {
    return this.config.timezone;
  }

  /** The production day (YYYY-MM-DD) an instant belongs to. */
  dayOf(ts: number): string {
    const p = localParts(ts, this.config.timezone);
    const date = `${p.year}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
    return p.hour * 60 + p.minute < this.config.dayStartMin ? addDays(date, -1) : date;
  }

  day(date: string): DayPlan {
    let plan = this.plans.get(date);
    if (plan) return plan;
    const c = this.config;
    const tz = c.timezone;
    const working = !c.nonWorkingWeekdays.includes(weekdayOf(date)) && !c.nonWorkingDates.includes(date);
    const shifts: ShiftPlan[] = working
      ? c.shifts
          .map((s) => {
            const len = shiftMinutes(s);
            const startDate = s.startMin >= c.dayStartMin ? date : addDays(date, 1);
            return {
              id: s.id,
              name: s.name,
              start: zonedInstant(startDate, s.startMin, tz),
              end: zonedInstant(startDate, s.startMin + len, tz),
              breaks: s.breaks.map((b) => {
                const off = (b.startMin - s.startMin + 1440) % 1440;
                return {
                  start: zonedInstant(startDate, s.startMin + off, tz),
                  end: zonedInstant(startDate, s.startMin + off + shiftMinutes(b), tz),
                };
              }),
            };
          })
          .sort((a, b) => a.start - b.start)
      : [];
    plan = {
      date,
      start: zonedInstant(date, c.dayStartMin, tz),
      end: zonedInstant(addDays(date, 1), c.dayStartMin, tz),
      working,
      shifts,
    };
    if (this.plans.size > 400) this.plans.clear();
    this.plans.set(date, plan);
    return plan;
  }

  /** Start of the local clock hour containing ts. */
  hourStart(ts: number): number {
    const off = offsetAt(ts, this.config.timezone);
    return ts - ((((ts + off) % HOUR) + HOUR) % HOUR);
  }

  /** The local hours of a production day (23 or 25 on a DST change day). */
  hours(date: string): number[] {
    const plan = this.day(date);
    const out: number[] = [];
    for (let t = plan.start; t < plan.end; ) {
      out.push(t);
      const next = this.hourStart(t) + HOUR;
      t = next > t ? next : t + HOUR;
    }
    return out;
  }

  slot(ts: number): Slot {
    const plan = this.day(this.dayOf(ts));
    const hourStart = this.hourStart(ts);
    let until = Math.min(plan.end, hourStart + HOUR);
    let shift = '';
    let planned = false;
    for (const s of plan.shifts) {
      if (ts < s.start) {
        until = Math.min(until, s.start);
        break;
      }
      if (ts >= s.end) continue;
      shift = s.id;
      planned = true;
      until = Math.min(until, s.end);
      for (const b of s.breaks) {
        if (ts < b.start) until = Math.min(until, b.start);
        else if (ts < b.end) {
          planned = false;
          until = Math.min(until, b.end);
        }
      }
      break;
    }
    return { day: plan.date, hourStart, shift, planned, until: Math.max(until, ts + 1) };
  }

  /** Calls fn for each piece of [from, to) that lies in one slot. */
  split(from: number, to: number, fn: (slot: Slot, start: number, end: number) => void): void {
    let t = from;
    let guard = 0;
    while (t < to && guard++ < 100_000) {
      const s = this.slot(t);
      const end = Math.min(to, s.until);
      fn(s, t, end);
      t = end;
    }
  }

  /** Planned production time in [from, to), ms. */
  plannedMs(from: number, to: number): number {
    let ms = 0;
    this.split(from, to, (s, a, b) => {
      if (s.planned) ms += b - a;
    });
    return ms;
  }
}
