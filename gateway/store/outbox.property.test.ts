import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { OutboxBatch, OutboxRow } from '../core/outbox.js';
import { Store } from './store.js';
import { FakeClock, sample, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

type Op =
  | { op: 'append'; samples: number; events: number }
  | { op: 'flush' }
  | { op: 'next'; sink: 0 | 1; limit: number }
  | { op: 'ack'; sink: 0 | 1 }
  | { op: 'quarantine'; sink: 0 | 1; pick: number }
  | { op: 'reopen' }
  | { op: 'crash' }
  | { op: 'tick'; ms: number };

const sinkIx = fc.constantFrom<0 | 1>(0, 1);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('append' as const), samples: fc.nat(30), events: fc.nat(2) }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('flush' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('next' as const),
      sink: sinkIx,
      limit: fc.integer({ min: 1, max: 40 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('ack' as const), sink: sinkIx }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('quarantine' as const), sink: sinkIx, pick: fc.nat() }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 5000 }) }),
  },
);

/**
 * The card only (the default), and the RAM tier (ram-tier.ts) with short spill and keep times
 * on a fake clock, and a RAM bound from 4 pages (everything leaves RAM at each flush) up.
 */
const MODES = [
  { mode: 'card only', ram: null },
  { mode: 'RAM tier', ram: fc.constantFrom(16 * 1024, 64 * 1024, 64 * 1024 * 1024) },
] as const;

/** The row's id in the model: a sample's value, an event's `id` field. */
const idOf = (r: OutboxRow): number => (r.kind === 'sample' ? (r.value as number) : (r.fields.id as number));

describe.each(MODES)('outbox property ($mode)', ({ ram }) => {
  it('any interleaving of append/flush/next/ack/quarantine/reopen/crash/tick loses no committed row and never duplicates within a sink', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 60 }),
        fc.integer({ min: 1, max: 50 }),
        ram ?? fc.constant(0),
        (ops, maxBatch, ramBytes) => {
          const dir = t.dir();
          const clock = new FakeClock();
          const ramTier = ram
            ? { dir: `${dir}/ram`, spillAfterMs: 2000, keepMs: 3000, maxBytes: ramBytes }
            : undefined;
          const open = () =>
            Store.open({ dataDir: `${dir}/data`, maxBatch, now: clock.now, ...(ramTier ? { ramTier } : {}) });
          let store = open();
          const names = ['fast', 'slow'] as const;
          for (const n of names) store.registerSink(n, { from: 'start' });

          let nextId = 0;
          let pendingEvents: number[] = [];
          let pendingSamples: number[] = [];
          const committed: number[] = []; // ids in the order the store committed them (= outbox order)
          const delivered: number[][] = [[], []];
          const quarantined: Set<number>[] = [new Set(), new Set()];
          let inFlight: (OutboxBatch | null)[] = [null, null];

          const flush = () => {
            const r = store.flush();
            // A flush writes events first, then samples, up to maxBatch rows in all.
            const ev = pendingEvents.splice(0, Math.min(pendingEvents.length, r.events));
            const sm = pendingSamples.splice(0, r.samples);
            expect(ev.length + sm.length).toBe(r.written);
            committed.push(...ev, ...sm);
          };

          // depth() is seq arithmetic (row-counts.ts); it must equal a real count at all times.
          // (From the cursor in force: with the RAM tier the card's copy may lag, sinks.ts.)
          const exactDepth = (name: string) =>
            store.db
              .prepare(
                'SELECT (SELECT count(*) FROM sample WHERE seq > ?) + (SELECT count(*) FROM event WHERE seq > ?)',
              )
              .pluck()
              .get(...Array(2).fill(store.stats().sinks.find((k) => k.name === name)?.cursor ?? 0));

          for (const o of ops) {
            for (const n of names) expect(store.outbox(n).depth()).toBe(exactDepth(n));
            switch (o.op) {
              case 'append': {
                const ids = Array.from({ length: o.samples }, () => nextId++);
                store.append(ids.map((id) => sample(`m${id % 3}`, `p${id % 5}`, id, 1_000_000 + id)));
                pendingSamples.push(...ids);
                for (let e = 0; e < o.events; e++) {
                  const id = nextId++;
                  store.appendEvents([
                    { measurement: 'ev', tags: { k: 'v' }, fields: { id }, ts: 1_000_000 + id },
                  ]);
                  pendingEvents.push(id);
                }
                break;
              }
              case 'flush':
                flush();
                break;
              case 'next': {
                const name = names[o.sink];
                const b = store.outbox(name).next(o.limit);
                const done = delivered[o.sink] ?? [];
                // Always the oldest undelivered committed rows, in order.
                expect(b.rows.map(idOf)).toEqual(
                  committed.filter((id) => !done.includes(id)).slice(0, o.limit),
                );
                inFlight[o.sink] = b;
                break;
              }
              case 'quarantine': {
                const b = inFlight[o.sink];
                if (!b || b.rows.length === 0) break;
                const row = b.rows[o.pick % b.rows.length] as OutboxRow;
                store.outbox(names[o.sink]).quarantine(b, [row.key], 'refused');
                quarantined[o.sink]?.add(idOf(row));
                break;
              }
              case 'ack': {
                const b = inFlight[o.sink];
                if (!b) break;
                store.outbox(names[o.sink]).ack(b);
                const done = delivered[o.sink] ?? [];
                for (const id of b.rows.map(idOf)) {
                  expect(done).not.toContain(id); // never twice within a sink
                  done.push(id);
                }
                inFlight[o.sink] = null;
                break;
              }
              case 'reopen': // clean stop: close() flushes everything buffered
                while (pendingEvents.length + pendingSamples.length > 0) flush();
                store.close();
                store = open();
                inFlight = [null, null];
                break;
              case 'tick':
                clock.advance(o.ms);
                break;
              case 'crash': // the process dies: what was not flushed is gone, the rest stays (RAM too)
                store.db.close();
                pendingEvents = [];
                pendingSamples = [];
                store = open();
                inFlight = [null, null];
                break;
            }
          }
          // Drain: every committed row reaches each sink exactly once, in commit order.
          while (pendingEvents.length + pendingSamples.length > 0) flush();
          names.forEach((name, i) => {
            const outbox = store.outbox(name);
            for (;;) {
              const b = outbox.next(17);
              if (b.rows.length === 0) break;
              delivered[i]?.push(...b.rows.map(idOf));
              outbox.ack(b);
            }
            expect(delivered[i]).toEqual(committed);
            expect(outbox.depth()).toBe(0);
            const q = store.db
              .prepare('SELECT row FROM quarantine WHERE sink = ?')
              .pluck()
              .all(name) as string[];
            expect(new Set(q.map((r) => idOf(JSON.parse(r) as OutboxRow)))).toEqual(quarantined[i]);
          });
          expect(store.integrityCheck()).toEqual(['ok']);
          store.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
