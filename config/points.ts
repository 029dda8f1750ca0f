import { type ByteOrder, type PointDef, pointWidth } from '../gateway/core/points.js';
import { type ConfigIssue, issueAt, type Locate, type PathSegment } from './issues.js';
import { BYTE_ORDER_ALIASES, type PointInput } from './point-schema.js';

export const COUNTER_ROLES: ReadonlySet<string> = new Set([
  'good_counter',
  'reject_counter',
  'total_counter',
  'batch_counter',
  'energy',
  'weight_total',
]);

export function canonicalOrder(order: string | undefined, fallback: ByteOrder): ByteOrder {
  return order === undefined ? fallback : (BYTE_ORDER_ALIASES[order] ?? fallback);
}

/** Checks that the schema cannot express: combinations of fields, and names unique in a machine. */
export function pointIssues(
  points: readonly PointInput[],
  file: string,
  locate: Locate,
  base: readonly PathSegment[],
  addressBase: 0 | 1 = 0,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  points.forEach((p, i) => {
    const at = (key: string | null, msg: string) =>
      out.push(issueAt(file, locate, key === null ? [...base, i] : [...base, i, key], msg));
    const first = seen.get(p.name);
    if (first !== undefined)
      at('name', `duplicate point name "${p.name}" (also at ${base.join('.')}[${first}])`);
    else seen.set(p.name, i);
    const bitArea = p.area === 'coil' || p.area === 'discrete';
    if (bitArea && p.type !== 'bool')
      at('type', `must be bool for area ${p.area} (a ${p.area} holds one bit)`);
    if (p.type === 'bit' && p.bit === undefined) at(null, 'type bit needs "bit: 0..15"');
    if (p.type !== 'bit' && p.bit !== undefined) at('bit', 'is only allowed with type bit');
    if (p.type === 'string' && p.length === undefined) at(null, 'type string needs "length" (registers)');
    if (p.type !== 'string' && p.length !== undefined) at('length', 'is only allowed with type string');
    if (p.counterBits !== undefined && !COUNTER_ROLES.has(p.role ?? ''))
      at('counterBits', `is only allowed on counter roles (${[...COUNTER_ROLES].join(', ')})`);
    if (
      (p.type === 'string' || p.type === 'bool' || p.type === 'bit') &&
      (p.scale !== undefined || p.offset !== undefined)
    )
      at(p.scale !== undefined ? 'scale' : 'offset', `does not apply to type ${p.type}`);
    if (addressBase === 1 && p.address === 0) at('address', 'must be at least 1 when addressBase is 1');
    const end = p.address - addressBase + pointWidth(p) - 1;
    if (end > 65535) at('address', `point ends at register ${end}, past 65535`);
  });
  return out;
}

export function normalisePoint(p: PointInput, order: ByteOrder, addressBase: 0 | 1): PointDef {
  const def: PointDef = {
    name: p.name,
    area: p.area,
    address: p.address - addressBase,
    type: p.type,
    order: canonicalOrder(p.order, order),
    scale: p.scale ?? 1,
    offset: p.offset ?? 0,
    ...(p.label ? { label: p.label } : {}),
    ...(p.bit !== undefined ? { bit: p.bit } : {}),
    ...(p.length !== undefined ? { length: p.length } : {}),
    ...(p.unit !== undefined ? { unit: p.unit } : {}),
    ...(p.role !== undefined ? { role: p.role } : {}),
    ...(p.counterBits !== undefined ? { counterBits: p.counterBits } : {}),
  };
  return def;
}

export function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
