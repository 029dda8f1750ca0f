import type { EventRow, OutboxRow, SampleRow } from '../../core/outbox.js';
import type { EncodeResult } from '../types.js';

/**
 * Row → MQTT message, pure. The runner hands the writer "lines"; for the uplink a line is
 * `{kind}\0{topic}\0{json}` (NUL cannot occur in a topic level, which is sanitised, nor in
 * JSON, which escapes it). `group.ts` turns consecutive lines into messages.
 *
 * Topics (Unified Namespace style), `{p}` = prefix, `{s}` = site:
 * - samples → `{p}/{s}/{line}/{machine}/telemetry`, JSON array of `{ point, value, unit?, quality, ts, id }`
 * - `machine_state` → `…/{machine}/state`, retained: `{ state, previous, kind, fault_code?, fault_text?, ts, id }`
 * - `alarm` → `…/{machine}/alarms`; `production` → `…/{machine}/production`: the row's tags
 *   (site, line, machine left out) and fields, `ts`, `id`
 * - any other event row, or one without a `machine` tag → `{p}/{s}/gateway/events`:
 *   `{ measurement, tags, fields, ts, id }`
 * `id` is the outbox key of the row: delivery is at-least-once, a consumer drops repeats by it.
 */

/** A line's kind: T telemetry (merged per topic into one array), R retained, M plain message. */
export type UplinkKind = 'T' | 'R' | 'M';

export const SEP = '\u0000';

export interface UplinkEncoderDeps {
  /** First topic levels, without a trailing slash. */
  readonly prefix: string;
  /** The gateway's site id (the row's own `site` tag is not used for the topic). */
  readonly site: string;
  /** The machine's line and the point's unit, from the config; undefined when no longer in it. */
  readonly seriesOf: (
    machine: string,
    point: string,
  ) => { readonly line: string; readonly unit?: string } | undefined;
}

/** Event measurements with their own topic under the machine; `retain` for last-value topics. */
export const MACHINE_TOPICS: Readonly<Record<string, { readonly suffix: string; readonly retain: boolean }>> =
  {
    machine_state: { suffix: 'state', retain: true },
    alarm: { suffix: 'alarms', retain: false },
    production: { suffix: 'production', retain: false },
  };

/** The line's machine is unknown (a machine removed from the config while rows were queued). */
export const UNKNOWN_LINE = '_unknown';

/** One topic level: `/`, `+`, `#` and NUL become `_`; an empty level becomes `_`. */
export function topicLevel(s: string): string {
  const level = s.replaceAll(SEP, '_').replace(/[/+#]/g, '_');
  return level === '' ? '_' : level;
}

export function gatewayTopic(
  deps: Pick<UplinkEncoderDeps, 'prefix' | 'site'>,
  leaf: 'status' | 'events',
): string {
  return `${deps.prefix}/${topicLevel(deps.site)}/gateway/${leaf}`;
}

const line = (kind: UplinkKind, topic: string, payload: unknown): EncodeResult => ({
  ok: true,
  line: `${kind}${SEP}${topic}${SEP}${JSON.stringify(payload)}`,
});

/** JSON has no NaN/Infinity: such a value is sent as null (its quality still says what it was). */
function jsonValue(v: SampleRow['value']): SampleRow['value'] {
  return typeof v === 'number' && !Number.isFinite(v) ? null : v;
}

function encodeSample(row: SampleRow, deps: UplinkEncoderDeps): EncodeResult {
  const series = deps.seriesOf(row.machine, row.point);
  const topic = `${deps.prefix}/${topicLevel(deps.site)}/${topicLevel(series?.line ?? UNKNOWN_LINE)}/${topicLevel(row.machine)}/telemetry`;
  return line('T', topic, {
    point: row.point,
    value: jsonValue(row.value),
    ...(series?.unit ? { unit: series.unit } : {}),
    quality: row.quality,
    ts: row.ts,
    id: row.key,
  });
}

function finiteFields(fields: EventRow['fields']): Record<string, number | boolean | string> {
  const out: Record<string, number | boolean | string> = {};
  for (const [k, v] of Object.entries(fields)) if (typeof v !== 'number' || Number.isFinite(v)) out[k] = v;
  return out;
}

function encodeEvent(row: EventRow, deps: UplinkEncoderDeps): EncodeResult {
  if (!Number.isFinite(row.ts)) return { ok: false, reason: `timestamp ${row.ts} is not finite` };
  const machine = row.tags.machine;
  const route = MACHINE_TOPICS[row.measurement];
  if (route && machine) {
    const { site: _s, line: rowLine, machine: _m, ...tags } = row.tags;
    const lineId = rowLine || deps.seriesOf(machine, '')?.line || UNKNOWN_LINE;
    const topic = `${deps.prefix}/${topicLevel(deps.site)}/${topicLevel(lineId)}/${topicLevel(machine)}/${route.suffix}`;
    return line(route.retain ? 'R' : 'M', topic, {
      ...tags,
      ...finiteFields(row.fields),
      ts: row.ts,
      id: row.key,
    });
  }
  return line('M', gatewayTopic(deps, 'events'), {
    measurement: row.measurement,
    tags: row.tags,
    fields: finiteFields(row.fields),
    ts: row.ts,
    id: row.key,
  });
}

export function encodeUplinkRow(row: OutboxRow, deps: UplinkEncoderDeps): EncodeResult {
  return row.kind === 'sample' ? encodeSample(row, deps) : encodeEvent(row, deps);
}

export function createUplinkEncoder(deps: UplinkEncoderDeps): (row: OutboxRow) => EncodeResult {
  return (row) => encodeUplinkRow(row, deps);
}
