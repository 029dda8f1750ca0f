import type { Logger } from 'pino';
import type { MachineStatusEvent } from '../core/events.js';
import type { LocalText } from '../core/points.js';
import type { Sample } from '../core/sample.js';
import type { AuditEntry } from '../store/audit.js';
import type { AlarmEventRecord, AlarmStore, HistoryQuery } from './alarm-store.js';
import { type AlarmView, toView } from './alarm-view.js';
import { applyCommand, initialStatus, type LifecycleCommand, stateOf } from './lifecycle.js';
import { alarmText } from './message.js';
import { evaluate, isProcessRule } from './rules.js';
import { type AlarmRule, type AlarmStatus, type EvalInput, type EvalState, INITIAL_EVAL } from './types.js';

/** A machine as the alarm engine knows it: its rules, run point and point labels. */
export interface AlarmMachine {
  readonly id: string;
  readonly name: string;
  readonly line: string;
  /** The point with role `run` (frozen / jam need it); null = none. */
  readonly runPoint: string | null;
  readonly rules: readonly AlarmRule[];
  readonly labels: Readonly<Record<string, LocalText>>;
}

/**
 * The machine's state as production sees it (branch `prod` plugs its state model in here).
 * 'offline' and 'planned_stop' suppress the machine's process alarms; anything else does not.
 */
export type MachineMode = (machine: string) => string;

export interface AlarmEngineDeps {
  readonly machines: readonly AlarmMachine[];
  readonly store: AlarmStore;
  readonly log: Logger;
  readonly audit?: { append(e: AuditEntry): number };
  /** Default: 'offline' while comm status says so, else 'other'. */
  readonly machineMode?: MachineMode;
  readonly now?: () => number;
  /** Timer evaluation (delays, frozen, jam, shelve expiry). Default 1000 ms. */
  readonly tickMs?: number;
}

export type CommandResult =
  | { readonly ok: true; readonly alarm: AlarmView }
  | { readonly ok: false; readonly code: 'LG_NOT_FOUND' | 'LG_ALARM_STATE'; readonly message: string };

/** Told once per start when the previous run did not stop cleanly (crash, kill -9, power cut). */
export interface RestartNotice {
  readonly ts: number;
  readonly active: number;
  readonly unacked: number;
  readonly shelved: number;
}

interface Instance {
  readonly machine: AlarmMachine;
  readonly rule: AlarmRule;
  status: AlarmStatus;
  eval: EvalState;
}

const SUPPRESSING = new Set(['offline', 'planned_stop']);

/**
 * Rules → lifecycle → persisted states and events. Calling rules: construct, add listeners with
 * `onEvent` / `onRestart`, then `start()` (restores the saved states, starts the tick); feed
 * `samples()` and `status()` from the bus; operator commands (`ack`, `shelve`, `unshelve`,
 * `setOutOfService`) commit before they return; `stop()` once. Listeners run synchronously after
 * the commit and must not throw (a throw is logged, never undoes the commit).
 */
