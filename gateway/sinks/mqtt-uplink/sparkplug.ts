import sparkplugPayload from 'sparkplug-payload';
import type { UMetric } from 'sparkplug-payload/lib/sparkplugbpayload.js';
import type { MqttUplinkSinkConfig } from '../../../config/types.js';
import { topicLevel } from './encode.js';

/**
 * Sparkplug B (spBv1.0) session state of one edge node, pure (no MQTT): which devices have been
 * born with which metrics, the message sequence number and the birth/death sequence (bdSeq).
 * Payloads are encoded with Eclipse Tahu's `sparkplug-payload` (protobuf); nothing here is
 * hand-written protocol.
 *
 * Topics: `spBv1.0/{groupId}/{NBIRTH|NDEATH|NCMD|DBIRTH|DDATA}/{edgeNodeId}[/{deviceId}]`; one
 * device per machine. Rules followed (Sparkplug 3.0): NBIRTH carries `bdSeq` and
 * `Node Control/Rebirth` and has seq 0; every later message of the session takes the next seq
 * (0–255, wrapping); the NDEATH (the MQTT will) carries the same bdSeq as the NBIRTH of its
 * session; a device is born (DBIRTH, every metric it will report, with its current value)
 * before its first DDATA, and born again when a metric it has not declared appears or a metric
 * changes type. Values that reach the broker late (a replayed backlog) are `is_historical`.
 *
 * Calling rules: `nextSession()` before each connection (then `will()` for its CONNECT), then
 * `births()` once connected, then `data()` per run of one machine's metrics; `births()` again
 * on a Rebirth command.
 */

const sp = sparkplugPayload.get('spBv1.0');
if (!sp) throw new Error('sparkplug-payload has no spBv1.0 codec');
const codec = sp;

export const REBIRTH_METRIC = 'Node Control/Rebirth';

export interface SparkplugIds {
  readonly groupId: string;
  readonly edgeNodeId: string;
}

/** One value of a device metric, as the encoder hands it over. */
export interface MetricValue {
  readonly name: string;
  readonly value: number | boolean | string | null;
  readonly ts: number;
  /** OPC-style quality code for the `Quality` property (encode-sparkplug.ts); absent = good. */
  readonly q?: number;
}

export interface SparkplugMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Births go at QoS 0 (the specification's rule); data at the sink's QoS. */
  readonly kind: 'birth' | 'data';
  /** Outbox rows it carries (0 for births). */
  readonly rows: number;
}

type SpType = 'Double' | 'Boolean' | 'String';

interface Known {
  type: SpType;
  value: number | boolean | string | null;
  ts: number;
}

const typeOf = (v: MetricValue['value'], previous?: SpType): SpType =>
  v === null
    ? (previous ?? 'Double')
    : typeof v === 'boolean'
      ? 'Boolean'
      : typeof v === 'string'
        ? 'String'
        : 'Double';

function metric(name: string, k: Known, historical = false, quality?: number): UMetric {
  return {
    name,
    type: k.type,
    value: k.value,
    timestamp: k.ts,
    ...(k.value === null ? { isNull: true } : {}),
    ...(historical ? { isHistorical: true } : {}),
    ...(quality !== undefined ? { properties: { Quality: { type: 'Int32', value: quality } } } : {}),
  };
}

export class SparkplugSession {
  private bdSeq = -1;
  private seq = 0;
  private readonly devices = new Map<string, Map<string, Known>>();
  private readonly born = new Set<string>();

  constructor(
    private readonly ids: SparkplugIds,
    private readonly opts: { readonly historicalAfterMs: number; readonly now: () => number },
  ) {}

  topic(type: 'NBIRTH' | 'NDEATH' | 'NCMD' | 'DBIRTH' | 'DDATA', device?: string): string {
    const base = `spBv1.0/${this.ids.groupId}/${type}/${this.ids.edgeNodeId}`;
    return device === undefined ? base : `${base}/${device}`;
  }

  /** A new MQTT session: the next bdSeq, nobody born yet. */
  nextSession(): void {
    this.bdSeq = (this.bdSeq + 1) % 256;
    this.born.clear();
  }

