import { afterEach, describe, expect, it } from 'vitest';
import { normaliseStoreRaw } from '../../config/store-raw.js';
import type { Quality, SampleValue } from '../core/sample.js';
import { ChangeFilter, sameValue } from './change-filter.js';
import type { Store } from './store.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';
import { decodeQuality, decodeValue } from './value-codec.js';

const t = tempStores();
afterEach(() => t.cleanup());

const SEC = 1000;
const T0 = Date.UTC(2025, 2, 3, 8, 0, 0);

function open(dir: string, clock: FakeClock, deadband = 0): Store {
  return t.open(dir, { now: clock.now, raw: { onChange: true, deadband, heartbeatMs: 60 * SEC } });
}

/** Appends one sample per second from T0 (+offset s), flushing every 5. */
function feed(
  s: Store,
  clock: FakeClock,
  values: readonly (SampleValue | [SampleValue, Quality])[],
  offset = 0,
) {
  values.forEach((v, i) => {
    clock.t = T0 + (offset + i) * SEC;
    const [value, q] = Array.isArray(v) ? v : [v, 'good' as Quality];
    s.append([sample('m1', 'p', value, clock.t, q)]);
    if (i % 5 === 4) s.flush();
  });
  s.flush();
}

/** The raw rows as (seconds after T0, value, quality). */
const rawRows = (s: Store) =>
  (
    s.db.prepare('SELECT ts, value, flags FROM sample ORDER BY seq').all() as {
      ts: number;
      value: number;
      flags: number;
    }[]
  ).map((r) => [(r.ts - T0) / SEC, decodeValue(r.value, r.flags), decodeQuality(r.flags)]);

describe('change-only raw storage (store.raw.onChange)', () => {
  it('unchanged values get no raw row but count in the rollups; a change is written at once', () => {
    const clock = new FakeClock(T0);
    const s = open(t.dir(), clock);
    feed(s, clock, [5, 5, 5, 5, 5, 5, 7, 7, 7, 5]);
    expect(rawRows(s)).toEqual([
      [0, 5, 'good'],
      [6, 7, 'good'],
      [9, 5, 'good'],
    ]);
    expect(s.stats().writer.unchangedNotStored).toBe(7);
    // The rollups see every poll: 10 samples, avg of the held values.
    const h = s.history({ machine: 'm1', point: 'p', from: T0, to: clock.t, maxPoints: 1 });
    expect(h.resolution).toBe('1m');
    expect(h.points).toEqual([{ ts: T0, value: 5.6, count: 10, min: 5, max: 7, last: 5 }]);
    // The sinks get only the stored rows.
    expect(s.registerSink('influx', { from: 'start' }).next(100).rows.length).toBe(3);
  });

  it('writes a heartbeat at least every heartbeatS, and a quality change at once', () => {
    const clock = new FakeClock(T0);
    const s = open(t.dir(), clock);
    const values: (SampleValue | [SampleValue, Quality])[] = Array(130).fill(1);
    values[70] = [1, 'uncertain'];
    values[71] = [1, 'uncertain'];
    values[72] = 1;
    feed(s, clock, values);
    expect(rawRows(s)).toEqual([
      [0, 1, 'good'],
      [60, 1, 'good'], // heartbeat
      [70, 1, 'uncertain'],
      [72, 1, 'good'],
    ]);
    expect(s.stats().writer.unchangedNotStored).toBe(126);
  });

  it('respects the deadband against the last STORED value (a slow drift is written)', () => {
    const clock = new FakeClock(T0);
    const s = open(t.dir(), clock, 0.5);
    feed(s, clock, [
      10,
      10.4,
      9.6,
      10.3,
      10.6,
      10.9,
      11.0,
      11.2,
      'text',
      'text',
      null,
      null,
      true,
      true,
      false,
    ]);
    expect(rawRows(s)).toEqual([
      [0, 10, 'good'],
      [4, 10.6, 'good'], // 10.3 → 10.6 is within 0.5 of each other, but 0.6 from the stored 10
      [7, 11.2, 'good'],
      [8, 'text', 'good'],
      [10, null, 'good'],
      [12, true, 'good'],
      [14, false, 'good'],
    ]);
  });

  it('after a restart the first sample of each series is written, then suppression resumes', () => {
    const clock = new FakeClock(T0);
    const dir = t.dir();
    const first = open(dir, clock);
    feed(first, clock, [3, 3, 3]);
    first.close();
    const s = open(dir, clock);
    feed(s, clock, [3, 3, 3, 4], 3);
    expect(rawRows(s)).toEqual([
      [0, 3, 'good'],
      [3, 3, 'good'],
      [6, 4, 'good'],
    ]);
    // Rollups over the restart: every poll counted once.
    const h = s.history({ machine: 'm1', point: 'p', from: T0, to: clock.t, maxPoints: 1 });
    expect(h.points[0]).toMatchObject({ count: 7, value: 3 + 1 / 7 });
  });

  it('off by default: every sample is stored', () => {
    const clock = new FakeClock(T0);
    const s = t.open(t.dir(), { now: clock.now });
    feed(s, clock, [1, 1, 1]);
    expect(rawRows(s).length).toBe(3);
    expect(normaliseStoreRaw(undefined)).toEqual({ onChange: false, deadband: 0, heartbeatMs: 60_000 });
    expect(normaliseStoreRaw({ onChange: true, heartbeatS: 30 })).toEqual({
      onChange: true,
      deadband: 0,
      heartbeatMs: 30_000,
    });
  });
});

describe('ChangeFilter', () => {
  it('a rolled-back write does not count as stored', () => {
    const f = new ChangeFilter({ deadband: 0, heartbeatMs: 60_000 });
    f.begin();
    expect(f.keep(1, 0, 2, 'good')).toBe(true);
    expect(f.keep(1, 1000, 2, 'good')).toBe(false);
    f.rollback();
    f.begin();
    expect(f.keep(1, 0, 2, 'good')).toBe(true); // retried: still the first
    f.commit();
    f.begin();
    expect(f.keep(1, 2000, 2, 'good')).toBe(false);
    expect(f.keep(1, 70_000, 2, 'good')).toBe(true); // heartbeat
    expect(f.keep(1, 500, 2, 'good')).toBe(true); // older than the stored one: written
    f.commit();
    expect(f.suppressed()).toBe(1);
  });

  it('compares values by kind', () => {
    expect(sameValue(Number.NaN, Number.NaN, 0)).toBe(true);
    expect(sameValue(Number.NaN, 1, 5)).toBe(false);
    expect(sameValue(1, true, 0)).toBe(false);
    expect(sameValue(Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0)).toBe(true);
    expect(sameValue(1, 1.25, 0.25)).toBe(true);
    expect(sameValue('a', 'a', 0)).toBe(true);
    expect(sameValue(null, null, 0)).toBe(true);
  });
});
