import type { Database, Statement } from 'better-sqlite3';
import type { LocalText } from '../core/points.js';
import { type Migration, migrateComponent } from '../store/migrations.js';
import type { AlarmEventKind, AlarmStateName, AlarmStatus, EvalState, Severity } from './types.js';

/**
 * The alarms' own tables in the store's SQLite file (migrateComponent 'alarms'):
 * - alarm_state: one row per alarm instance that ever left normal (status + evaluation memory),
 *   written in the same transaction as the event that changed it, so a kill -9 restores every
 *   acknowledged, unacknowledged and shelved alarm as it was when the API answered;
 * - alarm_event: the local alarm history (who did what, when) for GET /api/alarms/history;
 * - alarm_meta: small facts across restarts (the running flag for the "restarted" notice).
 * The notification queue has its own table in notify/queue-store.ts.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'alarm states, history, meta',
    sql: `
CREATE TABLE alarm_state (
  id     TEXT PRIMARY KEY,                 -- machine.rule
  status TEXT NOT NULL,                    -- AlarmStatus as JSON
  eval   TEXT NOT NULL                     -- EvalState as JSON
) WITHOUT ROWID;
CREATE TABLE alarm_event (
  id       INTEGER PRIMARY KEY,
  ts       INTEGER NOT NULL,
  alarm    TEXT NOT NULL,
  machine  TEXT NOT NULL,
  line     TEXT NOT NULL,
  rule     TEXT NOT NULL,
  severity INTEGER NOT NULL,
  event    TEXT NOT NULL,
  state    TEXT NOT NULL,
  message  TEXT NOT NULL,                  -- LocalText JSON
  value    REAL,
  lim      REAL,
  unit     TEXT,
  actor    TEXT NOT NULL,
  comment  TEXT
);
CREATE TABLE alarm_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;`,
  },
];

export interface AlarmEventRecord {
  readonly id?: number;
  readonly ts: number;
  readonly alarm: string;
  readonly machine: string;
  readonly line: string;
  readonly rule: string;
  readonly severity: Severity;
  readonly event: AlarmEventKind;
  readonly state: AlarmStateName;
  readonly message: LocalText;
  readonly value: number | null;
  readonly limit: number | null;
  readonly unit: string | null;
  /** `system` for the gateway's own transitions. */
  readonly actor: string;
  readonly comment: string | null;
}

export interface HistoryQuery {
  readonly from: number;
  readonly to: number;
  readonly machine?: string;
  readonly limit?: number;
}

interface EventRow {
  id: number;
  ts: number;
  alarm: string;
  machine: string;
  line: string;
  rule: string;
  severity: Severity;
  event: AlarmEventKind;
  state: AlarmStateName;
  message: string;
  value: number | null;
  lim: number | null;
  unit: string | null;
  actor: string;
  comment: string | null;
}

export class AlarmStore {
  private readonly putState: Statement;
  private readonly putEvent: Statement;
  private readonly putMeta: Statement;

  private constructor(readonly db: Database) {
    this.putState = db.prepare(
      'INSERT INTO alarm_state (id, status, eval) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET status = excluded.status, eval = excluded.eval',
    );
    this.putEvent = db.prepare(
      'INSERT INTO alarm_event (ts, alarm, machine, line, rule, severity, event, state, message, value, lim, unit, actor, comment) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.putMeta = db.prepare(
      'INSERT INTO alarm_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }

  /** Call once after the store's database is open. */
  static open(db: Database): AlarmStore {
    migrateComponent(db, 'alarms', MIGRATIONS);
    return new AlarmStore(db);
  }

  loadAll(): Map<string, { status: AlarmStatus; eval: EvalState }> {
    const rows = this.db.prepare('SELECT id, status, eval FROM alarm_state').all() as {
      id: string;
      status: string;
      eval: string;
    }[];
    return new Map(
      rows.map((r) => [
        r.id,
        { status: JSON.parse(r.status) as AlarmStatus, eval: JSON.parse(r.eval) as EvalState },
      ]),
    );
  }

  /** One transaction: the new status and the events that led to it commit together. */
  commit(status: AlarmStatus, evalState: EvalState, events: readonly AlarmEventRecord[]): number[] {
    const ids: number[] = [];
    this.db.transaction(() => {
      this.putState.run(status.id, JSON.stringify(status), JSON.stringify(evalState));
      for (const e of events) {
        const info = this.putEvent.run(
          e.ts,
          e.alarm,
          e.machine,
          e.line,
          e.rule,
          e.severity,
          e.event,
          e.state,
          JSON.stringify(e.message),
          e.value,
          e.limit,
          e.unit,
          e.actor,
          e.comment,
        );
        ids.push(Number(info.lastInsertRowid));
      }
    })();
    return ids;
  }

  /** Evaluation memory only (at stop): no event, no status change. */
  saveEval(states: readonly { status: AlarmStatus; eval: EvalState }[]): void {
    this.db.transaction(() => {
      for (const s of states)
        this.putState.run(s.status.id, JSON.stringify(s.status), JSON.stringify(s.eval));
    })();
  }

  history(q: HistoryQuery): AlarmEventRecord[] {
    const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 1000)), 10_000);
    const args: (string | number)[] = [q.from, q.to];
    let sql = 'SELECT * FROM alarm_event WHERE ts >= ? AND ts <= ?';
    if (q.machine) {
      sql += ' AND machine = ?';
      args.push(q.machine);
    }
    sql += ` ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as EventRow[]).map(fromRow);
  }

  /** Events with id > after, oldest first (the notification router's catch-up). */
  eventsAfter(after: number, limit = 500): AlarmEventRecord[] {
    const rows = this.db
      .prepare('SELECT * FROM alarm_event WHERE id > ? ORDER BY id LIMIT ?')
      .all(after, limit) as EventRow[];
    return rows.map(fromRow);
  }

  /**
   * Deletes events older than `before` (retention), never the newest one: ids continue from
   * the largest present, and the notification cursor must never see an id again.
   */
  prune(before: number): number {
    return this.db
      .prepare('DELETE FROM alarm_event WHERE ts < ? AND id < (SELECT MAX(id) FROM alarm_event)')
      .run(before).changes;
  }

  lastEventId(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(id), 0) FROM alarm_event').pluck().get() as number) ?? 0;
  }

  meta(key: string): string | null {
    const v = this.db.prepare('SELECT value FROM alarm_meta WHERE key = ?').pluck().get(key);
    return typeof v === 'string' ? v : null;
  }

  setMeta(key: string, value: string): void {
    this.putMeta.run(key, value);
  }
}

function fromRow(r: EventRow): AlarmEventRecord {
  return {
    id: r.id,
    ts: r.ts,
    alarm: r.alarm,
    machine: r.machine,
    line: r.line,
    rule: r.rule,
    severity: r.severity,
    event: r.event,
    state: r.state,
    message: JSON.parse(r.message) as LocalText,
    value: r.value,
    limit: r.lim,
    unit: r.unit,
    actor: r.actor,
    comment: r.comment,
  };
}
