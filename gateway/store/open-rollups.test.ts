import { afterEach, describe, expect, it } from 'vitest';
import { bucketStart, type Resolution } from './rollup.js';
import type { StoreSample } from './sample-writer.js';
import type { Store } from './store.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const SEC = 1000;
const MIN = 60_000;
const T0 = Date.UTC(2025, 2, 3, 9, 58, 0); // two minutes before an hour boundary

/** The rollup point of one bucket computed the obvious way (numeric, not bad). */
function reference(samples: readonly StoreSample[], res: Resolution, bucket: number, withDelta = true) {
  const inBucket = samples.filter((s) => bucketStart(s.ts, res) === bucket);
  const vals = inBucket
    .filter((s) => s.quality !== 'bad' && typeof s.value === 'number')
    .map((s) => s.value as number);
  const deltas = inBucket.filter((s) => s.delta !== undefined).map((s) => s.delta as number);
  const p: Record<string, number | null> = {
    ts: bucket,
    value: vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : null,
    count: vals.length,
  };
  if (vals.length) {
    p.min = Math.min(...vals);
    p.max = Math.max(...vals);
    p.last = vals.at(-1) ?? null;
  }
  if (withDelta && deltas.length) p.delta = deltas.reduce((a, b) => a + b, 0);
  return p;
}

/** Every 2 s from `from` for `seconds`: a temperature (some bad) and a counter with deltas. */
function feed(s: Store, clock: FakeClock, from: number, seconds: number, log: StoreSample[]): void {
  for (let ts = from; ts < from + seconds * SEC; ts += 2 * SEC) {
    clock.t = ts;
    const i = (ts - T0) / (2 * SEC);
    const batch = [
      sample('m1', 'temp', (i * 37) % 101, ts, i % 9 === 0 ? 'bad' : 'good'),
      sample('m1', 'count', i, ts, 'good', 1),
    ];
    s.append(batch);
    log.push(...batch);
    if (i % 5 === 0) s.flush();
  }
  s.flush();
}

const rollupRows = (s: Store, table: string) =>
  s.db.prepare(`SELECT bucket, cnt FROM ${table} ORDER BY bucket`).all() as { bucket: number; cnt: number }[];

