import type { MachineStatusEvent } from '../core/events.js';
import type { Quality, Sample, SampleValue } from '../core/sample.js';

export interface PointState {
  readonly value: SampleValue;
  readonly quality: Quality;
  readonly ts: number;
  /** The last good value and when it was read; kept apart so a stale value never looks fresh. */
  readonly lastGood: { readonly value: SampleValue; readonly ts: number } | null;
}

export interface MachineState {
  online: boolean | null;
  since: number | null;
  reason: string | null;
  lastPollTs: number | null;
  readonly points: Map<string, PointState>;
}

/** Latest value of every point and each machine's connectivity, in memory, for the API. */
export class LiveState {
  private readonly machines = new Map<string, MachineState>();

  private machine(id: string): MachineState {
    let m = this.machines.get(id);
    if (!m) {
      m = { online: null, since: null, reason: null, lastPollTs: null, points: new Map() };
      this.machines.set(id, m);
    }
    return m;
  }

  applySamples(samples: readonly Sample[]): void {
    for (const s of samples) {
      const m = this.machine(s.machine);
      const prev = m.points.get(s.point);
      const good = s.quality === 'good';
      m.points.set(s.point, {
        value: s.value,
        quality: s.quality,
        ts: s.ts,
        lastGood: good ? { value: s.value, ts: s.ts } : (prev?.lastGood ?? null),
      });
      if (m.lastPollTs === null || s.ts > m.lastPollTs) m.lastPollTs = s.ts;
    }
  }

  applyStatus(e: MachineStatusEvent): void {
    const m = this.machine(e.machine);
    m.online = e.online;
    m.since = e.ts;
    m.reason = e.reason ?? null;
  }

  get(id: string): Readonly<MachineState> | undefined {
    return this.machines.get(id);
  }
}
