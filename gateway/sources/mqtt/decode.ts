import type { PayloadConfig, PayloadLimits } from '../../../config/types.js';
import type { MqttPointDef, TimestampFormat } from '../../core/points.js';
import type { Sample, SampleValue } from '../../core/sample.js';
import { type Checked, type Refusal, refuse } from './hygiene.js';

/**
 * A parsed JSON payload → samples of one machine, by its points' paths. Pure.
 *
 * A message is stored whole or not at all: a mapped field of the wrong type, or a number that
 * is not finite, refuses the message (a firmware that sends "12.5" for a number sends it every
 * time; storing the other fields would hide that). Fields the payload leaves out are skipped
 * (status-only messages are normal); a payload with none of the machine's fields is refused.
 *
 * Timestamps: with `payload.timestamp` the payload's time is used when it lies within
 * [now − maxAgeMs, now + futureToleranceMs]; outside that the message is REFUSED (ts_future,
 * ts_too_old), not restamped — a device with a wrong clock shows up in the rejected counters
 * instead of writing hours-off data. Without `payload.timestamp`, the receive time is used.
 */
export interface DecodeMachine {
  readonly id: string;
  readonly points: readonly CompiledPoint[];
  readonly timestamp: { readonly path: readonly PathStep[]; readonly format: TimestampFormat } | null;
}

export type PathStep = string | number;

export interface CompiledPoint {
  readonly def: MqttPointDef;
  readonly path: readonly PathStep[];
}

const MAX_STRING = 1024;

/** `data.vals[2].x` → ['data', 'vals', 2, 'x']. The config schema has checked the syntax. */
export function compilePath(path: string): PathStep[] {
  const out: PathStep[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!m) throw new Error(`bad JSON path "${path}"`);
    out.push(m[1] as string);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

export function compileMachine(m: {
  id: string;
  points: readonly MqttPointDef[];
  payload: PayloadConfig;
}): DecodeMachine {
  return {
    id: m.id,
    points: m.points.map((def) => ({ def, path: compilePath(def.path) })),
    timestamp: m.payload.timestamp
      ? { path: compilePath(m.payload.timestamp.path), format: m.payload.timestamp.format }
      : null,
  };
}

const MISSING = Symbol('missing');

/** Own properties only: a path never reaches Object.prototype. */
export function valueAt(root: unknown, path: readonly PathStep[]): unknown {
  let v: unknown = root;
  for (const step of path) {
    if (typeof step === 'number') {
      if (!Array.isArray(v) || step >= v.length) return MISSING;
      v = v[step];
    } else {
      if (v === null || typeof v !== 'object' || Array.isArray(v) || !Object.hasOwn(v, step)) return MISSING;
      v = (v as Record<string, unknown>)[step];
    }
  }
  return v;
}

const NON_FINITE_TEXT = /^\s*[+-]?(nan|inf|infinity)\s*$/i;

/** The value of one point, or the refusal (an object: a SampleValue never is one). */
function pointValue(def: MqttPointDef, raw: unknown): SampleValue | Refusal {
  switch (def.type) {
    case 'number': {
      if (typeof raw === 'string' && NON_FINITE_TEXT.test(raw))
        return refuse('not_finite', `${def.name}: "${raw}"`);
      if (typeof raw !== 'number')
        return refuse('wrong_type', `${def.name}: ${describe(raw)}, want a number`);
      const v = raw * def.scale + def.offset;
      if (!Number.isFinite(v)) return refuse('not_finite', `${def.name}: ${String(raw)}`);
      return v;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 0 || raw === 1) return raw === 1;
      return refuse('wrong_type', `${def.name}: ${describe(raw)}, want true/false (or 0/1)`);
    case 'string':
      if (typeof raw !== 'string') return refuse('wrong_type', `${def.name}: ${describe(raw)}, want text`);
      if (raw.length > MAX_STRING) return refuse('wrong_type', `${def.name}: text longer than ${MAX_STRING}`);
      return raw;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `text ${JSON.stringify(v.slice(0, 20))}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

const UNIT_MS: Record<Exclude<TimestampFormat, 'rfc3339'>, number> = {
  unix_s: 1000,
  unix_ms: 1,
  unix_us: 1e-3,
  unix_ns: 1e-6,
};
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds from a payload timestamp, or null when it is not one. */
export function readTimestamp(raw: unknown, format: TimestampFormat): number | null {
  if (format === 'rfc3339') {
    if (typeof raw !== 'string' || !RFC3339.test(raw)) return null;
    const ms = Date.parse(raw.replace(' ', 'T'));
    return Number.isFinite(ms) ? ms : null;
  }
  // unix_ns does not fit a double exactly: numeric text is accepted, and ms precision kept.
  const n =
    typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,20}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 0) return null;
  return Math.floor(n * UNIT_MS[format]);
}

export function decodePayload(
  machine: DecodeMachine,
  payload: Record<string, unknown>,
  receivedAt: number,
  limits: Pick<PayloadLimits, 'futureToleranceMs' | 'maxAgeMs'>,
): Checked<readonly Sample[]> {
  let ts = receivedAt;
  if (machine.timestamp) {
    const raw = valueAt(payload, machine.timestamp.path);
    const t = raw === MISSING ? null : readTimestamp(raw, machine.timestamp.format);
    if (t === null)
      return refuse(
        'ts_invalid',
        raw === MISSING ? 'no timestamp field' : `unreadable timestamp ${describe(raw)}`,
      );
    if (t > receivedAt + limits.futureToleranceMs)
      return refuse(
        'ts_future',
        `${new Date(t).toISOString()} is ${Math.round((t - receivedAt) / 1000)} s ahead`,
      );
    if (t < receivedAt - limits.maxAgeMs) return refuse('ts_too_old', `${new Date(t).toISOString()}`);
    ts = t;
  }
  const samples: Sample[] = [];
  for (const p of machine.points) {
    const raw = valueAt(payload, p.path);
    if (raw === MISSING || raw === null) continue; // null: the device has no value now
    const v = pointValue(p.def, raw);
    if (typeof v === 'object' && v !== null) return v;
    samples.push({ machine: machine.id, point: p.def.name, value: v, ts, quality: 'good' });
  }
  if (samples.length === 0)
    return refuse('no_known_fields', 'none of the machine’s points is in the payload');
  return { ok: true, value: samples };
}
