import { afterEach, describe, expect, it } from 'vitest';
import { CAP_CHECK, SampleWriter } from './sample-writer.js';
import { FakeClock, series, tempStores } from './testdata/temp-store.js';

const t = tempStores();
afterEach(() => t.cleanup());

describe('disk-cap check after flushes (SampleWriter.checkCap)', () => {
  it('runs after the first flush, then every CAP_CHECK.rows rows or CAP_CHECK.ms, and its shed count is reported', () => {
    const clock = new FakeClock();
    const s = t.open(t.dir(), { now: clock.now });
    let checks = 0;
    const w = new SampleWriter(s.db, {
      now: clock.now,
      space: {
        makeRoom: () => ({ rows: 0 }),
        enforceCap: () => {
          checks++;
          return { rows: 7 };
        },
      },
    });
    const flush = (n: number) => {
      w.append(series('m', 'p', n, clock.t));
      return w.flush();
    };
    expect(flush(10).shed).toBe(7);
    expect(checks).toBe(1);
    let rows = 0;
    while (rows + 100 < CAP_CHECK.rows) {
      expect(flush(100).shed).toBe(0);
      rows += 100;
    }
    expect(checks).toBe(1);
    expect(flush(100).shed).toBe(7); // the rows since the last check reached CAP_CHECK.rows
    expect(checks).toBe(2);
    flush(1);
    expect(checks).toBe(2);
    clock.advance(CAP_CHECK.ms);
    flush(1);
    expect(checks).toBe(3); // time
    clock.advance(-5000);
    flush(1);
    expect(checks).toBe(4); // a clock that went back checks at once
    flush(5000);
    expect(checks).toBe(5); // a large flush
  });

  it('a throwing check is logged, not thrown, and the rows stay written', () => {
    const s = t.open(t.dir());
    const w = new SampleWriter(s.db, {
      space: {
        makeRoom: () => ({ rows: 0 }),
        enforceCap: () => {
          throw new Error('statfs failed');
        },
      },
    });
    w.append(series('m', 'p', 3, 1000));
    expect(w.flush()).toMatchObject({ written: 3, shed: 0, pending: 0 });
  });
});