  /** The NDEATH to register as the CONNECT's will (QoS 1, not retained). */
  will(): { topic: string; payload: Buffer } {
    return {
      topic: this.topic('NDEATH'),
      payload: this.encode({ timestamp: this.opts.now(), metrics: [this.bdSeqMetric()] }, false),
    };
  }

  /** NBIRTH (seq 0) and a DBIRTH for every device seen so far. */
  births(): SparkplugMessage[] {
    this.seq = 0;
    this.born.clear();
    const nbirth: SparkplugMessage = {
      topic: this.topic('NBIRTH'),
      payload: this.encode(
        {
          timestamp: this.opts.now(),
          seq: 0,
          metrics: [
            this.bdSeqMetric(),
            { name: REBIRTH_METRIC, type: 'Boolean', value: false, timestamp: this.opts.now() },
          ],
        },
        false,
      ),
      kind: 'birth',
      rows: 0,
    };
    return [nbirth, ...[...this.devices.keys()].map((d) => this.dbirth(d))];
  }

  /** DDATA for a run of one device's values, preceded by a DBIRTH when the device needs one. */
  data(device: string, values: readonly MetricValue[]): SparkplugMessage[] {
    const known = this.devices.get(device) ?? new Map<string, Known>();
    this.devices.set(device, known);
    let rebirth = !this.born.has(device);
    for (const v of values) {
      const had = known.get(v.name);
      const type = typeOf(v.value, had?.type);
      if (!had || had.type !== type) rebirth = true;
      if (!had || v.ts >= had.ts) known.set(v.name, { type, value: v.value, ts: v.ts });
    }
    const out: SparkplugMessage[] = rebirth ? [this.dbirth(device)] : [];
    const late = this.opts.now() - this.opts.historicalAfterMs;
    out.push({
      topic: this.topic('DDATA', device),
      payload: this.encode(
        {
          timestamp: this.opts.now(),
          metrics: values.map((v) =>
            metric(
              v.name,
              { type: typeOf(v.value, known.get(v.name)?.type), value: v.value, ts: v.ts },
              v.ts < late,
              v.q,
            ),
          ),
        },
        true,
      ),
      kind: 'data',
      rows: values.length,
    });
    return out;
  }

  private dbirth(device: string): SparkplugMessage {
    this.born.add(device);
    const known = this.devices.get(device) ?? new Map<string, Known>();
    return {
      topic: this.topic('DBIRTH', device),
      payload: this.encode(
        { timestamp: this.opts.now(), metrics: [...known].map(([name, k]) => metric(name, k)) },
        true,
      ),
      kind: 'birth',
      rows: 0,
    };
  }

  private bdSeqMetric(): UMetric {
    return { name: 'bdSeq', type: 'UInt64', value: Math.max(0, this.bdSeq), timestamp: this.opts.now() };
  }

  private encode(p: { timestamp: number; seq?: number; metrics: UMetric[] }, numbered: boolean): Buffer {
    if (numbered) this.seq = (this.seq + 1) % 256;
    const payload = numbered ? { ...p, seq: this.seq } : p;
    return Buffer.from(codec.encodePayload(payload));
  }

  /** Whether an NCMD payload asks for a rebirth. */
  isRebirth(payload: Buffer): boolean {
    try {
      const p = codec.decodePayload(payload);
      return (p.metrics ?? []).some((m) => m.name === REBIRTH_METRIC && m.value === true);
    } catch {
      return false;
    }
  }
}

/** The session of an uplink sink's config; ids default to the prefix (/ → _) and the site id. */
export function sparkplugSessionFor(
  c: Pick<MqttUplinkSinkConfig, 'prefix' | 'sparkplug'>,
  site: string,
  now: () => number = Date.now,
): SparkplugSession {
  return new SparkplugSession(
    {
      groupId: c.sparkplug.groupId ?? topicLevel(c.prefix.replaceAll('/', '_')),
      edgeNodeId: c.sparkplug.edgeNodeId ?? topicLevel(site),
    },
    { historicalAfterMs: c.sparkplug.historicalAfterMs, now },
  );
}

/** For tests and consumers: decode a Sparkplug B payload. */
export function decodeSparkplug(payload: Uint8Array) {
  return codec.decodePayload(payload);
}
