import type { Logger } from 'pino';
import type { PointDef } from '../core/points.js';
import type { PolledSource } from '../core/source.js';
import type { CommStatsTracker } from './comm-stats.js';
import { EventBus } from './event-bus.js';
import { LiveState } from './live-state.js';
import { RunningSource } from './running-source.js';

export interface SupervisedSource {
  readonly machine: string;
  readonly source: PolledSource;
  readonly points: readonly PointDef[];
  readonly pollIntervalMs: number;
  readonly stats: CommStatsTracker;
}

export interface Closable {
  close(): Promise<void>;
}

/**
 * Runs the polled sources and keeps the live state. Knows no protocol: main.ts hands it the
 * sources it built and the shared resources (links) to close after them.
 */
export class Supervisor {
  readonly bus: EventBus;
  readonly live = new LiveState();
  readonly startedAt = Date.now();
  private running: RunningSource[] = [];

  constructor(
    private sources: readonly SupervisedSource[],
    private shared: readonly Closable[],
    private readonly log: Logger,
  ) {
    this.bus = new EventBus((err, event) => this.log.error({ err, event }, 'listener failed'));
    this.bus.on('samples', this, (s) => this.live.applySamples(s));
    this.bus.on('machine-status', this, (e) => this.live.applyStatus(e));
  }

  stats(machine: string): CommStatsTracker | undefined {
    return this.sources.find((s) => s.machine === machine)?.stats;
  }

  start(): void {
    this.startSources();
    this.log.info({ machines: this.sources.length }, 'acquisition started');
  }

  /**
   * Hot reload: stops every running source (the poll in flight finishes and its samples reach the
   * bus), closes the old shared links, then starts the new sources. The bus, the live state and
   * every listener stay. Call after `start()`, never concurrently with itself or `stop()`.
   */
  async replace(sources: readonly SupervisedSource[], shared: readonly Closable[]): Promise<void> {
    await this.stopSources();
    this.sources = sources;
    this.shared = shared;
    this.startSources();
    this.log.info({ machines: sources.length }, 'acquisition restarted with the new config');
  }

  private async stopSources(): Promise<void> {
    await Promise.all(this.running.map((r) => r.stop()));
    this.running = [];
    await Promise.all(this.shared.map((c) => c.close()));
  }

  private startSources(): void {
    for (const s of this.sources) {
      const r = new RunningSource({
        source: s.source,
        points: s.points,
        pollIntervalMs: s.pollIntervalMs,
        bus: this.bus,
        stats: s.stats,
        log: this.log.child({ machine: s.machine }),
      });
      this.running.push(r);
      r.start();
    }
  }

  async stop(): Promise<void> {
    await this.stopSources();
    this.bus.removeListeners(this);
    this.log.info('acquisition stopped');
  }
}
