import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isLinegateError } from '../../core/errors.js';
import type { DataType, PointDef, RegisterArea } from '../../core/points.js';
import { type PlanLimits, planReads, type ReadRequest, sliceForPoint } from './plan.js';

const AREAS: readonly RegisterArea[] = ['coil', 'discrete', 'holding', 'input'];
const isBits = (area: RegisterArea) => area === 'coil' || area === 'discrete';
const LIMITS: PlanLimits = { maxRegisters: 125, maxBits: 2000, maxGap: 10 };

function pt(
  name: string,
  area: RegisterArea,
  address: number,
  type: DataType = 'uint16',
  length?: number,
): PointDef {
  return { name, area, address, type, order: 'ABCD', scale: 1, offset: 0, ...(length ? { length } : {}) };
}

/** Width worked out independently of pointWidth: bits are 1, registers by type. */
function width(p: PointDef): number {
  if (isBits(p.area)) return 1;
  const widths: Partial<Record<DataType, number>> = { float32: 2, int32: 2, float64: 4, int64: 4 };
  return p.type === 'string' ? (p.length ?? 1) : (widths[p.type] ?? 1);
}

/** Per-request limit, straight from the spec: §6.1/§6.2 2000 bits, §6.3/§6.4 125 registers. */
const spanLimit = (area: RegisterArea, l: PlanLimits) =>
  isBits(area) ? Math.min(l.maxBits, 2000) : Math.min(l.maxRegisters, 125);
const gapLimit = (area: RegisterArea, l: PlanLimits) => (isBits(area) ? l.maxGap * 16 : l.maxGap);

const brief = (reqs: ReadRequest[]) =>
  reqs.map((r) => [r.area, r.start, r.count, r.points.map((p) => p.name)]);

/**
 * Reference rule for one request, checked address by address: all points in one area, the span
 * within the limit, and no run of unread-by-any-point addresses longer than the allowed gap.
 */
function validGroup(group: readonly PointDef[], limits: PlanLimits): boolean {
  const first = group[0];
  if (first === undefined || group.some((p) => p.area !== first.area)) return false;
  const start = Math.min(...group.map((p) => p.address));
  const end = Math.max(...group.map((p) => p.address + width(p)));
  if (end - start > spanLimit(first.area, limits)) return false;
  let run = 0;
  for (let a = start; a < end; a++) {
    const covered = group.some((p) => p.address <= a && a < p.address + width(p));
    run = covered ? 0 : run + 1;
    if (run > gapLimit(first.area, limits)) return false;
  }
  return true;
}

/** Fewest requests over every way to split the points into groups (DP over subsets, ≤ 8 points). */
function minimumRequests(points: readonly PointDef[], limits: PlanLimits): number {
  const n = points.length;
  const full = (1 << n) - 1;
  const valid = (mask: number) =>
    validGroup(
      points.filter((_, i) => mask & (1 << i)),
      limits,
    );
  const best: number[] = [0];
  for (let mask = 1; mask <= full; mask++) {
    const low = mask & -mask; // the group holding the lowest point is one of the submasks with it
    best[mask] = Number.POSITIVE_INFINITY;
    for (let sub = mask; sub > 0; sub = (sub - 1) & mask) {
      if (sub & low && valid(sub)) best[mask] = Math.min(best[mask] ?? 0, 1 + (best[mask ^ sub] ?? 0));
    }
  }
  return best[full] ?? 0;
}

const pointsArb = (maxLength: number, address: fc.Arbitrary<number>) =>
  fc
    .array(
      fc.record({
        area: fc.constantFrom(...AREAS),
        address,
        shape: fc.oneof(
          fc.constantFrom<[DataType, number?]>(['uint16'], ['bit'], ['float32'], ['int64'], ['float64']),
          fc.integer({ min: 1, max: 10 }).map((n): [DataType, number?] => ['string', n]),
        ),
      }),
      { maxLength },
    )
    .map((raw) =>
      raw.map(({ area, address, shape: [type, length] }, i) =>
        pt(`p${i}`, area, address, isBits(area) ? 'bool' : type, length),
      ),
    );

