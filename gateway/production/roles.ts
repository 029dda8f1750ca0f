import type { LocalText, PointRole } from '../core/points.js';

/**
 * Which point of a machine plays which production role (from the profile's point roles).
 * The first point with a role wins; counters keep their width for wrap detection.
 */
export interface RolePoint {
  readonly name: string;
  readonly unit?: string;
  readonly bits?: 16 | 32 | 64;
}

export interface MachineRoles {
  readonly run?: RolePoint;
  readonly fault?: RolePoint;
  readonly faultCode?: RolePoint;
  readonly stateCode?: RolePoint;
  readonly good?: RolePoint;
  readonly reject?: RolePoint;
  readonly total?: RolePoint;
  readonly batch?: RolePoint;
  readonly weightTotal?: RolePoint;
  readonly packWeight?: RolePoint;
  readonly batchWeight?: RolePoint;
  readonly speed?: RolePoint;
}

const ROLE_KEYS: Partial<Record<PointRole, keyof MachineRoles>> = {
  run: 'run',
  fault: 'fault',
  fault_code: 'faultCode',
  state_code: 'stateCode',
  good_counter: 'good',
  reject_counter: 'reject',
  total_counter: 'total',
  batch_counter: 'batch',
  weight_total: 'weightTotal',
  pack_weight: 'packWeight',
  batch_weight: 'batchWeight',
  speed: 'speed',
};

export function rolesOf(
  points: readonly { name: string; role?: PointRole; unit?: string; counterBits?: 16 | 32 | 64 }[],
): MachineRoles {
  const out: Record<string, RolePoint> = {};
  for (const p of points) {
    const key = p.role ? ROLE_KEYS[p.role] : undefined;
    if (!key || out[key]) continue;
    out[key] = {
      name: p.name,
      ...(p.unit ? { unit: p.unit } : {}),
      ...(p.counterBits ? { bits: p.counterBits } : {}),
    };
  }
  return out as MachineRoles;
}

/** The counter points, in the order their deltas are applied. */
export function counterPoints(
  r: MachineRoles,
): { kind: 'good' | 'reject' | 'total' | 'batch' | 'weightTotal'; point: RolePoint }[] {
  const out: { kind: 'good' | 'reject' | 'total' | 'batch' | 'weightTotal'; point: RolePoint }[] = [];
  for (const kind of ['good', 'reject', 'total', 'batch', 'weightTotal'] as const) {
    const point = r[kind];
    if (point) out.push({ kind, point });
  }
  return out;
}

export function hasCounter(r: MachineRoles): boolean {
  return Boolean(r.good || r.total || r.batch);
}

/** Grams per unit of a weight point's unit (g, kg); null for an unknown unit. */
export function gramsPer(unit: string | undefined, fallback: 'g' | 'kg'): number | null {
  const u = (unit ?? fallback).toLowerCase();
  if (u === 'g') return 1;
  if (u === 'kg') return 1000;
  return null;
}

export type FaultTable = Readonly<Record<string, LocalText>>;

export type CounterKind = 'good' | 'reject' | 'total' | 'batch' | 'weightTotal';

/**
 * Good and rejected units from one reading's counter increments: good (+ reject, or total − good),
 * or total (− reject), or batches.
 */
export function unitsOf(
  r: MachineRoles,
  d: Partial<Record<CounterKind, number>>,
): { good: number; reject: number } {
  if (r.good) {
    const good = d.good ?? 0;
    return { good, reject: r.reject ? (d.reject ?? 0) : r.total ? Math.max(0, (d.total ?? 0) - good) : 0 };
  }
  if (r.total) {
    const reject = d.reject ?? 0;
    return { good: Math.max(0, (d.total ?? 0) - reject), reject };
  }
  return { good: d.batch ?? 0, reject: 0 };
}
