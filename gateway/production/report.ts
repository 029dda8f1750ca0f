import type { LocalText } from '../core/points.js';
import type { ProductionEngine } from './engine.js';
import { type KpiRow, kpiRow, sumTotals } from './kpi.js';
import type { Bucket } from './tracker.js';
import { addDays } from './zoned-time.js';

/** The API's production answers, built from buckets. Pure over the engine's read methods. */
export interface Row extends KpiRow {
  machine?: string;
  line: string;
  name: string;
  product?: string;
}

type Period = 'day' | 'shift';

function machineRow(e: ProductionEngine, machine: string, buckets: readonly Bucket[], period: Period): Row {
  const t = e.trackers.get(machine);
  const m = e.machines.get(machine);
  const product = buckets.at(-1)?.product ?? t?.product?.id ?? null;
  const p = e.product(product);
  const row = kpiRow(sumTotals(buckets.map((b) => b.totals)), {
    targetKg: (period === 'day' ? p?.targetKg.day : p?.targetKg.shift) ?? null,
    canWeigh: t?.canWeigh() ?? false,
    hasCounter: t?.hasCounter() ?? false,
  });
  return { machine, line: m?.line ?? '', name: m?.name ?? machine, ...(product ? { product } : {}), ...row };
}

/** The machine whose output is the line's output: configured, else the last one with a counter. */
export function outputMachine(e: ProductionEngine, line: string): string | null {
  const configured = e.production.lineOutput[line];
  if (configured && e.trackers.has(configured)) return configured;
  const candidates = [...e.machines.values()].filter(
    (m) => m.line === line && e.trackers.get(m.id)?.hasCounter(),
  );
  return candidates.at(-1)?.id ?? null;
}

function lineRows(e: ProductionEngine, machines: readonly Row[]): Row[] {
  return e.lines().flatMap((l) => {
    const out = outputMachine(e, l.id);
    const r = machines.find((x) => x.machine === out);
    if (!r) return [];
    const { machine: _m, ...rest } = r;
    return [{ ...rest, line: l.id, name: l.name }];
  });
}

function rowsFor(
  e: ProductionEngine,
  buckets: readonly Bucket[],
  period: Period,
): { machines: Row[]; lines: Row[] } {
  const machines = [...e.trackers.keys()].map((id) =>
    machineRow(
      e,
      id,
      buckets.filter((b) => b.machine === id),
      period,
    ),
  );
  return { machines, lines: lineRows(e, machines) };
}

export function daily(e: ProductionEngine, date: string) {
  return { date, timezone: e.production.timezone, ...rowsFor(e, e.buckets(date, date), 'day') };
}

export function shifts(e: ProductionEngine, date: string) {
  const plan = e.calendar.day(date);
  const all = e.buckets(date, date);
  return {
    date,
    shifts: plan.shifts.map((s) => ({
      id: s.id,
      name: s.name,
      start: s.start,
      end: s.end,
      ...rowsFor(
        e,
        all.filter((b) => b.shift === s.id),
        'shift',
      ),
    })),
  };
}

export function hourly(e: ProductionEngine, machine: string, date: string) {
  const all = e.buckets(date, date, machine);
  return {
    machine,
    date,
    hours: e.calendar.hours(date).map((start) => {
      const t = sumTotals(all.filter((b) => b.hourStart === start).map((b) => b.totals));
      const row = kpiRow(t, {
        targetKg: null,
        canWeigh: e.trackers.get(machine)?.canWeigh() ?? false,
        hasCounter: e.trackers.get(machine)?.hasCounter() ?? false,
      });
      return { start, good: row.good, reject: row.reject, kg: row.kg, runS: row.runS };
    }),
  };
}

export function days(e: ProductionEngine, from: string, to: string) {
  const all = e.buckets(from, to);
  const out: { date: string; machines: Row[] }[] = [];
  for (let d = from; d <= to && out.length < 400; d = addDays(d, 1)) {
    out.push({
      date: d,
      machines: rowsFor(
        e,
        all.filter((b) => b.day === d),
        'day',
      ).machines,
    });
  }
  return { days: out };
}

export function stops(e: ProductionEngine, date: string, machine?: string) {
  const reasons = new Map(e.production.reasons.map((r) => [r.code, r]));
  const list = e.stops(date, machine).map((s) => {
    const r = s.reason ? reasons.get(s.reason) : undefined;
    return {
      id: s.id,
      machine: s.machine,
      start: s.start,
      end: s.end,
      durationS: Math.round(s.downMs / 1000),
      state: s.state,
      reason: r
        ? { code: r.code, vi: r.vi, en: r.en }
        : s.reason
          ? { code: s.reason, vi: s.reason, en: s.reason }
          : null,
      comment: s.comment,
    };
  });
  // Downtime by reason (null = not yet explained), longest first.
  const by = new Map<string, { reason: (typeof list)[number]['reason']; count: number; durationS: number }>();
  for (const s of list) {
    const key = s.reason?.code ?? '';
    const agg = by.get(key) ?? { reason: s.reason, count: 0, durationS: 0 };
    agg.count++;
    agg.durationS += s.durationS;
    by.set(key, agg);
  }
  return { stops: list, byReason: [...by.values()].sort((a, b) => b.durationS - a.durationS) };
}

/** What /api/machines shows of production for one machine (undefined: not tracked). */
export function machineSummary(e: ProductionEngine, machine: string, now: number) {
  const t = e.trackers.get(machine);
  if (!t) return undefined;
  const today = e.calendar.dayOf(now);
  const totals = sumTotals([...t.buckets.values()].filter((b) => b.day === today).map((b) => b.totals));
  const row = kpiRow(totals, { targetKg: null, canWeigh: t.canWeigh(), hasCounter: t.hasCounter() });
  const fault: { code: number; text: LocalText } | null = t.faultNow();
  return {
    state: t.state,
    stateSince: t.since,
    fault,
    product: t.product?.id ?? null,
    productName: t.product?.name ?? null,
    today: { good: row.good, reject: row.reject, kg: row.kg },
  };
}
