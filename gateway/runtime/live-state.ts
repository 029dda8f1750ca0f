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

/** What LiveState keeps per point: one record per point, updated in place (see applySamples). */
interface LivePoint {
  value: SampleValue;
  quality: Quality;
  ts: number;
  lastGood: { value: SampleValue; ts: number } | null;
}

interface LiveMachine extends MachineState {
  readonly points: Map<string, LivePoint>;
}

/**
 * Latest value of every point and each machine's connectivity, in memory, for the API.
 * Each point's record is updated in place (no new objects per sample: at 1 000+ samples/s they
 * would each outlive a young-generation GC and become old-generation garbage); readers get the
 * record itself, so they copy what they keep beyond the current turn.
 */
export class LiveState {
  private readonly machines = new Map<string, LiveMachine>();

  private machine(id: string): LiveMachine {
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
      const p = m.points.get(s.point);
      const good = s.quality === 'good';
      if (!p) {
        m.points.set(s.point, {
          value: s.value,
          quality: s.quality,
          ts: s.ts,
          lastGood: good ? { value: s.value, ts: s.ts } : null,
        });
      } else {
        p.value = s.value;
        p.quality = s.quality;
        p.ts = s.ts;
        if (good && p.lastGood) {
          p.lastGood.value = s.value;
          p.lastGood.ts = s.ts;
        } else if (good) p.lastGood = { value: s.value, ts: s.ts };
      }
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
