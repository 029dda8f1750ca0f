import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { DashboardConfig } from '../../config/dashboard.js';
import type { RequestUser, Role } from '../api/policy.js';
import { verifyPassword } from '../sources/mqtt/password.js';
import type { AuditLog } from '../store/audit.js';
import { migrateComponent } from '../store/migrations.js';
import { AUTH_MIGRATIONS } from './auth-schema.js';
import { LoginLimiter } from './login-limiter.js';
import { SessionStore } from './session-store.js';
import { passwordProblem, UserStore, validUserName } from './user-store.js';

/**
 * Sign-in, sessions and the first-admin setup token, over the auth tables of store.db.
 *
 * Calling rules: `AuthService.open()` once the store is open (migrates the `auth` component);
 * `start()` prints a one-time setup token when no user exists yet (and only then); every
 * result of `login` that is not `ok` gives the client the same answer whether the user exists
 * or not. Every sign-in, failed sign-in and user change is appended to the audit log.
 */
export interface AuthDeps {
  readonly db: Database;
  readonly audit: AuditLog | null;
  readonly config: DashboardConfig;
  readonly now: () => number;
  readonly log: Logger;
}

export type LoginResult =
  | { readonly ok: true; readonly sessionId: string; readonly csrf: string; readonly user: RequestUser }
  | { readonly ok: false; readonly reason: 'failed' }
  | { readonly ok: false; readonly reason: 'limited'; readonly retryAfterS: number };

export interface ResolvedSession {
  readonly id: string;
  readonly csrf: string;
  readonly user: RequestUser;
}

export class AuthService {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  readonly limiter: LoginLimiter;
  private setupToken: string | null = null;

  private constructor(private readonly deps: AuthDeps) {
    this.users = new UserStore(deps.db, deps.now);
    this.sessions = new SessionStore(deps.db, {
      idleMs: deps.config.sessionIdleMs,
      maxMs: deps.config.sessionMaxMs,
      now: deps.now,
    });
    this.limiter = new LoginLimiter({ ...deps.config.login, now: deps.now });
  }

  static open(deps: AuthDeps): AuthService {
    migrateComponent(deps.db, 'auth', AUTH_MIGRATIONS);
    return new AuthService(deps);
  }

  get config(): DashboardConfig {
    return this.deps.config;
  }

  /** Sweeps idle sessions; when there is no user, makes and logs the one-time setup token. */
  start(): string | null {
    this.sessions.sweep();
    if (this.users.count() === 0) {
      this.setupToken = randomBytes(18).toString('base64url');
      this.deps.log.warn(
        { setupToken: this.setupToken },
        'no dashboard user yet: create the first admin with `linegate user add NAME --role admin`, or open the dashboard and use this one-time setup token',
      );
    }
    return this.setupToken;
  }

  needsSetup(): boolean {
    return this.setupToken !== null && this.users.count() === 0;
  }

  audit(actor: string, action: string, target: string, result: 'ok' | 'denied' | 'failed', detail?: object) {
    this.deps.audit?.append({
      ts: this.deps.now(),
      actor,
      action,
      target,
      result,
      ...(detail ? { detail: detail as Record<string, unknown> } : {}),
    });
  }

  async login(name: string, password: string, ip: string): Promise<LoginResult> {
    const wait = this.limiter.blocked(name, ip);
    if (wait > 0) {
      this.audit(name, 'auth.login-failed', name, 'denied', { ip, why: 'rate-limited' });
      return { ok: false, reason: 'limited', retryAfterS: wait };
    }
    const stored = validUserName(name) ? this.users.passwordHash(name) : null;
    const good = await verifyPassword(password, stored);
    const user = good ? this.users.get(name) : null;
    if (!user) {
      this.limiter.fail(name, ip);
      this.audit(name, 'auth.login-failed', name, 'failed', { ip });
      return { ok: false, reason: 'failed' };
    }
    this.limiter.succeed(name);
    const { id, session } = this.sessions.create(user.name);
    this.audit(user.name, 'auth.login', user.name, 'ok', { ip });
    return { ok: true, sessionId: id, csrf: session.csrf, user: { name: user.name, role: user.role } };
  }

  /** The session behind a cookie value, with the user's current role; null if none or idle. */
  resolve(id: string | undefined): ResolvedSession | null {
    if (!id) return null;
    const s = this.sessions.get(id);
    if (!s) return null;
    const u = this.users.get(s.user);
    if (!u) {
      this.sessions.delete(id);
      return null;
    }
    return { id, csrf: s.csrf, user: { name: u.name, role: u.role } };
  }

  logout(s: ResolvedSession): void {
    this.sessions.delete(s.id);
    this.audit(s.user.name, 'auth.logout', s.user.name, 'ok');
  }

  /** Creates the first admin with the setup token printed at start. Error text or null. */
  setup(token: string, name: string, password: string, ip: string): string | null {
    const expected = this.setupToken;
    const a = Buffer.from(token);
    const ok = expected !== null && a.length === expected.length && timingSafeEqual(a, Buffer.from(expected));
    if (!ok || this.users.count() > 0) {
      this.audit(name, 'user.setup', name, 'denied', { ip });
      return 'setup token not valid (or a user exists already)';
    }
    const bad = this.userProblem(name, password);
    if (bad) return bad;
    this.users.add(name, 'admin', password);
    this.setupToken = null;
    this.audit(name, 'user.add', name, 'ok', { role: 'admin', via: 'setup-token', ip });
    return null;
  }

  userProblem(name: string, password: string | undefined, role?: Role): string | null {
    if (!validUserName(name)) return 'user name: 1–64 letters, digits, . _ -';
    if (password !== undefined) {
      const p = passwordProblem(password);
      if (p) return `password: ${p}`;
    }
    return role === undefined || typeof role === 'string' ? null : 'role';
  }
}
