import type { Logger } from 'pino';
import type { MqttMachineConfig, PayloadLimits } from '../../../config/types.js';
import type { MachineStatusEvent } from '../../core/events.js';
import type { Sample } from '../../core/sample.js';
import type { MessageStats } from '../../core/source.js';
import { compileMachine, type DecodeMachine, decodePayload } from './decode.js';
import { parsePayload, RateLimitedWarn, type RejectReason } from './hygiene.js';

/**
 * From a message on a topic to committed samples, the same for the embedded broker and the
 * external clients. Two steps, so that the caller decides when an MQTT acknowledgement goes out:
 *  - `prepare(source, topic, payload, receivedAt?)`: routes by exact topic, checks and decodes. A
 *    refusal is counted, logged at a bounded rate and returns null: the caller acknowledges and
 *    drops it. `receivedAt` (default: the clock now) is when the message arrived: a caller that
 *    prepares a group of held messages later (the embedded broker, at its commit) passes it, so
 *    the samples keep their arrival time.
 *  - `commit(source, batch)`: calls `persist` with every sample of the batch (synchronous, durable when
 *    it returns) and only then emits, counts and marks the machines online. If persist throws,
 *    nothing is counted and the error goes to the caller, which must NOT acknowledge.
 */
export interface IngestDeps {
  readonly log: Logger;
  readonly emit: (samples: readonly Sample[]) => void;
  readonly persist: (samples: readonly Sample[]) => void;
  readonly status?: (e: MachineStatusEvent) => void;
  readonly now?: () => number;
}

export interface Accepted {
  readonly machine: string;
  readonly samples: readonly Sample[];
}

interface Route {
  readonly decode: DecodeMachine;
  readonly offlineAfterMs: number;
  messages: number;
  accepted: number;
  readonly rejected: Partial<Record<RejectReason, number>>;
  lastMessageTs: number | null;
  lastRejected: MessageStats['lastRejected'];
  online: boolean | null;
}

export interface SourceCounters {
  messages: number;
  unknownTopic: number;
  rejected: number;
  stored: number;
  samples: number;
}

export class Ingest {
  private readonly routes = new Map<string, Map<string, Route>>();
  private readonly byMachine = new Map<string, Route>();
  private readonly counters = new Map<string, SourceCounters>();
  private readonly warn: RateLimitedWarn;
  /** The clock every timestamp of this ingest comes from (IngestDeps.now, default Date.now). */
  readonly now: () => number;

  constructor(
    machines: readonly MqttMachineConfig[],
    private readonly limits: PayloadLimits,
    private readonly deps: IngestDeps,
  ) {
    this.now = deps.now ?? Date.now;
    this.warn = new RateLimitedWarn(limits.logIntervalMs, (fields, msg) => deps.log.warn(fields, msg));
    for (const m of machines) {
      const route: Route = {
        decode: compileMachine(m),
        offlineAfterMs: m.connection.offlineAfterMs,
        messages: 0,
        accepted: 0,
        rejected: {},
        lastMessageTs: null,
        lastRejected: null,
        online: null,
      };
      let topics = this.routes.get(m.connection.source);
      if (!topics) {
        topics = new Map();
        this.routes.set(m.connection.source, topics);
      }
      topics.set(m.connection.topic, route);
      this.byMachine.set(m.id, route);
    }
  }

  /** The topics a source must deliver (exact topics, no wildcards). */
  topics(source: string): string[] {
    return [...(this.routes.get(source)?.keys() ?? [])];
  }

  private counter(source: string): SourceCounters {
    let c = this.counters.get(source);
    if (!c) {
      c = { messages: 0, unknownTopic: 0, rejected: 0, stored: 0, samples: 0 };
      this.counters.set(source, c);
    }
    return c;
  }

  prepare(source: string, topic: string, payload: Uint8Array, receivedAt?: number): Accepted | null {
    const now = receivedAt ?? this.now();
    const c = this.counter(source);
    c.messages++;
    const route = this.routes.get(source)?.get(topic);
    if (!route) {
      c.unknownTopic++;
      this.warn.warn(
        `${source}:unknown_device`,
        now,
        { source, topic: topic.slice(0, 200), reason: 'unknown_device' },
        'message on a topic no machine listens to: dropped',
      );
      return null;
    }
    route.messages++;
    route.lastMessageTs = now;
    const parsed = parsePayload(payload, this.limits);
    const decoded = parsed.ok ? decodePayload(route.decode, parsed.value, now, this.limits) : parsed;
    if (decoded.ok) return { machine: route.decode.id, samples: decoded.value };
    c.rejected++;
    route.rejected[decoded.reason] = (route.rejected[decoded.reason] ?? 0) + 1;
    route.lastRejected = { reason: decoded.reason, detail: decoded.detail, ts: now };
    this.warn.warn(
      `${route.decode.id}:${decoded.reason}`,
      now,
      { source, machine: route.decode.id, reason: decoded.reason, detail: decoded.detail },
      'payload refused: not stored',
    );
    return null;
  }

  commit(source: string, batch: readonly Accepted[]): void {
    if (batch.length === 0) return;
    let all: readonly Sample[];
    if (batch.length === 1) all = (batch[0] as Accepted).samples;
    else {
      const flat: Sample[] = [];
      for (const a of batch) for (const s of a.samples) flat.push(s);
      all = flat;
    }
    this.deps.persist(all); // throws → nothing below happens, and the caller does not acknowledge
    const now = this.now();
    for (const a of batch) {
      const route = this.byMachine.get(a.machine);
      if (!route) continue;
      route.accepted++;
      if (route.online !== true) this.setOnline(a.machine, route, true, now);
    }
    const c = this.counter(source);
    c.stored += batch.length;
    c.samples += all.length;
    this.deps.emit(all);
  }

  /** Marks machines offline that have sent nothing accepted for their offlineAfterMs. */
  checkOffline(): void {
    const now = this.now();
    for (const [id, route] of this.byMachine) {
      if (route.online !== true) continue;
      const last = route.lastMessageTs ?? 0;
      if (now - last >= route.offlineAfterMs)
        this.setOnline(id, route, false, now, `no message for ${route.offlineAfterMs} ms`);
    }
  }

  private setOnline(machine: string, route: Route, online: boolean, ts: number, reason?: string): void {
    route.online = online;
    if (online) this.deps.log.info({ machine }, 'machine online (MQTT)');
    else this.deps.log.warn({ machine, reason }, 'machine offline (MQTT)');
    this.deps.status?.({ machine, online, ts, ...(reason ? { reason } : {}) });
  }

  machineStats(id: string): MessageStats | undefined {
    const r = this.byMachine.get(id);
    if (!r) return undefined;
    return {
      messages: r.messages,
      accepted: r.accepted,
      rejected: { ...r.rejected },
      lastMessageTs: r.lastMessageTs,
      lastRejected: r.lastRejected,
    };
  }

  sourceStats(): Record<string, Readonly<SourceCounters>> {
    return Object.fromEntries([...this.counters].map(([k, v]) => [k, { ...v }]));
  }

  /** Refusals of every machine, by reason (for the stats and the benchmark). */
  rejectedByReason(): Partial<Record<RejectReason, number>> {
    const unknown = [...this.counters.values()].reduce((n, c) => n + c.unknownTopic, 0);
    const out: Partial<Record<RejectReason, number>> = unknown > 0 ? { unknown_device: unknown } : {};
    for (const r of this.byMachine.values())
      for (const [k, v] of Object.entries(r.rejected))
        out[k as RejectReason] = (out[k as RejectReason] ?? 0) + (v ?? 0);
    return out;
  }
}
