import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SampleRow } from '../core/outbox.js';
import type { FlushResult } from './sample-writer.js';
import { FakeClock, series, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const MiB = 1024 * 1024;
const event = (i: number) => ({
  measurement: 'production',
  tags: { machine: 'm', shift: 'A' },
  fields: { good: i, note: 'x'.repeat(200) },
  ts: i,
});

describe('disk cap (maxBytes)', () => {
  it('sheds the oldest raw samples only, counts every one exactly, per unsent sink, and stays near the cap', () => {
    const clock = new FakeClock();
    const maxBytes = 3 * MiB;
    const s = t.open(t.dir(), { now: clock.now, retention: { maxBytes } });
    const none = s.registerSink('none');
    const some = s.registerSink('some');
    s.appendEvents(Array.from({ length: 20 }, (_, i) => event(i)));
    s.flush();

    const total = 200_000;
    let shedByFlushes = 0;
    let someAcked = 0;
    for (let i = 0; i < total; i += 5000) {
      s.append(series('m', `p${(i / 5000) % 4}`, 5000, clock.t + i, 1, i));
      const r = s.flush();
      expect(r).toMatchObject({ written: 5000, full: false });
      shedByFlushes += r.shed;
      expect(s.retention.usage().usedBytes).toBeLessThanOrEqual(maxBytes);
      if (i === 0) {
        const b = some.next(10_020); // the 20 events and the first 10 000 samples
        some.ack(b);
        someAcked = b.rows.length;
      }
    }
    const st = s.stats();
    expect(st.shed).toBeGreaterThan(50_000);
    expect(st.shed).toBe(shedByFlushes);
    expect(st.rawRows + st.shed).toBe(total); // every sample is either kept or counted
    expect(st.rawRows).toBe(s.db.prepare('SELECT count(*) FROM sample').pluck().get());
    expect(st.sinks.map((x) => x.depth)).toEqual([
      s.db.prepare('SELECT count(*) + 20 FROM sample').pluck().get(),
      s.db.prepare('SELECT count(*) FROM sample WHERE seq > ?').pluck().get(st.sinks[1]?.cursor),
    ]);
    const bySink = Object.fromEntries(st.sinks.map((x) => [x.name, x.dropped.shed]));
    expect(bySink).toEqual({ none: st.shed, some: st.shed - (someAcked - 20) });
    expect(st.eventRows).toBe(20); // never shed
    expect(st.overCap).toBe(false);
    expect(st.fileBytes).toBeLessThan(maxBytes + 5 * MiB); // freed pages are reused, WAL bounded
    // Rollups keep the whole history.
    // (the table holds the closed minutes, memory the open ones: open-rollups.ts)
    const closed = s.db.prepare('SELECT coalesce(sum(cnt), 0) FROM rollup_1m').pluck().get() as number;
    expect(closed + s.writer.openRollups.openSamples('1m')).toBe(total);
    // The sink that never acked continues with the oldest kept row, none missing after it.
    const rows = none.next(100_000).rows;
    expect(rows.slice(0, 20).every((r) => r.kind === 'event')).toBe(true);
    const vals = rows.slice(20).map((r) => (r as SampleRow).value as number);
    expect(vals[0]).toBe(st.shed);
    expect(vals.every((v, i) => v === st.shed + i)).toBe(true);
  });
});

describe('disk full (SQLITE_FULL, via PRAGMA max_page_count)', () => {
  it('sheds and retries once: writes go on, exact counts, no exception', () => {
    const s = t.open(t.dir());
    const out = s.registerSink('a');
    s.append(series('m', 'p', 20_000, 0));
    s.flush();
    const pages = s.db.pragma('page_count', { simple: true }) as number;
    s.db.pragma(`max_page_count = ${pages + 4}`);

    const results: FlushResult[] = [];
    let appended = 20_000;
    for (let i = 0; i < 30; i++) {
      s.append(series('m', 'p', 2000, appended, 1, appended));
      appended += 2000;
      results.push(s.flush());
    }
    expect(results.some((r) => r.shed > 0 && r.written > 0)).toBe(true);
    expect(results.every((r) => r.full === false)).toBe(true);
    const st = s.stats();
    expect(st.rawRows + st.shed + s.writer.pending() + st.droppedMemory).toBe(appended);
    expect(st.sinks[0]?.dropped.shed).toBe(st.shed);
    expect((s.db.pragma('page_count', { simple: true }) as number) <= pages + 4).toBe(true);
    expect((out.next(1).rows[0] as SampleRow).value).toBe(st.shed);
    expect(s.integrityCheck()).toEqual(['ok']);
  });

  it('when shedding cannot help, keeps the batch in memory (bounded), reports, and recovers when space returns', () => {
    const s = t.open(t.dir(), { maxBatch: 50, maxPending: 100 });
    const out = s.registerSink('a', { from: 'start' });
    s.append(series('m', 'p', 10, 0));
    s.flush();
    const pages = s.db.pragma('page_count', { simple: true }) as number;
    s.db.pragma(`max_page_count = ${pages}`);

    // Events cannot be shed; ten samples of raw are too few to make room for them.
    s.appendEvents(Array.from({ length: 40 }, (_, i) => event(i)));
    s.append(series('m', 'p', 150, 100, 1, 100));
    let r = s.flush();
    expect(r).toMatchObject({ written: 0, full: true });
    expect(r.error?.code).toBe('LG_STORE_FULL');
    for (let i = 0; i < 5; i++) expect(s.flush()).toMatchObject({ written: 0, full: true }); // no throw, no loop
    expect(s.stats().writer).toMatchObject({ full: true, pendingSamples: 100, pendingEvents: 40 });
    expect(s.stats().writer.lastError?.code).toBe('LG_STORE_FULL');
    expect(s.stats().writer.droppedFromMemory).toBe(50);

    s.db.pragma('max_page_count = 1073741823'); // space returns
    let written = 0;
    do {
      r = s.flush();
      written += r.written;
    } while (r.pending > 0);
    expect(r.full).toBe(false);
    const st = s.stats();
    expect(st.writer.full).toBe(false);
    expect(st.eventRows).toBe(40);
    expect(st.droppedMemory).toBe(50);
    expect(st.rawRows + st.shed + st.droppedMemory).toBe(160);
    expect(written).toBe(40 + 100);
    const rows = out.next(1000).rows;
    expect(rows.filter((x) => x.kind === 'event')).toHaveLength(40);
    const vals = rows.filter((x) => x.kind === 'sample').map((x) => (x as SampleRow).value);
    expect(vals.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
  });
});

describe('the cap follows the file system (free space + free pages ≥ minFreeBytes)', () => {
  it('sheds the oldest raw samples before a small file system is full, never events, exact counts', () => {
    const clock = new FakeClock();
    const dir = t.dir();
    // A pretend 6 MiB file system holding only the store: free = 6 MiB − main file − WAL.
    const fsBytes = 6 * MiB;
    const onDisk = () =>
      ['linegate.db', 'linegate.db-wal', 'linegate.db-shm'].reduce((n, f) => {
        try {
          return n + statSync(join(dir, f)).size;
        } catch {
          return n;
        }
      }, 0);
    const s = t.open(dir, {
      now: clock.now,
      freeSpace: () => fsBytes - onDisk(),
      retention: { minFreeBytes: 2 * MiB },
    });
    s.registerSink('a');
    s.appendEvents(Array.from({ length: 30 }, (_, i) => event(i)));
    s.flush();
    const total = 300_000;
    let shed = 0;
    for (let i = 0; i < total; i += 5000) {
      s.append(series('m', `p${(i / 5000) % 4}`, 5000, clock.t + i, 1, i));
      const r = s.flush();
      expect(r).toMatchObject({ written: 5000, full: false });
      shed += r.shed;
      expect(onDisk()).toBeLessThanOrEqual(fsBytes - MiB); // never near full
    }
    const st = s.stats();
    expect(st.shed).toBe(shed);
    expect(st.shed).toBeGreaterThan(100_000);
    expect(st.rawRows + st.shed).toBe(total);
    expect(st.eventRows).toBe(30);
    expect(st.capBytes).toBeLessThan(st.maxBytes);
    expect(st.fsAvailBytes).toBe(fsBytes - onDisk());
    expect(st.overCap).toBe(false);
    // The kept samples are the newest ones, none missing after the first kept.
    const vals = (s.db.prepare('SELECT value FROM sample ORDER BY seq').pluck().all() as number[]).slice();
    expect(vals[0]).toBe(st.shed);
    expect(vals.every((v, i) => v === st.shed + i)).toBe(true);
    expect(s.integrityCheck()).toEqual(['ok']);
  });
});
