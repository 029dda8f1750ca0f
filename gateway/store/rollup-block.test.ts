import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RollupAgg } from './rollup.js';
import { decodeBlock, encodeBlock } from './rollup-block.js';

const HOUR = Date.UTC(2026, 10, 27, 8);
const num = fc.oneof(fc.double({ noNaN: true }), fc.integer(), fc.constant(0), fc.constant(-0));
const opt = fc.option(num, { nil: null });
const agg: fc.Arbitrary<RollupAgg> = fc.record({
  cnt: fc.nat({ max: 0xffffffff }),
  n: fc.nat({ max: 0xffffffff }),
  sum: opt,
  min: opt,
  max: opt,
  last: opt,
  lastTs: fc.option(fc.integer({ min: HOUR, max: HOUR + 3_600_000 }), { nil: null }),
  dsum: opt,
  firstSeq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
  lastSeq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
});

describe('rollup block', () => {
  it('decode(encode(minutes)) gives the minutes back exactly, in minute order', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.integer({ min: 0, max: 59 }).map(String), agg), (dict) => {
        const minutes = new Map(Object.entries(dict).map(([i, a]) => [HOUR + Number(i) * 60_000, a]));
        const back = decodeBlock(HOUR, encodeBlock(HOUR, minutes));
        expect(back.map(([b]) => b)).toEqual([...minutes.keys()].sort((x, y) => x - y));
        for (const [b, a] of back) expect(a).toEqual(minutes.get(b));
      }),
      { numRuns: 300 },
    );
  });

  it('packs an hour of a held value into a few dozen bytes, a moving one into far less than 60 rows', () => {
    const held = new Map<number, RollupAgg>();
    const moving = new Map<number, RollupAgg>();
    for (let i = 0; i < 60; i++) {
      const b = HOUR + i * 60_000;
      const seq = 1_000_000 + i * 1150;
      held.set(b, {
        cnt: 60,
        n: 60,
        sum: 1500,
        min: 25,
        max: 25,
        last: 25,
        lastTs: b + 59_000,
        dsum: null,
        firstSeq: seq,
        lastSeq: seq + 1149 * 59,
      });
      const v = 180 + i * 0.37;
      moving.set(b, {
        cnt: 60,
        n: 60,
        sum: v * 60 + 3.1,
        min: v - 0.4,
        max: v + 0.5,
        last: v + 0.1,
        lastTs: b + 59_000,
        dsum: null,
        firstSeq: seq,
        lastSeq: seq + 1149 * 59,
      });
    }
    expect(encodeBlock(HOUR, held).length).toBeLessThan(120);
    expect(encodeBlock(HOUR, moving).length).toBeLessThan(60 * 70 * 0.5);
  });

  it('refuses a minute outside the hour, and a damaged block', () => {
    const a: RollupAgg = {
      cnt: 1,
      n: 1,
      sum: 1,
      min: 1,
      max: 1,
      last: 1,
      lastTs: HOUR,
      dsum: null,
      firstSeq: 1,
      lastSeq: 1,
    };
    expect(() => encodeBlock(HOUR, new Map([[HOUR + 3_600_000, a]]))).toThrow(RangeError);
    const ok = encodeBlock(HOUR, new Map([[HOUR, a]]));
    expect(() => decodeBlock(HOUR, ok.subarray(0, ok.length - 3))).toThrow();
  });
});
