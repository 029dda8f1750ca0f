import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { AlarmsConfig } from '../../../config/alarms.js';
import type { AlarmEventRecord, AlarmStore } from '../alarm-store.js';
import type { AlarmView } from '../alarm-view.js';
import type { RestartNotice } from '../engine.js';
import { createNotifier } from '../notifiers/registry.js';
import type { Notifier } from '../notifiers/types.js';
import {
  type ComposeContext,
  composeAlarm,
  composeRestart,
  composeReturn,
  composeSummary,
} from './compose.js';
import { Dispatcher } from './dispatcher.js';
import { type NewMessage, NotifyQueue } from './queue-store.js';
import { routeAlarm, routeReturn } from './route.js';
import { StormGuard } from './storm.js';

export interface NotificationsDeps {
  readonly config: AlarmsConfig;
  readonly db: Database;
  readonly alarms: AlarmStore;
  readonly site: string;
  readonly log: Logger;
  readonly now?: () => number;
  /** Escalation and summary check period; default 15 s. */
  readonly checkMs?: number;
  readonly backoff?: { readonly baseMs: number; readonly maxMs: number };
  /** Channel id → notifier; default: built from the config's channels. */
  readonly notifiers?: ReadonlyMap<string, Notifier>;
}

interface Held {
  count: number;
  since: number;
  machines: Set<string>;
  reason: 'flood' | 'chatter' | 'limit';
}

const HOUR = 3_600_000;
/** Sent messages are kept 30 days (for GET /api/alarms/channels and a look back), then deleted. */
const SENT_KEPT_MS = 30 * 24 * HOUR;

/**
 * From alarm events to queued messages: routing, chatter / flood / per-channel limits with
 * summaries, escalation, the restart notice; one Dispatcher per channel sends them.
 * Calling rules: `start(listActive)` once after the engine has started; `onAlarmEvent()` after
 * each committed alarm event (it reads the events itself, by cursor, so nothing committed is
 * missed even across a kill); `restarted()` from the engine; `stop()` once.
 */
export class Notifications {
  private queue: NotifyQueue | null = null;
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly storm: StormGuard;
  private readonly held = new Map<string, Held>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private listActive: () => AlarmView[] = () => [];

  constructor(private readonly deps: NotificationsDeps) {
    this.now = deps.now ?? Date.now;
    this.storm = new StormGuard(deps.config.flood);
  }

