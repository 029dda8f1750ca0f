import type { Clock } from '../../gateway/runtime/clock.js';

/**
 * A clock that only moves when the test says so; timers fire in time order during advanceTo().
 * For tests where time matters (production days, shifts) without waiting for it.
 */
export class ManualClock implements Clock {
  private timers: { at: number; seq: number; fn: () => void }[] = [];
  private seq = 0;

  constructor(public t: number) {}

  readonly now = (): number => this.t;

  setTimeout(fn: () => void, ms: number): { cancel(): void } {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return { cancel: () => (this.timers = this.timers.filter((x) => x !== timer)) };
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }

  /** Moves to t, firing every timer due on the way (bounded). */
  advanceTo(t: number): void {
    for (let guard = 0; guard < 1_000_000; guard++) {
      const due = this.timers.filter((x) => x.at <= t).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.fn();
    }
    this.t = t;
  }

  /** Forgets every timer (a process that died). */
  dropTimers(): void {
    this.timers = [];
  }
}
