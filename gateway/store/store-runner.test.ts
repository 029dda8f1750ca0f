import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LinegateError } from '../core/errors.js';
import type { FlushResult } from './sample-writer.js';
import { StoreRunner } from './store-runner.js';
import { series, tempStores } from './testdata/temp-store.js';

const t = tempStores();
beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  t.cleanup();
});

const result = (over: Partial<FlushResult>): FlushResult => ({
  written: 0,
  samples: 0,
  events: 0,
  pending: 0,
  full: false,
  shed: 0,
  ms: 0,
  ...over,
});
describe('StoreRunner', () => {
  it('flushes about once a second, maintains once a minute, and flushes everything on stop', () => {
    const s = t.open(t.dir(), { maxBatch: 100 });
    const flushed: FlushResult[] = [];
    const maintain = vi.spyOn(s, 'maintain');
    const runner = new StoreRunner(s, { onFlush: (r) => flushed.push(r) });
    runner.start();
    s.append(series('m', 'p', 10, 0));
    vi.advanceTimersByTime(999);
    expect(s.stats().rawRows).toBe(0);
    vi.advanceTimersByTime(1);
    expect(s.stats().rawRows).toBe(10);
    expect(flushed).toHaveLength(1);
    vi.advanceTimersByTime(5000); // nothing pending: no onFlush
    expect(flushed).toHaveLength(1);

    // More than maxBatch waiting: a tick flushes back to back.
    s.append(series('m', 'p', 350, 100));
    vi.advanceTimersByTime(1000);
    expect(s.stats().rawRows).toBe(360);

    vi.advanceTimersByTime(60_000);
    expect(maintain).toHaveBeenCalledTimes(1);

    s.append(series('m', 'p', 250, 1000));
    expect(runner.stop()).toMatchObject({ pending: 0 });
    expect(s.stats().rawRows).toBe(610);
    s.append(series('m', 'p', 5, 5000));
    vi.advanceTimersByTime(10_000); // stopped: no more ticks
    expect(s.stats().rawRows).toBe(610);
  });

  it('never throws: a failing flush is logged once per change of state, and its recovery', () => {
    const lines: { level: number; msg: string }[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const full = result({
      pending: 5,
      full: true,
      error: new LinegateError('LG_STORE_FULL', 'the disk is full', {}),
    });
    const answers: (FlushResult | Error)[] = [full, full, full, new Error('boom'), result({ written: 5 })];
    const store = {
      flush: () => {
        const a = answers.shift() ?? result({});
        if (a instanceof Error) throw a;
        return a;
      },
      maintain: () => {
        throw new Error('maintenance broke');
      },
    };
    const runner = new StoreRunner(store, { log, maintainIntervalMs: 2000 });
    runner.start();
    expect(() => vi.advanceTimersByTime(6000)).not.toThrow();
    runner.stop();
    expect(lines.map((l) => l.msg)).toEqual([
      'store flush failed; rows kept in memory and retried',
      'store maintenance failed; retried at the next interval',
      'store flush failed; rows kept in memory and retried', // a different failure: logged again
      'store maintenance failed; retried at the next interval',
      'store flush recovered',
      'store maintenance failed; retried at the next interval',
    ]);
  });
});
