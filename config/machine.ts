import type { Static } from '@sinclair/typebox';
import type { PointDef } from '../gateway/core/points.js';
import { normaliseMqttPoint, normalisePayload } from './mqtt-points.js';
import type { MqttMachineInput } from './mqtt-schema.js';
import { canonicalOrder, normalisePoint } from './points.js';
import type { ModbusMachineInput } from './schema.js';
import {
  type BusConfig,
  type ConnectionConfig,
  DEFAULTS,
  type MachineConfig,
  MQTT_DEFAULTS,
  type MqttMachineConfig,
  type MqttProfile,
  type Profile,
} from './types.js';

type Machine = Static<typeof ModbusMachineInput>;

/** `{site}`, `{line}` and `{machine}` in an MQTT machine's topic, filled in. */
export function fillTopic(template: string, vars: { site: string; line: string; machine: string }): string {
  return template.replace(/\{(site|line|machine)\}/g, (_m, k: 'site' | 'line' | 'machine') => vars[k]);
}

/** An MQTT machine: the profile's points with the machine's overrides, the topic filled in. */
export function normaliseMqttMachine(
  m: MqttMachineInput,
  profile: MqttProfile | null,
  site: string,
): MqttMachineConfig {
  const fromProfile = (profile?.points ?? []).flatMap((p) => {
    const o = m.overrides?.[p.name];
    if (o?.enabled === false) return [];
    if (!o) return [p];
    const { enabled: _enabled, ...rest } = o;
    return [{ ...p, ...rest }];
  });
  const payload = m.payload ? normalisePayload(m.payload) : (profile?.payload ?? normalisePayload(undefined));
  return {
    protocol: 'mqtt',
    id: m.id,
    name: m.name,
    kind: m.kind ?? profile?.kind ?? 'other',
    line: m.line,
    profile: profile?.id ?? null,
    connection: {
      type: 'mqtt',
      source: m.connection.source,
      topic: fillTopic(m.connection.topic, { site, line: m.line, machine: m.id }),
      offlineAfterMs: m.connection.offlineAfterMs ?? MQTT_DEFAULTS.offlineAfterMs,
    },
    payload,
    points: [...fromProfile, ...(m.points ?? []).map(normaliseMqttPoint)],
    faultCodes: profile?.faultCodes ?? {},
    stateCodes: profile?.stateCodes ?? {},
  };
}

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
