/**
 * Chatter and flood detection (ISA-18.2 §16.9 / EEMUA 191: an alarm that activates ≥ 3 times in
 * 60 s chatters; more than 10 alarms in 10 minutes is a flood). While an alarm chatters or the
 * plant floods, its activations are held and counted, and one summary per channel goes out
 * instead of a storm. Pure bookkeeping over timestamps given by the caller.
 */
export interface StormLimits {
  readonly alarms: number;
  readonly windowMs: number;
  readonly chatterCount: number;
  readonly chatterWindowMs: number;
}

export type Verdict = 'send' | 'chatter' | 'flood';

export class StormGuard {
  private readonly all: number[] = [];
  private readonly perAlarm = new Map<string, number[]>();

  constructor(private readonly limits: StormLimits) {}

  /** Records one activation and says whether it may be sent on its own. */
  activation(alarm: string, ts: number): Verdict {
    const prune = (list: number[], window: number) => {
      while (list.length > 0 && (list[0] as number) <= ts - window) list.shift();
    };
    prune(this.all, this.limits.windowMs);
    this.all.push(ts);
    const mine = this.perAlarm.get(alarm) ?? [];
    prune(mine, this.limits.chatterWindowMs);
    mine.push(ts);
    this.perAlarm.set(alarm, mine);
    if (mine.length >= this.limits.chatterCount) return 'chatter';
    if (this.all.length > this.limits.alarms) return 'flood';
    return 'send';
  }

  /** Is the plant still in a flood at ts? (summaries wait until it is over, or a window passed) */
  flooding(ts: number): boolean {
    return this.all.filter((t) => t > ts - this.limits.windowMs).length > this.limits.alarms;
  }
}