const limitsArb = (minRegisters: number) =>
  fc.record({
    maxRegisters: fc.integer({ min: minRegisters, max: 200 }),
    maxBits: fc.integer({ min: 1, max: 2500 }),
    maxGap: fc.integer({ min: 0, max: 20 }),
  });

function isPlannable(points: readonly PointDef[], limits: PlanLimits): boolean {
  return points.every((p) => width(p) <= spanLimit(p.area, limits) && p.address + width(p) <= 65536);
}

describe('planReads: properties', () => {
  const address = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 300 }), weight: 6 },
    { arbitrary: fc.integer({ min: 0, max: 5000 }), weight: 2 },
    { arbitrary: fc.integer({ min: 65500, max: 65535 }), weight: 1 },
  );

  it('covers every point once, within the limits, without oversize gaps, in order', () => {
    fc.assert(
      fc.property(pointsArb(40, address), limitsArb(1), (points, limits) => {
        if (!isPlannable(points, limits)) {
          expect(() => planReads(points, limits)).toThrow(expect.objectContaining({ code: 'LG_DECODE' }));
          return;
        }
        const reqs = planReads(points, limits);
        // (a) every point in exactly one request, of its own area, that holds it entirely
        for (const p of points) {
          const holders = reqs.filter((r) => r.points.includes(p));
          expect(holders).toHaveLength(1);
          const [r] = holders as [ReadRequest];
          expect(r.area).toBe(p.area);
          expect(r.start).toBeLessThanOrEqual(p.address);
          expect(p.address + width(p)).toBeLessThanOrEqual(r.start + r.count);
        }
        expect(reqs.reduce((n, r) => n + r.points.length, 0)).toBe(points.length);
        for (const r of reqs) {
          // (b) within the configured limit, the spec's limit and the address space
          expect(r.count).toBeGreaterThanOrEqual(1);
          expect(r.count).toBeLessThanOrEqual(spanLimit(r.area, limits));
          expect(r.count).toBeLessThanOrEqual(isBits(r.area) ? 2000 : 125);
          expect(r.start + r.count).toBeLessThanOrEqual(65536);
          // (c) no gap larger than maxGap; and no more read than the points need
          expect(validGroup(r.points, limits)).toBe(true);
          expect(r.start).toBe(Math.min(...r.points.map((p) => p.address)));
          expect(r.start + r.count).toBe(Math.max(...r.points.map((p) => p.address + width(p))));
        }
        // deterministic order: coil, discrete, holding, input; ascending start
        const keys = reqs.map((r) => [AREAS.indexOf(r.area), r.start] as const);
        const sorted = [...keys].sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(keys).toEqual(sorted);
      }),
      { numRuns: 300 },
    );
  });

  it('(d) uses as few requests as the brute-force reference (≤ 8 points)', () => {
    fc.assert(
      fc.property(pointsArb(8, fc.integer({ min: 0, max: 150 })), limitsArb(10), (points, limits) => {
        const small = { ...limits, maxBits: Math.min(limits.maxBits, 160) };
        expect(planReads(points, small)).toHaveLength(minimumRequests(points, small));
      }),
      { numRuns: 400 },
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(
        pointsArb(20, address).chain((ps) =>
          fc.tuple(fc.constant(ps), fc.shuffledSubarray(ps, { minLength: ps.length, maxLength: ps.length })),
        ),
        limitsArb(10),
        ([points, shuffled], limits) => {
          fc.pre(isPlannable(points, limits));
          expect(brief(planReads(shuffled, limits))).toEqual(brief(planReads(points, limits)));
        },
      ),
    );
  });
});

