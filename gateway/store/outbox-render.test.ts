import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { LineTemplate, OutboxBatch, OutboxRow } from '../core/outbox.js';
import type { Quality, SampleValue } from '../core/sample.js';
import { createLineEncoder } from '../sinks/influx/line-protocol.js';
import type { Store } from './store.js';
import { sample, tempStores } from './testdata/temp-store.js';

/**
 * Batches the store renders in SQL (outbox-render.ts) against the JS line encoder on the same
 * rows: the same lines, value for value (a number may be spelled `60.0` for `60`), in seq order;
 * anything the template cannot render gives an ordinary batch of rows; cursors, acks and the
 * live lane as for row batches.
 */
const t = tempStores();
afterEach(() => t.cleanup());

const T0 = Date.UTC(2026, 0, 1);
const encoder = createLineEncoder({
  tagsFor: (machine) => ({ site: 'Nhà máy 1', line: machine, kind: 'dryer' }),
});
const lineTemplate = encoder.template;
if (!lineTemplate) throw new Error('the line encoder has a template');
/** The encoder's template, except that it has no prefix for point "refused". */
const template: LineTemplate = {
  ...lineTemplate,
  id: 'test',
  prefix: (machine, point) => (point === 'refused' ? null : lineTemplate.prefix(machine, point)),
};

/** `prefix fields ts` (field values hold no space; prefix spaces are escaped). */
function parseLine(line: string): { prefix: string; fields: Map<string, string>; ts: string } {
  const ts = line.slice(line.lastIndexOf(' ') + 1);
  const rest = line.slice(0, line.lastIndexOf(' '));
  const fieldText = rest.slice(rest.lastIndexOf(' ') + 1);
  const fields = new Map(fieldText.split(',').map((f) => f.split('=') as [string, string]));
  return { prefix: rest.slice(0, rest.lastIndexOf(' ')), fields, ts };
}

/** The rendered body and the JS encoder's body of the same rows mean the same points. */
function expectSameMeaning(rendered: Buffer, rows: readonly OutboxRow[]): void {
  const got = rendered.toString('utf8').split('\n');
  expect(got.pop()).toBe(''); // every line ends in a newline
  const want = rows.map((r) => {
    const e = encoder(r);
    if (!e.ok) throw new Error(e.reason);
    return e.line;
  });
  expect(got.length).toBe(want.length);
  got.forEach((line, i) => {
    const a = parseLine(line);
    const b = parseLine(want[i] as string);
    expect(a.prefix).toBe(b.prefix);
    expect(a.ts).toBe(b.ts);
    expect([...a.fields.keys()]).toEqual([...b.fields.keys()]);
    for (const [k, v] of b.fields) {
      const r = a.fields.get(k) as string;
      if (k === 'value')
        expect(Number(r)).toBe(Number(v)); // same float (InfluxDB reads both the same)
      else expect(r).toBe(v);
    }
  });
}

function store(samples: readonly { value: SampleValue; quality?: Quality; point?: string }[]): Store {
  const s = t.open(t.dir());
  s.registerSink('render', { from: 'start' });
  s.registerSink('rows', { from: 'start' });
  s.append(samples.map((x, i) => sample(`m${i % 3}`, x.point ?? `p${i % 4}`, x.value, T0 + i, x.quality)));
  s.flush();
  return s;
}

const renderer = (s: Store) => {
  const out = s.outbox('render');
  if (!out.rendering) throw new Error('the store outbox renders');
  return out.rendering(template);
};

