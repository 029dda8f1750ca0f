import type { CommStats } from '../core/source.js';

export type RequestOutcome = 'ok' | 'timeout' | 'exception' | 'error';

const WINDOW = 256;

/** Upper bounds (ms) of the cumulative latency buckets kept for GET /metrics. */
export const LATENCY_BUCKETS_MS: readonly number[] = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000];

/** Cumulative latency of answered requests since start: counts[i] = requests ≤ bounds[i] ms. */
export interface LatencyHistogram {
  readonly boundsMs: readonly number[];
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumMs: number;
}

/** Per-device request counters and a rolling latency window (last 256 answered requests). */
export class CommStatsTracker {
  private requests = 0;
  private errors = 0;
  private timeouts = 0;
  private exceptions = 0;
  private lastError: CommStats['lastError'] = null;
  private lastSuccessTs: number | null = null;
  private lastScanMs: number | null = null;
  private readonly latencies: number[] = [];
  private next = 0;
  private readonly buckets = LATENCY_BUCKETS_MS.map(() => 0);
  private answered = 0;
  private sumMs = 0;

  record(
    outcome: RequestOutcome,
    latencyMs: number,
    ts: number,
    err?: { code: string; message: string },
  ): void {
    this.requests++;
    if (outcome === 'ok' || outcome === 'exception') {
      // An exception is an answer: it counts towards latency.
      if (this.latencies.length < WINDOW) this.latencies.push(latencyMs);
      else this.latencies[this.next] = latencyMs;
      this.next = (this.next + 1) % WINDOW;
      this.answered++;
      this.sumMs += latencyMs;
      for (let i = 0; i < LATENCY_BUCKETS_MS.length; i++) {
        if (latencyMs <= (LATENCY_BUCKETS_MS[i] ?? 0)) this.buckets[i] = (this.buckets[i] ?? 0) + 1;
      }
    }
    if (outcome === 'ok') {
      this.lastSuccessTs = ts;
      return;
    }
    this.errors++;
    if (outcome === 'timeout') this.timeouts++;
    if (outcome === 'exception') this.exceptions++;
    if (err) this.lastError = { code: err.code, message: err.message, ts };
  }

  scan(ms: number): void {
    this.lastScanMs = ms;
  }

  /** Latency of every answered request since start, in fixed buckets (cumulative). */
  latencyHistogram(): LatencyHistogram {
    return {
      boundsMs: LATENCY_BUCKETS_MS,
      counts: [...this.buckets],
      count: this.answered,
      sumMs: this.sumMs,
    };
  }

  snapshot(): CommStats {
    const sorted = [...this.latencies].sort((a, b) => a - b);
    const mean = sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : null;
    const p95 = sorted.length
      ? (sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)] ?? null)
      : null;
    return {
      requests: this.requests,
      errors: this.errors,
      timeouts: this.timeouts,
      exceptions: this.exceptions,
      lastError: this.lastError,
      lastSuccessTs: this.lastSuccessTs,
      latencyMeanMs: mean === null ? null : Math.round(mean * 100) / 100,
      latencyP95Ms: p95 === null ? null : Math.round(p95 * 100) / 100,
      lastScanMs: this.lastScanMs,
    };
  }
}
