import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Quality, SampleValue } from '../core/sample.js';
import type { HistoryPoint } from './history.js';
import { bucketStart, type Resolution } from './rollup.js';
import type { StoreSample } from './sample-writer.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const T0 = Date.UTC(2025, 2, 3, 0, 0, 0);

/** Rollup points computed the slow, obvious way from the samples, for comparison. */
function reference(samples: readonly StoreSample[], res: Resolution, from: number, to: number, tzMin = 0) {
  const buckets = new Map<number, { vals: { ts: number; v: number }[]; delta: number | null }>();
  for (const s of samples) {
    const b = bucketStart(s.ts, res, tzMin * MIN);
    if (b < bucketStart(from, res, tzMin * MIN) || b > to) continue;
    const entry = buckets.get(b) ?? { vals: [], delta: null };
    buckets.set(b, entry);
    const v = typeof s.value === 'boolean' ? Number(s.value) : s.value;
    if (s.quality !== 'bad' && typeof v === 'number' && Number.isFinite(v)) entry.vals.push({ ts: s.ts, v });
    if (s.delta !== undefined) entry.delta = (entry.delta ?? 0) + s.delta;
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ts, { vals, delta }]) => {
      const p: Record<string, number | null> = {
        ts,
        value: vals.length ? vals.reduce((a, x) => a + x.v, 0) / vals.length : null,
        count: vals.length,
      };
      if (vals.length) {
        p.min = Math.min(...vals.map((x) => x.v));
        p.max = Math.max(...vals.map((x) => x.v));
        p.last = [...vals].sort((a, b) => a.ts - b.ts).at(-1)?.v ?? null;
      }
      if (delta !== null) p.delta = delta;
      return p;
    });
}

const round = (points: readonly (HistoryPoint | Record<string, number | null>)[]) =>
  points.map((p) =>
    Object.fromEntries(
      Object.entries(p).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v]),
    ),
  );

interface Fixture {
  temp: StoreSample[];
  run: StoreSample[];
  counter: StoreSample[];
}

/** Three days at 5 s of three series (plus a neighbour), appended out of order across flushes. */
function fill(store: ReturnType<typeof t.open>): Fixture {
  const rnd = fc.sample(fc.integer({ min: -5000, max: 5000 }), { numRuns: 3 * 17_280, seed: 42 });
  const fx: Fixture = { temp: [], run: [], counter: [] };
  const all: StoreSample[] = [];
  const qualities: Quality[] = ['good', 'good', 'good', 'uncertain', 'bad'];
  for (let i = 0; i < 3 * 17_280; i++) {
    const ts = T0 + i * 5000;
    const r = rnd[i] ?? 0;
    const q = qualities[Math.abs(r) % 5] ?? 'good';
    const value: SampleValue = Math.abs(r) % 97 === 0 ? null : r / 10;
    fx.temp.push(sample('m1', 'temp', value, ts, q));
    fx.run.push(sample('m1', 'run', r > 0, ts + 1));
    fx.counter.push(sample('m1', 'count', i, ts + 2, 'good', 1));
    all.push(fx.temp.at(-1) as StoreSample, fx.run.at(-1) as StoreSample, fx.counter.at(-1) as StoreSample);
    all.push(sample('m2', 'temp', 1000 + r, ts + 3), sample('m1', 'recipe', `R${i % 3}`, ts + 4));
  }
  // Shuffle within windows of 3000 rows, and move every 1000th row 20 000 rows later (late data).
  const order = all.map((s, i) => ({ s, k: Math.floor(i / 3000) * 3000 + ((i * 7919) % 3000) }));
  for (let i = 0; i < order.length; i += 1000) {
    const o = order[i];
    if (o) o.k += 20_000;
  }
  order.sort((a, b) => a.k - b.k);
  for (let i = 0; i < order.length; i += 2500) {
    store.append(order.slice(i, i + 2500).map((o) => o.s));
    store.flush();
  }
  return fx;
}

