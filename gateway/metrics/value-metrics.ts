import { Counter, Gauge, type Registry } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;
/** Sets one labelled value; called by a reader on every scrape. */
export type Emit = (labels: Labels, value: number) => void;

/** A metric whose values are read from their owner at scrape time (nothing is pushed). */
export interface ReadMetricDef {
  /** Prometheus name: snake_case, `linegate_` prefix, a unit suffix, `_total` for counters. */
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
  /** Called on every scrape; must be cheap and must not throw (a throw fails the scrape). */
  readonly read: (emit: Emit) => void;
}

/**
 * Registers a gauge or counter whose label sets are rebuilt from `read` on every scrape, so a
 * machine or sink that disappears stops being reported. Counters take the owner's cumulative
 * count (it restarts at 0 with the process, which Prometheus' rate() handles).
 */
export function readMetric(registry: Registry, kind: 'gauge' | 'counter', def: ReadMetricDef): void {
  const common = {
    name: def.name,
    help: def.help,
    labelNames: [...(def.labelNames ?? [])],
    registers: [registry],
  };
  if (kind === 'gauge') {
    new Gauge({
      ...common,
      collect() {
        this.reset();
        def.read((labels, value) => this.set(labels, value));
      },
    });
    return;
  }
  new Counter({
    ...common,
    collect() {
      this.reset();
      def.read((labels, value) => this.inc(labels, Math.max(0, value)));
    },
  });
}
