import type { Logger } from 'pino';
import type { ProductConfig, ProductionConfig } from '../../config/production.js';
import type { AnyMachineConfig, LinegateConfig } from '../../config/types.js';
import type { MachineStatusEvent } from '../core/events.js';
import type { Sample } from '../core/sample.js';
import type { StoreEvent } from '../store/sample-writer.js';
import { Calendar } from './calendar.js';
import { type MachineTags, productionEvent, stateEvent, stopEvent } from './events.js';
import { kpiRow, sumTotals } from './kpi.js';
import type { BucketRow, ProductionRepo, StopRow } from './repo.js';
import { rolesOf } from './roles.js';
import { type Bucket, MachineTracker, type OpenStop, type StateChange } from './tracker.js';
import { addDays } from './zoned-time.js';

/**
 * The production part: one tracker per machine that has production roles, fed from the bus,
 * flushed to the repo every flushInterval in one transaction, event rows to the outbox.
 *
 * Calling rules: construct, `start(now)` once (restores from the repo), then `samples()`,
 * `status()` and `tick(now)` in time order from one thread (the bus listener and the timer);
 * `flush(now)` at stop. Reads (`buckets`, `openStops`…) may come at any time between.
 */
/** production rows are (re)written at most this often, and at stop. */
export const EVENT_INTERVAL_MS = 300_000;

export interface EngineDeps {
  readonly config: LinegateConfig;
  readonly repo: ProductionRepo;
  readonly appendEvents: (rows: readonly StoreEvent[]) => void;
  readonly log: Logger;
}

export class ProductionEngine {
  readonly calendar: Calendar;
  readonly production: ProductionConfig;
  readonly trackers = new Map<string, MachineTracker>();
  readonly machines = new Map<string, AnyMachineConfig>();
  private pendingStates: StateChange[] = [];
  private pendingStops = new Map<string, StopRow>();
  private lastFlush = 0;
  private lastEvents = 0;
  private readonly periods = new Map<MachineTracker, Set<string>>();
  private readonly recipePoints = new Map<string, string>();

  constructor(private readonly deps: EngineDeps) {
    this.production = deps.config.production ?? ({} as ProductionConfig);
    this.calendar = new Calendar(this.production);
  }

  product(id: string | null | undefined): ProductConfig | null {
    return this.production.products.find((p) => p.id === id) ?? null;
  }

  lines(): LinegateConfig['lines'] {
    return this.deps.config.lines;
  }

  tags(machine: string): MachineTags {
    const m = this.machines.get(machine);
    return { site: this.deps.config.site.id, line: m?.line ?? '', machine, kind: m?.kind ?? '' };
  }

  start(now: number): void {
    const snapshots = this.deps.repo.snapshots();
    const chosen = this.deps.repo.products();
    const today = this.calendar.dayOf(now);
    const recent = this.deps.repo.buckets(addDays(today, -1), today);
    for (const m of this.deps.config.machines) {
      const roles = rolesOf(m.points);
      if (
        !(
          roles.run ||
          roles.fault ||
          roles.stateCode ||
          roles.good ||
          roles.total ||
          roles.batch ||
          roles.weightTotal
        )
      )
        continue;
      this.machines.set(m.id, m);
      const recipe = (m.points as readonly { name: string; role?: string }[]).find(
        (p) => p.role === 'recipe',
      );
      if (recipe) this.recipePoints.set(m.id, recipe.name);
      const override = this.production.machines[m.id];
      const tracker = new MachineTracker(
        {
          machine: m.id,
          roles,
          calendar: this.calendar,
          faultCodes: m.faultCodes,
          stateCodes: m.stateCodes,
          noise: this.production.counterNoise,
          idleAfterMs: override?.idleAfterS ? override.idleAfterS * 1000 : this.production.idleAfterMs,
          stopThresholdMs: this.production.stopThresholdMs,
          ...(override?.idealRatePerMin ? { idealRateOverride: override.idealRatePerMin } : {}),
          listener: {
            state: (c) => this.onState(c),
            stop: (s, e) => this.onStop(s, e),
          },
        },
        now,
      );
      const product = this.product(chosen.get(m.id) ?? override?.product);
      const snap = snapshots.get(m.id);
      if (snap) tracker.restore(snap, product);
      else tracker.product = product;
      for (const b of recent) {
        if (b.machine === m.id)
          tracker.buckets.set(`${b.day}|${b.hourStart}|${b.shift}`, { ...b, totals: { ...b.totals } });
      }
      this.trackers.set(m.id, tracker);
    }
    this.lastFlush = now;
    this.lastEvents = now;
    this.deps.log.info(
      { machines: [...this.trackers.keys()], timezone: this.production.timezone },
      'production started',
    );
  }

