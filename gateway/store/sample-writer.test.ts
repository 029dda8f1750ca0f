import { afterEach, describe, expect, it } from 'vitest';
import type { SampleRow } from '../core/outbox.js';
import type { Quality, SampleValue } from '../core/sample.js';
import { FakeClock, sample, series, tempStores } from './testdata/temp-store.js';
import { decodeQuality, decodeValue, encodeValue } from './value-codec.js';

const t = tempStores();
afterEach(() => t.cleanup());

const VALUES: SampleValue[] = [
  0,
  1,
  -1,
  42,
  21.5,
  -273.15,
  1e-9,
  2 ** 53 - 1,
  -(2 ** 40),
  1.7976931348623157e308,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
  true,
  false,
  '',
  'ok',
  '123',
  '1e5',
  'Máy đóng gói số 2 — lỗi cảm biến',
  'tab\tnew\nline "quoted", comma=equals \\ backslash',
  null,
];
const QUALITIES: Quality[] = ['good', 'uncertain', 'bad'];

describe('value codec', () => {
  it.each(VALUES.map((v) => [v]))('%s round-trips in memory', (v) => {
    for (const q of QUALITIES) {
      const e = encodeValue(v, q);
      expect(decodeValue(e.value, e.flags)).toEqual(v);
      expect(decodeQuality(e.flags)).toBe(q);
    }
  });

  it('a good number has flags 0 (stored in zero bytes)', () => {
    expect(encodeValue(3.5, 'good')).toEqual({ value: 3.5, flags: 0 });
  });
});

describe('SampleWriter', () => {
  it('round-trips every value kind and quality through the database and the outbox', () => {
    const dir = t.dir();
    const s = t.open(dir);
    const outbox = s.registerSink('influx');
    const input = VALUES.flatMap((v, i) =>
      QUALITIES.map((q, j) => sample('máy-1', `p${i}`, v, 1000 + i * 3 + j, q)),
    );
    s.append(input);
    expect(s.flush()).toMatchObject({
      written: input.length,
      samples: input.length,
      pending: 0,
      full: false,
    });
    s.close();

    const again = t.open(dir);
    const rows = again.outbox('influx').next(1000).rows as SampleRow[];
    expect(outbox.sink).toBe('influx');
    expect(
      rows.map(({ machine, point, value, ts, quality }) => ({ machine, point, value, ts, quality })),
    ).toEqual(input);
    expect(rows.every((r) => r.kind === 'sample')).toBe(true);
  });

  it('round-trips events (tags and fields as given)', () => {
    const s = t.open(t.dir());
    const outbox = s.registerSink('influx');
    const e = {
      measurement: 'production',
      tags: { site: 'htx', machine: 'máy đóng gói', kind: 'shift' },
      fields: { good: 1200, reject: 3, oee: 0.81, running: true, note: 'ca sáng' },
      ts: 5000,
    };
    s.appendEvents([e]);
    s.flush();
    expect(outbox.next(10).rows).toEqual([{ key: expect.any(String), kind: 'event', ...e }]);
  });

  it('refuses invalid input for the whole call, before buffering anything', () => {
    const s = t.open(t.dir());
    expect(() => s.append([sample('m', 'p', 1, 1), sample('m', 'p', 1, Number.NaN)])).toThrow(
      expect.objectContaining({ code: 'LG_STORE_INVALID' }),
    );
    expect(() => s.appendEvents([{ measurement: '', tags: {}, fields: { a: 1 }, ts: 1 }])).toThrow(
      expect.objectContaining({ code: 'LG_STORE_INVALID' }),
    );
    expect(() => s.appendEvents([{ measurement: 'm', tags: {}, fields: {}, ts: 1 }])).toThrow(
      /at least one field/,
    );
    expect(() => s.appendEvents([{ measurement: 'm', tags: {}, fields: { a: Number.NaN }, ts: 1 }])).toThrow(
      /finite/,
    );
    expect(s.writer.pending()).toBe(0);
  });

  it('one flush = at most maxBatch rows in one transaction; the rest waits for the next flush', () => {
    const s = t.open(t.dir(), { maxBatch: 100 });
    s.registerSink('a', { from: 'start' });
    s.append(series('m', 'p', 250, 0));
    expect(s.flush()).toMatchObject({ written: 100, pending: 150 });
    expect(s.flush()).toMatchObject({ written: 100, pending: 50 });
    expect(s.flush()).toMatchObject({ written: 50, pending: 0 });
    expect(s.flush()).toMatchObject({ written: 0, pending: 0 });
    expect(s.stats().rawRows).toBe(250);
  });

  it('close() flushes everything buffered, in several transactions if needed', () => {
    const dir = t.dir();
    const s = t.open(dir, { maxBatch: 64 });
    s.append(series('m', 'p', 1000, 0));
    expect(s.close()).toEqual({ unwritten: 0 });
    expect(t.open(dir).stats().rawRows).toBe(1000);
  });

  it('keeps the series dictionary small and stable across reopen', () => {
    const dir = t.dir();
    const s = t.open(dir);
    s.append([sample('m1', 'a', 1, 1), sample('m1', 'b', 2, 2), sample('m2', 'a', 3, 3)]);
    s.flush();
    s.close();
    const again = t.open(dir);
    again.append([sample('m1', 'a', 4, 4), sample('m3', 'z', 5, 5)]);
    again.flush();
    const ids = again.db.prepare('SELECT id, machine, point FROM series ORDER BY id').all();
    expect(ids).toEqual([
      { id: 1, machine: 'm1', point: 'a' },
      { id: 2, machine: 'm1', point: 'b' },
      { id: 3, machine: 'm2', point: 'a' },
      { id: 4, machine: 'm3', point: 'z' },
    ]);
    const seriesOfRows = again.db.prepare('SELECT series FROM sample ORDER BY seq').pluck().all();
    expect(seriesOfRows).toEqual([1, 2, 3, 1, 4]);
  });

  it('bounds memory: beyond maxPending the oldest buffered samples are dropped and counted', () => {
    const dir = t.dir();
    const s = t.open(dir, { maxBatch: 10, maxPending: 20 });
    const out = s.registerSink('a', { from: 'start' });
    s.append(series('m', 'p', 25, 0));
    expect(s.writer.pending()).toBe(20);
    expect(s.stats().writer.droppedFromMemory).toBe(5);
    s.flush(); // the count is persisted with the next successful write
    expect(s.stats().droppedMemory).toBe(5);
    s.close();
    const again = t.open(dir);
    expect(again.stats().droppedMemory).toBe(5);
    const values = (again.outbox('a').next(100).rows as SampleRow[]).map((r) => r.value);
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i + 5));
    expect(out.sink).toBe('a');
  });

  it('records the last flush for stats', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    s.append(series('m', 'p', 10, clock.t));
    s.flush();
    const w = s.stats().writer;
    expect(w).toMatchObject({ lastFlushAt: clock.t, lastFlushRows: 10, pendingSamples: 0, full: false });
    expect(w.lastFlushMs).toBeGreaterThanOrEqual(0);
  });
});