describe('open rollup buckets: written once, when they close', () => {
  it('keeps open buckets in memory, writes each closed minute once', () => {
    const clock = new FakeClock(T0);
    const s = t.open(t.dir(), { now: clock.now });
    const log: StoreSample[] = [];
    feed(s, clock, T0, 30, log);
    // Nothing closed yet: no rollup row written, whatever the number of flushes.
    expect([rollupRows(s, 'rollup_1m'), rollupRows(s, 'rollup_1h'), rollupRows(s, 'rollup_1d')]).toEqual([
      [],
      [],
      [],
    ]);
    const changes = () => s.db.prepare('SELECT total_changes()').pluck().get() as number;
    feed(s, clock, T0 + 30 * SEC, 60, log); // into the next minute, past the 5 s grace
    expect(rollupRows(s, 'rollup_1m')).toEqual([
      { bucket: T0, cnt: 30 },
      { bucket: T0, cnt: 30 },
    ]);
    expect(rollupRows(s, 'rollup_1h')).toEqual([]);
    // An idle flush closes a bucket too (no new sample needed), and writes nothing when none is due.
    clock.t = T0 + 2 * MIN + 6 * SEC;
    const before = changes();
    expect(s.flush().written).toBe(0);
    expect(changes()).toBeGreaterThan(before);
    expect(rollupRows(s, 'rollup_1m').map((r) => r.bucket)).toEqual([T0, T0, T0 + MIN, T0 + MIN]);
    const after = changes();
    s.flush();
    expect(changes()).toBe(after);
  });

  it('history over open buckets answers right at every resolution (raw, 1m, 1h, 1d)', () => {
    const clock = new FakeClock(T0);
    const s = t.open(t.dir(), { now: clock.now });
    const log: StoreSample[] = [];
    feed(s, clock, T0, 200, log); // 09:58:00 … 10:01:18: two closed minutes, hour 09 closed
    const temps = log.filter((x) => x.point === 'temp');
    const counts = log.filter((x) => x.point === 'count');
    const q = { machine: 'm1', point: 'temp' };
    const raw = s.history({ ...q, from: T0, to: clock.t });
    expect(raw.resolution).toBe('raw');
    expect(raw.points.length).toBe(temps.length);
    // 1m: four minute buckets, the last one open (in memory only).
    const m = s.history({ ...q, from: T0, to: clock.t, maxPoints: 4 });
    expect(m.resolution).toBe('1m');
    expect(m.points).toEqual([0, 1, 2, 3].map((k) => reference(temps, '1m', T0 + k * MIN)));
    // 1h: hour 09 is closed (written), hour 10 open.
    const h = s.history({ machine: 'm1', point: 'count', from: T0, to: clock.t, maxPoints: 2 });
    expect(h.resolution).toBe('1h');
    const H10 = T0 + 2 * MIN;
    expect(h.points).toEqual([reference(counts, '1h', T0 - 58 * MIN), reference(counts, '1h', H10)]);
    // 1d: the day is open.
    const d = s.history({ ...q, from: T0 - 2 * 3_600_000, to: clock.t, maxPoints: 1 });
    expect(d.resolution).toBe('1d');
    expect(d.points).toEqual([reference(temps, '1d', bucketStart(T0, '1d'))]);
  });

  it('rebuilds the open buckets after a crash from the raw rows (only the open minute loses its delta)', () => {
    const clock = new FakeClock(T0);
    const dir = t.dir();
    const crashed = t.open(dir, { now: clock.now });
    const log: StoreSample[] = [];
    feed(crashed, clock, T0, 200, log);
    // The crash: `crashed` is abandoned without close(); a new store opens the same file and sees
    // exactly what the committed transactions left (what a kill -9 leaves, store.kill9.test.ts).
    const s = t.open(dir, { now: clock.now });
    const temps = log.filter((x) => x.point === 'temp');
    const counts = log.filter((x) => x.point === 'count');
    const m = s.history({ machine: 'm1', point: 'temp', from: T0, to: clock.t, maxPoints: 4 });
    expect(m.points).toEqual([0, 1, 2, 3].map((k) => reference(temps, '1m', T0 + k * MIN)));
    const H10 = T0 + 2 * MIN;
    const open = T0 + 3 * MIN; // the minute open at the crash: its deltas are not in raw rows
    const lost = counts.filter((x) => x.ts >= open).length;
    const h = s.history({ machine: 'm1', point: 'count', from: H10, to: clock.t, maxPoints: 2 });
    expect(h.resolution).toBe('1m');
    expect(h.points).toEqual([reference(counts, '1m', H10), reference(counts, '1m', open, false)]);
    const hour = s.history({ machine: 'm1', point: 'count', from: T0, to: clock.t, maxPoints: 2 });
    const ref10 = reference(counts, '1h', H10);
    expect(hour.points[1]).toEqual({ ...ref10, delta: (ref10.delta ?? 0) - lost });
    // It carries on: later samples fold into the rebuilt buckets, which are written once closed.
    feed(s, clock, clock.t + 2 * SEC, 120, log);
    clock.t += 3_600_000;
    s.flush();
    const cnt1h = rollupRows(s, 'rollup_1h').filter((r) => r.bucket === H10);
    expect(cnt1h.reduce((a, r) => a + r.cnt, 0)).toBe(log.filter((x) => x.ts >= H10).length);
    const byMinute = new Map<number, number>();
    for (const r of rollupRows(s, 'rollup_1m')) byMinute.set(r.bucket, (byMinute.get(r.bucket) ?? 0) + r.cnt);
    for (const [bucket, cnt] of byMinute) {
      expect(cnt, `minute ${new Date(bucket).toISOString()}`).toBe(
        log.filter((x) => bucketStart(x.ts, '1m') === bucket).length,
      );
    }
  });

  it('a clean stop writes the open minutes: a restart loses nothing, deltas included', () => {
    const clock = new FakeClock(T0);
    const dir = t.dir();
    const first = t.open(dir, { now: clock.now });
    const log: StoreSample[] = [];
    feed(first, clock, T0, 200, log);
    first.close();
    const s = t.open(dir, { now: clock.now });
    feed(s, clock, clock.t + 2 * SEC, 30, log); // more samples for the minute written at stop
    const counts = log.filter((x) => x.point === 'count');
    const H10 = T0 + 2 * MIN;
    const h = s.history({ machine: 'm1', point: 'count', from: H10, to: clock.t, maxPoints: 2 });
    expect(h.resolution).toBe('1m');
    expect(h.points).toEqual([0, 1].map((k) => reference(counts, '1m', H10 + k * MIN)));
    const hour = s.history({ machine: 'm1', point: 'count', from: T0, to: clock.t, maxPoints: 2 });
    expect(hour.points).toEqual([reference(counts, '1h', T0 - 58 * MIN), reference(counts, '1h', H10)]);
  });

  it('without a horizon (a file from before): rows in the tables count as closed, late samples merge', () => {
    const clock = new FakeClock(T0);
    const dir = t.dir();
    const old = t.open(dir, { now: clock.now });
    const log: StoreSample[] = [];
    feed(old, clock, T0, 20, log);
    old.close();
    // As an older linegate left it: the current minute's row upserted, no horizon table.
    const s0 = t.open(dir, { now: clock.now });
    s0.db.exec("DROP TABLE rollup_horizon; DELETE FROM component_version WHERE name = 'rollup-horizon'");
    s0.close();
    const s = t.open(dir, { now: clock.now });
    feed(s, clock, clock.t + 2 * SEC, 20, log);
    const temps = log.filter((x) => x.point === 'temp');
    const m = s.history({ machine: 'm1', point: 'temp', from: T0, to: clock.t, maxPoints: 1 });
    expect(m.resolution).toBe('1m');
    expect(m.points).toEqual([reference(temps, '1m', T0)]);
  });
});
