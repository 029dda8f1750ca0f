import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxBatch, OutboxRow } from '../core/outbox.js';
import type { Store } from './store.js';
import { sample, tempStores } from './testdata/temp-store.js';

/**
 * The live lane (sinks.ts, outbox.ts nextLive): while a backlog replays, rows written since the
 * lane opened go out in their own lane; each lane in order; acks persisted, so a reopen (or a
 * crash: every ack is its own commit) loses nothing; depth and oldest unsent stay right.
 */
const t = tempStores();
afterEach(() => t.cleanup());

const T0 = Date.UTC(2026, 0, 1);
/** A sample's id (its value); -1 for the store's own events (a reopen may write one). */
const idOf = (r: OutboxRow): number => (r.kind === 'sample' ? (r.value as number) : -1);

function append(store: Store, from: number, n: number): void {
  const rows = [];
  for (let i = from; i < from + n; i++) rows.push(sample(`m${i % 3}`, `p${i % 5}`, i, T0 + i));
  store.append(rows);
  store.flush();
}

describe('outbox live lane', () => {
  it('opens above the threshold, gives live rows apart from the backlog, closes when the replay reaches them', () => {
    const store = t.open(t.dir());
    store.registerSink('influx', { from: 'start' });
    const out = store.outbox('influx');
    append(store, 0, 100); // the backlog: ids 0..99
    expect(out.nextLive(10, 50).rows).toEqual([]); // opens the lane at the last seq
    append(store, 100, 20); // live: ids 100..119
    expect(out.depth()).toBe(120);

    const replay1 = out.next(30);
    expect(replay1.rows.map(idOf)).toEqual([...Array(30).keys()]);
    out.ack(replay1);
    const live1 = out.nextLive(15, 50);
    expect(live1.rows.map(idOf)).toEqual([...Array(15).keys()].map((i) => 100 + i));
    out.ack(live1);
    expect(out.depth()).toBe(120 - 30 - 15);
    expect(out.oldestUnsentTs()).toBe(T0 + 30);

    // The replay stops at the lane's start, the live lane goes on where it was.
    const replay2 = out.next(1000);
    expect(replay2.rows.map(idOf)).toEqual([...Array(70).keys()].map((i) => 30 + i));
    expect(out.nextLive(1000, 50).rows.map(idOf)).toEqual([115, 116, 117, 118, 119]);
    out.ack(replay2); // reaches the lane: it closes, the cursor jumps to the live lane's
    expect(out.depth()).toBe(5);
    expect(out.next(1000).rows.map(idOf)).toEqual([115, 116, 117, 118, 119]);
    expect(out.nextLive(1000, 50).rows).toEqual([]); // no lane: nothing in it
  });

  it('stops the live lane before an event: it never overtakes the replay (events may be rewritten)', () => {
    const store = t.open(t.dir());
    store.registerSink('s', { from: 'start' });
    const out = store.outbox('s');
    append(store, 0, 60);
    out.nextLive(100, 50); // opens
    append(store, 60, 5);
    store.appendEvents([{ measurement: 'period', tags: { machine: 'm1' }, fields: { kg: 1 }, ts: T0 }]);
    append(store, 65, 5); // the event is flushed before these samples
    const live = out.nextLive(100, 50);
    expect(live.rows.every((r) => r.kind === 'sample')).toBe(true);
    expect(live.rows.map(idOf)).toEqual([60, 61, 62, 63, 64]);
    out.ack(live);
    expect(out.nextLive(100, 50).rows).toEqual([]); // waits at the event
    // The replay delivers the backlog, then (lane closed) the event and what follows, in order.
    const order: OutboxRow['kind'][] = [];
    for (let i = 0; i < 10; i++) {
      const b = out.next(25);
      for (const r of b.rows) order.push(r.kind);
      out.ack(b);
      if (b.rows.length === 0) break;
    }
    expect(order.filter((k) => k === 'event')).toHaveLength(1);
    expect(order.length).toBe(60 + 1 + 5);
    expect(out.depth()).toBe(0);
  });

  it('moves the lane when it falls behind itself (an outage goes on), losing no row', () => {
    const store = t.open(t.dir());
    store.registerSink('s', { from: 'start' });
    const out = store.outbox('s');
    append(store, 0, 60);
    out.nextLive(10, 50); // opens at id 59
    append(store, 60, 10);
    out.ack(out.nextLive(5, 50)); // ids 60..64 acked in the lane
    append(store, 70, 60); // the lane is now 65 rows behind: moved to the end
    expect(out.nextLive(10, 50).rows).toEqual([]);
    // 60..64 are sent again by the replay (identical rows): allowed; nothing is skipped.
    const seen = new Set<number>([60, 61, 62, 63, 64]);
    expect(out.depth()).toBe(130); // the rows the lane had acked count as unsent again
    for (let i = 0; i < 100; i++) {
      const b = out.next(7);
      const l = out.nextLive(3, 50);
      for (const r of [...b.rows, ...l.rows]) seen.add(idOf(r));
      out.ack(b);
      out.ack(l);
      if (b.rows.length === 0 && l.rows.length === 0) break;
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([...Array(130).keys()]);
    expect(out.depth()).toBe(0);
  });

  it('keeps both lanes across a reopen: any interleaving loses no row, and each lane is in order', () => {
    type Op =
      | { op: 'append'; n: number }
      | { op: 'replay' | 'live'; limit: number; ack: boolean }
      | { op: 'reopen' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 40 }) }),
      fc.record({
        op: fc.constantFrom('replay' as const, 'live' as const),
        limit: fc.integer({ min: 1, max: 30 }),
        ack: fc.boolean(),
      }),
      fc.record({ op: fc.constant('reopen' as const) }),
    );
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 50 }), fc.integer({ min: 5, max: 60 }), (ops, above) => {
        const dir = t.dir();
        let store = t.open(dir);
        store.registerSink('s', { from: 'start' });
        let written = 0;
        const acked = new Set<number>();
        const lastOf = { replay: -1, live: -1 };
        for (const o of ops) {
          if (o.op === 'append') {
            append(store, written, o.n);
            written += o.n;
          } else if (o.op === 'reopen') {
            store.close();
            store = t.open(dir);
          } else {
            const out = store.outbox('s');
            const b: OutboxBatch = o.op === 'replay' ? out.next(o.limit) : out.nextLive(o.limit, above);
            const ids = b.rows.map(idOf).filter((id) => id >= 0);
            expect(ids).toEqual([...ids].sort((x, y) => x - y)); // in order within the batch
            if (o.ack) {
              out.ack(b);
              for (const id of ids) acked.add(id);
            }
            lastOf[o.op] = ids.at(-1) ?? lastOf[o.op];
          }
        }
        // Drain both lanes: every row written is acked at least once.
        const out = store.outbox('s');
        for (let i = 0; i < 1000; i++) {
          const b = out.next(50);
          const l = out.nextLive(50, above);
          for (const r of [...b.rows, ...l.rows]) if (idOf(r) >= 0) acked.add(idOf(r));
          out.ack(b);
          out.ack(l);
          if (b.rows.length === 0 && l.rows.length === 0) break;
        }
        expect(out.depth()).toBe(0);
        expect(out.oldestUnsentTs()).toBeNull();
        expect(acked.size).toBe(written);
        store.close();
      }),
      { numRuns: 80 },
    );
  }, 60_000);
});
