import type { MqttPointDef } from '../gateway/core/points.js';
import { type ConfigIssue, issueAt, type Locate, type PathSegment } from './issues.js';
import type { MqttPointInput } from './point-schema.js';
import { COUNTER_ROLES } from './points.js';
import type { PayloadConfig } from './types.js';

/** What the MQTT point schema cannot say: names unique in a machine, fields that fit the type. */
export function mqttPointIssues(
  points: readonly MqttPointInput[],
  file: string,
  locate: Locate,
  base: readonly PathSegment[],
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  points.forEach((p, i) => {
    const at = (key: string, msg: string) => out.push(issueAt(file, locate, [...base, i, key], msg));
    const first = seen.get(p.name);
    if (first !== undefined)
      at('name', `duplicate point name "${p.name}" (also at ${base.join('.')}[${first}])`);
    else seen.set(p.name, i);
    if (p.type !== 'number' && (p.scale !== undefined || p.offset !== undefined))
      at(p.scale !== undefined ? 'scale' : 'offset', `does not apply to type ${p.type}`);
    if (p.counterBits !== undefined && !COUNTER_ROLES.has(p.role ?? ''))
      at('counterBits', `is only allowed on counter roles (${[...COUNTER_ROLES].join(', ')})`);
  });
  return out;
}

export function normaliseMqttPoint(p: MqttPointInput): MqttPointDef {
  return {
    name: p.name,
    path: p.path,
    type: p.type,
    scale: p.scale ?? 1,
    offset: p.offset ?? 0,
    ...(p.label ? { label: p.label } : {}),
    ...(p.unit !== undefined ? { unit: p.unit } : {}),
    ...(p.role !== undefined ? { role: p.role } : {}),
    ...(p.counterBits !== undefined ? { counterBits: p.counterBits } : {}),
  };
}

export function normalisePayload(
  input: { timestamp?: PayloadConfig['timestamp'] } | undefined,
): PayloadConfig {
  return { timestamp: input?.timestamp ?? null };
}
