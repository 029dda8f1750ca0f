import { Registry } from 'prom-client';
import type { CommStats, MessageStats } from '../core/source.js';
import type { SinkStatus } from '../runtime/running-sink.js';
import type { StoreStats } from '../store/index.js';
import { deviceMetrics } from './device-metrics.js';
import { ProcessMetrics } from './process-metrics.js';
import { type HistogramSnapshot, SnapshotHistogram } from './snapshot-histogram.js';
import { storeMetrics } from './store-metrics.js';
import { type ReadMetricDef, readMetric } from './value-metrics.js';

/** Latency of answered requests since start, as runtime/comm-stats.ts keeps it. */
export interface LatencyBuckets {
  readonly boundsMs: readonly number[];
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumMs: number;
}

/** What the metrics read, all at scrape time. Structurally a subset of the API's GatewayView. */
export interface MetricsInputs {
  readonly site: string;
  readonly version: string;
  machines(): readonly { readonly id: string; readonly line: string }[];
  online(machine: string): boolean | undefined;
  commStats(machine: string): CommStats | MessageStats | undefined;
  /** Polled machines only. */
  latency(machine: string): LatencyBuckets | undefined;
  links(): readonly { readonly id: string; readonly open: boolean }[];
  storage?(): { store: StoreStats; sinks: readonly SinkStatus[] };
  now(): number;
}

/** One active-alarm count, for the optional `linegate_alarms_active` gauge. */
export interface ActiveAlarmCount {
  readonly severity: number;
  readonly state: string;
  readonly count: number;
}

/**
 * The gateway's Prometheus metrics, in a registry of its own (never prom-client's global one:
 * several gateways may run in one process, in tests). Every value is read from its owner when
 * Prometheus scrapes; nothing on the poll path touches this.
 *
 * Extension: another part (alarms…) registers its own values with `addGauge`/`addCounter`, or
 * feeds the predefined `linegate_alarms_active` with `provideActiveAlarms`.
 *
 * Calling rules: `start()` once, `render()` per scrape, `stop()` once at shutdown.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly process: ProcessMetrics;
  private activeAlarms: (() => readonly ActiveAlarmCount[]) | null = null;
  private storage: { store: StoreStats; sinks: readonly SinkStatus[] } | null = null;

  constructor(private readonly inputs: MetricsInputs) {
    this.process = new ProcessMetrics(this.registry);
  }

  start(): void {
    const { inputs } = this;
    this.addGauge({
      name: 'linegate_info',
      help: 'Always 1; labels carry the version and site id.',
      labelNames: ['version', 'site'],
      read: (emit) => emit({ version: inputs.version, site: inputs.site }, 1),
    });
    deviceMetrics(this.registry, inputs);
    new SnapshotHistogram(
      'linegate_poll_latency_seconds',
      'Latency of answered Modbus requests per machine (timeouts excluded: see linegate_poll_errors_total).',
      () => latencySnapshots(inputs),
    ).register(this.registry);
    storeMetrics(this.registry, { storage: () => this.storage, now: inputs.now });
    this.addGauge({
      name: 'linegate_alarms_active',
      help: 'Active alarms by severity (1..4) and state; reported once the alarm engine provides it.',
      labelNames: ['severity', 'state'],
      read: (emit) => {
        for (const a of this.activeAlarms?.() ?? [])
          emit({ severity: String(a.severity), state: a.state }, a.count);
      },
    });
    this.process.start();
  }

  addGauge(def: ReadMetricDef): void {
    readMetric(this.registry, 'gauge', def);
  }

  addCounter(def: ReadMetricDef): void {
    readMetric(this.registry, 'counter', def);
  }

  /** The alarm engine's hook: called on every scrape. */
  provideActiveAlarms(read: () => readonly ActiveAlarmCount[]): void {
    this.activeAlarms = read;
  }

  /** The Prometheus text exposition (format 0.0.4). */
  async render(): Promise<{ contentType: string; body: string }> {
    // One store snapshot per scrape, shared by every store metric.
    this.storage = this.inputs.storage?.() ?? null;
    try {
      return { contentType: this.registry.contentType, body: await this.registry.metrics() };
    } finally {
      this.storage = null;
    }
  }

  stop(): void {
    this.process.stop();
  }
}

function* latencySnapshots(inputs: MetricsInputs): Iterable<HistogramSnapshot> {
  for (const m of inputs.machines()) {
    const h = inputs.latency(m.id);
    if (!h) continue;
    yield {
      labels: { machine: m.id },
      bounds: h.boundsMs.map((b) => b / 1000),
      counts: h.counts,
      count: h.count,
      sum: h.sumMs / 1000,
    };
  }
}
