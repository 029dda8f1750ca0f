import { afterEach, describe, expect, it } from 'vitest';
import type { SampleRow } from '../core/outbox.js';
import { FakeClock, series, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const dropped = (s: ReturnType<typeof t.open>) =>
  Object.fromEntries(s.stats().sinks.map((x) => [x.name, x.dropped.retention]));

/** depth() and rawRows come from seq arithmetic (row-counts.ts): compare with real counts. */
const expectCountsExact = (s: ReturnType<typeof t.open>) => {
  const count = (sql: string, ...args: number[]) =>
    s.db
      .prepare(sql)
      .pluck()
      .get(...args);
  const st = s.stats();
  expect(st.rawRows).toBe(count('SELECT count(*) FROM sample'));
  for (const x of st.sinks) {
    expect(x.depth).toBe(
      count(
        'SELECT (SELECT count(*) FROM sample WHERE seq > ?) + (SELECT count(*) FROM event WHERE seq > ?)',
        x.cursor,
        x.cursor,
      ),
    );
  }
};

describe('age retention of raw samples', () => {
  it('never deletes a row younger than the retention; deletes older ones and counts them per unsent sink', () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const s = t.open(t.dir(), { now: clock.now });
    const all = s.registerSink('all');
    const half = s.registerSink('half');
    s.registerSink('none');

    s.append(series('m', 'p', 100, t0));
    s.flush();
    all.ack(all.next(1000));
    half.ack(half.next(40));
    clock.advance(HOUR);
    s.append(series('m', 'p', 50, clock.t, 1000, 100));
    s.flush();

    clock.t = t0 + 7 * DAY - MIN;
    expect(s.maintain().age.raw.rows).toBe(0);
    expect(s.stats().rawRows).toBe(150);

    clock.t = t0 + 7 * DAY + 2 * MIN;
    const r = s.maintain().age.raw;
    expect(r.rows).toBe(100);
    expect(r.unsentBySink).toEqual({ all: 0, half: 60, none: 100 });
    expect(dropped(s)).toEqual({ all: 0, half: 60, none: 100 });
    expect(s.stats().rawRows).toBe(50);
    expectCountsExact(s);
    // Sinks behind simply continue with what is left, in order.
    expect((half.next(1).rows[0] as SampleRow).value).toBe(100);

    // Running again deletes and counts nothing more.
    expect(s.maintain().age.raw.rows).toBe(0);
    all.ack(all.next(1000));
    clock.t = t0 + HOUR + 7 * DAY + 2 * MIN;
    expect(s.maintain().age.raw).toEqual({ rows: 50, unsentBySink: { all: 0, half: 50, none: 50 } });
    expect(dropped(s)).toEqual({ all: 0, half: 110, none: 150 });
    expect(s.stats().rawRows).toBe(0);
    expect(half.next(10).rows).toEqual([]);
  });

  it('a retention of 1 hour, configurable; counts persist across reopen', () => {
    const clock = new FakeClock();
    const dir = t.dir();
    const s = t.open(dir, { now: clock.now, retention: { rawRetentionMs: HOUR } });
    s.registerSink('influx');
    s.append(series('m', 'p', 10, clock.t));
    s.flush();
    clock.advance(HOUR + 2 * MIN);
    expect(s.maintain().age.raw.rows).toBe(10);
    s.close();
    expect(dropped(t.open(dir, { now: clock.now }))).toEqual({ influx: 10 });
  });

  it('age is the time since the row was stored: a late sample gets the full window', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    s.registerSink('influx');
    s.append(series('m', 'p', 10, clock.t - 30 * DAY)); // acquired a month ago, stored now
    s.flush();
    clock.advance(6 * DAY);
    expect(s.maintain().age.raw.rows).toBe(0);
    clock.advance(DAY + 2 * MIN);
    expect(s.maintain().age.raw.rows).toBe(10);
  });

  it('a clock stepping back (Pi without RTC) never makes young rows go', () => {
    const clock = new FakeClock();
    const t0 = clock.t;
    const s = t.open(t.dir(), { now: clock.now });
    s.append(series('m', 'p', 10, t0));
    s.flush();
    clock.t = t0 - HOUR; // NTP corrects the clock backwards
    s.append(series('m', 'p', 10, clock.t, 1000, 10));
    s.flush();
    // 7 days after the *earlier* clock reading: the first rows (stored at t0) are not yet 7 days old.
    clock.t = t0 - HOUR + 7 * DAY + 2 * MIN;
    expect(s.maintain().age.raw.rows).toBe(0);
    clock.t = t0 + 7 * DAY + 2 * MIN;
    expect(s.maintain().age.raw.rows).toBe(20);
  });
});

describe('age retention of events, rollups and quarantine', () => {
  it('an unsent event is never deleted; once every sink acked it and it is older than 30 days, it goes', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    const a = s.registerSink('a');
    const b = s.registerSink('b');
    s.appendEvents([{ measurement: 'alarm', tags: {}, fields: { active: true }, ts: clock.t }]);
    s.flush();
    a.ack(a.next(10));
    clock.advance(40 * DAY);
    s.append(series('m', 'p', 5, clock.t));
    s.flush();
    expect(s.maintain().age.events).toBe(0);
    expect(s.maintain().age.raw.rows).toBe(0);
    expect(s.stats().eventRows).toBe(1);
    expectCountsExact(s);
    expect(b.next(10).rows.map((r) => r.kind)).toEqual(['event', ...Array(5).fill('sample')]);
    b.ack(b.next(10));
    clock.advance(8 * 86_400_000);
    expect(s.maintain().age).toMatchObject({ events: 1, raw: { rows: 5 } });
    expect(s.stats().eventRows).toBe(0);
    expectCountsExact(s);
  });

  it('rollups: 1m kept 90 days, 1h 2 years, 1d forever (defaults); quarantine 30 days', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    const a = s.registerSink('a');
    s.append(series('m', 'p', 3, clock.t));
    s.flush();
    const batch = a.next(10);
    a.quarantine(batch, [batch.rows[0]?.key ?? ''], 'bad');
    a.ack(batch);
    clock.advance(DAY); // the buckets close: their rows are written (open-rollups.ts)
    s.flush();
    const count = (table: string) => s.db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
    expect([count('rollup_1m'), count('rollup_1h'), count('rollup_1d'), count('quarantine')]).toEqual([
      1, 1, 1, 1,
    ]);
    clock.advance(31 * DAY);
    s.maintain();
    expect([count('rollup_1m'), count('rollup_1h'), count('rollup_1d'), count('quarantine')]).toEqual([
      1, 1, 1, 0,
    ]);
    clock.advance(60 * DAY);
    s.maintain();
    expect([count('rollup_1m'), count('rollup_1h'), count('rollup_1d')]).toEqual([0, 1, 1]);
    clock.advance(2 * 365 * DAY);
    s.maintain();
    expect([count('rollup_1m'), count('rollup_1h'), count('rollup_1d')]).toEqual([0, 0, 1]);
  });

  it('prunes seq_time entries no longer needed but keeps the newest', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    for (let i = 0; i < 5; i++) {
      s.append(series('m', 'p', 2, clock.t));
      s.flush();
      clock.advance(MIN);
    }
    const entries = () => s.db.prepare('SELECT count(*) FROM seq_time').pluck().get();
    expect(entries()).toBe(5);
    clock.advance(8 * DAY);
    s.maintain();
    expect(s.stats().rawRows).toBe(0);
    expect(entries()).toBe(1);
  });
});