describe('history', () => {
  const clock = new FakeClock(T0 + 3 * DAY);
  let fx: Fixture;
  let s: ReturnType<typeof t.open>;

  const setup = (tzOffsetMinutes = 0) => {
    s = t.open(t.dir(), { now: clock.now, tzOffsetMinutes });
    fx = fill(s);
  };

  it('chooses raw, 1m, 1h or 1d by range and maxPoints, and the rollups match a reference', () => {
    setup();
    // 10 minutes, 120 samples: raw, in ts order, booleans as 0/1, null as null.
    const from = T0 + DAY + 7 * MIN;
    const raw = s.history({ machine: 'm1', point: 'temp', from, to: from + 10 * MIN });
    expect(raw.resolution).toBe('raw');
    expect(raw.points).toEqual(
      fx.temp
        .filter((x) => x.ts >= from && x.ts <= from + 10 * MIN)
        .map((x) => ({ ts: x.ts, value: x.value as number | null })),
    );
    const run = s.history({ machine: 'm1', point: 'run', from, to: from + MIN });
    expect(run.points.map((p) => p.value)).toEqual(
      fx.run.filter((x) => x.ts >= from && x.ts <= from + MIN).map((x) => Number(x.value)),
    );

    // Same range, at most 100 points: 1m.
    const few = s.history({ machine: 'm1', point: 'temp', from, to: from + 10 * MIN, maxPoints: 100 });
    expect(few.resolution).toBe('1m');
    expect(round(few.points)).toEqual(round(reference(fx.temp, '1m', from, from + 10 * MIN)));

    // 12 hours: 8640 samples > 1000, 720 minutes: 1m.
    const half = s.history({ machine: 'm1', point: 'temp', from: T0 + 6 * HOUR, to: T0 + 18 * HOUR - 1 });
    expect(half.resolution).toBe('1m');
    expect(half.points).toHaveLength(720);
    expect(round(half.points)).toEqual(round(reference(fx.temp, '1m', T0 + 6 * HOUR, T0 + 18 * HOUR - 1)));

    // 3 days: 1h.
    const days = s.history({ machine: 'm1', point: 'temp', from: T0, to: T0 + 3 * DAY - 1 });
    expect(days.resolution).toBe('1h');
    expect(round(days.points)).toEqual(round(reference(fx.temp, '1h', T0, T0 + 3 * DAY - 1)));

    // 5 years back: 1d (1m no longer kept that far back, 1h too many buckets).
    const years = s.history({ machine: 'm1', point: 'count', from: T0 - 5 * 365 * DAY, to: T0 + 3 * DAY });
    expect(years.resolution).toBe('1d');
    expect(round(years.points)).toEqual(round(reference(fx.counter, '1d', T0 - 5 * 365 * DAY, T0 + 3 * DAY)));
    expect(years.points.map((p) => p.delta)).toEqual([17_280, 17_280, 17_280]);

    // Booleans average to the fraction of time on.
    const runH = s.history({ machine: 'm1', point: 'run', from: T0, to: T0 + 3 * DAY - 1 });
    expect(round(runH.points)).toEqual(round(reference(fx.run, '1h', T0, T0 + 3 * DAY - 1)));
  });

  it('falls back to the 1-minute rollups when raw rows were shed', () => {
    setup();
    s.retention.shedOldest(100_000); // about the first 23 hours of all series
    const from = T0 + HOUR;
    const r = s.history({ machine: 'm1', point: 'temp', from, to: from + 10 * MIN });
    expect(r.resolution).toBe('1m');
    expect(round(r.points)).toEqual(round(reference(fx.temp, '1m', from, from + 10 * MIN)));
    const later = s.history({ machine: 'm1', point: 'temp', from: T0 + 2 * DAY, to: T0 + 2 * DAY + MIN });
    expect(later.resolution).toBe('raw');
  });

  it('day buckets start at local midnight for a fixed UTC offset', () => {
    setup(420); // Asia/Ho_Chi_Minh, UTC+7
    const r = s.history({ machine: 'm1', point: 'count', from: T0 - 400 * DAY, to: T0 + 3 * DAY });
    expect(r.resolution).toBe('1d');
    expect(r.points.map((p) => new Date(p.ts).toISOString())).toEqual([
      '2025-03-02T17:00:00.000Z',
      '2025-03-03T17:00:00.000Z',
      '2025-03-04T17:00:00.000Z',
      '2025-03-05T17:00:00.000Z',
    ]);
    expect(round(r.points)).toEqual(round(reference(fx.counter, '1d', T0 - 400 * DAY, T0 + 3 * DAY, 420)));
  });

  it('an unknown series has no points; a bad range is LG_STORE_INVALID', () => {
    s = t.open(t.dir(), { now: clock.now });
    expect(s.history({ machine: 'x', point: 'y', from: T0, to: T0 + MIN })).toEqual({
      resolution: 'raw',
      points: [],
    });
    expect(s.history({ machine: 'x', point: 'y', from: T0, to: T0 + 30 * DAY }).points).toEqual([]);
    expect(() => s.history({ machine: 'x', point: 'y', from: T0, to: T0 - 1 })).toThrow(
      expect.objectContaining({ code: 'LG_STORE_INVALID' }),
    );
  });
});
