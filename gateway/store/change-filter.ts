/**
 * Change-only raw storage (opt-in, `store.raw.onChange`), report by exception as SCADA
 * historians do: a sample whose quality equals, and whose value equals within `deadband`, the
 * LAST STORED sample of its series, less than `heartbeatMs` after it, gets no raw row. It is
 * still counted in the rollups (cnt, n, avg, min, max, last, delta) as the value held.
 *
 * What it changes: the raw table (and so InfluxDB and every other sink) holds the changes and
 * one row per series at least every heartbeat, not every poll. With deadband 0 no value
 * information is lost, only the repeated timestamps; with a deadband, values within it of the
 * last stored one are not kept raw (the rollups still see them). Comparison is always with the
 * last stored value, so a slow drift is written once it exceeds the deadband.
 *
 * Equality: numbers within `deadband` (NaN equals NaN), booleans, strings and null exactly,
 * and the same quality. After a restart the first sample of every series is written (the
 * filter's memory starts empty: never a wrong suppression, one extra row per series).
 *
 * Calling rules: the writer calls `begin()` before its transaction, `keep()` for each sample in
 * order, then `commit()` after the commit or `rollback()` after a failure (a rolled-back
 * sample must not count as stored). Pure apart from its own memory.
 */
import type { Quality, SampleValue } from '../core/sample.js';

export interface ChangeFilterOptions {
  /** Absolute; 0 = exact. Applies to numbers only. */
  readonly deadband: number;
  /** A row at least this often per series, even when nothing changed. */
  readonly heartbeatMs: number;
}

interface Stored {
  readonly ts: number;
  readonly value: SampleValue;
  readonly quality: Quality;
}

export class ChangeFilter {
  private readonly last = new Map<number, Stored>();
  private pending = new Map<number, Stored>();
  private suppressedNow = 0;
  private suppressedTotal = 0;

  constructor(private readonly opts: ChangeFilterOptions) {}

  begin(): void {
    this.pending = new Map();
    this.suppressedNow = 0;
  }

  /** Whether the sample gets a raw row. */
  keep(series: number, ts: number, value: SampleValue, quality: Quality): boolean {
    const prev = this.pending.get(series) ?? this.last.get(series);
    if (
      prev !== undefined &&
      prev.quality === quality &&
      ts >= prev.ts &&
      ts - prev.ts < this.opts.heartbeatMs &&
      sameValue(prev.value, value, this.opts.deadband)
    ) {
      this.suppressedNow++;
      return false;
    }
    if (prev === undefined || ts >= prev.ts) this.pending.set(series, { ts, value, quality });
    return true;
  }

  commit(): void {
    for (const [series, s] of this.pending) this.last.set(series, s);
    this.pending = new Map();
    this.suppressedTotal += this.suppressedNow;
    this.suppressedNow = 0;
  }

  rollback(): void {
    this.pending = new Map();
    this.suppressedNow = 0;
  }

  /** Samples not written raw by this process. */
  suppressed(): number {
    return this.suppressedTotal;
  }
}

export function sameValue(a: SampleValue, b: SampleValue, deadband: number): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    return a === b || Math.abs(a - b) <= deadband;
  }
  return a === b;
}
