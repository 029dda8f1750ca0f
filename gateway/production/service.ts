import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { LinegateConfig } from '../../config/types.js';
import { LinegateError } from '../core/errors.js';
import type { Clock } from '../runtime/clock.js';
import type { EventBus } from '../runtime/event-bus.js';
import type { AuditLog } from '../store/audit.js';
import type { StoreEvent } from '../store/sample-writer.js';
import { ProductionEngine } from './engine.js';
import type { StopRow } from './repo.js';
import { ProductionRepo } from './repo.js';
import * as report from './report.js';
import type { OpenStop } from './tracker.js';

/**
 * The running production part and the commands the API may give it. Owns the tick timer.
 *
 * Calling rules: `startProduction()` after the store is open and before the sources start
 * (so the first samples are seen); `stop()` before the store closes (it flushes).
 * Commands throw LinegateError LG_NOT_FOUND (unknown stop, reason, product, machine) or
 * LG_BAD_REQUEST (bad split time); the API turns them into 404/400 with the message.
 */
export interface ProductionDeps {
  readonly config: LinegateConfig;
  readonly db: Database;
  readonly bus: EventBus;
  readonly appendEvents: (rows: readonly StoreEvent[]) => void;
  readonly audit?: AuditLog;
  readonly clock: Clock;
  readonly log: Logger;
  /** Tick interval (time integration, idle detection, flush check); default 5 s. */
  readonly tickMs?: number;
}

export interface ReasonInput {
  readonly reason: string;
  readonly comment?: string;
  readonly splitAt?: number;
}

export class ProductionService {
  readonly engine: ProductionEngine;
  private timer: { cancel(): void } | null = null;
  private stopped = false;

  constructor(private readonly deps: ProductionDeps) {
    this.engine = new ProductionEngine({
      config: deps.config,
      repo: ProductionRepo.open(deps.db),
      appendEvents: deps.appendEvents,
      log: deps.log,
    });
  }

  start(): void {
    this.engine.start(this.deps.clock.now());
    this.deps.bus.on('samples', this, (s) => this.engine.samples(s));
    this.deps.bus.on('machine-status', this, (e) => this.engine.status(e));
    this.schedule();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.timer?.cancel();
    this.deps.bus.removeListeners(this);
    this.engine.tick(this.deps.clock.now());
    this.engine.flush(this.deps.clock.now(), { events: true });
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.deps.clock.setTimeout(() => {
      try {
        this.engine.tick(this.deps.clock.now());
      } catch (err) {
        this.deps.log.error({ err }, 'production tick failed');
      }
      this.schedule();
    }, this.deps.tickMs ?? 5000);
  }

  private now(): number {
    const now = this.deps.clock.now();
    for (const t of this.engine.trackers.values()) t.advance(now);
    return now;
  }

  today(): string {
    return this.engine.calendar.dayOf(this.deps.clock.now());
  }

  daily(date: string) {
    this.now();
    return report.daily(this.engine, date);
  }
  shifts(date: string) {
    this.now();
    return report.shifts(this.engine, date);
  }
  hourly(machine: string, date: string) {
    this.requireMachine(machine);
    this.now();
    return report.hourly(this.engine, machine, date);
  }
  days(from: string, to: string) {
    this.now();
    return report.days(this.engine, from, to);
  }
  stops(date: string, machine?: string) {
    if (machine !== undefined) this.requireMachine(machine);
    this.now();
    return report.stops(this.engine, date, machine);
  }
  reasons() {
    return { reasons: this.engine.production.reasons };
  }
  products() {
    return {
      products: this.engine.production.products,
      machines: Object.fromEntries([...this.engine.trackers].map(([id, t]) => [id, t.product?.id ?? null])),
    };
  }
  /** The machine's state now (running, idle, stopped, fault, offline, planned_stop); cheap. */
  stateOf(machine: string): string | undefined {
    return this.engine.trackers.get(machine)?.state;
  }
  machineSummary(machine: string) {
    return report.machineSummary(this.engine, machine, this.now());
  }

  private requireMachine(machine: string): void {
    if (!this.engine.trackers.has(machine))
      throw new LinegateError('LG_NOT_FOUND', `no machine "${machine}" with production points`, { machine });
  }

