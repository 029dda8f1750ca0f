import { afterEach, describe, expect, it } from 'vitest';
import type { AlarmEventRecord } from './alarm-store.js';
import { type TempAlarmDb, tempAlarmDb } from './testdata/fixtures.js';

let t: TempAlarmDb | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

const DAY = 86_400_000;
const event = (ts: number): AlarmEventRecord => ({
  ts,
  alarm: 'm1.hot',
  machine: 'm1',
  line: 'l',
  rule: 'hot',
  severity: 2,
  event: 'activate',
  state: 'active_unack',
  message: { vi: 'Nóng', en: 'Hot' },
  value: 120,
  limit: 100,
  unit: '°C',
  actor: 'system',
  comment: null,
});

describe('alarm history retention', () => {
  it('deletes events older than the limit, keeps the newest so ids never restart', () => {
    t = tempAlarmDb();
    const status = { id: 'm1.hot' } as never;
    const ids = t.store.commit(status, {} as never, [event(1 * DAY), event(2 * DAY), event(800 * DAY)]);
    expect(t.store.prune(1.5 * DAY)).toBe(1); // only the one of day 1
    expect(t.store.history({ from: 0, to: 1000 * DAY }).map((e) => e.ts)).toEqual([800 * DAY, 2 * DAY]);
    // Everything is old: the newest event stays, so the next id continues after it.
    expect(t.store.prune(10_000 * DAY)).toBe(1);
    expect(t.store.lastEventId()).toBe(ids[2]);
    const [next] = t.store.commit(status, {} as never, [event(10_001 * DAY)]);
    expect(next).toBe((ids[2] ?? 0) + 1);
  });
});
