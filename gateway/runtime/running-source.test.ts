import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { PolledSource, PollResult } from '../core/source.js';
import type { Clock } from './clock.js';
import { CommStatsTracker } from './comm-stats.js';
import { EventBus } from './event-bus.js';
import { RunningSource } from './running-source.js';

/** A clock whose timers run when `advance` passes their due time (in due order). */
class StepClock implements Clock {
  t: number;
  private timers: { due: number; fn: () => void; id: number }[] = [];
  private ids = 0;
  constructor(start: number) {
    this.t = start;
  }
  now = (): number => this.t;
  setTimeout = (fn: () => void, ms: number): { cancel(): void } => {
    const id = this.ids++;
    this.timers.push({ due: this.t + ms, fn, id });
    return { cancel: () => (this.timers = this.timers.filter((x) => x.id !== id)) };
  };
  sleep = (ms: number): Promise<void> => new Promise((r) => this.setTimeout(r, ms));
  /** Runs every timer due up to `until`, letting promises settle between them. */
  async advance(until: number): Promise<void> {
    for (;;) {
      await new Promise((r) => setImmediate(r));
      const next = this.timers.filter((x) => x.due <= until).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = until;
  }
}

/** A machine whose poll takes `scanMs` of the fake clock (a wait, as I/O is); records when each poll started. */
function machine(clock: StepClock, id: string, scanMs: () => number, reachable = () => true) {
  const starts: number[] = [];
  const source: PolledSource = {
    machine: id,
    async poll(now: number): Promise<PollResult> {
      starts.push(now);
      await clock.sleep(scanMs());
      return { samples: [], errors: [], reachable: reachable() };
    },
    close: async () => {},
  };
  return { source, starts };
}

function run(clock: StepClock, source: PolledSource, pollIntervalMs = 1000): RunningSource {
  const r = new RunningSource({
    source,
    points: [],
    pollIntervalMs,
    bus: new EventBus(),
    stats: new CommStatsTracker(),
    log: pino({ level: 'silent' }),
    clock,
  });
  r.start();
  return r;
}

describe('RunningSource schedule', () => {
  it('polls machines started apart on the same multiples of the interval', async () => {
    const clock = new StepClock(1_000_017);
    const a = machine(clock, 'a', () => 40);
    run(clock, a.source);
    await clock.advance(1_000_300);
    const b = machine(clock, 'b', () => 7);
    run(clock, b.source);
    await clock.advance(1_005_500);
    expect(a.starts).toEqual([1_000_017, 1_001_000, 1_002_000, 1_003_000, 1_004_000, 1_005_000]);
    // b's first poll is at once; from its second on it shares a's multiples
    expect(b.starts).toEqual([1_000_300, 1_001_000, 1_002_000, 1_003_000, 1_004_000, 1_005_000]);
  });

  it('polls again at once after a scan longer than the interval, then rejoins the grid', async () => {
    const clock = new StepClock(2_000_000);
    const scans = [1_300, 50, 50, 50];
    const m = machine(clock, 'slow', () => scans.shift() ?? 50);
    run(clock, m.source);
    await clock.advance(2_004_500);
    expect(m.starts).toEqual([2_000_000, 2_001_300, 2_002_000, 2_003_000, 2_004_000]);
  });

  it('backs an unreachable machine off, then rejoins the grid when it answers', async () => {
    const clock = new StepClock(3_000_000);
    let up = false;
    const m = machine(
      clock,
      'off',
      () => 10,
      () => up,
    );
    run(clock, m.source);
    await clock.advance(3_002_500);
    up = true;
    await clock.advance(3_030_000);
    // backoff from the first failures (at least one interval, doubling)...
    expect(m.starts[1]).toBeGreaterThanOrEqual(3_001_000);
    // ...and once it answers, every later poll starts on a whole second
    const afterUp = m.starts.filter((t) => t > 3_002_500).slice(1);
    expect(afterUp.length).toBeGreaterThan(10);
    for (const t of afterUp) expect(t % 1000).toBe(0);
  });
});
