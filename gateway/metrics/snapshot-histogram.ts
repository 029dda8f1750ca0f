import type { Metric, MetricType, Registry } from 'prom-client';

/** One labelled histogram as its owner keeps it: cumulative counts per upper bound. */
export interface HistogramSnapshot {
  readonly labels: Readonly<Record<string, string>>;
  /** Upper bounds in the metric's unit (seconds for *_seconds). */
  readonly bounds: readonly number[];
  /** counts[i] = observations ≤ bounds[i] (cumulative, as Prometheus wants them). */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sum: number;
}

interface Value {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * A Prometheus histogram whose buckets are kept by their owner (the per-device CommStatsTracker)
 * and read at scrape time, so nothing is observed twice and a machine added at run time shows
 * up at the next scrape. prom-client's Histogram can only be fed by observe(); this class gives
 * the registry the same `get()` shape instead.
 *
 * Calling rules: `register(registry)` once; `read` is called on every scrape and must be cheap.
 */
export class SnapshotHistogram {
  readonly type = 'histogram' as unknown as MetricType;
  readonly aggregator = 'sum' as const;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly read: () => Iterable<HistogramSnapshot>,
  ) {}

  collect(): void {}

  reset(): void {}

  async get() {
    const values: Value[] = [];
    for (const h of this.read()) {
      h.bounds.forEach((le, i) => {
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...h.labels, le },
          value: h.counts[i] ?? 0,
        });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...h.labels, le: '+Inf' }, value: h.count });
      values.push({ metricName: `${this.name}_sum`, labels: { ...h.labels }, value: h.sum });
      values.push({ metricName: `${this.name}_count`, labels: { ...h.labels }, value: h.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  register(registry: Registry): void {
    // The registry only calls name, help, type, get() and reset() (prom-client 15 lib/registry.js).
    registry.registerMetric(this as unknown as Metric);
  }
}
