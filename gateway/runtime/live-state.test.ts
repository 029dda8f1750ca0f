import { describe, expect, it } from 'vitest';
import type { Sample } from '../core/sample.js';
import { LiveState } from './live-state.js';

const s = (value: Sample['value'], quality: Sample['quality'], ts: number): Sample =>
  ({ machine: 'm1', point: 'temp', value, quality, ts }) as Sample;

describe('LiveState', () => {
  it('keeps the latest value and, apart, the last good one across bad reads', () => {
    const live = new LiveState();
    live.applySamples([s(null, 'bad', 1)]);
    expect(live.get('m1')?.points.get('temp')).toEqual({
      value: null,
      quality: 'bad',
      ts: 1,
      lastGood: null,
    });
    live.applySamples([s(61.5, 'good', 2)]);
    live.applySamples([s(null, 'bad', 3)]);
    expect(live.get('m1')?.points.get('temp')).toEqual({
      value: null,
      quality: 'bad',
      ts: 3,
      lastGood: { value: 61.5, ts: 2 },
    });
    live.applySamples([s(62, 'good', 4), s(62.5, 'uncertain', 5)]);
    expect(live.get('m1')?.points.get('temp')).toEqual({
      value: 62.5,
      quality: 'uncertain',
      ts: 5,
      lastGood: { value: 62, ts: 4 },
    });
    expect(live.get('m1')?.lastPollTs).toBe(5);
  });
});
