import type { Sample } from './sample.js';

/** Per-device communication statistics, as shown by GET /api/machines. */
export interface CommStats {
  readonly requests: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly exceptions: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly ts: number } | null;
  readonly lastSuccessTs: number | null;
  readonly latencyMeanMs: number | null;
  readonly latencyP95Ms: number | null;
  /** Last completed scan (all requests of one poll), milliseconds. */
  readonly lastScanMs: number | null;
}

export interface PollResult {
  readonly samples: readonly Sample[];
  /** Failed reads are data, not a crash: one entry per failed request. */
  readonly errors: readonly {
    readonly code: string;
    readonly message: string;
    readonly points: readonly string[];
  }[];
  /** False when the device gave no answer at all (timeouts, no connection): it is offline. */
  readonly reachable: boolean;
}

/**
 * A polled source reads one machine on demand.
 * Calling rules: the runtime calls `poll()` on its own schedule and never calls it again before
 * the previous call has settled; a source holds no timers of its own. `close()` is called once,
 * after the last poll has settled; after it, no method is called again.
 */
export interface PolledSource {
  readonly machine: string;
  poll(now: number): Promise<PollResult>;
  close(): Promise<void>;
}

/**
 * A streaming source pushes samples as they arrive (MQTT).
 * Calling rules: `start(emit)` once; `emit` may be called any number of times until `stop()`
 * resolves. `stop()` is called once.
 */
export interface StreamingSource {
  readonly id: string;
  start(emit: (samples: readonly Sample[]) => void): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Per-machine statistics of a streaming (MQTT) machine, as shown by GET /api/machines in place
 * of the request counters of a polled one.
 */
export interface MessageStats {
  /** Messages that reached this machine's topic, accepted or not. */
  readonly messages: number;
  /** Messages whose samples were stored. */
  readonly accepted: number;
  /** Messages refused, by reason (payload hygiene, bad timestamp…); never stored. */
  readonly rejected: Readonly<Record<string, number>>;
  readonly lastMessageTs: number | null;
  readonly lastRejected: { readonly reason: string; readonly detail: string; readonly ts: number } | null;
}
