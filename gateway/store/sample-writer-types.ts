/** The types and limits of sample-writer.ts (its options, inputs and results). */

import type { Logger } from 'pino';
import type { LinegateError } from '../core/errors.js';
import type { Sample } from '../core/sample.js';
import type { Counters } from './counters.js';
import type { MinuteSource } from './open-rollups.js';
import type { RawTables } from './raw-tables.js';
import type { SeqTimeline } from './seq-time.js';
import type { SeriesDictionary } from './series.js';

/** A sample as the store takes it: `delta` is the counter increment the pipeline computed. */
export interface StoreSample extends Sample {
  readonly delta?: number;
}

/** A non-telemetry row for the sinks (production, state, alarms), never shed. */
export interface StoreEvent {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | boolean | string>>;
  readonly ts: number;
}

/** What the writer needs from the retention policy; see retention.ts. */
export interface SpaceKeeper {
  makeRoom(rowsWanted: number): { readonly rows: number };
  enforceCap(): { readonly rows: number };
}

export interface SampleWriterOptions {
  /** Rows per flush transaction; default 50 000. */
  readonly maxBatch?: number;
  /** Samples held in memory at most; default 500 000 (about 100 MB). */
  readonly maxPending?: number;
  /** Day (and hour) rollup buckets start at local midnight of this fixed UTC offset; default 0. */
  readonly tzOffsetMinutes?: number;
  readonly now?: () => number;
  readonly log?: Logger;
  /** Shared with the other parts of a store; created if absent. */
  readonly series?: SeriesDictionary;
  readonly counters?: Counters;
  readonly timeline?: SeqTimeline;
  /** Without one, a full disk is reported but nothing is shed. */
  readonly space?: SpaceKeeper;
  /** Change-only raw storage (change-filter.ts); absent or onChange false = every sample. */
  readonly raw?: RawStorage;
  /** Where raw rows go (raw-tables.ts); default the card only. */
  readonly rawTables?: RawTables;
  /** Closed 1-minute rows in RAM (minute-blocks.ts); default the card's rollup_1m. */
  readonly minutes?: { readonly table: string; readonly source: MinuteSource };
}

/** When the writer checks the disk cap after a flush (checkCap). */
export const CAP_CHECK = { rows: 4096, ms: 1000 } as const;

export interface RawStorage {
  readonly onChange: boolean;
  /** Absolute, numbers only; 0 = exact. */
  readonly deadband: number;
  readonly heartbeatMs: number;
}

export interface FlushResult {
  /** Rows committed by this call (samples + events). */
  readonly written: number;
  readonly samples: number;
  readonly events: number;
  /** Still in memory after this call. */
  readonly pending: number;
  /** The disk stayed full: nothing was written. */
  readonly full: boolean;
  /** Raw samples shed by this call (disk full or disk cap). */
  readonly shed: number;
  readonly ms: number;
  readonly error?: LinegateError;
}

export interface WriterStats {
  readonly pendingSamples: number;
  readonly pendingEvents: number;
  readonly full: boolean;
  readonly lastFlushAt: number | null;
  readonly lastFlushMs: number | null;
  readonly lastFlushRows: number;
  /** Samples dropped from memory by this process (also persisted as counter `memory`). */
  readonly droppedFromMemory: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly ts: number } | null;
  /** Samples not written raw because they had not changed (raw.onChange), by this process. */
  readonly unchangedNotStored?: number;
}
