import type { LocalText } from '../gateway/core/points.js';
import { isValidTimeZone, parseClock } from '../gateway/production/zoned-time.js';
import { type ConfigIssue, issueAt, type Locate } from './issues.js';
import type { ProductionInput } from './production-schema.js';

/** The `production:` section as the gateway uses it (defaults filled in). */
export interface ShiftConfig {
  readonly id: string;
  readonly name: LocalText;
  /** Minutes after local midnight; end <= start means the shift crosses midnight. */
  readonly startMin: number;
  readonly endMin: number;
  readonly breaks: readonly { readonly startMin: number; readonly endMin: number }[];
}

export interface ProductConfig {
  readonly id: string;
  readonly name: LocalText;
  /** Net weight of one pack in g; null = not configured (kg cannot come from a pack count). */
  readonly packWeightG: number | null;
  readonly batchWeightKg: number | null;
  readonly idealRatePerMin: number | null;
  readonly targetKg: { readonly day: number | null; readonly shift: number | null };
}

export interface StopReasonConfig {
  readonly code: string;
  readonly vi: string;
  readonly en: string;
  readonly planned: boolean;
}

export interface ProductionConfig {
  readonly timezone: string;
  /** Minutes after local midnight at which the production day starts. */
  readonly dayStartMin: number;
  readonly shifts: readonly ShiftConfig[];
  /** Weekdays (0 = Sunday) and dates (YYYY-MM-DD) without shifts. */
  readonly nonWorkingWeekdays: readonly number[];
  readonly nonWorkingDates: readonly string[];
  readonly products: readonly ProductConfig[];
  /** Machine id → default product id and ideal rate override. */
  readonly machines: Readonly<
    Record<
      string,
      {
        readonly product?: string;
        readonly idealRatePerMin?: number;
        readonly idleAfterS?: number;
        readonly recipes?: Readonly<Record<string, string>>;
      }
    >
  >;
  /** Line id → the machine whose output is the line's output. */
  readonly lineOutput: Readonly<Record<string, string>>;
  readonly reasons: readonly StopReasonConfig[];
  readonly stopThresholdMs: number;
  readonly counterNoise: number;
  readonly idleAfterMs: number;
  readonly flushIntervalMs: number;
}

export const PRODUCTION_DEFAULTS = {
  dayStartsAt: '06:00',
  stopThresholdS: 120,
  counterNoise: 5,
  idleAfterS: 60,
  flushIntervalS: 30,
} as const;

/** Without a `shifts:` list the whole production day is one shift. */
const ALL_DAY = (dayStartMin: number): ShiftConfig => ({
  id: 'day',
  name: { vi: 'Cả ngày', en: 'All day' },
  startMin: dayStartMin,
  endMin: dayStartMin,
  breaks: [],
});

const DEFAULT_REASONS: StopReasonConfig[] = [
  { code: 'no-material', vi: 'Thiếu nguyên liệu', en: 'No material', planned: false },
  { code: 'breakdown', vi: 'Hỏng máy', en: 'Breakdown', planned: false },
  { code: 'changeover', vi: 'Chuyển đổi sản phẩm', en: 'Changeover', planned: true },
  { code: 'cleaning', vi: 'Vệ sinh', en: 'Cleaning', planned: true },
  { code: 'no-operator', vi: 'Không có người vận hành', en: 'No operator', planned: false },
  { code: 'other', vi: 'Khác', en: 'Other', planned: false },
];

const WEEKDAY = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function normaliseProduction(p: ProductionInput | undefined, siteTimezone: string): ProductionConfig {
  const dayStartMin = parseClock(p?.dayStartsAt ?? PRODUCTION_DEFAULTS.dayStartsAt);
  const shifts = (p?.shifts ?? []).map((s) => ({
    id: s.id,
    name: s.name ?? { vi: s.id, en: s.id },
    startMin: parseClock(s.start),
    endMin: parseClock(s.end),
    breaks: (s.breaks ?? []).map((b) => ({ startMin: parseClock(b.start), endMin: parseClock(b.end) })),
  }));
  const days = p?.nonWorkingDays ?? [];
  return {
    timezone: p?.timezone ?? siteTimezone,
    dayStartMin,
    shifts: shifts.length > 0 ? shifts : [ALL_DAY(dayStartMin)],
    nonWorkingWeekdays: days.filter((d) => WEEKDAY.includes(d)).map((d) => WEEKDAY.indexOf(d)),
    nonWorkingDates: days.filter((d) => !WEEKDAY.includes(d)),
    products: (p?.products ?? []).map((x) => ({
      id: x.id,
      name: x.name,
      packWeightG: x.packWeightG ?? (x.packWeightKg === undefined ? null : x.packWeightKg * 1000),
      batchWeightKg: x.batchWeightKg ?? null,
      idealRatePerMin: x.idealRatePerMin ?? null,
      targetKg: { day: x.targetKg?.day ?? null, shift: x.targetKg?.shift ?? null },
    })),
    machines: p?.machines ?? {},
    lineOutput: Object.fromEntries(Object.entries(p?.lines ?? {}).map(([k, v]) => [k, v.outputMachine])),
    reasons: p?.reasons
      ? p.reasons.map((r) => ({ code: r.code, vi: r.vi, en: r.en, planned: r.planned ?? false }))
      : DEFAULT_REASONS,
    stopThresholdMs: (p?.stopThresholdS ?? PRODUCTION_DEFAULTS.stopThresholdS) * 1000,
    counterNoise: p?.counterNoise ?? PRODUCTION_DEFAULTS.counterNoise,
    idleAfterMs: (p?.idleAfterS ?? PRODUCTION_DEFAULTS.idleAfterS) * 1000,
    flushIntervalMs: (p?.flushIntervalS ?? PRODUCTION_DEFAULTS.flushIntervalS) * 1000,
  };
}

