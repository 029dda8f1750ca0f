import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { copyAgg, emptyAgg, mergeAgg, RollupAccumulator, type RollupAgg } from './rollup.js';

/** The rules of rollup.ts's header, on plain objects with nulls: the reference. */
function reference(samples: readonly Sample[]): RollupAgg {
  const a = emptyAgg(samples[0]?.seq ?? 0);
  for (const s of samples) {
    a.cnt++;
    a.firstSeq = Math.min(a.firstSeq, s.seq);
    a.lastSeq = Math.max(a.lastSeq, s.seq);
    if (s.numeric !== null) {
      a.n++;
      a.sum = (a.sum ?? 0) + s.numeric;
      a.min = a.min === null ? s.numeric : Math.min(a.min, s.numeric);
      a.max = a.max === null ? s.numeric : Math.max(a.max, s.numeric);
      if (a.lastTs === null || s.ts >= a.lastTs) {
        a.last = s.numeric;
        a.lastTs = s.ts;
      }
    }
    if (s.delta !== undefined) a.dsum = (a.dsum ?? 0) + s.delta;
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