  samples(batch: readonly Sample[]): void {
    const byMachine = new Map<string, Sample[]>();
    for (const s of batch) {
      if (!this.trackers.has(s.machine)) continue;
      const list = byMachine.get(s.machine) ?? [];
      list.push(s);
      byMachine.set(s.machine, list);
    }
    for (const [id, list] of byMachine) {
      this.recipeProduct(id, list);
      this.trackers.get(id)?.observe(list);
    }
  }

  /** A machine whose recipe register names a configured product switches to it (logged). */
  private recipeProduct(id: string, list: readonly Sample[]): void {
    const recipes = this.production.machines[id]?.recipes;
    const point = this.recipePoints.get(id);
    if (!recipes || !point) return;
    const s = list.find((x) => x.point === point && x.quality !== 'bad' && typeof x.value === 'number');
    const product = this.product(s ? recipes[String(s.value)] : undefined);
    const t = this.trackers.get(id);
    if (!s || !product || !t || t.product?.id === product.id) return;
    this.deps.log.info(
      { machine: id, recipe: s.value, product: product.id },
      'product set by the recipe register',
    );
    this.setProduct(id, product, s.ts);
  }

  status(e: MachineStatusEvent): void {
    this.trackers.get(e.machine)?.setOnline(e.ts, e.online);
  }

  tick(now: number): void {
    for (const t of this.trackers.values()) t.advance(now);
    if (now - this.lastFlush >= this.production.flushIntervalMs) this.flush(now);
  }

  setProduct(machine: string, product: ProductConfig, now: number): void {
    const t = this.trackers.get(machine);
    t?.setProduct(now, product);
    this.deps.repo.setProduct(machine, product.id, now);
  }

  /** Writes dirty buckets, tracker snapshots, state history and stops in one transaction. */
  flush(now: number, opts: { events?: boolean } = {}): void {
    this.lastFlush = now;
    const buckets: BucketRow[] = [];
    const today = this.calendar.dayOf(now);
    for (const t of this.trackers.values()) {
      const periods = this.periods.get(t) ?? new Set<string>();
      this.periods.set(t, periods);
      for (const key of t.dirty) {
        const b = t.buckets.get(key);
        if (!b) continue;
        buckets.push({ ...b, totals: { ...b.totals } });
        periods.add(`hour|${b.day}|${b.hourStart}`);
        if (b.shift) periods.add(`shift|${b.day}|${b.shift}`);
        periods.add(`day|${b.day}|`);
      }
      const s = t.openStop;
      if (s?.announced) {
        const stored = this.pendingStops.get(s.id) ?? this.deps.repo.stop(s.id);
        this.pendingStops.set(s.id, this.stopRow(s, stored?.reason ?? null, stored?.comment ?? null));
      }
    }
    const snapshots = [...this.trackers.values()].map((t) => ({
      machine: t.machine,
      snapshot: t.snapshot(),
    }));
    this.deps.repo.write({
      buckets,
      snapshots,
      states: this.pendingStates,
      stops: [...this.pendingStops.values()],
    });
    // Only once written: a failed write keeps everything dirty for the next flush.
    this.pendingStates = [];
    this.pendingStops.clear();
    for (const t of this.trackers.values()) {
      t.dirty.clear();
      // Keep yesterday and today in memory; older days are in the repo.
      for (const [key, b] of t.buckets) if (b.day < addDays(today, -1)) t.buckets.delete(key);
    }
    if (opts.events || now - this.lastEvents >= EVENT_INTERVAL_MS) this.emitPeriods(now, today);
  }

  /**
   * production rows of every period touched since the last emission (rewrites overwrite in
   * InfluxDB). Throttled to EVENT_INTERVAL_MS so that a day row is not resent every flush.
   */
  private emitPeriods(now: number, today: string): void {
    this.lastEvents = now;
    const events: StoreEvent[] = [];
    for (const [t, periods] of this.periods) {
      for (const p of periods)
        if ((p.split('|')[1] ?? '') >= addDays(today, -1)) events.push(this.periodEvent(t, p));
      periods.clear();
    }
    if (events.length > 0) this.deps.appendEvents(events);
  }

  /** Buckets of a production day range: the repo overlaid with what is in memory. */
  buckets(fromDay: string, toDay: string, machine?: string): Bucket[] {
    const out = new Map<string, Bucket>();
    for (const b of this.deps.repo.buckets(fromDay, toDay, machine))
      out.set(`${b.machine}|${b.day}|${b.hourStart}|${b.shift}`, b);
    for (const t of this.trackers.values()) {
      if (machine !== undefined && t.machine !== machine) continue;
      for (const b of t.buckets.values())
        if (b.day >= fromDay && b.day <= toDay) out.set(`${b.machine}|${b.day}|${b.hourStart}|${b.shift}`, b);
    }
    return [...out.values()];
  }