describe('planReads: examples', () => {
  it('reads the Autonics TK input block 0x03E8..0x03EF in one request', () => {
    // Layout as in devices/tea-dryer-autonics-tk4.yaml: five registers, 0x03ED unused, three
    // status bits sharing 0x03EE, heater current at 0x03EF.
    const regs = ['pv', 'decimal_point', 'display_unit', 'sv', 'heating_mv'];
    const points = [
      ...regs.map((n, i) => pt(n, 'input', 0x03e8 + i, 'int16')),
      ...['out1', 'al1', 'al2'].map((n) => pt(n, 'input', 0x03ee, 'bit')),
      pt('heater_current', 'input', 0x03ef),
    ];
    const [req, ...more] = planReads([...points].reverse(), LIMITS);
    expect(more).toEqual([]);
    expect(req).toMatchObject({ area: 'input', start: 0x03e8, count: 8 });
    expect(new Set(req?.points)).toEqual(new Set(points));
  });

  it('splits points 0 and 200 with gap 10', () => {
    const reqs = planReads([pt('a', 'holding', 0), pt('b', 'holding', 200)], LIMITS);
    expect(brief(reqs)).toEqual([
      ['holding', 0, 1, ['a']],
      ['holding', 200, 1, ['b']],
    ]);
  });

  it('merges a gap of exactly maxGap and splits maxGap + 1', () => {
    const limits = { ...LIMITS, maxGap: 3 };
    expect(planReads([pt('a', 'holding', 0), pt('b', 'holding', 4)], limits)).toHaveLength(1);
    expect(planReads([pt('a', 'holding', 0), pt('b', 'holding', 5)], limits)).toHaveLength(2);
    // gap measured from the end of a wide point: float32 at 0..1, next at 5 leaves 2..4 unread
    expect(planReads([pt('a', 'holding', 0, 'float32'), pt('b', 'holding', 5)], limits)).toHaveLength(1);
  });

  it('merges adjacent points with maxGap 0 and overlapping points always', () => {
    const limits = { ...LIMITS, maxGap: 0 };
    const reqs = planReads(
      [pt('a', 'holding', 10, 'float32'), pt('b', 'holding', 11), pt('c', 'holding', 12, 'float64')],
      limits,
    );
    expect(brief(reqs)).toEqual([['holding', 10, 6, ['a', 'b', 'c']]]);
  });

  it('clamps maxRegisters to 125 and maxBits to 2000 (Modbus v1.1b3 §6.1, §6.3)', () => {
    const huge = { maxRegisters: 1000, maxBits: 65535, maxGap: 0 };
    const regs = Array.from({ length: 200 }, (_, i) => pt(`r${i}`, 'holding', i));
    expect(planReads(regs, huge).map((r) => [r.start, r.count])).toEqual([
      [0, 125],
      [125, 75],
    ]);
    const coils = [pt('c0', 'coil', 0), pt('c1', 'coil', 2499)];
    expect(planReads(coils, { ...huge, maxGap: 124 }).map((r) => [r.start, r.count])).toEqual([
      [0, 1],
      [2499, 1],
    ]);
  });

  it('allows a bit gap of maxGap × 16', () => {
    // coil 0 and coil 160: 159 unread bits ≤ 10 × 16
    expect(planReads([pt('a', 'coil', 0), pt('b', 'coil', 160)], LIMITS)).toHaveLength(1);
    expect(planReads([pt('a', 'coil', 0), pt('b', 'coil', 161)], LIMITS)).toHaveLength(1);
    expect(planReads([pt('a', 'coil', 0), pt('b', 'coil', 162)], LIMITS)).toHaveLength(2);
  });

  it('orders requests coil, discrete, holding, input, then by start', () => {
    const points = [
      pt('i', 'input', 0),
      pt('h2', 'holding', 500),
      pt('h1', 'holding', 0),
      pt('d', 'discrete', 7),
      pt('c', 'coil', 9000),
    ];
    expect(brief(planReads(points, LIMITS)).map(([area, start]) => [area, start])).toEqual([
      ['coil', 9000],
      ['discrete', 7],
      ['holding', 0],
      ['holding', 500],
      ['input', 0],
    ]);
  });

  it('plans nothing for no points', () => {
    expect(planReads([], LIMITS)).toEqual([]);
  });

  it('reads the last register and refuses a point past 65535', () => {
    expect(brief(planReads([pt('top', 'input', 65535)], LIMITS))).toEqual([['input', 65535, 1, ['top']]]);
    expect(() => planReads([pt('f', 'input', 65535, 'float32')], LIMITS)).toThrow(/runs past address 65535/);
    expect(() => planReads([pt('s', 'holding', 65530, 'string', 8)], LIMITS)).toThrow(
      expect.objectContaining({ code: 'LG_DECODE' }),
    );
  });

  it('refuses a point wider than one request', () => {
    const check = (p: PointDef, limits: PlanLimits) => {
      try {
        planReads([p], limits);
        expect.unreachable();
      } catch (e) {
        expect(isLinegateError(e, 'LG_DECODE')).toBe(true);
        expect(isLinegateError(e) && e.context).toMatchObject({ point: p.name, width: p.length });
      }
    };
    check(pt('serial', 'holding', 0, 'string', 126), LIMITS);
    check(pt('serial', 'holding', 0, 'string', 20), { ...LIMITS, maxRegisters: 10 });
    expect(planReads([pt('serial', 'holding', 0, 'string', 125)], LIMITS)[0]?.count).toBe(125);
  });

  it.each([
    { maxRegisters: 0, maxBits: 2000, maxGap: 0 },
    { maxRegisters: 10, maxBits: 0, maxGap: 0 },
    { maxRegisters: 10, maxBits: 10, maxGap: -1 },
    { maxRegisters: 1.5, maxBits: 10, maxGap: 0 },
    { maxRegisters: Number.NaN, maxBits: 10, maxGap: 0 },
  ])('refuses limits %j', (limits) => {
    expect(() => planReads([], limits)).toThrow(expect.objectContaining({ code: 'LG_CONFIG_INVALID' }));
  });
});

