/**
 * Totals of one period and the KPI row made from them. Pure.
 *
 * Definitions (docs/production.md):
 *   planned = shift time − breaks − planned-stop states, + any running time outside it
 *   run     = time in state running;  down = planned − run (stopped, fault, idle, offline)
 *   availability = run / planned;  performance = (good + reject) / ideal units, where ideal
 *   units = ∫ ideal rate dt over run time;  quality = good / (good + reject);
 *   OEE = availability × performance × quality.
 * kg is kept in integer milligrams so that sums are exact; shown rounded to the gram.
 */
export interface Totals {
  good: number;
  reject: number;
  /** Weighed output, mg (integer). */
  mg: number;
  /** Units counted while no weight was known (product without pack weight, no weight point). */
  unweighed: number;
  runMs: number;
  downMs: number;
  plannedMs: number;
  offlineMs: number;
  /** Units the run time would have made at the ideal rate. */
  idealUnits: number;
  /** Run time without a known ideal rate. */
  noRateMs: number;
}

export function emptyTotals(): Totals {
  return {
    good: 0,
    reject: 0,
    mg: 0,
    unweighed: 0,
    runMs: 0,
    downMs: 0,
    plannedMs: 0,
    offlineMs: 0,
    idealUnits: 0,
    noRateMs: 0,
  };
}

export function addInto(into: Totals, t: Totals): Totals {
  into.good += t.good;
  into.reject += t.reject;
  into.mg += t.mg;
  into.unweighed += t.unweighed;
  into.runMs += t.runMs;
  into.downMs += t.downMs;
  into.plannedMs += t.plannedMs;
  into.offlineMs += t.offlineMs;
  into.idealUnits += t.idealUnits;
  into.noRateMs += t.noRateMs;
  return into;
}

export function sumTotals(list: Iterable<Totals>): Totals {
  const out = emptyTotals();
  for (const t of list) addInto(out, t);
  return out;
}

export interface KpiRow {
  good: number;
  reject: number;
  /** null when no weight was known for any unit (flag no-pack-weight): never a silent 0. */
  kg: number | null;
  targetKg: number | null;
  runS: number;
  downS: number;
  plannedS: number;
  availability: number | null;
  performance: number | null;
  quality: number | null;
  oee: number | null;
  flags: string[];
}

export interface RowContext {
  readonly targetKg: number | null;
  /** The machine has a way to weigh its output (totaliser, batch weight, pack weight). */
  readonly canWeigh: boolean;
  readonly hasCounter: boolean;
}

const round = (x: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
};

export function kpiRow(t: Totals, ctx: RowContext): KpiRow {
  const flags: string[] = [];
  const units = t.good + t.reject;
  if (!ctx.hasCounter) flags.push('no-counter');
  if (t.unweighed > 0 || (ctx.hasCounter && !ctx.canWeigh)) flags.push('no-pack-weight');
  if (t.noRateMs > 0) flags.push('no-ideal-rate');
  if (t.offlineMs > 0) flags.push('comm-gap');
  const weighedSomething = t.mg > 0 || (t.unweighed === 0 && ctx.canWeigh);
  const kg = ctx.hasCounter && weighedSomething ? round(Math.round(t.mg / 1000) / 1000, 3) : null;
  const availability = t.plannedMs > 0 ? t.runMs / t.plannedMs : null;
  const performance = t.idealUnits > 0 && t.noRateMs === 0 ? units / t.idealUnits : null;
  const quality = units > 0 ? t.good / units : null;
  const oee =
    availability !== null && performance !== null && quality !== null
      ? availability * performance * quality
      : null;
  const r4 = (x: number | null) => (x === null ? null : round(x, 4));
  return {
    good: t.good,
    reject: t.reject,
    kg,
    targetKg: ctx.targetKg,
    runS: Math.round(t.runMs / 1000),
    downS: Math.round(t.downMs / 1000),
    plannedS: Math.round(t.plannedMs / 1000),
    availability: r4(availability),
    performance: r4(performance),
    quality: r4(quality),
    oee: r4(oee),
    flags,
  };
}