export class AlarmEngine {
  private readonly instances = new Map<string, Instance>();
  /** Instances by machine, then by point ('' = rules without a point): no key string per sample. */
  private readonly byPoint = new Map<string, Map<string, Instance[]>>();
  private readonly machines: Map<string, AlarmMachine>;
  private readonly online = new Map<string, boolean>();
  private readonly running = new Map<string, boolean>();
  private readonly listeners: ((e: AlarmEventRecord) => void)[] = [];
  private readonly restartListeners: ((n: RestartNotice) => void)[] = [];
  private readonly now: () => number;
  private readonly mode: MachineMode;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: AlarmEngineDeps) {
    this.now = deps.now ?? Date.now;
    this.mode = deps.machineMode ?? ((m) => (this.online.get(m) === false ? 'offline' : 'other'));
    this.machines = new Map(deps.machines.map((m) => [m.id, m]));
  }

  /** Adds a listener; returns the function that removes it. */
  onEvent(fn: (e: AlarmEventRecord) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  onRestart(fn: (n: RestartNotice) => void): void {
    this.restartListeners.push(fn);
  }

  start(): void {
    const saved = this.deps.store.loadAll();
    for (const m of this.deps.machines) {
      for (const rule of m.rules) {
        const id = `${m.id}.${rule.id}`;
        const s = saved.get(id);
        const inst: Instance = {
          machine: m,
          rule,
          status: s?.status ?? initialStatus(m.id, rule.id),
          eval: s?.eval ?? INITIAL_EVAL,
        };
        this.instances.set(id, inst);
        let points = this.byPoint.get(m.id);
        if (!points) {
          points = new Map();
          this.byPoint.set(m.id, points);
        }
        const point = rule.point ?? '';
        points.set(point, [...(points.get(point) ?? []), inst]);
      }
    }
    if (this.deps.store.meta('running') === '1') {
      const all = [...this.instances.values()].map((i) => stateOf(i.status));
      const notice: RestartNotice = {
        ts: this.now(),
        active: all.filter((s) => s === 'active_unack' || s === 'active_ack').length,
        unacked: all.filter((s) => s === 'active_unack' || s === 'returned_unack').length,
        shelved: all.filter((s) => s === 'shelved').length,
      };
      this.deps.log.warn(notice, 'alarm engine restarted after an unclean stop');
      for (const fn of this.restartListeners) this.safe(() => fn(notice));
    }
    this.deps.store.setMeta('running', '1');
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 1000);
    this.timer.unref?.();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const changed = [...this.instances.values()].filter((i) => i.eval !== INITIAL_EVAL);
    this.deps.store.saveEval(changed.map((i) => ({ status: i.status, eval: i.eval })));
    this.deps.store.setMeta('running', '0');
  }

  samples(samples: readonly Sample[]): void {
    for (const s of samples) {
      const m = this.machines.get(s.machine);
      if (m?.runPoint === s.point && s.quality !== 'bad') this.running.set(m.id, Boolean(s.value));
    }
    if (this.byPoint.size === 0) return;
    for (const s of samples) {
      const insts = this.byPoint.get(s.machine)?.get(s.point);
      if (!insts) continue;
      for (const inst of insts) this.evaluate(inst, { value: s.value, quality: s.quality, ts: s.ts });
    }
  }

  status(e: MachineStatusEvent): void {
    if (!this.machines.has(e.machine)) return;
    this.online.set(e.machine, e.online);
    this.syncSuppression(e.machine);
    for (const inst of this.byPoint.get(e.machine)?.get('') ?? []) this.evaluate(inst, null);
  }

  /** Timer work: delays, frozen / jam, comm loss, shelve expiry, suppression. Public for tests. */
  tick(): void {
    const now = this.now();
    for (const m of this.machines.keys()) this.syncSuppression(m);
    for (const inst of this.instances.values()) {
      if (inst.status.shelvedUntil !== null && inst.status.shelvedUntil <= now)
        this.apply(inst, { type: 'expire' }, 'system', null);
      this.evaluate(inst, null);
    }
  }

  ack(id: string, actor: string, comment: string | null): CommandResult {
    return this.command(id, 'alarm.ack', actor, comment, { type: 'ack', actor, comment });
  }

  shelve(id: string, minutes: number, actor: string, comment: string | null): CommandResult {
    const until = this.now() + Math.round(minutes * 60_000);
    return this.command(id, 'alarm.shelve', actor, comment, { type: 'shelve', until, actor, comment });
  }

  unshelve(id: string, actor: string): CommandResult {
    return this.command(id, 'alarm.unshelve', actor, null, { type: 'unshelve', actor });
  }

  setOutOfService(id: string, on: boolean, actor: string, comment: string | null): CommandResult {
    const action = on ? 'alarm.out-of-service' : 'alarm.in-service';
    return this.command(id, action, actor, comment, { type: 'out_of_service', on, actor });
  }

  list(filter: { active?: boolean; machine?: string } = {}): AlarmView[] {
    const out: AlarmView[] = [];
    for (const inst of this.instances.values()) {
      if (filter.machine && inst.machine.id !== filter.machine) continue;
      const state = stateOf(inst.status);
      if (filter.active && state === 'normal') continue;
      out.push(this.view(inst));
    }
    return out.sort((a, b) => a.severity - b.severity || (b.activatedAt ?? 0) - (a.activatedAt ?? 0));
  }

  get(id: string): AlarmView | null {
    const inst = this.instances.get(id);
    return inst ? this.view(inst) : null;
  }

  history(q: HistoryQuery): AlarmEventRecord[] {
    return this.deps.store.history(q);
  }

  /** For GET /api/machines: counts of annunciated alarms. */
  summary(machine: string): { active: number; unacked: number; highestSeverity: number | null } {
    let active = 0;
    let unacked = 0;
    let highest: number | null = null;
    for (const a of this.list({ machine, active: true })) {
      if (a.state === 'active_unack' || a.state === 'active_ack') active++;
      if (a.state === 'active_unack' || a.state === 'returned_unack') unacked++;
      if (a.state !== 'shelved' && a.state !== 'suppressed' && a.state !== 'out_of_service')
        highest = highest === null ? a.severity : Math.min(highest, a.severity);
    }
    return { active, unacked, highestSeverity: highest };
  }

  private view(inst: Instance): AlarmView {
    return toView(inst.status, inst.rule, inst.machine.line, this.text(inst));
  }

  private text(inst: Instance): LocalText {
    const { rule, machine, status } = inst;
    const point = rule.point ?? '';
    return alarmText(rule, {
      machineName: machine.name,
      label: machine.labels[point] ?? { vi: point, en: point },
      value: status.value,
      limit: status.limit,
      unit: rule.unit,
      codeText: status.text,
    });
  }

  private command(
    id: string,
    action: string,
    actor: string,
    comment: string | null,
    cmd: LifecycleCommand,
  ): CommandResult {
    const inst = this.instances.get(id);
    const audit = (result: AuditEntry['result'], detail: Record<string, unknown>) =>
      this.deps.audit?.append({ ts: this.now(), actor, action, target: id, result, detail });
    if (!inst) {
      audit('failed', { reason: 'not-found' });
      return { ok: false, code: 'LG_NOT_FOUND', message: `no alarm "${id}"` };
    }
    const before = stateOf(inst.status);
    const reason = this.apply(inst, cmd, actor, comment);
    if (reason !== null) {
      audit('failed', { reason, state: before, ...(comment ? { comment } : {}) });
      return { ok: false, code: 'LG_ALARM_STATE', message: `alarm "${id}" is ${before}: ${reason}` };
    }
    const after = stateOf(inst.status);
    audit('ok', {
      from: before,
      to: after,
      ...(comment ? { comment } : {}),
      ...(cmd.type === 'shelve' ? { until: cmd.until } : {}),
    });
    return { ok: true, alarm: this.view(inst) };
  }

  private evaluate(inst: Instance, sample: EvalInput['sample']): void {
    const m = inst.machine.id;
    const input: EvalInput = {
      sample,
      running: this.running.get(m) ?? null,
      online: this.online.get(m) ?? null,
    };
    const r = evaluate(inst.rule, inst.eval, input, this.now());
    inst.eval = r.state;
    if (r.state.active !== inst.status.condition) {
      this.apply(
        inst,
        { type: 'condition', active: r.state.active, value: r.value, limit: r.limit, text: r.text },
        'system',
        null,
      );
    } else if (r.state.active && r.value !== null) {
      inst.status = { ...inst.status, value: r.value, limit: r.limit ?? inst.status.limit };
    }
  }

  private syncSuppression(machine: string): void {
    const on = SUPPRESSING.has(this.mode(machine));
    for (const inst of this.instances.values()) {
      if (inst.machine.id !== machine || !isProcessRule(inst.rule) || inst.status.suppressed === on) continue;
      this.apply(inst, { type: 'suppress', on }, 'system', null);
    }
  }

  /** Applies one lifecycle command, commits, tells the listeners. Returns a refusal reason or null. */
  private apply(inst: Instance, cmd: LifecycleCommand, actor: string, comment: string | null): string | null {
    const now = this.now();
    const out = applyCommand(inst.status, cmd, now);
    if (!out.ok) return out.reason;
    inst.status = out.status;
    if (out.events.length === 0) return null;
    const state = stateOf(out.status);
    const message = this.text(inst);
    const records: AlarmEventRecord[] = out.events.map((event) => ({
      ts: now,
      alarm: inst.status.id,
      machine: inst.machine.id,
      line: inst.machine.line,
      rule: inst.rule.id,
      severity: inst.rule.severity,
      event,
      state,
      message,
      value: out.status.value,
      limit: out.status.limit,
      unit: inst.rule.unit,
      actor,
      comment,
    }));
    const ids = this.deps.store.commit(out.status, inst.eval, records);
    records.forEach((r, i) => {
      const withId = { ...r, id: ids[i] as number };
      for (const fn of this.listeners) this.safe(() => fn(withId));
    });
    return null;
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error({ err }, 'alarm listener failed');
    }
  }
}
