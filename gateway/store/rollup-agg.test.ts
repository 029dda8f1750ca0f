import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyAgg, emptyAgg, mergeAgg, type Resolution, RollupAccumulator, type RollupAgg } from './rollup.js';

/** The rules of rollup.ts's header, on plain objects with nulls: the reference. */
function reference(samples: readonly Sample[]): RollupAgg {
  const a = emptyAgg(samples[0]?.seq ?? 0);
  for (const s of samples) {
    a.cnt++;
    a.firstSeq = Math.min(a.firstSeq, s.seq);
    a.lastSeq = Math.max(a.lastSeq, s.seq);
    if (s.numeric !== null) {
      a.n++;
      a.sum = a.sum === null ? s.numeric : a.sum + s.numeric; // the sum of one value is that value (-0 too)
      a.min = a.min === null ? s.numeric : Math.min(a.min, s.numeric);
      a.max = a.max === null ? s.numeric : Math.max(a.max, s.numeric);
      if (a.lastTs === null || s.ts >= a.lastTs) {
        a.last = s.numeric;
        a.lastTs = s.ts;
      }
    }
    if (s.delta !== undefined) a.dsum = a.dsum === null ? s.delta : a.dsum + s.delta;
  }
  return a;
}

interface Sample {
  ts: number;
  seq: number;
  numeric: number | null;
  delta: number | undefined;
}

const sample = fc.record({
  ts: fc.integer({ min: 0, max: 59_999 }),
  seq: fc.integer({ min: 1, max: 1_000_000 }),
  numeric: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }),
  delta: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
});

describe('accumulator aggregates (numbers kept apart from null)', () => {
  it('add and merge give what the plain rules give', () => {
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 40 }), fc.array(sample, { maxLength: 40 }), (xs, ys) => {
        const a = new RollupAccumulator();
        const b = new RollupAccumulator();
        for (const s of xs) a.add(7, s.ts, s.seq, s.numeric, s.delta);
        for (const s of ys) b.add(7, s.ts, s.seq, s.numeric, s.delta);
        const aggA = a.get('1m', 0, 7);
        const aggB = b.get('1m', 0, 7);
        if (xs.length > 0) expect(copyAgg(aggA as RollupAgg)).toEqual(reference(xs));
        else expect(aggA).toBeUndefined();
        if (!aggA || !aggB) return;
        // Accumulator into accumulator (the fast path) = plain merge of plain copies.
        const plain = copyAgg(aggA);
        mergeAgg(plain, copyAgg(aggB));
        a.merge('1m', 0, 7, aggB);
        expect(copyAgg(a.get('1m', 0, 7) as RollupAgg)).toEqual(plain);
        // A plain aggregate (from a stored row) goes through the setters.
        const c = new RollupAccumulator();
        c.merge('1h', 0, 7, plain);
        expect(copyAgg(c.get('1h', 0, 7) as RollupAgg)).toEqual(plain);
      }),
    );
  });
});

describe('released accumulators (their tables and aggregates reused by the next one)', () => {
  const seriesSample = fc.record({
    series: fc.integer({ min: 1, max: 6 }),
    ts: fc.integer({ min: 0, max: 179_999 }),
    seq: fc.integer({ min: 1, max: 1_000_000 }),
    numeric: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { nil: null }),
    delta: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
  });
  type S = Sample & { series: number };
  const dump = (acc: RollupAccumulator) =>
    (['1m', '1h', '1d'] as const).flatMap((res) =>
      acc.buckets(res).flatMap((b) => {
        const rows: [Resolution, number, number, RollupAgg][] = [];
        acc.forEachIn(res, b, (a, series) => {
          rows.push([res, b, series, copyAgg(a)]);
        });
        return rows.sort((x, y) => x[2] - y[2]);
      }),
    );

  it('a batch after released ones holds exactly its own samples', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(seriesSample, { maxLength: 30 }), { minLength: 1, maxLength: 5 }),
        (batches) => {
          for (const batch of batches as S[][]) {
            const reused = new RollupAccumulator();
            for (const s of batch) reused.add(s.series, s.ts, s.seq, s.numeric, s.delta);
            // The reference: plain aggregates per (res, bucket, series) from the rules above.
            const bySeries = new Map<string, S[]>();
            for (const s of batch) {
              for (const [res, size] of [
                ['1m', 60_000],
                ['1h', 3_600_000],
                ['1d', 86_400_000],
              ] as const) {
                const k = `${res}|${Math.floor(s.ts / size) * size}|${s.series}`;
                bySeries.set(k, [...(bySeries.get(k) ?? []), s]);
              }
            }
            const got = dump(reused);
            expect(got.length).toBe(bySeries.size);
            for (const [res, b, series, a] of got) {
              expect(a).toEqual(reference(bySeries.get(`${res}|${b}|${series}`) ?? []));
              expect(reused.get(res, b, series)).toBeDefined();
            }
            expect(reused.size('1m')).toBe(got.filter((r) => r[0] === '1m').length);
            expect(reused.get('1m', 0, 99)).toBeUndefined();
            reused.release();
            expect(dump(reused)).toEqual([]);
            expect(reused.size('1m')).toBe(0);
          }
        },
      ),
    );
  });
});
