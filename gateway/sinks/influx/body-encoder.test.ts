import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EventRow, OutboxRow, SampleRow } from '../../core/outbox.js';
import { createLineEncoder, encodeRow, type LineEncoderDeps } from './line-protocol.js';

/**
 * The batch form of the line encoder (body-encoder.ts) writes byte for byte what `encodeRow`
 * writes per row, joined with newlines, and refuses the same rows for the same reasons.
 */
const names = fc.constantFrom('m1', 'máy 2', 'a,b', 'x=y', '', 'p "q"');
const number = fc.oneof(
  fc.double({ noNaN: false, noDefaultInfinity: false }),
  fc.integer({ min: -2e15, max: 2e15 }),
  fc.constantFrom(0, -0, 1e15 - 1, 1e15, -1e15 + 1, 1e21, 5e-324, 72.3, 0.1 + 0.2),
);
const sampleArb = fc.record({
  kind: fc.constant('sample' as const),
  machine: names,
  point: names,
  value: fc.oneof(number, fc.boolean(), fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constant(null)),
  quality: fc.constantFrom('good', 'uncertain', 'bad' as const),
  ts: fc.oneof(
    fc.integer({ min: -4_102_444_800_000, max: 4_102_444_800_000 }),
    fc.double({ noNaN: false }),
    fc.constantFrom(1e15, 1e15 - 1, -1e15 + 1),
  ),
});
const eventArb = fc.record({
  kind: fc.constant('event' as const),
  measurement: fc.constantFrom('alarm', '', '#x', 'prod run'),
  tags: fc.dictionary(fc.constantFrom('a', 'b c', 'time'), fc.constantFrom('x', '', 'Lò 1')),
  fields: fc.dictionary(fc.constantFrom('v', 'n m', ''), fc.oneof(number, fc.boolean(), fc.string())),
  ts: fc.integer({ min: 0, max: 4_102_444_800_000 }),
});

const deps: LineEncoderDeps = {
  tagsFor: (m, p) => (m === 'a,b' ? undefined : { site: 'Nhà máy 1', line: p, kind: 'k k', unit: '°C' }),
};

function expected(rows: readonly OutboxRow[]) {
  const lines: string[] = [];
  const refused: { key: string; reason: string }[] = [];
  for (const row of rows) {
    const e = encodeRow(row, deps);
    if (e.ok) lines.push(e.line);
    else refused.push({ key: row.key, reason: e.reason });
  }
  return { lines, refused };
}

describe('createLineEncoder(…).batch (one body per batch)', () => {
  it('writes the bytes encodeRow writes, and refuses the same rows', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(sampleArb, sampleArb, eventArb), { maxLength: 60 }), (raw) => {
        const rows = raw.map((r, i) => ({ ...r, key: String(i + 1) }) as SampleRow | EventRow);
        const batch = createLineEncoder(deps).batch;
        if (!batch) throw new Error('no batch encoder');
        const got = batch(rows);
        const want = expected(rows);
        const body = want.lines.length === 0 ? '' : `${want.lines.join('\n')}\n`;
        expect(got.body.bytes().toString('utf8')).toBe(body);
        expect(got.body.bytes().equals(Buffer.from(body, 'utf8'))).toBe(true);
        expect(got.body.lines()).toEqual(want.lines);
        expect(got.body.count).toBe(want.lines.length);
        expect(got.refused).toEqual(want.refused);
        const refusedKeys = new Set(want.refused.map((r) => r.key));
        expect(got.rows.map((r) => r.key)).toEqual(rows.map((r) => r.key).filter((k) => !refusedKeys.has(k)));
      }),
      { numRuns: 300 },
    );
  });

  it('grows its buffer past the first guess (long strings, many series)', () => {
    const batch = createLineEncoder(deps).batch;
    if (!batch) throw new Error('no batch encoder');
    const rows: SampleRow[] = [];
    for (let i = 0; i < 2000; i++) {
      rows.push({
        key: String(i + 1),
        kind: 'sample',
        machine: `máy ${i % 37}`,
        point: `điểm ${'x'.repeat(i % 300)}`,
        value: i % 5 === 0 ? 'Bánh đậu xanh '.repeat(30) : i * 1.5,
        quality: 'good',
        ts: 1_700_000_000_000 + i,
      });
    }
    const got = batch(rows);
    expect(got.body.lines()).toEqual(expected(rows).lines);
  });
});
