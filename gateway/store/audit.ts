import type { Database, Statement } from 'better-sqlite3';
import { type Migration, migrateComponent } from './migrations.js';

/**
 * The audit trail: who did what, when, with what result. Logins, failed logins, alarm acks and
 * shelves, stop reasons, product changes, user changes all land here. Append-only by design:
 * this module has no update or delete, and no API route may offer one.
 *
 * Calling rules: `AuditLog.open(db)` once after the store is open (it migrates its table);
 * `append()` commits at once (one small transaction: an operator action is rare and must
 * survive a power cut the moment the API has answered).
 */
export interface AuditEntry {
  readonly ts: number;
  /** User name, `anonymous`, or `system` for the gateway's own actions. */
  readonly actor: string;
  /** Dotted verb: `auth.login`, `auth.login-failed`, `alarm.ack`, `production.reason`, `user.add`… */
  readonly action: string;
  /** What the action was on: an alarm id, a stop id, a user name… ('' when none). */
  readonly target: string;
  readonly result: 'ok' | 'denied' | 'failed';
  /** Free details (comment, client IP, old/new values). Stored as JSON. */
  readonly detail?: Readonly<Record<string, unknown>>;
}

export interface AuditRecord extends AuditEntry {
  readonly id: number;
}

export interface AuditQuery {
  readonly from?: number;
  readonly to?: number;
  readonly actor?: string;
  /** Exact action, or a prefix ending in `.` (`alarm.` = every alarm action). */
  readonly action?: string;
  readonly target?: string;
  /** Newest first; default 200, at most 5000. */
  readonly limit?: number;
  /** Only records with id < before (paging backwards). */
  readonly before?: number;
}

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'audit trail',
    sql: `
CREATE TABLE audit (
  id     INTEGER PRIMARY KEY,
  ts     INTEGER NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT                              -- JSON object or NULL
);`,
  },
];

interface Row {
  id: number;
  ts: number;
  actor: string;
  action: string;
  target: string;
  result: AuditEntry['result'];
  detail: string | null;
}

export class AuditLog {
  private readonly insert: Statement;

  private constructor(private readonly db: Database) {
    this.insert = db.prepare(
      'INSERT INTO audit (ts, actor, action, target, result, detail) VALUES (?, ?, ?, ?, ?, ?)',
    );
  }

  static open(db: Database): AuditLog {
    migrateComponent(db, 'audit', MIGRATIONS);
    return new AuditLog(db);
  }

  append(e: AuditEntry): number {
    const info = this.insert.run(
      e.ts,
      e.actor,
      e.action,
      e.target,
      e.result,
      e.detail === undefined ? null : JSON.stringify(e.detail),
    );
    return Number(info.lastInsertRowid);
  }

  list(q: AuditQuery = {}): AuditRecord[] {
    const where: string[] = [];
    const args: (string | number)[] = [];
    if (q.from !== undefined) where.push('ts >= ?') && args.push(q.from);
    if (q.to !== undefined) where.push('ts <= ?') && args.push(q.to);
    if (q.actor !== undefined) where.push('actor = ?') && args.push(q.actor);
    if (q.target !== undefined) where.push('target = ?') && args.push(q.target);
    if (q.before !== undefined) where.push('id < ?') && args.push(q.before);
    if (q.action !== undefined) {
      if (q.action.endsWith('.'))
        where.push('substr(action, 1, ?) = ?') && args.push(q.action.length, q.action);
      else where.push('action = ?') && args.push(q.action);
    }
    const limit = Math.min(Math.max(1, Math.trunc(q.limit ?? 200)), 5000);
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${limit}`;
    return (this.db.prepare(sql).all(...args) as Row[]).map((r) => ({
      id: r.id,
      ts: r.ts,
      actor: r.actor,
      action: r.action,
      target: r.target,
      result: r.result,
      ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as Record<string, unknown> }),
    }));
  }
}