  /** Stops ≥ threshold of a production day (stored ones and the ones still lasting). */
  stops(day: string, machine?: string): StopRow[] {
    const byId = new Map(this.deps.repo.stops(day, machine).map((s) => [s.id, s]));
    for (const s of this.pendingStops.values())
      if (s.day === day && (machine === undefined || s.machine === machine)) byId.set(s.id, s);
    for (const t of this.trackers.values()) {
      const s = t.openStop;
      if (!s?.announced || (machine !== undefined && t.machine !== machine)) continue;
      const stored = byId.get(s.id);
      if (this.calendar.dayOf(s.start) === day)
        byId.set(s.id, this.stopRow(s, stored?.reason ?? null, stored?.comment ?? null));
    }
    return [...byId.values()].sort((a, b) => a.start - b.start);
  }

  findStop(id: string): { row: StopRow; open: MachineTracker | null } | null {
    for (const t of this.trackers.values()) {
      if (t.openStop?.id === id && t.openStop.announced) {
        const stored = this.deps.repo.stop(id) ?? this.pendingStops.get(id);
        return { row: this.stopRow(t.openStop, stored?.reason ?? null, stored?.comment ?? null), open: t };
      }
    }
    const row = this.pendingStops.get(id) ?? this.deps.repo.stop(id);
    return row ? { row, open: null } : null;
  }

  /** Saves a reason (and a split) at once: an operator's entry must survive a power cut. */
  saveStops(rows: readonly StopRow[], open: MachineTracker | null, rest: OpenStop | null): void {
    if (open && rest) open.openStop = rest;
    for (const r of rows) this.pendingStops.delete(r.id);
    this.deps.repo.saveStops(rows);
    const events = rows.filter((r) => r.end !== null).map((r) => stopEvent(this.tags(r.machine), r));
    if (events.length > 0) this.deps.appendEvents(events);
  }

  /**
   * A stop's reason changed between planned and unplanned: its downtime (the planned-time pieces
   * of [start, end), up to its downMs) moves to planned stop or back, in memory or in the repo;
   * a stop still lasting keeps accruing on the new side.
   */
  reclassify(row: StopRow, toPlanned: boolean, now: number): void {
    const t = this.trackers.get(row.machine);
    const sign = toPlanned ? 1 : -1;
    let budget = row.downMs;
    this.calendar.split(row.start, row.end ?? now, (slot, a, b) => {
      if (!slot.planned || budget <= 0) return;
      const ms = Math.min(b - a, budget);
      budget -= ms;
      if (!t?.moveDowntime(slot, ms, sign))
        this.deps.repo.moveDowntime(
          { machine: row.machine, day: slot.day, hourStart: slot.hourStart, shift: slot.shift },
          ms,
          sign,
        );
    });
    if (t?.openStop && t.openStop.id === row.id) t.openStop.planned = toPlanned;
  }

  stopRow(s: Readonly<OpenStop>, reason: string | null, comment: string | null): StopRow {
    return {
      id: s.id,
      machine: s.machine,
      day: this.calendar.dayOf(s.start),
      start: s.start,
      end: s.end,
      downMs: s.downMs,
      state: s.state,
      reason,
      comment,
    };
  }

  // ---- internals ----

  private onState(c: StateChange): void {
    this.pendingStates.push(c);
    this.deps.appendEvents([stateEvent(this.tags(c.machine), c)]);
  }

  private onStop(s: Readonly<OpenStop>, event: 'open' | 'close'): void {
    const stored = this.pendingStops.get(s.id) ?? this.deps.repo.stop(s.id);
    const row = this.stopRow(s, stored?.reason ?? null, stored?.comment ?? null);
    this.pendingStops.set(s.id, row);
    if (event === 'close') this.deps.appendEvents([stopEvent(this.tags(s.machine), row)]);
  }

  private periodEvent(t: MachineTracker, key: string): StoreEvent {
    const [period, day, rest] = key.split('|') as ['hour' | 'shift' | 'day', string, string];
    const all = [...t.buckets.values()].filter((b) => b.day === day);
    const plan = this.calendar.day(day);
    let list = all;
    let start = plan.start;
    let target: number | null = t.product?.targetKg.day ?? null;
    if (period === 'hour') {
      start = Number(rest);
      list = all.filter((b) => b.hourStart === start);
      target = null;
    } else if (period === 'shift') {
      list = all.filter((b) => b.shift === rest);
      start = plan.shifts.find((s) => s.id === rest)?.start ?? plan.start;
      target = t.product?.targetKg.shift ?? null;
    }
    const row = kpiRow(sumTotals(list.map((b) => b.totals)), {
      targetKg: target,
      canWeigh: t.canWeigh(),
      hasCounter: t.hasCounter(),
    });
    return productionEvent(this.tags(t.machine), period, start, row, {
      ...(period === 'shift' ? { shift: rest } : {}),
      product: list.at(-1)?.product ?? t.product?.id ?? null,
    });
  }
}
