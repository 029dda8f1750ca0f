/** Same shape as i18n.ts LocalText (kept apart so this file stays free of DOM code and is unit-tested). */
interface LocalText {
  readonly vi: string;
  readonly en: string;
}

/** A machine as `GET /api/machines` and the stream give it. Later members come with other parts. */
export interface Point {
  name: string;
  label: LocalText | null;
  unit: string | null;
  role: string | null;
  value: number | boolean | string | null;
  quality: string;
  ts: number | null;
}

export interface Machine {
  id: string;
  name: string;
  kind: string;
  line: string;
  online: boolean | null;
  offlineReason: string | null;
  lastPollTs: number | null;
  points: Point[];
  comm: Record<string, unknown> | null;
  // From the production part (optional until it lands):
  state?: string;
  stateSince?: number;
  fault?: { code: number; text: LocalText } | null;
  product?: string | null;
  productName?: LocalText | null;
  today?: { good: number; reject: number; kg: number };
  // From the alarms part:
  alarms?: { active: number; unacked: number; highestSeverity: number | null };
}

export const STATES = ['running', 'idle', 'stopped', 'fault', 'offline', 'planned_stop'] as const;

const byRole = (m: Machine, ...roles: string[]) =>
  m.points.find((p) => p.role !== null && roles.includes(p.role));
const truthy = (v: unknown) => v === true || (typeof v === 'number' && v !== 0);

/**
 * The machine's state: the production part's `state` when present; until then derived from
 * `online` and the run / fault points.
 */
export function machineState(m: Machine): string {
  if (m.state) return m.state;
  if (m.online === false) return 'offline';
  if (m.online === null) return 'unknown';
  const fault = byRole(m, 'fault');
  if (fault && truthy(fault.value)) return 'fault';
  const run = byRole(m, 'run');
  if (run) return truthy(run.value) ? 'running' : 'stopped';
  return 'running';
}

/** The product's name in the language (its id if the config gives none), else the recipe point. */
export function productOf(m: Machine, l: 'vi' | 'en'): string | null {
  if (m.productName) return m.productName[l] || m.productName.vi;
  if (m.product) return m.product;
  const r = byRole(m, 'recipe');
  return r && r.value !== null ? String(r.value) : null;
}

/** The counter that best counts output: good units, else total. */
export function countPoint(m: Machine): Point | undefined {
  return byRole(m, 'good_counter', 'total_counter', 'batch_counter');
}

/** The one measurement worth showing on a tile (temperature, weight, speed…). */
export function mainPoint(m: Machine): Point | undefined {
  return byRole(m, 'temperature', 'pack_weight', 'speed', 'power', 'pressure', 'level');
}

/**
 * Units per minute from two readings of a counter (kept per machine by the board), over at
 * least 20 s; null until then or when the counter went back (reset, wrap).
 */
export class RateMeter {
  private readonly seen = new Map<string, { v: number; ts: number }[]>();

  update(machines: readonly Machine[]): void {
    for (const m of machines) {
      const p = countPoint(m);
      if (!p || typeof p.value !== 'number' || p.ts === null) continue;
      const list = this.seen.get(m.id) ?? [];
      const last = list[list.length - 1];
      if (last && (p.value < last.v || p.ts <= last.ts)) {
        if (p.value < last.v) this.seen.set(m.id, [{ v: p.value, ts: p.ts }]);
        continue;
      }
      list.push({ v: p.value, ts: p.ts });
      while (list.length > 2 && (list[list.length - 1]?.ts ?? 0) - (list[1]?.ts ?? 0) > 120_000) list.shift();
      this.seen.set(m.id, list);
    }
  }

  perMinute(id: string): number | null {
    const list = this.seen.get(id);
    if (!list || list.length < 2) return null;
    const a = list[0];
    const b = list[list.length - 1];
    if (!a || !b || b.ts - a.ts < 20_000) return null;
    return ((b.v - a.v) / (b.ts - a.ts)) * 60_000;
  }
}
