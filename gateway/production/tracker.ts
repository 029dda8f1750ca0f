import type { ProductConfig } from '../../config/production.js';
import type { LocalText } from '../core/points.js';
import type { Sample } from '../core/sample.js';
import type { Calendar, Slot } from './calendar.js';
import { counterStep } from './counter.js';
import { emptyTotals, type Totals } from './kpi.js';
import {
  type CounterKind,
  counterPoints,
  gramsPer,
  hasCounter,
  type MachineRoles,
  unitsOf,
} from './roles.js';
import { DOWN_STATES, deriveState, type MachineStateName } from './state.js';

/**
 * One machine's production truth, driven by its samples, its comm status and the calendar.
 * No I/O and no timers: the engine calls observe()/setOnline()/advance() with timestamps, in
 * time order, and the tracker integrates the time spent in each state into buckets
 * (local hour × shift) and credits counter increments to the bucket of the reading.
 */
export interface StateChange {
  readonly machine: string;
  readonly ts: number;
  readonly state: MachineStateName;
  readonly previous: MachineStateName;
  readonly faultCode: number | null;
  readonly faultText: LocalText | null;
}

export interface OpenStop {
  readonly id: string;
  readonly machine: string;
  readonly start: number;
  end: number | null;
  state: MachineStateName;
  /** Unplanned down time inside the stop (breaks and planned stops not counted). */
  downMs: number;
  /** Reported to the listener (reached the threshold). */
  announced: boolean;
  /** Given a planned reason (changeover, cleaning): its time is planned stop, not downtime. */
  planned?: boolean;
}

export interface TrackerListener {
  state(change: StateChange): void;
  /** 'open': the stop reached the threshold; 'close': it ended (only stops ≥ threshold). */
  stop(stop: Readonly<OpenStop>, event: 'open' | 'close'): void;
}

export interface Bucket {
  readonly machine: string;
  readonly day: string;
  readonly hourStart: number;
  readonly shift: string;
  product: string | null;
  readonly totals: Totals;
}

export interface CounterMark {
  last: number;
  ts: number;
}

export interface TrackerDeps {
  readonly machine: string;
  readonly roles: MachineRoles;
  readonly calendar: Calendar;
  readonly faultCodes: Readonly<Record<string, LocalText>>;
  readonly stateCodes: Readonly<Record<string, LocalText>>;
  readonly noise: number;
  readonly idleAfterMs: number;
  readonly stopThresholdMs: number;
  readonly idealRateOverride?: number;
  readonly listener: TrackerListener;
}

/** What is persisted so that a restart continues where the last flush left off. */
export interface TrackerSnapshot {
  readonly cursor: number;
  readonly state: MachineStateName;
  readonly since: number;
  readonly product: string | null;
  readonly counters: Readonly<Record<string, CounterMark>>;
  readonly stop: Readonly<OpenStop> | null;
}

export class MachineTracker {
  state: MachineStateName = 'offline';
  since: number;
  product: ProductConfig | null = null;
  openStop: OpenStop | null = null;
  readonly buckets = new Map<string, Bucket>();
  readonly dirty = new Set<string>();
  readonly counters = new Map<string, CounterMark>();
  /** How each counter reading was read (count, wrap, reset, noise…): for diagnostics and tests. */
  readonly steps: Record<string, number> = {};
  private cursor: number;
  private online = false;
  private lastCountTs: number;
  private readonly values = new Map<string, number | boolean>();

  constructor(
    private readonly deps: TrackerDeps,
    start: number,
  ) {
    this.cursor = start;
    this.since = start;
    this.lastCountTs = start;
  }

  get machine(): string {
    return this.deps.machine;
  }

  get cursorTs(): number {
    return this.cursor;
  }

  isOnline(): boolean {
    return this.online;
  }

  idealRate(): number | null {
    return this.deps.idealRateOverride ?? this.product?.idealRatePerMin ?? null;
  }

  /** True when output can be weighed now (totaliser, batch weight, pack weight). */
  canWeigh(): boolean {
    const r = this.deps.roles;
    if (r.weightTotal) return true;
    if (r.batch && !r.good && !r.total) return Boolean(r.batchWeight || this.product?.batchWeightKg);
    return Boolean(this.product?.packWeightG || r.packWeight);
  }

  hasCounter(): boolean {
    return hasCounter(this.deps.roles);
  }

  /**
   * Idle detection needs a unit counter that moves often (packs, pieces). A batch counter moves
   * once in many minutes: such a machine is running while its run signal is on.
   */
  private countsUnits(): boolean {
    return Boolean(this.deps.roles.good || this.deps.roles.total);
  }

