import type { Static } from '@sinclair/typebox';
import type { PointDef } from '../gateway/core/points.js';
import { canonicalOrder, normalisePoint } from './points.js';
import type { MachineInput } from './schema.js';
import {
  type BusConfig,
  type ConnectionConfig,
  DEFAULTS,
  type MachineConfig,
  type Profile,
} from './types.js';

type Machine = Static<typeof MachineInput>;

/** Applies the profile, the machine's overrides and every default. Input is already checked. */
export function normaliseMachine(
  m: Machine,
  profile: Profile | null,
  buses: readonly BusConfig[],
): MachineConfig {
  const base = m.modbus?.addressBase ?? 0;
  const order = canonicalOrder(m.modbus?.byteOrder, 'ABCD');
  const fromProfile: PointDef[] = [];
  for (const p of profile?.points ?? []) {
    const o = m.overrides?.[p.name];
    if (o?.enabled === false) continue;
    if (!o) {
      fromProfile.push(p);
      continue;
    }
    const { enabled: _enabled, address, order: ov, ...rest } = o;
    fromProfile.push({
      ...p,
      ...rest,
      ...(address !== undefined ? { address: address - base } : {}),
      ...(ov !== undefined ? { order: canonicalOrder(ov, p.order) } : {}),
    });
  }
  const inline = (m.points ?? []).map((p) => normalisePoint(p, order, base));
  const c = m.connection;
  const connection: ConnectionConfig =
    c.type === 'tcp'
      ? {
          type: 'tcp',
          host: c.host,
          port: c.port ?? DEFAULTS.tcpPort,
          unitId: c.unitId ?? DEFAULTS.tcpUnitId,
          timeoutMs: c.timeoutMs ?? DEFAULTS.timeoutMs,
        }
      : {
          type: 'rtu',
          bus: c.bus,
          unitId: c.unitId,
          timeoutMs: c.timeoutMs ?? buses.find((b) => b.id === c.bus)?.timeoutMs ?? DEFAULTS.rtuTimeoutMs,
        };
  const pl = profile?.limits ?? {};
  const q = m.modbus ?? {};
  return {
    id: m.id,
    name: m.name,
    kind: m.kind ?? profile?.kind ?? 'other',
    line: m.line,
    profile: profile?.id ?? null,
    pollIntervalMs: m.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
    connection,
    limits: {
      maxRegistersPerRead: q.maxRegistersPerRead ?? pl.maxRegistersPerRead ?? DEFAULTS.maxRegistersPerRead,
      maxBitsPerRead: q.maxBitsPerRead ?? pl.maxBitsPerRead ?? DEFAULTS.maxBitsPerRead,
      maxGap: q.maxGap ?? pl.maxGap ?? DEFAULTS.maxGap,
      interRequestDelayMs: q.interRequestDelayMs ?? pl.interRequestDelayMs ?? DEFAULTS.interRequestDelayMs,
    },
    points: [...fromProfile, ...inline],
    faultCodes: profile?.faultCodes ?? {},
    stateCodes: profile?.stateCodes ?? {},
  };
}
