/**
 * Counter readings → increments. Pure. A machine counter only ever counts up, but on the wire:
 *  - it wraps at 2^16 or 2^32 (65535 → 0 is one unit, not −65535);
 *  - it is reset to 0 by an operator or at shift change (count from 0: the new value is the
 *    increment; Flux `increase()` counts +0 at that step and loses it);
 *  - it wobbles backwards by a few units (a checkweigher correcting its count, a totaliser's
 *    float noise): that is noise, not a reset, and must not credit the whole value again.
 *
 * The state kept per counter is a high-water mark (`last`): after a small backwards step the mark
 * stays, so climbing back to it credits nothing twice. Persisting `last` with the totals in one
 * transaction makes a gateway restart neither lose nor double count; after a comm gap the first
 * reading credits the whole gap once.
 */
export type CounterStep = 'first' | 'count' | 'wrap' | 'reset' | 'noise' | 'implausible';

export interface CounterOptions {
  /** Counter width; a wrap is only considered with a width (64 = never wraps in practice). */
  readonly bits?: 16 | 32 | 64;
  /** Backwards steps up to this size are noise. */
  readonly noise: number;
  /**
   * The most the counter can plausibly have advanced since the last reading (e.g. twice the ideal
   * rate × the time gap, at least a few hundred). A wrap needing more than this is a reset.
   * Infinity when unknown: then a backwards step is a wrap only if it needs less than half the range.
   */
  readonly maxIncrease?: number;
}

export interface CounterResult {
  readonly delta: number;
  readonly step: CounterStep;
  /** The new high-water mark to keep. */
  readonly last: number;
}

export function counterStep(last: number | null, value: number, opts: CounterOptions): CounterResult {
  if (!Number.isFinite(value)) return { delta: 0, step: 'implausible', last: last ?? 0 };
  if (last === null) return { delta: 0, step: 'first', last: value };
  const max = opts.maxIncrease ?? Number.POSITIVE_INFINITY;
  if (value >= last) {
    const d = value - last;
    // A forward jump beyond anything possible is a reset to a new base (e.g. preset loaded).
    if (Number.isFinite(max) && d > max) return { delta: 0, step: 'implausible', last: value };
    return { delta: d, step: 'count', last: value };
  }
  const back = last - value;
  if (back <= opts.noise) return { delta: 0, step: 'noise', last };
  if (opts.bits && opts.bits < 64) {
    const range = 2 ** opts.bits;
    if (last < range && value >= 0) {
      const wrapped = range - last + value;
      const limit = Number.isFinite(max) ? max : range / 2;
      if (wrapped <= limit) return { delta: wrapped, step: 'wrap', last: value };
    }
  }
  return { delta: value, step: 'reset', last: value };
}