  faultNow(): { code: number; text: LocalText } | null {
    if (this.state !== 'fault') return null;
    const code = this.num(this.deps.roles.faultCode?.name) ?? 0;
    return { code, text: this.deps.faultCodes[String(code)] ?? { vi: `Lỗi ${code}`, en: `Fault ${code}` } };
  }

  restore(s: TrackerSnapshot, product: ProductConfig | null): void {
    this.cursor = s.cursor;
    // The gateway was down from the last flush until now: nothing is known, so offline.
    this.state = 'offline';
    this.since = s.cursor;
    this.product = product;
    for (const [k, v] of Object.entries(s.counters)) this.counters.set(k, { ...v });
    this.openStop = s.stop ? { ...s.stop } : null;
  }

  snapshot(): TrackerSnapshot {
    return {
      cursor: this.cursor,
      state: this.state,
      since: this.since,
      product: this.product?.id ?? null,
      counters: Object.fromEntries([...this.counters].map(([k, v]) => [k, { ...v }])),
      stop: this.openStop ? { ...this.openStop } : null,
    };
  }

  setProduct(ts: number, product: ProductConfig | null): void {
    this.advance(ts);
    this.product = product;
  }

  setOnline(ts: number, online: boolean): void {
    this.advance(ts);
    this.online = online;
    this.settle(ts);
  }

  /** One poll's samples (same machine, ts ascending). Bad-quality values are ignored. */
  observe(samples: readonly Sample[]): void {
    const good = samples.filter(
      (s) => s.quality !== 'bad' && s.value !== null && typeof s.value !== 'string',
    );
    if (good.length === 0) return;
    const ts = Math.max(...good.map((s) => s.ts));
    this.advance(ts);
    this.online = true;
    const wasRunning = this.bool(this.deps.roles.run?.name);
    for (const s of good) this.values.set(s.point, s.value as number | boolean);
    // A machine just switched on gets idleAfter to make its first unit before it counts as idle.
    if (wasRunning !== true && this.bool(this.deps.roles.run?.name) === true) this.lastCountTs = ts;
    this.count(ts);
    this.settle(ts);
  }

  /** Integrates time up to `to` (the engine calls it on every tick). */
  advance(to: number): void {
    let t = this.cursor;
    let guard = 0;
    while (t < to && guard++ < 100_000) {
      const slot = this.deps.calendar.slot(t);
      this.setState(this.derive(t, slot.planned), t);
      let end = Math.min(to, slot.until);
      if (this.state === 'running' && this.countsUnits()) {
        const idleAt = this.lastCountTs + this.deps.idleAfterMs;
        if (idleAt > t && idleAt < end) end = idleAt;
      }
      this.accumulate(slot, t, end);
      t = end;
    }
    if (to > this.cursor) this.cursor = to;
    this.announce();
  }

  // ---- internals ----

  private settle(ts: number): void {
    this.setState(this.derive(ts, this.deps.calendar.slot(ts).planned), ts);
  }

  private num(point: string | undefined): number | null {
    if (!point) return null;
    const v = this.values.get(point);
    if (v === undefined) return null;
    return typeof v === 'boolean' ? (v ? 1 : 0) : v;
  }

  private bool(point: string | undefined): boolean | null {
    const v = this.num(point);
    return v === null ? null : v !== 0;
  }

  private derive(ts: number, planned: boolean): MachineStateName {
    const r = this.deps.roles;
    const stateCode = this.num(r.stateCode?.name);
    const speed = this.num(r.speed?.name);
    return deriveState({
      online: this.online,
      run: this.bool(r.run?.name),
      fault: this.bool(r.fault?.name),
      faultCode: this.num(r.faultCode?.name),
      stateCode,
      stateText: stateCode === null ? null : (this.deps.stateCodes[String(stateCode)] ?? null),
      moving: speed === null ? null : speed > 0,
      counting: this.countsUnits() ? ts - this.lastCountTs < this.deps.idleAfterMs : null,
      planned,
    });
  }

  private setState(next: MachineStateName, ts: number): void {
    if (next === this.state) return;
    const previous = this.state;
    this.state = next;
    this.since = ts;
    const fault = this.faultNow();
    this.deps.listener.state({
      machine: this.machine,
      ts,
      state: next,
      previous,
      faultCode: fault?.code ?? null,
      faultText: fault?.text ?? null,
    });
    if (DOWN_STATES.has(next)) {
      if (!this.openStop)
        this.openStop = {
          id: `${this.machine}-${ts}`,
          machine: this.machine,
          start: ts,
          end: null,
          state: next,
          downMs: 0,
          announced: false,
        };
      else if (next === 'fault') this.openStop.state = 'fault';
    } else if ((next === 'running' || next === 'offline') && this.openStop) {
      const stop = this.openStop;
      this.openStop = null;
      stop.end = ts;
      if (stop.announced || stop.downMs >= this.deps.stopThresholdMs) this.deps.listener.stop(stop, 'close');
    }
  }