/** Shift length in minutes (a shift whose end equals its start lasts 24 h). */
export function shiftMinutes(s: { startMin: number; endMin: number }): number {
  const d = (s.endMin - s.startMin + 1440) % 1440;
  return d === 0 ? 1440 : d;
}

/** What the schema cannot say: references, unique ids, breaks inside their shift, overlaps. */
export function productionIssues(
  p: ProductionInput | undefined,
  ctx: { machines: readonly string[]; lines: readonly string[]; siteTimezone: string },
  file: string,
  locate: Locate,
): ConfigIssue[] {
  if (!p) return [];
  const out: ConfigIssue[] = [];
  const at = (path: (string | number)[], msg: string) =>
    out.push(issueAt(file, locate, ['production', ...path], msg));
  const tz = p.timezone ?? ctx.siteTimezone;
  if (!isValidTimeZone(tz)) at(['timezone'], `unknown time zone "${tz}" (IANA name, e.g. Asia/Ho_Chi_Minh)`);
  const dup = (items: readonly { id?: string; code?: string }[], key: string, what: string) => {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      const id = it.id ?? it.code ?? '';
      if (seen.has(id)) at([key, i], `duplicate ${what} "${id}"`);
      seen.add(id);
    });
  };
  dup(p.shifts ?? [], 'shifts', 'shift id');
  dup(p.products ?? [], 'products', 'product id');
  dup(p.reasons ?? [], 'reasons', 'reason code');
  const products = new Set((p.products ?? []).map((x) => x.id));
  (p.products ?? []).forEach((x, i) => {
    if (x.packWeightG !== undefined && x.packWeightKg !== undefined)
      at(['products', i], 'give packWeightG or packWeightKg, not both');
  });
  for (const [m, v] of Object.entries(p.machines ?? {})) {
    if (!ctx.machines.includes(m)) at(['machines', m], `unknown machine "${m}"`);
    for (const [r, pid] of Object.entries(v.recipes ?? {}))
      if (!products.has(pid)) at(['machines', m, 'recipes', r], `unknown product "${pid}"`);
    if (v.product !== undefined && !products.has(v.product))
      at(
        ['machines', m, 'product'],
        `unknown product "${v.product}" (products: ${[...products].join(', ') || 'none'})`,
      );
  }
  for (const [l, v] of Object.entries(p.lines ?? {})) {
    if (!ctx.lines.includes(l)) at(['lines', l], `unknown line "${l}"`);
    if (!ctx.machines.includes(v.outputMachine))
      at(['lines', l, 'outputMachine'], `unknown machine "${v.outputMachine}"`);
  }
  const dayStart = parseClock(p.dayStartsAt ?? PRODUCTION_DEFAULTS.dayStartsAt);
  // Every shift as an interval in minutes after the production day's start, for overlap checks.
  const spans: { i: number; from: number; to: number }[] = [];
  (p.shifts ?? []).forEach((s, i) => {
    const start = parseClock(s.start);
    const len = shiftMinutes({ startMin: start, endMin: parseClock(s.end) });
    const from = (start - dayStart + 1440) % 1440;
    if (from + len > 1440)
      at(
        ['shifts', i],
        `shift ${s.id} runs past the end of the production day (dayStartsAt ${p.dayStartsAt ?? PRODUCTION_DEFAULTS.dayStartsAt})`,
      );
    spans.push({ i, from, to: from + len });
    (s.breaks ?? []).forEach((b, j) => {
      const bs = (parseClock(b.start) - start + 1440) % 1440;
      const bl = shiftMinutes({ startMin: parseClock(b.start), endMin: parseClock(b.end) });
      if (bs + bl > len || bl >= 1440)
        at(
          ['shifts', i, 'breaks', j],
          `break ${b.start}–${b.end} is not inside shift ${s.id} (${s.start}–${s.end})`,
        );
    });
  });
  spans.sort((a, b) => a.from - b.from);
  for (let k = 1; k < spans.length; k++) {
    const prev = spans[k - 1];
    const cur = spans[k];
    if (prev && cur && cur.from < prev.to)
      at(['shifts', cur.i], `overlaps shift ${p.shifts?.[prev.i]?.id ?? prev.i} (shifts may not overlap)`);
  }
  return out;
}
