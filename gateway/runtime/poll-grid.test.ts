import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextPollDelay } from './poll-grid.js';

describe('nextPollDelay', () => {
  it('starts the next poll on the next multiple of the interval', () => {
    expect(nextPollDelay(10_000, 10_040, 1000)).toBe(960); // on time, the scan took 40 ms
    expect(nextPollDelay(10_003, 10_050, 1000)).toBe(950); // the timer fired 3 ms late
    expect(nextPollDelay(9_999, 10_030, 1000)).toBe(970); // fired 1 ms early: not again at 10 000
    expect(nextPollDelay(10_000, 10_000, 250)).toBe(250);
  });

  it('puts machines that started apart onto the same multiples', () => {
    expect(10_020 + nextPollDelay(10_017, 10_020, 1000)).toBe(11_000);
    expect(10_499 + nextPollDelay(10_480, 10_499, 1000)).toBe(11_000);
    // a first poll late in its second (start-up): the grid is at least half an interval away
    expect(10_650 + nextPollDelay(10_620, 10_650, 1000)).toBe(12_000);
  });

  it('polls again at once after a scan that took its whole interval, then rejoins the grid', () => {
    expect(nextPollDelay(10_000, 11_300, 1000)).toBe(0);
    expect(nextPollDelay(10_000, 11_000, 1000)).toBe(0);
    expect(nextPollDelay(11_300, 11_350, 1000)).toBe(650);
  });

  it('never waits longer than one and a half intervals, nor a negative time, whatever the clock does', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4e12 }),
        fc.integer({ min: -1e10, max: 1e10 }),
        fc.integer({ min: 1, max: 3_600_000 }),
        (startedAt, elapsed, interval) => {
          const d = nextPollDelay(startedAt, startedAt + elapsed, interval);
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(1.5 * interval);
          // a forward-going clock lands on the grid
          if (elapsed >= 0 && elapsed < interval) expect((startedAt + elapsed + d) % interval).toBe(0);
        },
      ),
    );
  });

  it('a poll that started on a multiple never comes back to it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e9 }),
        fc.integer({ min: 2, max: 60_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (k, interval, scan) => {
          const start = k * interval;
          const end = start + Math.min(scan, interval - 1);
          expect(end + nextPollDelay(start, end, interval)).toBe(start + interval);
        },
      ),
    );
  });

  it('polls at once for an interval that is not positive', () => {
    expect(nextPollDelay(1000, 1010, 0)).toBe(0);
  });
});
