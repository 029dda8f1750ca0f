import { createHash, randomBytes } from 'node:crypto';
import type { Database } from 'better-sqlite3';

/**
 * Server-side sessions (`auth_session`). The cookie holds a random 256-bit id; the table holds
 * its SHA-256. A session unused for `idleMs` is gone, and so is one older than `maxMs` however
 * busy (a stolen cookie does not live for ever). To spare the SD card, the last-use time is
 * written at most once per `touchEveryMs` (so the idle timeout is exact to that much).
 */
export interface Session {
  readonly user: string;
  readonly csrf: string;
  readonly createdTs: number;
}

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
const token = () => randomBytes(32).toString('base64url');

export class SessionStore {
  private readonly touchEveryMs: number;

  constructor(
    private readonly db: Database,
    private readonly opts: { idleMs: number; maxMs: number; now: () => number },
  ) {
    this.touchEveryMs = Math.min(60_000, Math.floor(opts.idleMs / 10));
  }

  /** A new session with a new id (never reuses one the client brought: no fixation). */
  create(user: string): { id: string; session: Session } {
    const id = token();
    const csrf = token();
    const t = this.opts.now();
    this.db
      .prepare('INSERT INTO auth_session (id_hash, user, csrf, created_ts, seen_ts) VALUES (?, ?, ?, ?, ?)')
      .run(hashId(id), user, csrf, t, t);
    return { id, session: { user, csrf, createdTs: t } };
  }

  /** The live session for a cookie value, or null (unknown, idle too long or too old: then deleted). */
  get(id: string): Session | null {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(id)) return null;
    const h = hashId(id);
    const r = this.db
      .prepare('SELECT user, csrf, created_ts, seen_ts FROM auth_session WHERE id_hash = ?')
      .get(h) as { user: string; csrf: string; created_ts: number; seen_ts: number } | undefined;
    if (!r) return null;
    const t = this.opts.now();
    if (t - r.seen_ts > this.opts.idleMs || t - r.created_ts > this.opts.maxMs) {
      this.db.prepare('DELETE FROM auth_session WHERE id_hash = ?').run(h);
      return null;
    }
    if (t - r.seen_ts >= this.touchEveryMs)
      this.db.prepare('UPDATE auth_session SET seen_ts = ? WHERE id_hash = ?').run(t, h);
    return { user: r.user, csrf: r.csrf, createdTs: r.created_ts };
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM auth_session WHERE id_hash = ?').run(hashId(id));
  }

  deleteForUser(user: string): number {
    return this.db.prepare('DELETE FROM auth_session WHERE user = ?').run(user).changes;
  }

  /** Drops idle and too old sessions; called now and then (and at start). */
  sweep(): number {
    const t = this.opts.now();
    return this.db
      .prepare('DELETE FROM auth_session WHERE seen_ts < ? OR created_ts < ?')
      .run(t - this.opts.idleMs, t - this.opts.maxMs).changes;
  }
}
