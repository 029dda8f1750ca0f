import type { ActiveAlarmCount, GatewayMetrics, MetricsInputs } from './gateway-metrics.js';

/**
 * GatewayMetrics, loaded on the first scrape of /metrics (docs/footprint.md): until Prometheus
 * asks, the gateway loads neither prom-client (and what it pulls in) nor runs the event-loop
 * monitor (a 20 ms timer). Every value is read at scrape time anyway; only the event-loop delay
 * is measured between scrapes, so the first scrape reports next to nothing for it (the monitor
 * has just started) and the next ones cover the time since the previous scrape, as before.
 *
 * Calling rules: as GatewayMetrics (`start()` once, `render()` per scrape, `stop()` once).
 * `provideActiveAlarms` may come before or after the load. After `stop()`, `render()` fails.
 */
export class LazyGatewayMetrics {
  private loading: Promise<GatewayMetrics> | null = null;
  private loaded: GatewayMetrics | null = null;
  private activeAlarms: (() => readonly ActiveAlarmCount[]) | null = null;
  private started = false;
  private stopped = false;

  constructor(
    private readonly inputs: MetricsInputs,
    private readonly load: () => Promise<typeof GatewayMetrics> = async () =>
      (await import('./gateway-metrics.js')).GatewayMetrics,
  ) {}

  start(): void {
    this.started = true;
  }

  provideActiveAlarms(read: () => readonly ActiveAlarmCount[]): void {
    this.activeAlarms = read;
    this.loaded?.provideActiveAlarms(read);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    if (!this.started || this.stopped) throw new Error('metrics are not running');
    this.loading ??= this.load().then((Metrics) => {
      const m = new Metrics(this.inputs);
      if (this.activeAlarms) m.provideActiveAlarms(this.activeAlarms);
      m.start();
      if (this.stopped) m.stop();
      this.loaded = m;
      return m;
    });
    return (await this.loading).render();
  }

  /** Whether prom-client has been loaded (a scrape came). */
  get isLoaded(): boolean {
    return this.loaded !== null;
  }

  stop(): void {
    this.stopped = true;
    this.loaded?.stop();
  }
}
