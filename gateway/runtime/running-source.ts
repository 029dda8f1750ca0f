import type { Logger } from 'pino';
import type { PointDef } from '../core/points.js';
import type { PolledSource, PollResult } from '../core/source.js';
import { type BackoffPolicy, backoffDelay } from './backoff.js';
import { type Clock, systemClock } from './clock.js';
import type { CommStatsTracker } from './comm-stats.js';
import type { EventBus } from './event-bus.js';
import { nextPollDelay } from './poll-grid.js';

export interface RunningSourceDeps {
  readonly source: PolledSource;
  readonly points: readonly PointDef[];
  readonly pollIntervalMs: number;
  readonly bus: EventBus;
  readonly stats: CommStatsTracker;
  readonly log: Logger;
  readonly clock?: Clock;
  /** Backoff for an unreachable device: the poll interval doubles up to maxMs. */
  readonly offlineBackoff?: BackoffPolicy;
}

/**
 * Owns the schedule of one polled source: polls at a fixed rate, on multiples of the interval
 * (poll-grid.ts: machines with the same interval are read together) and never overlapping (a
 * slow scan delays the next one instead of stacking), backs an unreachable device off, and
 * reports online/offline changes. Every poll's samples go on the bus, bad ones included.
 */
export class RunningSource {
  private timer: { cancel(): void } | null = null;
  private inFlight: Promise<void> | null = null;
  private stopped = false;
  private online: boolean | null = null;
  private failures = 0;
  private readonly clock: Clock;

  constructor(private readonly deps: RunningSourceDeps) {
    this.clock = deps.clock ?? systemClock;
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(this.fire, delayMs);
  }

  /** The timer's callback and its cleanup, made once (not two closures per poll). */
  private readonly fire = (): void => {
    this.inFlight = this.tick().finally(this.settled);
  };
  private readonly settled = (): void => {
    this.inFlight = null;
  };

  private async tick(): Promise<void> {
    const { source, bus, stats, log, pollIntervalMs } = this.deps;
    const t0 = this.clock.now();
    let result: PollResult;
    try {
      result = await source.poll(t0);
    } catch (err) {
      // A source should never throw (failed reads are data); if it does, treat it as unreachable.
      log.error({ err }, 'poll threw');
      result = {
        samples: this.deps.points.map((p) => ({
          machine: source.machine,
          point: p.name,
          value: null,
          ts: this.clock.now(),
          quality: 'bad' as const,
        })),
        errors: [{ code: 'LG_MODBUS_IO', message: (err as Error).message, points: [] }],
        reachable: false,
      };
    }
    const elapsed = this.clock.now() - t0;
    stats.scan(elapsed);
    if (result.samples.length > 0) bus.emit('samples', result.samples);
    if (result.errors.length > 0) log.debug({ errors: result.errors }, 'poll errors');
    this.setOnline(result.reachable, result.errors[0]?.message);
    let delay = nextPollDelay(t0, t0 + elapsed, pollIntervalMs);
    if (!result.reachable) {
      const policy = this.deps.offlineBackoff ?? {
        baseMs: pollIntervalMs,
        maxMs: Math.max(pollIntervalMs, 30_000),
      };
      delay = Math.max(delay, backoffDelay(this.failures++, policy));
    } else {
      this.failures = 0;
    }
    this.schedule(delay);
  }

  private setOnline(online: boolean, reason?: string): void {
    if (online === this.online) return;
    this.online = online;
    const machine = this.deps.source.machine;
    if (online) this.deps.log.info('machine online');
    else this.deps.log.warn({ reason }, 'machine offline');
    this.deps.bus.emit('machine-status', {
      machine,
      online,
      ts: this.clock.now(),
      ...(reason && !online ? { reason } : {}),
    });
  }

  /** Stops the schedule, waits for a poll in progress, then closes the source. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.inFlight;
    await this.deps.source.close();
  }
}
