/**
 * Test support: stores in temp directories that are closed and removed after each test, a
 * settable clock, and sample factories. Used by the *.test.ts files beside the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Quality, SampleValue } from '../../core/sample.js';
import type { StoreSample } from '../sample-writer.js';
import { Store, type StoreOptions } from '../store.js';

export class FakeClock {
  constructor(public t = Date.UTC(2025, 0, 6, 8, 0, 0)) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TempStores {
  /** A new empty directory, removed after the test. */
  dir(): string;
  /** Opens a store (tracked: closed after the test if still open). */
  open(dir: string, opts?: Omit<StoreOptions, 'dataDir'>): Store;
  /** Closes every tracked store and removes every directory. Call in afterEach. */
  cleanup(): void;
}

export function tempStores(): TempStores {
  const dirs: string[] = [];
  const stores: Store[] = [];
  return {
    dir() {
      const d = mkdtempSync(join(tmpdir(), 'linegate-store-'));
      dirs.push(d);
      return d;
    },
    open(dir, opts = {}) {
      const s = Store.open({ dataDir: dir, ...opts });
      stores.push(s);
      return s;
    },
    cleanup() {
      for (const s of stores.splice(0)) if (s.isOpen) s.close();
      for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}

export function sample(
  machine: string,
  point: string,
  value: SampleValue,
  ts: number,
  quality: Quality = 'good',
  delta?: number,
): StoreSample {
  return delta === undefined
    ? { machine, point, value, ts, quality }
    : { machine, point, value, ts, quality, delta };
}

/** n good numeric samples of one series, value = first + i, ts = t0 + i × stepMs. */
export function series(
  machine: string,
  point: string,
  n: number,
  t0: number,
  stepMs = 1000,
  first = 0,
): StoreSample[] {
  return Array.from({ length: n }, (_, i) => sample(machine, point, first + i, t0 + i * stepMs));
}