describe('outbox rendering (SQL)', () => {
  it('renders what the JS encoder writes, for any number, boolean, null and quality, in seq order', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 10),
      fc.boolean(),
      fc.constant(null),
    );
    const row = fc.record({ value, quality: fc.constantFrom<Quality>('good', 'uncertain', 'bad') });
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 64 }),
        (rows, limit) => {
          const s = store(rows);
          const out = renderer(s);
          const plain = s.outbox('rows');
          for (;;) {
            const b = out.next(limit);
            const p = plain.next(limit);
            if (p.rows.length === 0) {
              expect(b.rows).toEqual([]);
              break;
            }
            expect(b.rendered?.count).toBe(p.rows.length);
            expect(b.rendered?.lastKey).toBe(p.rows[p.rows.length - 1]?.key);
            expectSameMeaning(b.rendered?.body as Buffer, p.rows);
            out.ack(b);
            plain.ack(p);
          }
          expect(out.depth()).toBe(0);
          s.close();
        },
      ),
      { numRuns: 40 },
    );
  });

  it('gives rows on demand that are the batch, and acks a rendered batch like a row batch', () => {
    const s = store(Array.from({ length: 30 }, (_, i) => ({ value: i })));
    const out = renderer(s);
    const b = out.next(10);
    expect(b.rendered?.count).toBe(10);
    expect(b.rows.map((r) => (r.kind === 'sample' ? r.value : null))).toEqual([...Array(10).keys()]);
    out.ack(b);
    expect(out.depth()).toBe(20);
    const ahead = out.nextAfter?.(b.rows[9]?.key as string, 5) as OutboxBatch;
    expect(ahead.rows.map((r) => (r.kind === 'sample' ? r.value : null))).toEqual([10, 11, 12, 13, 14]);
    // The plain outbox of the same sink shares the cursor.
    expect(s.outbox('render').next(1).rows[0]).toMatchObject({ value: 10 });
  });

  it('falls back to rows for a string value, an event, or a series the template refuses', () => {
    const s = store([{ value: 1 }, { value: 'hết giấy' }, { value: 3 }]);
    const out = renderer(s);
    const b = out.next(10);
    expect(b.rendered).toBeUndefined();
    expect(b.rows.map((r) => (r.kind === 'sample' ? r.value : null))).toEqual([1, 'hết giấy', 3]);
    out.ack(b);

    s.append([sample('m1', 'p1', 4, T0 + 10)]);
    s.appendEvents([{ measurement: 'production', tags: { machine: 'm1' }, fields: { kg: 2 }, ts: T0 + 11 }]);
    s.append([sample('m1', 'p1', 5, T0 + 12)]);
    s.flush();
    const withEvent = out.next(10);
    expect(withEvent.rendered).toBeUndefined();
    expect(withEvent.rows.map((r) => r.kind)).toContain('event');
    out.ack(withEvent);

    s.append([sample('m1', 'refused', 6, T0 + 20), sample('m1', 'p1', 7, T0 + 21)]);
    s.flush();
    const refused = out.next(10);
    expect(refused.rendered).toBeUndefined();
    expect(refused.rows).toHaveLength(2);
    out.ack(refused);

    // After those, plain samples render again, series first seen after the renderer included.
    s.append([sample('new-machine', 'p9', 8, T0 + 30)]);
    s.flush();
    const again = out.next(10);
    expect(again.rendered?.count).toBe(1);
    expect(again.rendered?.body.toString('utf8')).toContain('machine=new-machine,point=p9');
  });

  it('learns a series prefix again when a caller rolled back the insert', () => {
    const s = store([{ value: 1 }, { value: 2 }]);
    const out = renderer(s);
    expect(() =>
      s.db.transaction(() => {
        expect(out.next(10).rendered?.count).toBe(2);
        throw new Error('roll back');
      })(),
    ).toThrow('roll back');
    expect(out.next(10).rendered?.count).toBe(2);
  });

  it('renders up to the first event only when the event comes after the batch', () => {
    const s = store(Array.from({ length: 5 }, (_, i) => ({ value: i })));
    s.appendEvents([{ measurement: 'state', tags: { machine: 'm0' }, fields: { state: 'run' }, ts: T0 + 9 }]);
    s.flush();
    const out = renderer(s);
    const first = out.next(5);
    expect(first.rendered?.count).toBe(5);
    out.ack(first);
    const rest = out.next(5);
    expect(rest.rendered).toBeUndefined();
    expect(rest.rows.map((r) => r.kind)).toEqual(['event']);
  });

  it('keeps the live lane: the replay stops at its start, live rows render in their own lane', () => {
    const s = store(Array.from({ length: 100 }, (_, i) => ({ value: i })));
    const out = renderer(s);
    expect(out.nextLive?.(10, 50).rows).toEqual([]); // opens the lane at the last seq
    s.append(Array.from({ length: 20 }, (_, i) => sample('m0', 'p0', 100 + i, T0 + 100 + i)));
    s.flush();
    const live = out.nextLive?.(15, 50) as OutboxBatch;
    expect(live.rendered?.count).toBe(15);
    out.ack(live);
    const replay = out.next(1000);
    expect(replay.rendered?.count).toBe(100);
    out.ack(replay); // reaches the lane: it closes
    expect(out.depth()).toBe(5);
    const tail = out.next(1000);
    expect(tail.rows.map((r) => (r.kind === 'sample' ? r.value : null))).toEqual([115, 116, 117, 118, 119]);
  });
});
