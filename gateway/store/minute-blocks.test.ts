import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from './store.js';
import { FakeClock, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

type Op =
  | { op: 'samples'; n: number; lateMs: number; seed: number }
  | { op: 'flush' }
  | { op: 'advance'; ms: number }
  | { op: 'reopen' }
  | { op: 'crash' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('samples' as const),
      n: fc.integer({ min: 1, max: 12 }),
      // Mostly on time, sometimes minutes or hours late (a closed or packed minute).
      lateMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 * HOUR })),
      seed: fc.nat(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flush' as const) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      ms: fc.integer({ min: 0, max: 25 * MINUTE }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('crash' as const) }) },
);

/** Every resolution over a few ranges: the history API picks raw, 1m, 1h or 1d by maxPoints. */
function everything(s: Store, now: number, start: number) {
  const out: unknown[] = [];
  for (const point of ['p0', 'p1', 'p2'])
    for (const [from, to] of [
      [start - 4 * HOUR, now + MINUTE],
      [now - HOUR, now],
      [now - 3 * HOUR, now - HOUR],
    ] as const)
      for (const maxPoints of [1, 5, 70, 100_000])
        out.push(s.history({ machine: 'm', point, from, to, maxPoints }));
  return out;
}

describe('1-minute rollups with the RAM tier (packed per hour on the card)', () => {
  it('history equals the card-only store at every resolution, across packs, late samples, restarts and kills', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 10, maxLength: 70 }), (ops) => {
        const clock = new FakeClock(Date.UTC(2026, 10, 27, 7, 50));
        const start = clock.now();
        const dir = t.dir();
        const ramTier = {
          dir: join(dir, 'ram'),
          spillAfterMs: 30_000,
          keepMs: 30 * 24 * HOUR,
          maxBytes: 1 << 30,
        };
        const openCard = () => t.open(join(dir, 'card'), { now: clock.now, tzOffsetMinutes: 420 });
        const openRam = () =>
          t.open(join(dir, 'ram-data'), { now: clock.now, tzOffsetMinutes: 420, ramTier });
        let card = openCard();
        let ram = openRam();
        let v = 0;
        let tick = 0;
        for (const o of ops) {
          switch (o.op) {
            case 'samples': {
              const samples = Array.from({ length: o.n }, (_, i) => ({
                machine: 'm',
                point: `p${(o.seed + i) % 3}`,
                value: (o.seed + i) % 5 === 0 ? v : v++ * 0.5,
                // Distinct timestamps: `last` of two samples stamped alike depends on merge order.
                ts: clock.now() - (i % 2 === 0 ? o.lateMs : 0) - 59_000 + (tick++ % 59_000),
                quality: 'good' as const,
                ...((o.seed + i) % 3 === 2 ? { delta: 1 } : {}),
              }));
              card.append(samples);
              ram.append(samples);
              break;
            }
            case 'flush':
              card.flush();
              ram.flush();
              break;
            case 'advance':
              clock.advance(o.ms);
              break;
            case 'reopen':
              card.close();
              ram.close();
              card = openCard();
              ram = openRam();
              break;
            case 'crash': // kill -9: unflushed samples gone in both; RAM (tmpfs) outlives the process
              card.db.close();
              ram.db.close();
              card = openCard();
              ram = openRam();
              break;
          }
        }
        card.flush();
        ram.flush();
        expect(everything(ram, clock.now(), start)).toEqual(everything(card, clock.now(), start));
        // And after a clean stop and a reboot (RAM emptied): the same, the open hour included.
        card.close();
        ram.close();
        expect(readdirSync(ramTier.dir).length).toBeGreaterThan(0);
        rmSync(ramTier.dir, { recursive: true, force: true });
        card = openCard();
        ram = openRam();
        // Raw history stayed in RAM (no sink took it to the card): compare the rollups.
        const fromCard = everything(card, clock.now(), start) as { resolution: string }[];
        const fromRam = everything(ram, clock.now(), start);
        fromCard.forEach((c, i) => {
          if (c.resolution !== 'raw') expect(fromRam[i]).toEqual(c);
        });
      }),
      { numRuns: 25 },
    );
  });

  it('an hour of 1 150 series reaches the card as 1 150 blocks, not 69 000 rows', () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 27, 8, 0));
    const dir = t.dir();
    const ramTier = { dir: join(dir, 'ram'), spillAfterMs: 30_000, keepMs: 15 * MINUTE, maxBytes: 1 << 30 };
    const s = t.open(join(dir, 'data'), { now: clock.now, ramTier });
    for (let m = 0; m < 63; m++) {
      s.append(
        Array.from({ length: 1150 }, (_, i) => ({
          machine: `m${Math.floor(i / 50)}`,
          point: `p${i % 50}`,
          value: i < 350 ? m + i * 0.1 : 7,
          ts: clock.now(),
          quality: 'good' as const,
        })),
      );
      s.flush();
      clock.advance(MINUTE);
    }
    const n = (sql: string) => s.db.prepare(sql).pluck().get() as number;
    expect(n('SELECT count(*) FROM main.rollup_1m')).toBe(0);
    expect(n('SELECT count(*) FROM main.rollup_1m_block')).toBe(1150);
    expect(n('SELECT count(*) FROM ram.rollup_1m')).toBe(1150); // 09:00 (09:01 and 09:02 are still open)
    const h = s.history({
      machine: 'm0',
      point: 'p3',
      from: clock.now() - 2 * HOUR,
      to: clock.now(),
      maxPoints: 200,
    });
    expect(h.resolution).toBe('1m');
    expect(h.points.map((p) => p.ts)).toEqual(
      Array.from({ length: 63 }, (_, i) => Date.UTC(2026, 10, 27, 8, i)),
    );
  });
});
