/**
 * Owns the store's timers: a flush about once a second (one transaction per tick at nominal
 * load; a few back to back when more than `maxBatch` rows are waiting) and retention plus the
 * disk cap about once a minute. The store itself holds no timers.
 *
 * Calling rules: `start()` once; `stop()` once, before `store.close()`. `stop()` clears the
 * timers and flushes until nothing is buffered (or the disk refuses), so a clean stop loses
 * nothing. Failures are data: a flush that reports `full` or `error` is logged once per change
 * of state and retried at the next tick; a throwing `maintain()` is logged and retried at the
 * next minute. `onFlush` is called after every tick that wrote rows (wake the sinks with it).
 */
import type { Logger } from 'pino';
import type { FlushResult } from './sample-writer.js';
import type { MaintainResult } from './store.js';

/** What the runner drives; `Store` is one. */
export interface Flushable {
  flush(): FlushResult;
  maintain(): MaintainResult;
}

export interface StoreRunnerOptions {
  /** Default 1000. */
  readonly flushIntervalMs?: number;
  /** Default 60 000. */
  readonly maintainIntervalMs?: number;
  /** Flushes per tick at most when rows keep coming faster than maxBatch per flush; default 10. */
  readonly maxFlushesPerTick?: number;
  readonly log?: Logger;
  readonly onFlush?: (result: FlushResult) => void;
}

export class StoreRunner {
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private maintainTimer: ReturnType<typeof setInterval> | null = null;
  private failing: string | null = null;

  constructor(
    private readonly store: Flushable,
    private readonly opts: StoreRunnerOptions = {},
  ) {}

  start(): void {
    if (this.flushTimer) return;
    this.flushTimer = setInterval(() => this.tick(), this.opts.flushIntervalMs ?? 1000);
    this.maintainTimer = setInterval(() => this.maintain(), this.opts.maintainIntervalMs ?? 60_000);
  }

  /** Stops the timers and flushes everything buffered. Returns the last flush's result. */
  stop(): FlushResult | null {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.maintainTimer) clearInterval(this.maintainTimer);
    this.flushTimer = null;
    this.maintainTimer = null;
    let last: FlushResult | null = null;
    for (;;) {
      last = this.flushOnce();
      if (!last || last.pending === 0 || last.written === 0) break;
    }
    return last;
  }

  /** One timer tick: flush, and flush again while a full batch was written and more waits. */
  tick(): void {
    const max = this.opts.maxFlushesPerTick ?? 10;
    for (let i = 0; i < max; i++) {
      const r = this.flushOnce();
      if (!r || r.written === 0 || r.pending === 0) break;
    }
  }

  private flushOnce(): FlushResult | null {
    let r: FlushResult;
    try {
      r = this.store.flush();
    } catch (err) {
      this.report('threw', err);
      return null;
    }
    if (r.error) this.report(r.error.code, r.error);
    else if (r.written > 0) this.report(null, null);
    if (r.written > 0) this.opts.onFlush?.(r);
    return r;
  }

  private maintain(): void {
    try {
      this.store.maintain();
    } catch (err) {
      this.opts.log?.error({ err }, 'store maintenance failed; retried at the next interval');
    }
  }

  /** Logs a failure once per change of state, and the recovery. */
  private report(state: string | null, err: unknown): void {
    if (state === this.failing) return;
    if (state === null) this.opts.log?.info({ after: this.failing }, 'store flush recovered');
    else this.opts.log?.error({ err }, 'store flush failed; rows kept in memory and retried');
    this.failing = state;
  }
}
