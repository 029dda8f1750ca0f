import type { Database, Statement } from 'better-sqlite3';
import { type Migration, migrateComponent } from '../../store/migrations.js';

/**
 * The durable notification queue (migrateComponent 'notify'). A message is enqueued once per
 * (dedup key) — INSERT OR IGNORE — committed before anyone tries to send it, marked sent only
 * after the channel accepted it: a notifier outage or a power cut loses nothing, and a message
 * is never queued twice. `notify_meta.cursor` is the last alarm_event id routed, moved in the
 * same transaction as the messages it produced, so an event committed just before a kill is
 * routed after the restart.
 */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'notification queue',
    sql: `
CREATE TABLE notify_queue (
  id         INTEGER PRIMARY KEY,
  dedup      TEXT NOT NULL UNIQUE,
  channel    TEXT NOT NULL,
  created    INTEGER NOT NULL,
  due        INTEGER NOT NULL,
  attempts   INTEGER NOT NULL DEFAULT 0,
  sent_at    INTEGER,
  last_error TEXT,
  message    TEXT NOT NULL              -- OutgoingMessage JSON
);
CREATE TABLE notify_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) WITHOUT ROWID;`,
  },
];

/** What a notifier sends. Texts are composed at enqueue time, in the channel's language. */
export interface OutgoingMessage {
  readonly kind: 'alarm' | 'escalation' | 'summary' | 'restart' | 'return';
  readonly severity: number;
  readonly subject: string;
  readonly text: string;
  /** Structured copy for webhook / MQTT receivers. */
  readonly data: Readonly<Record<string, unknown>>;
}

export interface QueuedMessage {
  readonly id: number;
  readonly dedup: string;
  readonly channel: string;
  readonly attempts: number;
  readonly message: OutgoingMessage;
}

export interface NewMessage {
  readonly dedup: string;
  readonly channel: string;
  readonly due: number;
  readonly message: OutgoingMessage;
}

export class NotifyQueue {
  private readonly insert: Statement;
  private readonly next: Statement;

  private constructor(readonly db: Database) {
    this.insert = db.prepare(
      'INSERT OR IGNORE INTO notify_queue (dedup, channel, created, due, message) VALUES (?, ?, ?, ?, ?)',
    );
    this.next = db.prepare(
      'SELECT id, dedup, channel, attempts, message FROM notify_queue WHERE channel = ? AND sent_at IS NULL AND due <= ? ORDER BY id LIMIT 1',
    );
  }

  static open(db: Database): NotifyQueue {
    migrateComponent(db, 'notify', MIGRATIONS);
    return new NotifyQueue(db);
  }

  /** Enqueues (ignoring keys already queued) and runs `also` in the same transaction. */
  enqueue(items: readonly NewMessage[], now: number, also?: () => void): number {
    let added = 0;
    this.db.transaction(() => {
      for (const m of items)
        added += this.insert.run(m.dedup, m.channel, now, m.due, JSON.stringify(m.message)).changes;
      also?.();
    })();
    return added;
  }

  nextDue(channel: string, now: number): QueuedMessage | null {
    const r = this.next.get(channel, now) as
      | { id: number; dedup: string; channel: string; attempts: number; message: string }
      | undefined;
    return r ? { ...r, message: JSON.parse(r.message) as OutgoingMessage } : null;
  }

  /** When the next unsent message of a channel is due (null: none). */
  nextDueAt(channel: string): number | null {
    const v = this.db
      .prepare('SELECT MIN(due) FROM notify_queue WHERE channel = ? AND sent_at IS NULL')
      .pluck()
      .get(channel);
    return typeof v === 'number' ? v : null;
  }

  markSent(id: number, now: number): void {
    this.db.prepare('UPDATE notify_queue SET sent_at = ?, last_error = NULL WHERE id = ?').run(now, id);
  }

  /**
   * Counts a failed attempt. The message keeps its place (and its due time): the dispatcher
   * pauses the whole channel for the backoff, so messages still go out in order afterwards.
   */
  markFailed(id: number, error: string): void {
    this.db
      .prepare('UPDATE notify_queue SET attempts = attempts + 1, last_error = ? WHERE id = ?')
      .run(error.slice(0, 500), id);
  }

  /** Messages queued for a channel since `since` (for the per-channel hourly limit). */
  countSince(channel: string, since: number, kind?: OutgoingMessage['kind']): number {
    const sql = kind
      ? "SELECT COUNT(*) FROM notify_queue WHERE channel = ? AND created >= ? AND json_extract(message, '$.kind') = ?"
      : 'SELECT COUNT(*) FROM notify_queue WHERE channel = ? AND created >= ?';
    const args = kind ? [channel, since, kind] : [channel, since];
    return this.db
      .prepare(sql)
      .pluck()
      .get(...args) as number;
  }

  /**
   * Whether the last activation message queued for `alarm` on `channel` has no
   * "returned to normal" message after it yet (so a return is owed on that channel).
   */
  returnOwed(channel: string, alarm: string): boolean {
    const kind = this.db
      .prepare(
        "SELECT json_extract(message, '$.kind') FROM notify_queue WHERE channel = ? AND json_extract(message, '$.data.id') = ? AND json_extract(message, '$.kind') IN ('alarm', 'return') ORDER BY id DESC LIMIT 1",
      )
      .pluck()
      .get(channel, alarm);
    return kind === 'alarm';
  }

  /**
   * Deletes messages sent before `before` (their dedup keys are long past use). Escalations
   * (`e:` keys) stay: their key is what says an alarm still unacknowledged was escalated once.
   */
  pruneSent(before: number): number {
    return this.db
      .prepare(
        "DELETE FROM notify_queue WHERE sent_at IS NOT NULL AND sent_at < ? AND substr(dedup, 1, 2) <> 'e:'",
      )
      .run(before).changes;
  }

  backlog(channel: string): { pending: number; lastError: string | null } {
    const r = this.db
      .prepare(
        'SELECT COUNT(*) AS n, (SELECT last_error FROM notify_queue WHERE channel = ? AND sent_at IS NULL AND last_error IS NOT NULL ORDER BY id DESC LIMIT 1) AS e FROM notify_queue WHERE channel = ? AND sent_at IS NULL',
      )
      .get(channel, channel) as { n: number; e: string | null };
    return { pending: r.n, lastError: r.e };
  }

  meta(key: string): string | null {
    const v = this.db.prepare('SELECT value FROM notify_meta WHERE key = ?').pluck().get(key);
    return typeof v === 'string' ? v : null;
  }

  setMeta(key: string, value: string): void {
    this.db
      .prepare(
        'INSERT INTO notify_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      )
      .run(key, value);
  }
}
