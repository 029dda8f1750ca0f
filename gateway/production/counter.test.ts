import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { counterStep } from './counter.js';

const opts = { noise: 5 };

describe('counterStep', () => {
  it('credits nothing on the first reading and the difference afterwards', () => {
    expect(counterStep(null, 1000, opts)).toEqual({ delta: 0, step: 'first', last: 1000 });
    expect(counterStep(1000, 1042, opts)).toEqual({ delta: 42, step: 'count', last: 1042 });
  });

  it('counts across a 16-bit wrap: 65530 → 3 is 9 units', () => {
    expect(counterStep(65530, 3, { ...opts, bits: 16 })).toEqual({ delta: 9, step: 'wrap', last: 3 });
  });

  it('counts across a 32-bit wrap', () => {
    expect(counterStep(2 ** 32 - 100, 50, { ...opts, bits: 32 })).toEqual({
      delta: 150,
      step: 'wrap',
      last: 50,
    });
  });

  it('treats a drop to a small value far from the top as a reset and credits the new value', () => {
    expect(counterStep(1_234_567, 12, { ...opts, bits: 32 })).toEqual({ delta: 12, step: 'reset', last: 12 });
    // 16-bit at 40000 → 7: a wrap would need 25543 units; with a plausible maximum it is a reset.
    expect(counterStep(40_000, 7, { ...opts, bits: 16, maxIncrease: 600 })).toMatchObject({
      delta: 7,
      step: 'reset',
    });
    // Without width a backwards step beyond the noise is always a reset.
    expect(counterStep(500, 20, opts)).toMatchObject({ delta: 20, step: 'reset' });
  });

  it('ignores a small backwards jump (noise) and keeps the high-water mark, so nothing counts twice', () => {
    const a = counterStep(1000, 997, opts);
    expect(a).toEqual({ delta: 0, step: 'noise', last: 1000 });
    expect(counterStep(a.last, 999, opts)).toEqual({ delta: 0, step: 'noise', last: 1000 });
    expect(counterStep(a.last, 1004, opts)).toEqual({ delta: 4, step: 'count', last: 1004 });
  });

  it('refuses an impossible forward jump and rebases', () => {
    expect(counterStep(100, 90_000, { ...opts, maxIncrease: 1000 })).toEqual({
      delta: 0,
      step: 'implausible',
      last: 90_000,
    });
  });

  it('property: the sum of deltas over any sequence of increments of a wrapping 16-bit counter is the true count', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65535 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { maxLength: 200 }),
        (start, incs) => {
          let raw = start;
          let mark: number | null = null;
          let counted = 0;
          mark = counterStep(mark, raw, { noise: 5, bits: 16, maxIncrease: 3000 }).last;
          for (const inc of incs) {
            raw = (raw + inc) % 65536;
            const r = counterStep(mark, raw, { noise: 5, bits: 16, maxIncrease: 3000 });
            counted += r.delta;
            mark = r.last;
          }
          expect(counted).toBe(incs.reduce((a, b) => a + b, 0));
        },
      ),
    );
  });
});
