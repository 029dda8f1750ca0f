import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK } from './sample-insert.js';
import { sample, tempStores } from './testdata/temp-store.js';
import { decodeValue, encodeValue, TextBlobs, valueFlags } from './value-codec.js';

const t = tempStores();
afterEach(() => t.cleanup());

describe('multi-row sample inserts', () => {
  it.each([1, 2, 3, 7, 8, 9, 21, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK - 1, 2 * CHUNK + 8 + 3])(
    '%i samples in one flush: every row, in seq order, with its value',
    (n) => {
      const s = t.open(t.dir());
      const input = Array.from({ length: n }, (_, i) =>
        sample('m', `p${i % 3}`, i % 3 === 2 ? `s${i}` : i + 0.5, 1000 + i),
      );
      expect(s.flush().written).toBe(0);
      s.append(input);
      expect(s.flush()).toMatchObject({ written: n, pending: 0 });
      const rows = s.db
        .prepare(
          'SELECT s.seq, s.ts, r.point, s.value, s.flags FROM sample s JOIN series r ON r.id = s.series ORDER BY s.seq',
        )
        .all() as { seq: number; ts: number; point: string; value: unknown; flags: number }[];
      expect(rows.map((r) => [r.ts, r.point, decodeValue(r.value, r.flags)])).toEqual(
        input.map((x) => [x.ts, x.point, x.value]),
      );
      expect(rows.every((r, i) => i === 0 || r.seq === (rows[i - 1]?.seq ?? 0) + 1)).toBe(true);
    },
  );

  it('a failing chunk rolls the whole flush back, and the next flush writes every row once', () => {
    const s = t.open(t.dir());
    s.append(Array.from({ length: CHUNK + 5 }, (_, i) => sample('m', 'p', i, 1000 + i)));
    // A row already at the seq the second chunk would take: that INSERT fails mid-transaction.
    const next =
      (s.db.prepare('SELECT coalesce(max(seq), 0) + 1 FROM sample').pluck().get() as number) + CHUNK;
    const series = s.db
      .prepare("INSERT INTO series (machine, point) VALUES ('x', 'y')")
      .run().lastInsertRowid;
    s.db
      .prepare('INSERT INTO sample (seq, ts, series, value, flags) VALUES (?, 0, ?, 0, 0)')
      .run(next, series);
    const r = s.flush();
    expect(r.written).toBe(0);
    expect(r.error?.code).toBe('LG_STORE_IO');
    expect(s.db.prepare('SELECT count(*) FROM sample').pluck().get()).toBe(1); // the blocker only
    s.db.prepare('DELETE FROM sample').run();
    expect(s.flush()).toMatchObject({ written: CHUNK + 5, pending: 0 });
    const values = s.db.prepare('SELECT value FROM sample ORDER BY seq').pluck().all();
    expect(values).toEqual(Array.from({ length: CHUNK + 5 }, (_, i) => i));
  });
});

describe('the writer’s value encoding', () => {
  const values = [
    0,
    -1,
    21.5,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    true,
    false,
    '',
    'RUN',
    'đang chạy',
    null,
  ];
  it('valueFlags and TextBlobs give what encodeValue gives', () => {
    const blobs = new TextBlobs(2);
    for (let round = 0; round < 3; round++)
      for (const v of [...values, 'x'.repeat(65)])
        for (const q of ['good', 'uncertain', 'bad'] as const) {
          const e = encodeValue(v, q);
          expect(valueFlags(v, q)).toBe(e.flags);
          expect(blobs.stored(v)).toEqual(e.value);
        }
  });

  it('hands out the same Buffer for a repeated short text, and stays bounded', () => {
    const blobs = new TextBlobs(2);
    const a = blobs.stored('RUN') as Buffer;
    expect(blobs.stored('RUN')).toBe(a);
    expect(a.buffer.byteLength).toBe(3); // its own memory, not a slice of the shared pool
    blobs.stored('STOP');
    blobs.stored('IDLE'); // third text: the cache starts over
    expect(blobs.stored('RUN')).not.toBe(a);
    expect(blobs.stored('RUN')).toEqual(Buffer.from('RUN'));
  });
});
