import type { Migration } from '../store/migrations.js';

/**
 * The auth tables in the store's SQLite file (component `auth`). Session ids are stored as
 * their SHA-256 only: a copy of store.db gives no usable session cookie.
 */
export const AUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users and sessions',
    sql: `
CREATE TABLE auth_user (
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,            -- scrypt$N$r$p$salt$hash
  created_ts    INTEGER NOT NULL,
  updated_ts    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE auth_session (
  id_hash    TEXT PRIMARY KEY,            -- hex SHA-256 of the cookie value
  user       TEXT NOT NULL,
  csrf       TEXT NOT NULL,               -- token the client sends back in x-csrf-token
  created_ts INTEGER NOT NULL,
  seen_ts    INTEGER NOT NULL             -- last use, written at most once a minute
) WITHOUT ROWID;`,
  },
];