  start(listActive: () => AlarmView[]): void {
    this.listActive = listActive;
    const queue = NotifyQueue.open(this.deps.db);
    this.queue = queue;
    if (queue.meta('cursor') === null) queue.setMeta('cursor', String(this.deps.alarms.lastEventId()));
    for (const c of this.deps.config.channels) {
      const notifier = this.deps.notifiers?.get(c.id) ?? createNotifier(c, this.deps.site);
      const d = new Dispatcher({
        queue,
        notifier,
        log: this.deps.log,
        now: this.now,
        ...(this.deps.backoff ? { backoff: this.deps.backoff } : {}),
      });
      this.dispatchers.set(c.id, d);
    }
    this.onAlarmEvent();
    for (const d of this.dispatchers.values()) d.start();
    this.timer = setInterval(() => this.check(), this.deps.checkMs ?? 15_000);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.dispatchers.values()].map((d) => d.stop()));
  }

  status(): { channel: string; pending: number; lastError: string | null; sent: number; failed: number }[] {
    const q = this.queue;
    if (!q) return [];
    return [...this.dispatchers.entries()].map(([channel, d]) => ({
      channel,
      ...q.backlog(channel),
      ...d.stats(),
    }));
  }

  /** Routes every alarm event not yet routed. */
  onAlarmEvent(): void {
    const q = this.queue;
    if (!q) return;
    for (let round = 0; round < 100; round++) {
      const cursor = Number(q.meta('cursor') ?? 0);
      const events = this.deps.alarms.eventsAfter(cursor);
      if (events.length === 0) break;
      const out: NewMessage[] = [];
      for (const e of events) {
        if (e.event === 'activate') out.push(...this.messagesFor(e));
        else if (e.event === 'return') out.push(...this.returnsFor(e, out));
      }
      const last = events[events.length - 1]?.id ?? cursor;
      q.enqueue(out, this.now(), () => q.setMeta('cursor', String(last)));
    }
    this.kickAll();
  }

  /** Once per start after an unclean stop; the dedup key makes it once even if told twice. */
  restarted(n: RestartNotice): void {
    const q = this.queue ?? NotifyQueue.open(this.deps.db);
    const channels = new Set(this.deps.config.routes.flatMap((r) => r.channels));
    const out: NewMessage[] = [...channels].map((channel) => ({
      dedup: `r:${n.ts}:${channel}`,
      channel,
      due: n.ts,
      message: composeRestart(n, this.ctx(channel, '')),
    }));
    q.enqueue(out, this.now());
    this.kickAll();
  }

  /** Escalation and summaries; runs on its own timer, public for tests. */
  check(): void {
    const q = this.queue;
    if (!q) return;
    const now = this.now();
    const out: NewMessage[] = [];
    const esc = this.deps.config.escalation;
    if (esc) {
      for (const a of this.listActive()) {
        if (a.state !== 'active_unack' || a.severity > esc.maxSeverity || a.activatedAt === null) continue;
        if (now - a.activatedAt < esc.afterMs) continue;
        const e = viewAsEvent(a);
        for (const channel of esc.channels)
          out.push({
            dedup: `e:${a.id}:${a.activatedAt}:${channel}`,
            channel,
            due: now,
            message: composeAlarm(e, this.ctx(channel, a.line), true),
          });
      }
    }
    for (const [channel, h] of this.held) {
      if (this.storm.flooding(now) && now - h.since < this.deps.config.flood.windowMs) continue;
      out.push({
        dedup: `s:${channel}:${h.since}`,
        channel,
        due: now,
        message: composeSummary(
          { count: h.count, machines: [...h.machines], reason: h.reason },
          h.since,
          this.ctx(channel, ''),
        ),
      });
      this.held.delete(channel);
    }
    if (out.length > 0) q.enqueue(out, now);
    q.pruneSent(now - SENT_KEPT_MS);
    this.kickAll();
  }

  private messagesFor(e: AlarmEventRecord): NewMessage[] {
    const q = this.queue as NotifyQueue;
    const verdict = this.storm.activation(e.alarm, e.ts);
    const out: NewMessage[] = [];
    for (const { channel, due } of routeAlarm(e, this.deps.config)) {
      const c = this.deps.config.channels.find((x) => x.id === channel);
      if (!c) continue;
      const overLimit = q.countSince(channel, this.now() - HOUR, 'alarm') >= c.maxPerHour;
      if (verdict !== 'send' || overLimit) {
        const h = this.held.get(channel) ?? {
          count: 0,
          since: e.ts,
          machines: new Set<string>(),
          reason: verdict === 'send' ? 'limit' : verdict,
        };
        h.count++;
        h.machines.add(e.machine);
        this.held.set(channel, h);
        continue;
      }
      out.push({
        dedup: `a:${e.id}:${channel}`,
        channel,
        due,
        message: composeAlarm(e, this.ctx(channel, e.line)),
      });
    }
    return out;
  }

  /**
   * Return-to-normal messages, only on channels whose last message for this alarm was its
   * activation (held by the storm guard or already closed → nothing). `pending` holds the
   * messages of this round not yet in the queue (an activation and its return in one batch).
   */
  private returnsFor(e: AlarmEventRecord, pending: readonly NewMessage[]): NewMessage[] {
    const q = this.queue as NotifyQueue;
    const out: NewMessage[] = [];
    for (const channel of routeReturn(e, this.deps.config)) {
      const last = [...pending]
        .reverse()
        .find((m) => m.channel === channel && m.message.data?.id === e.alarm);
      const owed = last ? last.message.kind === 'alarm' : q.returnOwed(channel, e.alarm);
      if (!owed) continue;
      out.push({
        dedup: `n:${e.id}:${channel}`,
        channel,
        due: e.ts,
        message: composeReturn(e, this.ctx(channel, e.line)),
      });
    }
    return out;
  }

  private ctx(channel: string, line: string): ComposeContext {
    const c = this.deps.config.channels.find((x) => x.id === channel);
    return {
      lang: c?.language ?? 'vi',
      timezone: this.deps.config.timezone,
      dashboardUrl: this.deps.config.dashboardUrl,
      lineName: this.deps.config.lineNames?.[line] ?? line,
    };
  }

  private kickAll(): void {
    for (const d of this.dispatchers.values()) d.kick();
  }
}

function viewAsEvent(a: AlarmView): AlarmEventRecord {
  return {
    ts: a.activatedAt ?? 0,
    alarm: a.id,
    machine: a.machine,
    line: a.line,
    rule: a.rule,
    severity: a.severity,
    event: 'activate',
    state: a.state,
    message: a.message,
    value: a.value,
    limit: a.limit,
    unit: a.unit,
    actor: 'system',
    comment: null,
  };
}
