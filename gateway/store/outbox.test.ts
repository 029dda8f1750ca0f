import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxRow, SampleRow } from '../core/outbox.js';
import { FakeClock, sample, series, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const values = (rows: readonly OutboxRow[]) => rows.map((r) => (r as SampleRow).value);

describe('StoreOutbox', () => {
  it('next returns the oldest rows after the cursor; ack moves past them; an unacked batch comes back', () => {
    const s = t.open(t.dir());
    const out = s.registerSink('influx');
    s.append(series('m', 'p', 10, 1000));
    s.flush();
    const b1 = out.next(4);
    expect(values(b1.rows)).toEqual([0, 1, 2, 3]);
    expect(values(out.next(4).rows)).toEqual([0, 1, 2, 3]); // not acked: same rows again
    out.ack(b1);
    const b2 = out.next(100);
    expect(values(b2.rows)).toEqual([4, 5, 6, 7, 8, 9]);
    out.ack(b2);
    expect(out.next(100).rows).toEqual([]);
    expect(out.depth()).toBe(0);
    expect(out.oldestUnsentTs()).toBeNull();
    out.ack(b1); // a stale ack never moves the cursor back
    expect(out.next(100).rows).toEqual([]);
  });

  it('merges samples and events by seq, each flush: events first then samples in append order', () => {
    const s = t.open(t.dir());
    const out = s.registerSink('influx');
    s.append([sample('m', 'a', 1, 10), sample('m', 'b', 2, 11)]);
    s.appendEvents([{ measurement: 'state', tags: { machine: 'm' }, fields: { state: 'run' }, ts: 12 }]);
    s.flush();
    s.append([sample('m', 'a', 3, 13)]);
    s.appendEvents([{ measurement: 'alarm', tags: {}, fields: { active: true }, ts: 14 }]);
    s.flush();
    const rows = out.next(100).rows;
    expect(rows.map((r) => (r.kind === 'event' ? r.measurement : r.value))).toEqual([
      'state',
      1,
      2,
      'alarm',
      3,
    ]);
    const keys = rows.map((r) => Number(r.key));
    expect(keys).toEqual([...keys].sort((a, b) => a - b));
    expect(new Set(keys).size).toBe(keys.length);
    // A limit cuts the merged stream, not each table.
    expect(out.next(2).rows.map((r) => r.kind)).toEqual(['event', 'sample']);
  });

  it('depth and oldestUnsentTs follow the cursor', () => {
    const s = t.open(t.dir());
    const out = s.registerSink('influx');
    s.append(series('m', 'p', 5, 1000, 10));
    s.appendEvents([{ measurement: 'x', tags: {}, fields: { v: 1 }, ts: 990 }]);
    s.flush();
    expect(out.depth()).toBe(6);
    expect(out.oldestUnsentTs()).toBe(990);
    out.ack(out.next(3));
    expect(out.depth()).toBe(3);
    expect(out.oldestUnsentTs()).toBe(1020);
  });

  it('quarantine copies the named rows for this sink only; the rest is acked; idempotent', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    const a = s.registerSink('a');
    const b = s.registerSink('b');
    s.append(series('m', 'p', 5, 1000));
    s.flush();
    const batch = a.next(10);
    const bad = [batch.rows[1]?.key ?? '', batch.rows[3]?.key ?? ''];
    a.quarantine(batch, bad, 'field type conflict');
    a.quarantine(batch, [bad[0] ?? ''], 'a second reason is ignored');
    a.ack(batch);
    expect(a.next(10).rows).toEqual([]);
    const q = s.db.prepare('SELECT sink, seq, ts, at, reason, row FROM quarantine ORDER BY seq').all() as {
      sink: string;
      row: string;
      reason: string;
      at: number;
      ts: number;
    }[];
    expect(q.map((r) => [r.sink, r.reason, r.at, r.ts])).toEqual([
      ['a', 'field type conflict', clock.t, 2000],
      ['a', 'field type conflict', clock.t, 4000],
    ]);
    expect(JSON.parse(q[0]?.row ?? '')).toEqual(batch.rows[1]);
    // The other sink still gets every row, and history keeps them.
    expect(values(b.next(10).rows)).toEqual([0, 1, 2, 3, 4]);
    expect(s.stats().sinks.map((x) => [x.name, x.quarantined])).toEqual([
      ['a', 2],
      ['b', 0],
    ]);
  });

  it('refuses misuse with LG_STORE_SINK', () => {
    const s = t.open(t.dir());
    const a = s.registerSink('a');
    const b = s.registerSink('b');
    s.append(series('m', 'p', 3, 0));
    s.flush();
    const batch = a.next(10);
    expect(() => b.ack(batch)).toThrow(expect.objectContaining({ code: 'LG_STORE_SINK' }));
    expect(() => a.quarantine(batch, ['999'], 'x')).toThrow(
      expect.objectContaining({ code: 'LG_STORE_SINK' }),
    );
    expect(() => a.ack({ sink: 'a', rows: [{ ...batch.rows[0], key: 'nope' } as OutboxRow] })).toThrow(
      expect.objectContaining({ code: 'LG_STORE_SINK' }),
    );
    expect(() => s.outbox('nobody')).toThrow(expect.objectContaining({ code: 'LG_STORE_SINK' }));
    s.unregisterSink('b');
    expect(() => b.next(1)).toThrow(expect.objectContaining({ code: 'LG_STORE_SINK' }));
  });

  it('the cursor survives close and reopen; an unacked batch is delivered again', () => {
    const dir = t.dir();
    let s = t.open(dir);
    let out = s.registerSink('influx', { from: 'start' });
    s.append(series('m', 'p', 10, 0));
    s.flush();
    out.ack(out.next(3));
    out.next(4); // in flight when the gateway stops: not acked
    s.close();

    s = t.open(dir);
    out = s.registerSink('influx', { from: 'now' }); // `from` does not move an existing cursor
    expect(values(out.next(100).rows)).toEqual([3, 4, 5, 6, 7, 8, 9]);
    expect(out.depth()).toBe(7);
  });

  it("a new sink starts at the end ('now', default) or replays what is kept ('start')", () => {
    const s = t.open(t.dir());
    s.append(series('m', 'p', 5, 0));
    s.flush();
    const late = s.registerSink('late');
    const replay = s.registerSink('replay', { from: 'start' });
    s.append(series('m', 'p', 2, 100, 1, 100));
    s.flush();
    expect(values(late.next(100).rows)).toEqual([100, 101]);
    expect(values(replay.next(100).rows)).toEqual([0, 1, 2, 3, 4, 100, 101]);
  });

  it('two sinks at different speeds: each gets every row once, in order', () => {
    const s = t.open(t.dir());
    const fast = s.registerSink('fast');
    const slow = s.registerSink('slow');
    const got: Record<string, number[]> = { fast: [], slow: [] };
    for (let round = 0; round < 20; round++) {
      s.append(series('m', 'p', 50, round * 50, 1, round * 50));
      s.flush();
      for (let i = 0; i < 3; i++) {
        const b = fast.next(40);
        got.fast?.push(...(values(b.rows) as number[]));
        fast.ack(b);
      }
      if (round % 4 === 3) {
        const b = slow.next(70);
        got.slow?.push(...(values(b.rows) as number[]));
        slow.ack(b);
      }
    }
    expect(got.fast).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(got.slow).toEqual(Array.from({ length: 350 }, (_, i) => i));
    expect(slow.depth()).toBe(650);
    expect(fast.depth()).toBe(0);
    for (;;) {
      const b = slow.next(300);
      if (b.rows.length === 0) break;
      got.slow?.push(...(values(b.rows) as number[]));
      slow.ack(b);
    }
    expect(got.slow).toEqual(Array.from({ length: 1000 }, (_, i) => i));
  });
});