  /** Gives a stop its reason, optionally splitting it first at splitAt (the reason goes to the first part). */
  assignReason(
    id: string,
    input: ReasonInput,
    actor: string,
  ): { stops: ReturnType<typeof report.stops>['stops'] } {
    const now = this.now();
    const reasons = this.engine.production.reasons;
    const reason = reasons.find((r) => r.code === input.reason);
    const found = this.engine.findStop(id);
    const fail = (code: 'LG_NOT_FOUND' | 'LG_BAD_REQUEST', message: string) => {
      this.deps.audit?.append({
        ts: now,
        actor,
        action: 'production.reason',
        target: id,
        result: 'failed',
        detail: { reason: input.reason, message },
      });
      throw new LinegateError(code, message, { stop: id });
    };
    if (!found)
      return fail(
        'LG_NOT_FOUND',
        `no stop "${id}" (it may be shorter than the threshold, or the id is wrong)`,
      );
    if (!reason)
      return fail(
        'LG_NOT_FOUND',
        `unknown reason "${input.reason}" (known: ${reasons.map((r) => r.code).join(', ')})`,
      );
    const { row, open } = found;
    const end = row.end ?? now;
    const comment = input.comment ?? row.comment;
    let rows: StopRow[];
    let rest: OpenStop | null = null;
    if (input.splitAt !== undefined) {
      if (!(input.splitAt > row.start && input.splitAt < end))
        return fail('LG_BAD_REQUEST', `splitAt must lie inside the stop (${row.start} < splitAt < ${end})`);
      const firstMs = Math.min(row.downMs, this.engine.calendar.plannedMs(row.start, input.splitAt));
      const first: StopRow = {
        ...row,
        end: input.splitAt,
        downMs: firstMs,
        reason: reason.code,
        comment: comment ?? null,
      };
      const secondId = `${row.machine}-${input.splitAt}`;
      const second: StopRow = {
        ...row,
        id: secondId,
        start: input.splitAt,
        downMs: row.downMs - firstMs,
        reason: null,
        comment: null,
      };
      rows = [first, second];
      if (open?.openStop) {
        rest = {
          ...open.openStop,
          id: secondId,
          start: input.splitAt,
          downMs: second.downMs,
          announced: true,
        };
      }
    } else {
      rows = [{ ...row, reason: reason.code, comment: comment ?? null }];
    }
    this.engine.saveStops(rows, open, rest);
    // Planned reasons (changeover, cleaning) turn the stop's downtime into planned stop.
    const isPlanned = (code: string | null) => reasons.find((r) => r.code === code)?.planned === true;
    for (const r of rows) {
      if (isPlanned(r.reason) !== isPlanned(row.reason)) this.engine.reclassify(r, isPlanned(r.reason), now);
    }
    this.deps.audit?.append({
      ts: now,
      actor,
      action: 'production.reason',
      target: id,
      result: 'ok',
      detail: {
        reason: reason.code,
        ...(input.comment ? { comment: input.comment } : {}),
        ...(input.splitAt ? { splitAt: input.splitAt } : {}),
      },
    });
    const date = this.engine.calendar.dayOf(row.start);
    const ids = new Set(rows.map((r) => r.id));
    return { stops: report.stops(this.engine, date, row.machine).stops.filter((s) => ids.has(s.id)) };
  }

  selectProduct(machine: string, productId: string, actor: string): { machine: string; product: string } {
    const now = this.now();
    const product = this.engine.product(productId);
    const t = this.engine.trackers.get(machine);
    const fail = (message: string) => {
      this.deps.audit?.append({
        ts: now,
        actor,
        action: 'production.product',
        target: machine,
        result: 'failed',
        detail: { product: productId, message },
      });
      throw new LinegateError('LG_NOT_FOUND', message, { machine, product: productId });
    };
    if (!t) return fail(`no machine "${machine}" with production points`);
    if (!product)
      return fail(
        `unknown product "${productId}" (known: ${this.engine.production.products.map((p) => p.id).join(', ') || 'none'})`,
      );
    const previous = t.product?.id ?? null;
    this.engine.setProduct(machine, product, now);
    this.deps.audit?.append({
      ts: now,
      actor,
      action: 'production.product',
      target: machine,
      result: 'ok',
      detail: { product: product.id, previous },
    });
    return { machine, product: product.id };
  }
}
