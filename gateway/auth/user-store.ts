import type { Database } from 'better-sqlite3';
import { ROLES, type Role } from '../api/policy.js';
import { hashPassword } from '../sources/mqtt/password.js';

/**
 * Users of the dashboard, in the `auth_user` table. Passwords are kept as scrypt hashes only
 * (same form as the MQTT broker's: scrypt$N$r$p$salt$hash, random salt per user).
 *
 * Calling rules: the tables must exist (AuthService migrates them); names are checked by
 * `validUserName`, passwords by `passwordProblem` before `add` / `setPassword`.
 */
export interface UserRecord {
  readonly name: string;
  readonly role: Role;
  readonly createdTs: number;
  readonly updatedTs: number;
}

interface Row {
  name: string;
  role: string;
  password_hash: string;
  created_ts: number;
  updated_ts: number;
}

export const MIN_PASSWORD_LENGTH = 8;

export function validUserName(name: string): boolean {
  return /^[\p{L}\p{N}._-]{1,64}$/u.test(name);
}

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}

/** Why a password is refused, or null. */
export function passwordProblem(pw: string): string | null {
  if (pw.length < MIN_PASSWORD_LENGTH) return `at least ${MIN_PASSWORD_LENGTH} characters`;
  if (pw.length > 256) return 'at most 256 characters';
  return null;
}

export class UserStore {
  constructor(
    private readonly db: Database,
    private readonly now: () => number,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM auth_user').get() as { n: number }).n;
  }

  list(): UserRecord[] {
    return (this.db.prepare('SELECT * FROM auth_user ORDER BY name').all() as Row[]).map(toRecord);
  }

  get(name: string): UserRecord | null {
    const r = this.db.prepare('SELECT * FROM auth_user WHERE name = ?').get(name) as Row | undefined;
    return r ? toRecord(r) : null;
  }

  /** The stored hash, or null for an unknown user (the caller still runs scrypt on a dummy). */
  passwordHash(name: string): string | null {
    const r = this.db.prepare('SELECT password_hash FROM auth_user WHERE name = ?').get(name) as
      | { password_hash: string }
      | undefined;
    return r?.password_hash ?? null;
  }

  /** false when the name is taken. */
  add(name: string, role: Role, password: string): boolean {
    const t = this.now();
    const info = this.db
      .prepare(
        'INSERT INTO auth_user (name, role, password_hash, created_ts, updated_ts) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING',
      )
      .run(name, role, hashPassword(password), t, t);
    return info.changes === 1;
  }

  setRole(name: string, role: Role): boolean {
    return (
      this.db
        .prepare('UPDATE auth_user SET role = ?, updated_ts = ? WHERE name = ?')
        .run(role, this.now(), name).changes === 1
    );
  }

  setPassword(name: string, password: string): boolean {
    return (
      this.db
        .prepare('UPDATE auth_user SET password_hash = ?, updated_ts = ? WHERE name = ?')
        .run(hashPassword(password), this.now(), name).changes === 1
    );
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM auth_user WHERE name = ?').run(name).changes === 1;
  }

  admins(): number {
    return (
      this.db.prepare("SELECT count(*) AS n FROM auth_user WHERE role = 'admin'").get() as { n: number }
    ).n;
  }
}

function toRecord(r: Row): UserRecord {
  return {
    name: r.name,
    role: isRole(r.role) ? r.role : 'operator',
    createdTs: r.created_ts,
    updatedTs: r.updated_ts,
  };
}