  private announce(): void {
    const s = this.openStop;
    if (s && !s.announced && s.downMs >= this.deps.stopThresholdMs) {
      s.announced = true;
      this.deps.listener.stop(s, 'open');
    }
  }

  private bucket(slot: Slot): Bucket {
    const key = `${slot.day}|${slot.hourStart}|${slot.shift}`;
    let b = this.buckets.get(key);
    if (!b) {
      b = {
        machine: this.machine,
        day: slot.day,
        hourStart: slot.hourStart,
        shift: slot.shift,
        product: null,
        totals: emptyTotals(),
      };
      this.buckets.set(key, b);
    }
    this.dirty.add(key);
    if (this.product) b.product = this.product.id;
    return b;
  }

  private accumulate(slot: Slot, a: number, b: number): void {
    const len = b - a;
    if (len <= 0) return;
    const t = this.bucket(slot).totals;
    const running = this.state === 'running';
    const plannedStop =
      this.state === 'planned_stop' || (this.openStop?.planned === true && DOWN_STATES.has(this.state));
    const planned = (slot.planned && !plannedStop) || running;
    if (planned) t.plannedMs += len;
    if (running) {
      t.runMs += len;
      const rate = this.idealRate();
      if (rate) t.idealUnits += (len / 60_000) * rate;
      else t.noRateMs += len;
    } else if (planned) t.downMs += len;
    if (this.state === 'offline' && slot.planned) t.offlineMs += len;
    if (this.openStop && slot.planned && DOWN_STATES.has(this.state)) this.openStop.downMs += len;
  }

  /**
   * Moves ms of downtime in a slot to planned stop (sign 1) or back (sign −1), for a stop whose
   * reason became planned or unplanned. False when the bucket is no longer in memory.
   */
  moveDowntime(slot: Slot, ms: number, sign: 1 | -1): boolean {
    const key = `${slot.day}|${slot.hourStart}|${slot.shift}`;
    const b = this.buckets.get(key);
    if (!b) return false;
    b.totals.downMs -= sign * ms;
    b.totals.plannedMs -= sign * ms;
    this.dirty.add(key);
    return true;
  }

  /** Counter readings at ts → units and mg in the bucket of ts. */
  private count(ts: number): void {
    const r = this.deps.roles;
    const d: Partial<Record<CounterKind, number>> = {};
    for (const { kind, point } of counterPoints(r)) {
      const v = this.num(point.name);
      if (v === null) continue;
      const mark = this.counters.get(point.name) ?? null;
      const rate = this.idealRate();
      const gapMin = mark ? Math.max(0, ts - mark.ts) / 60_000 : 0;
      const res = counterStep(mark?.last ?? null, v, {
        ...(point.bits ? { bits: point.bits } : {}),
        noise: this.deps.noise,
        ...(rate && kind !== 'weightTotal' ? { maxIncrease: Math.max(500, 3 * rate * gapMin + 100) } : {}),
      });
      this.steps[res.step] = (this.steps[res.step] ?? 0) + 1;
      this.counters.set(point.name, { last: res.last, ts });
      d[kind] = res.delta;
    }
    const { good, reject } = unitsOf(r, d);
    let mg = 0;
    let unweighed = 0;
    if (r.weightTotal) {
      mg = Math.round((d.weightTotal ?? 0) * (gramsPer(r.weightTotal.unit, 'kg') ?? 1000) * 1000);
    } else if (good > 0) {
      const gramsPerUnit = this.unitGrams();
      if (gramsPerUnit === null) unweighed = good;
      else mg = Math.round(good * gramsPerUnit * 1000);
    }
    if (good + reject > 0 || mg > 0) this.lastCountTs = ts;
    if (good + reject === 0 && mg === 0) return;
    // A reading at ts counts what was made before ts: a poll exactly at 14:00 closes the 13:00 hour.
    const t = this.bucket(this.deps.calendar.slot(ts - 1)).totals;
    t.good += good;
    t.reject += reject;
    t.mg += mg;
    t.unweighed += unweighed;
  }

  /** Grams per counted unit: batch weight for batch counters, else pack weight. */
  private unitGrams(): number | null {
    const r = this.deps.roles;
    if (r.batch && !r.good && !r.total) {
      const point = this.num(r.batchWeight?.name);
      if (point !== null && point > 0) return point * (gramsPer(r.batchWeight?.unit, 'kg') ?? 1000);
      return this.product?.batchWeightKg ? this.product.batchWeightKg * 1000 : null;
    }
    if (this.product?.packWeightG) return this.product.packWeightG;
    const point = this.num(r.packWeight?.name);
    if (point !== null && point > 0) return point * (gramsPer(r.packWeight?.unit, 'g') ?? 1);
    return null;
  }
}