describe('sliceForPoint', () => {
  const points = [
    pt('a', 'holding', 10, 'float32'),
    pt('b', 'holding', 13),
    pt('c', 'holding', 14, 'string', 2),
  ];
  const [req] = planReads(points, LIMITS) as [ReadRequest];
  const data = [0xa0, 0xa1, 0xff, 0xb0, 0xc0, 0xc1];

  it('returns each point its own registers', () => {
    expect(req).toMatchObject({ start: 10, count: 6 });
    expect(points.map((p) => sliceForPoint(req, p, data))).toEqual([[0xa0, 0xa1], [0xb0], [0xc0, 0xc1]]);
  });

  it('takes bits out of a padded FC1 answer', () => {
    const [coils] = planReads([pt('x', 'coil', 3), pt('y', 'coil', 5)], LIMITS) as [ReadRequest];
    const answer = [true, false, false, false, false, false, false, false]; // 3 bits asked, a byte back
    expect(sliceForPoint(coils, pt('x', 'coil', 3), answer)).toEqual([true]);
    expect(sliceForPoint(coils, pt('y', 'coil', 5), answer)).toEqual([false]);
  });

  it.each([
    ['outside the request', pt('z', 'holding', 15, 'float32'), data],
    ['before the request', pt('z', 'holding', 9), data],
    ['in another area', pt('z', 'input', 10), data],
    ['with a short answer', pt('c', 'holding', 14, 'string', 2), data.slice(0, 5)],
  ])('refuses a point %s', (_, p, values) => {
    expect(() => sliceForPoint(req, p, values)).toThrow(expect.objectContaining({ code: 'LG_DECODE' }));
  });
});
